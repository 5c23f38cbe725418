//! Kubernetes workloads created with a way out of their container: privileged containers, host
//! namespaces (network, PID, IPC), sensitive host paths mounted, pods placed in the system
//! namespaces, and NodePort services opening a port on every node. Single-record patterns over
//! successful pod and service creations.

use super::k8s_rbac::SYSTEM_NAMESPACES;
use super::patterns::Pattern;
use super::{k8s, rule, Family};
use crate::normalise::{LogSource, Record};
use nhi_model::{OwaspNhi, RuleMeta, Severity};
use sonic_rs::{JsonContainerTrait, JsonValueTrait, Value};

/// Host paths whose mount gives control of (or secrets of) the node.
const SENSITIVE_PATHS: [&str; 9] = [
    "/",
    "/etc",
    "/root",
    "/proc",
    "/var/run/docker.sock",
    "/run/containerd",
    "/var/run/containerd",
    "/var/lib/kubelet",
    "/etc/kubernetes",
];

const PRIVILEGED: RuleMeta = rule(
    "k8s-privileged-pod",
    "Privileged container created",
    Severity::High,
    &[OwaspNhi::NHI5],
    "A pod runs a privileged container: it has every capability and the host's devices, so it can take over the node and every service-account token on it.",
    "Remove `privileged: true` unless the workload is a vetted node agent, and enforce the baseline Pod Security Standard in application namespaces.",
);

const HOST_NAMESPACES: RuleMeta = rule(
    "k8s-host-namespace-pod",
    "Pod sharing the host's network, PID or IPC namespace",
    Severity::Medium,
    &[OwaspNhi::NHI5],
    "A pod uses the node's network, process or IPC namespace: it sees the node's traffic and processes and can reach the node's local services (kubelet, metadata endpoint).",
    "Drop hostNetwork/hostPID/hostIPC unless the workload is a vetted node agent, and enforce Pod Security admission.",
);

const SENSITIVE_MOUNT: RuleMeta = rule(
    "k8s-sensitive-host-mount-pod",
    "Pod mounting a sensitive host path",
    Severity::High,
    &[OwaspNhi::NHI5],
    "A pod mounts a sensitive host directory (/, /etc, /root, /proc, the container runtime socket, kubelet or Kubernetes configuration): the node and its credentials are exposed to the container.",
    "Remove the hostPath volume (or mount a narrow, read-only path) and enforce Pod Security admission.",
);

const SYSTEM_NAMESPACE_POD: RuleMeta = rule(
    "k8s-pod-in-system-namespace",
    "Pod created in a system namespace",
    Severity::Low,
    &[OwaspNhi::NHI5],
    "A pod is created in kube-system or kube-public, where workloads run with the control plane's service accounts and are seldom reviewed.",
    "Check the pod belongs to a known add-on; keep application workloads out of the system namespaces.",
);

const NODEPORT: RuleMeta = rule(
    "k8s-nodeport-service",
    "NodePort service created",
    Severity::Low,
    &[OwaspNhi::NHI5],
    "A service of type NodePort opens its port on every node of the cluster, often bypassing the ingress and its authentication.",
    "Use a ClusterIP service behind the ingress or a load balancer with access controls, unless node ports are intended.",
);

