//! First use of an identity from a public network it was never seen on, once its baseline is
//! mature. Private, local and AWS-service addresses are learned as "seen" but never judged: they
//! are inside the estate. An identity seen on more than [`NETWORKS`] networks roams and is skipped.

use super::net::Network;
use super::state::{Baseline, IdMap};
use super::{aws, rule, Detector, Family, Hit, Seen};
use nhi_model::{OwaspNhi, RuleMeta, Severity};

/// Networks remembered per identity.
const NETWORKS: usize = 32;

static NEW_NETWORK: RuleMeta = rule(
    "identity-new-network",
    "Identity used from a new network",
    Severity::Medium,
    &[OwaspNhi::NHI2],
    "An identity with a settled baseline calls from a public network (/24 for IPv4, /48 for IPv6) it never used before: typical of a leaked credential used by someone else.",
    "Confirm with the identity's owner that the new network is theirs; if not, revoke the credential used, rotate it and review what the calls did.",
);

pub(super) static FAMILY: Family = Family {
    patterns: &[],
    rules: &[&NEW_NETWORK],
    build: Some(|| Box::<NewNetwork>::default()),
};

#[derive(Default)]
struct NewNetwork {
    baselines: IdMap<Usual>,
}

struct Usual {
    networks: Baseline<Network>,
    /// Whether the identity ever called from a client address during its learning window.
    from_clients: bool,
}

impl Detector for NewNetwork {
    fn observe(&mut self, seen: &Seen<'_>, hits: &mut Vec<Hit>) {
        let record = seen.record;
        let Some(network) = seen.network else {
            return;
        };
        if aws::is_cloudtrail(record) && aws::via_aws_service(record) {
            return;
        }
        if !network.is_client() {
            return;
        }
        let usual = self.baselines.entry(seen.identity, || Usual {
            networks: Baseline::new(NETWORKS),
            from_clients: false,
        });
        if !seen.mature {
            usual.from_clients = true;
            usual.networks.learn(network);
            return;
        }
        let judged = usual.from_clients && network.is_public() && !usual.networks.saturated();
        if judged && !usual.networks.contains(&network) {
            let detail = format!("first call from {network} ({})", record.event.action);
            hits.push(Hit::on(&NEW_NETWORK, seen, detail));
        }
        usual.networks.learn(network);
    }
}

#[cfg(test)]
pub(super) fn examples() -> Vec<super::examples::Example> {
    use super::examples::Example;
    use super::testlog::{ct, user};
    let deploy = user("deploy");
    let usual = |second| {
        ct(second, &deploy, "s3:GetObject")
            .ip("198.51.100.20")
            .done()
    };
    let mut fires: Vec<_> = (0..5).map(|minute| usual(minute * 900)).collect();
    fires.push(ct(7200, &deploy, "s3:ListBuckets").ip("203.0.113.9").done());
    let mut quiet: Vec<_> = (0..5).map(|minute| usual(minute * 900)).collect();
    quiet.push(
        ct(7200, &deploy, "s3:ListBuckets")
            .ip("198.51.100.77")
            .done(),
    );
    quiet.push(ct(7300, &deploy, "s3:ListBuckets").ip("10.20.30.40").done());
    quiet.push(
        ct(7400, &deploy, "s3:ListBuckets")
            .ip("cloudformation.amazonaws.com")
            .done(),
    );
    vec![Example::new(NEW_NETWORK.id.as_ref(), fires, quiet)]
}
