//! Exit statuses: what scripts and CI read.

use nhi_model::Severity;
use std::process::ExitCode;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// 0: done, nothing at or above `--fail-on`, every input read.
    Clean,
    /// 1: a reported finding is at or above `--fail-on`.
    Findings,
    /// 2: usage error or fatal error (no trustworthy report).
    Fatal,
    /// 3: the report is complete for what could be read, but some inputs could not be.
    InputErrors,
}

impl Status {
    /// The status of a finished run: findings at or above `fail_on` win over input errors,
    /// because CI must fail on them whatever else happened.
    pub fn of_run(
        severities: impl IntoIterator<Item = Severity>,
        fail_on: Option<Severity>,
        input_errors: usize,
    ) -> Status {
        let failing = fail_on.is_some_and(|bar| severities.into_iter().any(|s| s >= bar));
        if failing {
            Status::Findings
        } else if input_errors > 0 {
            Status::InputErrors
        } else {
            Status::Clean
        }
    }
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        ExitCode::from(match status {
            Status::Clean => 0,
            Status::Findings => 1,
            Status::Fatal => 2,
            Status::InputErrors => 3,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failing_findings_win_over_input_errors() {
        let sev = [Severity::Low, Severity::High];
        assert_eq!(
            Status::of_run(sev, Some(Severity::High), 2),
            Status::Findings
        );
        assert_eq!(
            Status::of_run(sev, Some(Severity::Critical), 2),
            Status::InputErrors
        );
        assert_eq!(Status::of_run(sev, None, 0), Status::Clean);
    }
}