pub(super) static FAMILY: Family = Family {
    patterns: &[
        Pattern {
            rule: PRIVILEGED,
            source: LogSource::K8sAudit,
            actions: &["create pods"],
            attempts: false,
            test: |record| {
                let spec = k8s::pod_spec(record)?;
                let privileged: Vec<&str> = k8s::containers(spec)
                    .filter(|c| {
                        c.pointer(["securityContext", "privileged"])
                            .and_then(Value::as_bool)
                            == Some(true)
                    })
                    .map(|c| c.get("name").and_then(Value::as_str).unwrap_or("?"))
                    .collect();
                (!privileged.is_empty()).then(|| {
                    format!(
                        "pod {} runs privileged container(s) {} ({})",
                        pod(record),
                        privileged.join(", "),
                        k8s::images(spec)
                    )
                })
            },
        },
        Pattern {
            rule: HOST_NAMESPACES,
            source: LogSource::K8sAudit,
            actions: &["create pods"],
            attempts: false,
            test: |record| {
                let spec = k8s::pod_spec(record)?;
                let shared: Vec<&str> = ["hostNetwork", "hostPID", "hostIPC"]
                    .into_iter()
                    .filter(|field| spec.get(*field).and_then(Value::as_bool) == Some(true))
                    .collect();
                (!shared.is_empty()).then(|| {
                    format!(
                        "pod {} uses {} ({})",
                        pod(record),
                        shared.join(", "),
                        k8s::images(spec)
                    )
                })
            },
        },
        Pattern {
            rule: SENSITIVE_MOUNT,
            source: LogSource::K8sAudit,
            actions: &["create pods"],
            attempts: false,
            test: |record| {
                let spec = k8s::pod_spec(record)?;
                let paths: Vec<&str> = spec
                    .get("volumes")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|volume| {
                        volume.pointer(["hostPath", "path"]).and_then(Value::as_str)
                    })
                    .filter(|path| sensitive(path))
                    .collect();
                (!paths.is_empty()).then(|| {
                    format!(
                        "pod {} mounts host path(s) {}",
                        pod(record),
                        paths.join(", ")
                    )
                })
            },
        },
        Pattern {
            rule: SYSTEM_NAMESPACE_POD,
            source: LogSource::K8sAudit,
            actions: &["create pods"],
            attempts: false,
            test: |record| {
                let namespace = k8s::namespace(record)?;
                SYSTEM_NAMESPACES
                    .contains(&namespace)
                    .then(|| format!("pod {} created in {namespace}", pod(record)))
            },
        },
        Pattern {
            rule: NODEPORT,
            source: LogSource::K8sAudit,
            actions: &["create services"],
            attempts: false,
            test: |record| {
                let object = k8s::request_object(record)?;
                let node_port =
                    object.pointer(["spec", "type"]).and_then(Value::as_str) == Some("NodePort");
                node_port.then(|| format!("service {} exposes node ports", k8s::target(record)))
            },
        },
    ],
    rules: &[],
    build: None,
};

/// The pod's `namespace/name` (or its generated-name prefix while it has no name yet).
fn pod(record: &Record) -> String {
    if k8s::name(record).is_some() {
        return k8s::target(record);
    }
    let generated = k8s::request_object(record)
        .and_then(|object| object.pointer(["metadata", "generateName"]))
        .and_then(Value::as_str)
        .unwrap_or("?");
    format!("{}/{generated}*", k8s::namespace(record).unwrap_or("?"))
}

/// Whether a host path is, or is inside, a sensitive one (`/proc/1` is; `/var/log` is not).
fn sensitive(path: &str) -> bool {
    let path = path.trim_end_matches('/');
    let path = if path.is_empty() { "/" } else { path };
    SENSITIVE_PATHS.iter().any(|sensitive| {
        path == *sensitive || (*sensitive != "/" && path.starts_with(&format!("{sensitive}/")))
    })
}

#[cfg(test)]
pub(super) fn examples() -> Vec<super::examples::Example> {
    use super::examples::Example;
    use super::testlog::{k8s, service_account};
    use serde_json::{json, Value};
    let controller = service_account("kube-system", "replicaset-controller");
    let pod = |namespace: &str, spec: Value| {
        k8s(0, &controller, "create", "pods")
            .target(namespace, "")
            .object(json!({"kind": "Pod", "metadata": {"generateName": "web-"}, "spec": spec}))
            .done()
    };
    let plain = json!({"containers": [{"name": "web", "image": "nginx"}]});
    let service = |kind: &str| {
        k8s(0, "alice", "create", "services")
            .target("prod", "web")
            .object(json!({"spec": {"type": kind}}))
            .done()
    };
    let mount = |path: &str| {
        pod(
            "prod",
            json!({"containers": [{"name": "web", "image": "nginx"}], "volumes": [{"name": "v", "hostPath": {"path": path}}]}),
        )
    };
    vec![
        Example::new(
            PRIVILEGED.id.as_ref(),
            vec![pod(
                "prod",
                json!({"containers": [{"name": "web", "image": "nginx", "securityContext": {"privileged": true}}]}),
            )],
            vec![pod("prod", plain.clone())],
        ),
        Example::new(
            HOST_NAMESPACES.id.as_ref(),
            vec![pod(
                "prod",
                json!({"hostNetwork": true, "containers": [{"name": "web", "image": "nginx"}]}),
            )],
            vec![pod("prod", plain.clone())],
        ),
        Example::new(
            SENSITIVE_MOUNT.id.as_ref(),
            vec![mount("/etc"), mount("/proc/1")],
            vec![mount("/var/log"), mount("/etcetera")],
        ),
        Example::new(
            SYSTEM_NAMESPACE_POD.id.as_ref(),
            vec![pod("kube-system", plain.clone())],
            vec![pod("prod", plain)],
        ),
        Example::new(
            NODEPORT.id.as_ref(),
            vec![service("NodePort")],
            vec![service("ClusterIP")],
        ),
    ]
}
