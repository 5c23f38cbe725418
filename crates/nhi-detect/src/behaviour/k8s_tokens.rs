//! Kubernetes service-account tokens used where they should not be: from outside the cluster's
//! own networks (learned from node traffic, and from service accounts while the log warms up),
//! by a client the service account never used, or the same bound token (its
//! `authentication.kubernetes.io/credential-id`) from two addresses. One log is one cluster.
//! State: the cluster's networks, each service account's clients, each live token's address.

use super::net::Network;
use super::state::{Baseline, IdleMap};
use super::{k8s, rule, Detector, Family, Hit, Seen};
use crate::sigma::EventRef;
use chrono::TimeDelta;
use foldhash::{HashMap, HashMapExt};
use nhi_model::{OwaspNhi, RuleMeta, Severity};

/// Networks a cluster may span before novelty means nothing.
const CLUSTER_NETWORKS: usize = 4096;
/// Client programs remembered per service account.
const CLIENTS: usize = 8;
/// Bound tokens tracked at once, and how long an idle one is remembered.
const TOKENS: usize = 200_000;
const TOKEN_IDLE: TimeDelta = TimeDelta::hours(24);

static OUTSIDE_CLUSTER: RuleMeta = rule(
    "k8s-serviceaccount-token-outside-cluster",
    "Service-account token used from outside the cluster",
    Severity::High,
    &[OwaspNhi::NHI2],
    "A service account's token is presented from a network that neither the cluster's nodes nor its workloads use: the token was copied out of a pod or a secret.",
    "Delete the pod or secret that held the token (bound tokens die with their pod), rotate legacy token secrets, and review the calls made from that address.",
);

static NEW_CLIENT: RuleMeta = rule(
    "k8s-serviceaccount-new-user-agent",
    "Service account used by a new client program",
    Severity::Medium,
    &[OwaspNhi::NHI2, OwaspNhi::NHI10],
    "A service account with a settled baseline is used by a client program it never used (for instance kubectl instead of its controller): someone is using its token by hand.",
    "Find where the token was used from and by whom; rotate it and make sure only the workload's pods mount it.",
);

static TOKEN_TWO_ADDRESSES: RuleMeta = rule(
    "k8s-token-reused-from-two-addresses",
    "One service-account token used from two addresses",
    Severity::High,
    &[OwaspNhi::NHI2],
    "The same bound service-account token (same credential id) is presented from two different addresses: a token belongs to one pod, so a copy is in use elsewhere.",
    "Delete the pod the token was issued to (invalidating the token), and investigate the second address.",
);

pub(super) static FAMILY: Family = Family {
    patterns: &[],
    rules: &[&OUTSIDE_CLUSTER, &NEW_CLIENT, &TOKEN_TWO_ADDRESSES],
    build: Some(|| Box::new(TokenUse::new())),
};

/// The program part of a user agent (`kubectl/v1.29 (linux/amd64)` is `kubectl`).
fn client_program(agent: &str) -> String {
    agent.split(['/', ' ']).next().unwrap_or(agent).to_string()
}

struct TokenUse {
    cluster: Baseline<Network>,
    clients: HashMap<String, Baseline<String>>,
    tokens: IdleMap<String, (String, EventRef)>,
}

impl TokenUse {
    fn new() -> Self {
        TokenUse {
            cluster: Baseline::new(CLUSTER_NETWORKS),
            clients: HashMap::new(),
            tokens: IdleMap::new(TOKEN_IDLE, TOKENS),
        }
    }

    fn outside_cluster(&mut self, seen: &Seen<'_>, ip: &str, hits: &mut Vec<Hit>) {
        let network = Network::of_cluster_client(ip);
        if !network.is_client() {
            return;
        }
        let node = seen.principal().starts_with("k8s:user:system:node:");
        let service_account = k8s::is_service_account(seen.record);
        if node || (service_account && !seen.warmed_up) {
            self.cluster.learn(network);
            return;
        }
        if service_account && !self.cluster.saturated() && !self.cluster.contains(&network) {
            let detail =
                format!("token used from {ip} ({network}), outside the cluster's networks");
            hits.push(Hit::on(&OUTSIDE_CLUSTER, seen, detail));
        }
    }

