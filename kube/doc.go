// Package kube builds the Kubernetes manifests of a sharded llmtest run:
// an Indexed Job whose N pods each run one shard of `llmtest run`, all
// starting at one wall-clock moment, and a second Job that merges the
// shards' run folders with `llmtest merge` and gates the merged run with
// its SLOs. The manifests are Kubernetes' own API types
// (k8s.io/api/batch/v1), so they are right by construction, written as
// multi-document YAML with sigs.k8s.io/yaml.
//
// # The shard Job
//
// [Jobs] returns the shard Job first: completionMode Indexed, completions
// and parallelism both [Config.Shards], restartPolicy Never, and one
// container that runs
//
//	llmtest run ARGS... --out OUT --run-name run --start-at T
//
// Kubernetes sets JOB_COMPLETION_INDEX (0 to N-1) in each pod of an
// Indexed Job and expands $(JOB_COMPLETION_INDEX) in the arguments; the
// container's environment also holds JOB_COMPLETIONS, N. `llmtest run`
// reads both to take its shard's share of the load. Shard i writes its
// run folder OUT/run-shard-i; T, [Config.StartAt] in RFC 3339, is the same in
// every pod. Every other argument reaches `llmtest run` verbatim: a "$"
// in it is escaped as "$$", so Kubernetes expands nothing in it.
//
// A failed index is retried [Config.Retries] times (backoffLimitPerIndex);
// a usage error (exit status 2) is never retried, and a pod evicted by a
// disruption (a drained node, a preemption) does not count. The other
// indexes run on, so a failed shard leaves a missing folder that the merge
// reports, never a silently partial result.
//
// # The merge Job
//
// The second Job, named NAME-merge, runs
//
//	llmtest merge OUT/run-shard-0 ... OUT/run-shard-(N-1) --out OUT --run-name merged --slo ...
//
// and exits 1 when an SLO fails, failing the Job. It is created suspended
// (spec.suspend: true), so that one `kubectl apply` creates both Jobs and
// the merge starts only when resumed, after the shard Job completes:
//
//	kubectl wait --for=condition=complete job/NAME
//	kubectl patch job/NAME-merge --type=merge -p '{"spec":{"suspend":false}}'
//
// # Secrets
//
// Secrets reach the pods only by reference: each [SecretEnv] is an
// environment variable whose value comes from a key of a Kubernetes
// Secret (valueFrom.secretKeyRef). No secret value is ever an input of
// this package, so none can reach a manifest.
//
// The package imports the standard library, k8s.io/api, k8s.io/apimachinery
// and sigs.k8s.io/yaml; package llmtest does not import it.
package kube
