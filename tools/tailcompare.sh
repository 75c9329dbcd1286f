#!/usr/bin/env bash
# tailcompare.sh runs llmtest and vegeta against the same HTTP simulator in
# one go and prints both tools' end-to-end latency tails, so that the
# load generator's own outliers can be told from the server's.
#
#   tools/tailcompare.sh [-n ROUNDS] [-d DURATION] [-c CLIENTS] [-s] [-r REV]
#
# It builds llmtest from the working tree, installs vegeta v12.13.0 with
# go install into a temporary GOBIN, and starts one `llmtest sim` on a free
# 127.0.0.1 port with every latency at zero (so that what is measured is
# the generators, the loopback and the simulator's own work). Each round
# then runs every contender once, in an order that rotates from round to
# round, so that all see the same machine: llmtest with CLIENTS closed-loop
# clients for DURATION, and vegeta's closed loop of as many workers
# (-rate 0 -workers CLIENTS -max-workers CLIENTS) for as long, both posting
# the same chat-completions body (64 output tokens) on keep-alive
# connections. With -r REV, llmtest built at git revision REV runs too, as
# "llmtest@REV", for a before/after comparison in the same run.
#
# The latency compared is llmtest's time_to_last_token (t0 to the end of
# the body, non-streamed; to the last text delta with -s) and vegeta's
# latency (before it builds the request to the end of the body); both
# keep every response body, as both do by default. tools/tailcompare
# computes the figures of both the same way (numpy's linear percentiles,
# successful requests only). Defaults: 6 rounds of 10s, 8 clients,
# non-streamed. -s streams instead (vegeta then times the whole SSE body).
# Each llmtest run folder (about 1 KB per request) is deleted once read.
#
# The simulator is `llmtest sim` rather than a bare HTTP server so that
# llmtest's OpenAI endpoint parses real chat-completions responses; it is
# one process, serving both tools the same bytes. The machine's other load
# shows in every tool's figures: compare tools within a round, and prefer
# rounds whose requests/s agree.
set -euo pipefail
usage() { echo "usage: tools/tailcompare.sh [-n ROUNDS] [-d DURATION] [-c CLIENTS] [-s] [-r REV]" >&2; exit 2; }
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
rounds=6 duration=10s clients=8 stream=false rev=
while getopts "n:d:c:sr:" opt; do
  case $opt in
    n) rounds=$OPTARG ;;
    d) duration=$OPTARG ;;
    c) clients=$OPTARG ;;
    s) stream=true ;;
    r) rev=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "tailcompare: -n must be a positive whole number, got \"$rounds\"" >&2; exit 2; }
[[ $clients =~ ^[1-9][0-9]*$ ]] || { echo "tailcompare: -c must be a positive whole number, got \"$clients\"" >&2; exit 2; }
[[ $duration =~ ^[0-9]+(ms|s|m)$ ]] || { echo "tailcompare: -d must be a duration such as 10s, got \"$duration\"" >&2; exit 2; }
if [ -n "$rev" ]; then
  git rev-parse --verify -q "$rev^{commit}" >/dev/null || { echo "tailcompare: -r: unknown revision \"$rev\"" >&2; exit 2; }
fi

work=$(mktemp -d)
sim_pid=
cleanup() {
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  if [ -n "$rev" ]; then git worktree remove --force "$work/base" >/dev/null 2>&1 || true; git worktree prune; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "building llmtest, tools/tailcompare; installing vegeta v12.13.0" >&2
go build -o "$work/llmtest" ./cmd/llmtest
(cd tools && go build -o "$work/tailcompare" ./tailcompare)
GOBIN="$work/bin" go install github.com/tsenart/vegeta/v12@v12.13.0
vegeta=$work/bin/vegeta
contenders=(llmtest vegeta)
if [ -n "$rev" ]; then
  git worktree add --detach -q "$work/base" "$rev"
  (cd "$work/base" && go build -o "$work/llmtest-base" ./cmd/llmtest)
  contenders+=("llmtest@$rev")
fi

"$work/llmtest" sim --addr 127.0.0.1:0 --ttft 0 --prefill 0 --itl 0 --jitter 0 --capacity 0 >"$work/sim.log" 2>&1 &
sim_pid=$!
url=
for _ in $(seq 100); do
  url=$(sed -n 's|.* at \(http://[^ ]*\)/v1 .*|\1|p' "$work/sim.log")
  [ -n "$url" ] && break
  kill -0 "$sim_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$url" ] || { echo "tailcompare: llmtest sim did not start:" >&2; cat "$work/sim.log" >&2; exit 1; }

accept=application/json
[ "$stream" = true ] && accept=text/event-stream
printf '{"model":"llmtest-sim","messages":[{"role":"user","content":"Write a haiku about load testing."}],"max_tokens":64,"stream":%s}\n' "$stream" >"$work/payload.json"
printf 'POST %s/v1/chat/completions\nContent-Type: application/json\nAccept: %s\n@%s\n' "$url" "$accept" "$work/payload.json" >"$work/targets.txt"

# run NAME ROUND prints the figures of one run of contender NAME.
run() {
  case $1 in
    vegeta)
      "$vegeta" attack -targets "$work/targets.txt" -rate 0 -workers "$clients" -max-workers "$clients" \
        -duration "$duration" -output "$work/vegeta.bin" 2>"$work/run.log" || {
        echo "tailcompare: vegeta failed:" >&2; cat "$work/run.log" >&2; exit 1; }
      "$vegeta" encode -to csv "$work/vegeta.bin" | "$work/tailcompare" -format vegeta
      rm -f "$work/vegeta.bin"
      ;;
    llmtest*)
      local bin=$work/llmtest
      [ "$1" = llmtest ] || bin=$work/llmtest-base
      "$bin" run --url "$url/v1" --payload "$work/payload.json" --stream="$stream" --clients "$clients" \
        --duration "$duration" --out "$work/out" --run-name "r$2" >"$work/run.log" 2>&1 || {
        echo "tailcompare: $1 failed:" >&2; cat "$work/run.log" >&2; exit 1; }
      "$work/tailcompare" -format llmtest "$work/out/r$2/responses.jsonl"
      rm -rf "$work/out/r$2"
      ;;
  esac
}

echo "$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); $(go version | cut -d' ' -f3); simulator at $url" >&2
echo "$rounds rounds of $duration, $clients closed-loop clients, stream=$stream; latencies in ms" >&2
rows=$work/rows.tsv
printf 'round\ttool\tok\tfailed\treq/s\tp50\tp99\tp99.9\tmax\n'
n=${#contenders[@]}
for r in $(seq "$rounds"); do
  for k in $(seq 0 $((n - 1))); do
    name=${contenders[$(((r - 1 + k) % n))]}
    line=$(run "$name" "$r")
    printf '%s\t%s\t%s\n' "$r" "$name" "$line" | tee -a "$rows"
  done
done

# Per tool: the median of each round's p99 and p99.9, and the range of
# the rounds' maxima.
echo
printf 'tool\tmedian p99\tmedian p99.9\tmax (min-max over rounds)\n'
for name in "${contenders[@]}"; do
  awk -F'\t' -v t="$name" '
    function median(a, n,   i, j, x) {
      for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    $2 == t { n++; p99[n] = $7; p999[n] = $8; if (n == 1 || $9 < lo) lo = $9; if (n == 1 || $9 > hi) hi = $9 }
    END { printf "%s\t%.2f\t%.2f\t%.2f-%.2f\n", t, median(p99, n), median(p999, n), lo, hi }' "$rows"
done
