#!/usr/bin/env bash
# shardscale.sh runs a sharded load test on this machine the way a
# Kubernetes Indexed Job would run it on many — SHARDS processes of
# `llmtest run`, each told its shard by JOB_COMPLETION_INDEX and
# JOB_COMPLETIONS, sharing one output folder and one --start-at — against
# one HTTP simulator, then merges their folders with `llmtest merge`, and
# prints the achieved total rate and the merge's time.
#
#   tools/shardscale.sh [-n SHARDS] [-c CLIENTS] [REQUESTS_PER_SHARD]
#
# Defaults: 4 shards, 64 clients in all (16 per shard), 250000 requests
# per shard (1,000,000 in all). It builds llmtest from the working tree and
# starts one `llmtest sim` on a free 127.0.0.1 port with every latency at
# zero, so that what is measured is the generators, the loopback and the
# simulator's own work, all on this machine's cores. Each shard is a closed
# loop of its share of the clients, --low-memory (its records go only to
# its responses.jsonl), posting a non-streamed chat completion of 16
# output tokens. The achieved total rate is the merge's requests over its
# test time (the union of the shards' spans); the merge is timed twice:
# reading the shards' models only (`llmtest merge DIR...`), and writing
# the merged run folder with every record copied (`--out`).
#
# It is a measurement, not a test: CI does not run it.
set -euo pipefail
usage() { echo "usage: tools/shardscale.sh [-n SHARDS] [-c CLIENTS] [REQUESTS_PER_SHARD]" >&2; exit 2; }
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
shards=4 clients=64
while getopts "n:c:" opt; do
  case $opt in
    n) shards=$OPTARG ;;
    c) clients=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
per=${1:-250000}
[ $# -le 1 ] || usage
for v in "$shards" "$clients" "$per"; do
  [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "shardscale: SHARDS, CLIENTS and REQUESTS_PER_SHARD must be positive whole numbers, got \"$v\"" >&2; exit 2; }
done
cps=$((clients / shards))
[ "$cps" -ge 1 ] && [ $((cps * shards)) -eq "$clients" ] || { echo "shardscale: -c $clients does not split evenly over $shards shards" >&2; exit 2; }
[ $((per % cps)) -eq 0 ] || { echo "shardscale: $per requests per shard do not split evenly over $cps clients per shard" >&2; exit 2; }

work=$(mktemp -d)
sim_pid=
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "building llmtest" >&2
go build -o "$work/llmtest" ./cmd/llmtest
"$work/llmtest" sim --addr 127.0.0.1:0 --ttft 0 --prefill 0 --itl 0 --jitter 0 --capacity 0 >"$work/sim.log" 2>&1 &
sim_pid=$!
url=
for _ in $(seq 100); do
  url=$(sed -n 's|.* at \(http://[^ ]*\)/v1 .*|\1|p' "$work/sim.log")
  [ -n "$url" ] && break
  kill -0 "$sim_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$url" ] || { echo "shardscale: llmtest sim did not start:" >&2; cat "$work/sim.log" >&2; exit 1; }
printf '{"model":"llmtest-sim","messages":[{"role":"user","content":"Write a haiku about load testing."}],"max_tokens":16,"stream":false}\n' >"$work/payload.json"

echo "$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); $(go version | cut -d' ' -f3); simulator at $url" >&2
echo "$shards shards × $per requests, $cps clients each, closed loop, --low-memory" >&2
start_at=$(date -u -d '+3 sec' +%Y-%m-%dT%H:%M:%S.%NZ)
for i in $(seq 0 $((shards - 1))); do
  JOB_COMPLETION_INDEX=$i JOB_COMPLETIONS=$shards "$work/llmtest" run --url "$url/v1" --payload "$work/payload.json" \
    --stream=false --clients "$clients" --requests $((per / cps)) --low-memory --out "$work/out" --run-name scale \
    --start-at "$start_at" --progress off >"$work/shard$i.log" 2>&1 &
  pids+=($!)
done
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || { echo "shardscale: shard $i failed:" >&2; cat "$work/shard$i.log" >&2; exit 1; }
done
pids=()

figures() { # the requests, failed, test time (s), start lag (ms, fixed-point: bc reads no exponent) of a report.json
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["counts"]["total"], r["counts"]["failed"], r["total_test_time"], "%.6f" % (1000 * r.get("start_lag", 0)))' "$1"
}
printf 'shard\trequests\tfailed\ttest time s\trate/s\tstart lag ms\n'
for i in $(seq 0 $((shards - 1))); do
  read -r n f tt lag < <(figures "$work/out/scale-shard-$i/report.json")
  printf '%s\t%s\t%s\t%.2f\t%.0f\t%.2f\n' "$i" "$n" "$f" "$tt" "$(echo "$n / $tt" | bc -l)" "$lag"
done

t0=$(date +%s.%N)
"$work/llmtest" merge --json "$work/merged.json" "$work"/out/scale-shard-* >"$work/merge.log" 2>&1 || {
  echo "shardscale: merge failed:" >&2; cat "$work/merge.log" >&2; exit 1; }
t1=$(date +%s.%N)
"$work/llmtest" merge --out "$work/merged" "$work"/out/scale-shard-* >"$work/merge-out.log" 2>&1 || {
  echo "shardscale: merge --out failed:" >&2; cat "$work/merge-out.log" >&2; exit 1; }
t2=$(date +%s.%N)
read -r n f tt lag < <(figures "$work/merged.json")
records=$(wc -l <"$work/merged/scale/responses.jsonl")
printf 'merged\t%s\t%s\t%.2f\t%.0f\t%.2f\n' "$n" "$f" "$tt" "$(echo "$n / $tt" | bc -l)" "$lag"
printf 'merge of the models: %.2fs; merge --out copying %s records: %.2fs\n' "$(echo "$t1 - $t0" | bc -l)" "$records" "$(echo "$t2 - $t1" | bc -l)"