    fn new_client(&mut self, seen: &Seen<'_>, agent: &str, hits: &mut Vec<Hit>) {
        let program = client_program(agent);
        let clients = self
            .clients
            .entry(seen.principal().to_string())
            .or_insert_with(|| Baseline::new(CLIENTS));
        let known: Vec<String> = clients.iter().cloned().collect();
        let new = clients.learn(program.clone());
        if seen.mature && new && !clients.saturated() && !known.is_empty() {
            let detail = format!("used by {program}; before only by {}", known.join(", "));
            hits.push(Hit::on(&NEW_CLIENT, seen, detail));
        }
    }

    fn two_addresses(&mut self, seen: &Seen<'_>, credential: &str, ip: &str, hits: &mut Vec<Hit>) {
        if !credential.starts_with("k8s-credential:JTI=")
            || !seen.network.is_some_and(|network| network.is_client())
        {
            return;
        }
        let (first_ip, first_event) = self.tokens.touch(credential, seen.time(), || {
            (ip.to_string(), seen.event_ref())
        });
        if first_ip != ip {
            let detail = format!("token used from {first_ip} and from {ip}");
            let mut hit = Hit::on(&TOKEN_TWO_ADDRESSES, seen, detail);
            hit.events.insert(0, first_event.clone());
            hits.push(hit);
        }
    }
}

impl Detector for TokenUse {
    fn observe(&mut self, seen: &Seen<'_>, hits: &mut Vec<Hit>) {
        let record = seen.record;
        if !k8s::is_k8s(record) {
            return;
        }
        let event = &record.event;
        if let Some(ip) = event.source_ip.as_deref() {
            self.outside_cluster(seen, ip, hits);
            if let Some(credential) = event.credential.as_deref() {
                self.two_addresses(seen, credential, ip, hits);
            }
        }
        if let (true, Some(agent)) = (k8s::is_service_account(record), event.user_agent.as_deref())
        {
            self.new_client(seen, agent, hits);
        }
    }
}

#[cfg(test)]
pub(super) fn examples() -> Vec<super::examples::Example> {
    use super::examples::Example;
    use super::testlog::{k8s, service_account};
    let builder = service_account("ci", "builder");
    let node = "system:node:worker-1";
    let call = |second, user: &str| k8s(second, user, "get", "pods").target("ci", "");
    let mut warm: Vec<_> = (0..4)
        .flat_map(|i| {
            [
                call(i * 1200, node).ip("10.0.1.20").done(),
                call(i * 1200 + 5, &builder).ip("10.244.7.3").done(),
            ]
        })
        .collect();
    let mut outside = warm.clone();
    outside.push(call(5000, &builder).ip("203.0.113.66").done());
    warm.push(call(5000, &builder).ip("10.244.9.8").done());
    warm.push(call(5100, node).ip("10.0.2.2").done());

    let routine = |second| {
        call(second, &builder)
            .agent("argocd-application-controller/v2.9")
            .done()
    };
    let mut new_client: Vec<_> = (0..4).map(|i| routine(i * 1200)).collect();
    new_client.push(
        call(5000, &builder)
            .agent("kubectl/v1.29.1 (darwin/arm64) kubernetes/abc")
            .done(),
    );
    let mut same_client: Vec<_> = (0..4).map(|i| routine(i * 1200)).collect();
    same_client.push(routine(5000));

    let token = |second, ip: &str| call(second, &builder).ip(ip).token("JTI=4c1f").done();
    vec![
        Example::new(OUTSIDE_CLUSTER.id.as_ref(), outside, warm),
        Example::new(NEW_CLIENT.id.as_ref(), new_client, same_client),
        Example::new(
            TOKEN_TWO_ADDRESSES.id.as_ref(),
            vec![token(0, "10.244.7.3"), token(30, "192.0.2.44")],
            vec![
                token(0, "10.244.7.3"),
                token(30, "10.244.7.3"),
                token(40, "127.0.0.1"),
            ],
        ),
    ]
}
