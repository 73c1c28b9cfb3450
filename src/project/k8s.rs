//! Kubernetes manifests: the containers of each workload, as [`Unit`]s.
//!
//! A manifest is a stream of YAML documents (`helm template` output
//! included); documents whose `kind` is Pod, Deployment, StatefulSet,
//! DaemonSet, ReplicaSet, Job or CronJob are read, the others skipped. Of a
//! pod spec, each of `containers` is a unit (init containers run to the end
//! before the others start: they are not stopped, so not linted):
//! `command` replaces the image's ENTRYPOINT and drops its CMD, `args`
//! replaces CMD; the pod's `terminationGracePeriodSeconds` and
//! `shareProcessNamespace`, and the container's `lifecycle.preStop` (exec)
//! and `lifecycle.stopSignal` (Kubernetes 1.33+) are read too.

use super::run::{argv_of, Argv, At, Unit};
use super::yaml::Node;

/// Documents read per manifest, at most.
const MAX_DOCS: usize = 10_000;
/// Containers read per pod, at most.
const MAX_CONTAINERS: usize = 1_000;

/// The kinds whose pods dsig reads, and the path from the document to the
/// pod spec.
fn pod_spec<'a>(doc: &'a Node, kind: &str) -> Option<&'a Node> {
    let spec = doc.get("spec")?;
    match kind {
        "Pod" => Some(spec),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "ReplicationController" => spec.get("template")?.get("spec"),
        "CronJob" => spec
            .get("jobTemplate")?
            .get("spec")?
            .get("template")?
            .get("spec"),
        _ => None,
    }
}

/// Whether `docs` hold a workload dsig reads (a manifest to lint).
#[must_use]
pub fn is_manifest(docs: &[Node]) -> bool {
    docs.iter().take(MAX_DOCS).any(|d| {
        d.get("apiVersion").is_some()
            && d.get("kind")
                .and_then(Node::as_str)
                .is_some_and(|k| pod_spec(d, k).is_some())
    })
}

fn at<T>(node: &Node, value: T) -> At<T> {
    At {
        value,
        file: 0,
        span: node.span.clone(),
    }
}

/// A whole number of seconds, as the YAML writes it.
fn seconds(node: &Node) -> Option<u64> {
    node.as_str()?.trim().parse().ok()
}

/// The containers of the workloads of `docs` (file 0, `text`).
#[must_use]
pub fn units(docs: &[Node], text: &str) -> Vec<Unit> {
    let mut out = Vec::new();
    for doc in docs.iter().take(MAX_DOCS) {
        let Some(kind) = doc.get("kind").and_then(Node::as_str) else {
            continue;
        };
        let Some(spec) = pod_spec(doc, kind) else {
            continue;
        };
        let name = doc
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Node::as_str)
            .unwrap_or("?");
        let grace = spec
            .get("terminationGracePeriodSeconds")
            .map(|n| at(n, seconds(n)));
        let share_pid = spec
            .get("shareProcessNamespace")
            .map(|n| at(n, n.as_str() == Some("true")));
        let Some(containers) = spec.get("containers").and_then(Node::as_seq) else {
            continue;
        };
        for c in containers.iter().take(MAX_CONTAINERS) {
            let cname_node = c.get("name");
            let cname = cname_node.and_then(Node::as_str).unwrap_or("?");
            let name_at = cname_node.unwrap_or(c);
            let argv = |k: &str| -> Option<At<Argv>> {
                let n = c.get(k)?;
                argv_of(n, text, false).map(|a| at(n, a))
            };
            let lifecycle = c.get("lifecycle");
            let pre_stop = lifecycle
                .and_then(|l| l.get("preStop"))
                .and_then(|p| p.get("exec"))
                .and_then(|e| e.get("command"))
                .and_then(|n| argv_of(n, text, false).map(|a| at(n, a)));
            let stop_signal = lifecycle
                .and_then(|l| l.get("stopSignal"))
                .and_then(|n| n.as_str().map(|v| at(n, v.to_string())));
            out.push(Unit {
                label: format!("{kind} \"{name}\" container \"{cname}\""),
                name: at(name_at, ()),
                kubernetes: true,
                build: None,
                image: c
                    .get("image")
                    .map(|n| at(n, n.as_str().map(str::to_string))),
                // `command` is the ENTRYPOINT (and drops CMD), `args` the CMD.
                entrypoint: argv("command"),
                command: argv("args"),
                init: None,
                stop_signal,
                grace: grace.clone(),
                share_pid: share_pid.clone(),
                pre_stop,
                insert_init: None,
                binds: Vec::new(),
                context: None,
                working_dir: c
                    .get("workingDir")
                    .and_then(Node::as_str)
                    .map(str::to_string),
                env: c
                    .get("env")
                    .and_then(Node::as_seq)
                    .map(|items| {
                        items
                            .iter()
                            .take(256)
                            .filter_map(|e| {
                                Some((
                                    e.get("name")?.as_str()?.to_string(),
                                    e.get("value")?.as_str()?.to_string(),
                                ))
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            });
        }
    }
    out
}
