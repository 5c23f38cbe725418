//! A long-term access key (`AKIA...`) used from two public networks within minutes: one key in
//! two places at once has been copied. Only public networks are compared (a host may reach AWS
//! both through a VPC endpoint and through the internet); state is kept per key, for keys used
//! in the last window only.

use super::net::Network;
use super::state::IdleMap;
use super::{aws, rule, Detector, Family, Hit, Seen};
use crate::sigma::EventRef;
use chrono::TimeDelta;
use nhi_model::{OwaspNhi, RuleMeta, Severity, Timestamp};

/// How close in time two calls from different networks must be.
const WINDOW: TimeDelta = TimeDelta::minutes(10);
/// Recent calls remembered per key (one per network is enough).
const RECENT: usize = 8;
/// Keys tracked at once.
const KEYS: usize = 100_000;

static KEY_TRAVEL: RuleMeta = rule(
    "aws-access-key-multiple-networks",
    "Long-term access key used from two networks within minutes",
    Severity::High,
    &[OwaspNhi::NHI2, OwaspNhi::NHI7],
    "The same AKIA access key signs calls from two different public networks less than ten minutes apart: the key is in two places, so it has been copied or leaked.",
    "Find where the key is stored; deactivate it, issue a new one to the legitimate workload only (better: move it to a role with short-lived credentials) and review the calls from the unknown network.",
);

pub(super) static FAMILY: Family = Family {
    patterns: &[],
    rules: &[&KEY_TRAVEL],
    build: Some(|| Box::new(KeyTravel::new())),
};

struct KeyTravel {
    recent: IdleMap<String, Vec<(Timestamp, Network, EventRef)>>,
}

impl KeyTravel {
    fn new() -> Self {
        KeyTravel {
            recent: IdleMap::new(WINDOW, KEYS),
        }
    }
}

impl Detector for KeyTravel {
    fn observe(&mut self, seen: &Seen<'_>, hits: &mut Vec<Hit>) {
        let record = seen.record;
        let Some(key) = aws::long_term_key(record) else {
            return;
        };
        if aws::via_aws_service(record) {
            return;
        }
        let Some(network) = seen.network else {
            return;
        };
        if !network.is_public() {
            return;
        }
        let now = seen.time();
        let recent = self.recent.touch(key, now, Vec::new);
        recent.retain(|(time, _, _)| *time + WINDOW >= now);
        if let Some((time, elsewhere, event)) =
            recent.iter().find(|(_, other, _)| *other != network)
        {
            let minutes = (now - *time).num_minutes();
            let detail = format!(
                "key {} used from {elsewhere} then from {network} {minutes} min later",
                aws::key_label(key)
            );
            let mut hit = Hit::on(&KEY_TRAVEL, seen, detail);
            hit.events.insert(0, event.clone());
            hits.push(hit);
        }
        recent.retain(|(_, other, _)| *other != network);
        recent.push((now, network, seen.event_ref()));
        if recent.len() > RECENT {
            recent.remove(0);
        }
    }
}

#[cfg(test)]
pub(super) fn examples() -> Vec<super::examples::Example> {
    use super::examples::Example;
    use super::testlog::{ct, user};
    let ci = user("ci");
    let fires = vec![
        ct(0, &ci, "s3:PutObject").ip("198.51.100.20").done(),
        ct(240, &ci, "s3:ListBuckets").ip("203.0.113.9").done(),
    ];
    let quiet = vec![
        ct(0, &ci, "s3:PutObject").ip("198.51.100.20").done(),
        ct(60, &ci, "s3:PutObject").ip("10.0.0.7").done(),
        ct(3600, &ci, "s3:ListBuckets").ip("203.0.113.9").done(),
        ct(3700, &user("other"), "s3:ListBuckets")
            .ip("198.51.100.20")
            .done(),
    ];
    vec![Example::new(KEY_TRAVEL.id.as_ref(), fires, quiet)]
}
