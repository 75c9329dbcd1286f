package kube_test

import (
	"fmt"
	"os"
	"time"

	"github.com/llmtest/llmtest/kube"
)

func ExampleJobs() {
	shards, merge, err := kube.Jobs(kube.Config{
		Name:      "llmtest-vllm",
		Image:     "registry.example.com/llmtest:v1.0.0",
		Shards:    4,
		StartAt:   time.Date(2026, 12, 4, 5, 0, 0, 0, time.UTC),
		Out:       "s3://bucket/runs/vllm",
		RunArgs:   []string{"--url", "http://vllm:8000/v1", "--clients", "16", "--duration", "5m"},
		SLOs:      []string{"ttft p99 < 800ms"},
		SecretEnv: []kube.SecretEnv{{Name: "OPENAI_API_KEY", Secret: "openai", Key: "api-key"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := kube.Write(os.Stdout, shards); err != nil {
		fmt.Println(err)
	}
	fmt.Println(merge.Spec.Template.Spec.Containers[0].Args)
	// Output:
	// ---
	// apiVersion: batch/v1
	// kind: Job
	// metadata:
	//   labels:
	//     app.kubernetes.io/component: shard
	//     app.kubernetes.io/instance: llmtest-vllm
	//     app.kubernetes.io/name: llmtest
	//   name: llmtest-vllm
	// spec:
	//   backoffLimitPerIndex: 0
	//   completionMode: Indexed
	//   completions: 4
	//   parallelism: 4
	//   podFailurePolicy:
	//     rules:
	//     - action: FailIndex
	//       onExitCodes:
	//         containerName: llmtest
	//         operator: In
	//         values:
	//         - 2
	//     - action: Ignore
	//       onPodConditions:
	//       - status: "True"
	//         type: DisruptionTarget
	//   template:
	//     metadata:
	//       labels:
	//         app.kubernetes.io/component: shard
	//         app.kubernetes.io/instance: llmtest-vllm
	//         app.kubernetes.io/name: llmtest
	//     spec:
	//       containers:
	//       - args:
	//         - run
	//         - --url
	//         - http://vllm:8000/v1
	//         - --clients
	//         - "16"
	//         - --duration
	//         - 5m
	//         - --out
	//         - s3://bucket/runs/vllm
	//         - --run-name
	//         - run
	//         - --start-at
	//         - "2026-12-04T05:00:00Z"
	//         command:
	//         - llmtest
	//         env:
	//         - name: JOB_COMPLETION_INDEX
	//           valueFrom:
	//             fieldRef:
	//               fieldPath: metadata.annotations['batch.kubernetes.io/job-completion-index']
	//         - name: JOB_COMPLETIONS
	//           value: "4"
	//         - name: OPENAI_API_KEY
	//           valueFrom:
	//             secretKeyRef:
	//               key: api-key
	//               name: openai
	//         image: registry.example.com/llmtest:v1.0.0
	//         name: llmtest
	//         resources: {}
	//       restartPolicy: Never
	//       topologySpreadConstraints:
	//       - labelSelector:
	//           matchLabels:
	//             batch.kubernetes.io/job-name: llmtest-vllm
	//         maxSkew: 1
	//         topologyKey: kubernetes.io/hostname
	//         whenUnsatisfiable: ScheduleAnyway
	// [merge s3://bucket/runs/vllm/run-shard-0 s3://bucket/runs/vllm/run-shard-1 s3://bucket/runs/vllm/run-shard-2 s3://bucket/runs/vllm/run-shard-3 --out s3://bucket/runs/vllm --run-name merged --slo ttft p99 < 800ms]
}

func ExampleParseSecretEnv() {
	e, err := kube.ParseSecretEnv("OPENAI_API_KEY=openai:api-key")
	fmt.Println(e.Name, e.Secret, e.Key, err)
	_, err = kube.ParseSecretEnv("OPENAI_API_KEY=sk-not-a-reference")
	fmt.Println(err != nil)
	// Output:
	// OPENAI_API_KEY openai api-key <nil>
	// true
}

func ExampleShardFolder() {
	fmt.Println(kube.ShardFolder("s3://bucket/runs/a?region=eu-west-1", 2))
	fmt.Println(kube.RunFolder("/results/a", kube.MergedRunName))
	// Output:
	// s3://bucket/runs/a/run-shard-2?region=eu-west-1
	// /results/a/merged
}
