#!/usr/bin/env bash
# ratecompare.sh runs llmtest's open loop and vegeta's `attack -rate`
# against the same HTTP simulator, at each of several rates, in one go,
# and prints both tools' achieved rate and schedule lag side by side.
#
#   tools/ratecompare.sh [-d DURATION] [-m MAX_IN_FLIGHT] [RATE...]
#
# It builds llmtest from the working tree, installs vegeta v12.13.0 with
# go install into a temporary GOBIN, and starts one `llmtest sim` on a free
# 127.0.0.1 port with every latency at zero (so that what is measured is
# the generators, the loopback and the simulator's own work). At each RATE
# (default: 1000 5000 10000 requests/s) it runs llmtest --rate RATE
# --arrival constant --max-in-flight MAX_IN_FLIGHT (default 1024) for
# DURATION (default 10s), then vegeta attack -rate RATE/1s for as long,
# both posting the same non-streamed chat-completions body (16 output
# tokens) on keep-alive connections. tools/ratecompare computes the
# figures of both the same way: the requests sent, the failed, the dropped
# (llmtest's arrivals that found MAX_IN_FLIGHT requests in flight; vegeta
# drops none, it starts more workers), the achieved rate (sent − 1 over
# the first to the last send), the schedule lag's p50 and p99 (send time −
# intended time; for vegeta, the intended time is start + seq/RATE) and
# the latency's p50 and p99, in milliseconds.
#
# The machine's other load shows in every figure: the two tools run one
# after the other on the same 2 cores as the simulator, so compare them
# within a rate.
set -euo pipefail
usage() { echo "usage: tools/ratecompare.sh [-d DURATION] [-m MAX_IN_FLIGHT] [RATE...]" >&2; exit 2; }
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
duration=10s maxinflight=1024
while getopts "d:m:" opt; do
  case $opt in
    d) duration=$OPTARG ;;
    m) maxinflight=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(1000 5000 10000)
for r in "${rates[@]}"; do
  [[ $r =~ ^[1-9][0-9]*$ ]] || { echo "ratecompare: a RATE must be a positive whole number of requests/s, got \"$r\"" >&2; exit 2; }
done
[[ $maxinflight =~ ^[1-9][0-9]*$ ]] || { echo "ratecompare: -m must be a positive whole number, got \"$maxinflight\"" >&2; exit 2; }
[[ $duration =~ ^[0-9]+(ms|s|m)$ ]] || { echo "ratecompare: -d must be a duration such as 10s, got \"$duration\"" >&2; exit 2; }

work=$(mktemp -d)
sim_pid=
cleanup() {
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "building llmtest, tools/ratecompare; installing vegeta v12.13.0" >&2
go build -o "$work/llmtest" ./cmd/llmtest
(cd tools && go build -o "$work/ratecompare" ./ratecompare)
GOBIN="$work/bin" go install github.com/tsenart/vegeta/v12@v12.13.0
vegeta=$work/bin/vegeta

"$work/llmtest" sim --addr 127.0.0.1:0 --ttft 0 --prefill 0 --itl 0 --jitter 0 --capacity 0 >"$work/sim.log" 2>&1 &
sim_pid=$!
url=
for _ in $(seq 100); do
  url=$(sed -n 's|.* at \(http://[^ ]*\)/v1 .*|\1|p' "$work/sim.log")
  [ -n "$url" ] && break
  kill -0 "$sim_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$url" ] || { echo "ratecompare: llmtest sim did not start:" >&2; cat "$work/sim.log" >&2; exit 1; }

printf '{"model":"llmtest-sim","messages":[{"role":"user","content":"Write a haiku about load testing."}],"max_tokens":16,"stream":false}\n' >"$work/payload.json"
printf 'POST %s/v1/chat/completions\nContent-Type: application/json\n@%s\n' "$url" "$work/payload.json" >"$work/targets.txt"

echo "$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); $(go version | cut -d' ' -f3); simulator at $url" >&2
echo "constant arrivals for $duration at each rate; llmtest --max-in-flight $maxinflight; times in ms" >&2
printf 'rate\ttool\tsent\tfailed\tdropped\tachieved/s\tlag p50\tlag p99\tlat p50\tlat p99\n'
for rate in "${rates[@]}"; do
  "$work/llmtest" run --url "$url/v1" --payload "$work/payload.json" --stream=false --rate "$rate" --arrival constant \
    --max-in-flight "$maxinflight" --duration "$duration" --out "$work/out" --run-name "r$rate" --progress off \
    >"$work/run.log" 2>&1 || {
    echo "ratecompare: llmtest failed:" >&2; cat "$work/run.log" >&2; exit 1; }
  printf '%s\tllmtest\t%s\n' "$rate" "$("$work/ratecompare" -format llmtest "$work/out/r$rate")"
  rm -rf "$work/out/r$rate"

  "$vegeta" attack -targets "$work/targets.txt" -rate "$rate/1s" -duration "$duration" \
    -output "$work/vegeta.bin" 2>"$work/run.log" || {
    echo "ratecompare: vegeta failed:" >&2; cat "$work/run.log" >&2; exit 1; }
  printf '%s\tvegeta\t%s\n' "$rate" "$("$vegeta" encode -to csv "$work/vegeta.bin" | "$work/ratecompare" -format vegeta -rate "$rate")"
  rm -f "$work/vegeta.bin"
done
