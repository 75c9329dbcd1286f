#!/usr/bin/env bash
# memrun.sh measures what a run costs in memory and how long it takes to
# return its Result after the last response: it builds internal/memrun and
# runs it once per measurement, each in a fresh process, against the
# in-process simulator (no HTTP, 32 output tokens in 32 chunks per
# response):
#
#   default    1,000,000 requests, invocations kept in memory, every
#              latency zero, 4 clients
#   low-memory 1,000,000 requests, Config.LowMemory, run folder in a
#              temporary directory (removed afterwards), latencies zero
#   default      400,000 requests, and low-memory 400,000 requests,
#              latencies zero
#   narrow       400,000 requests in each mode, with the narrow latency
#              profile (1ms to the first token, 40µs ± 0.05% between
#              tokens: latencies that crowd a histogram bucket or two),
#              64 clients; about 25 s each
#
#   tools/memrun.sh [-n REQUESTS] [-m REQUESTS] [-r ROUNDS]
#
# -n sets the large run (default 1000000), -m the end-of-run one (default
# 400000), -r repeats every measurement (default 1). Each prints one line
# of key=value fields; internal/memrun/main.go says what each means. The
# machine's other load shows in run_s and end_ms; peak RSS and bytes per
# request do not depend on it. Not run by CI: a million requests take a
# few seconds and, in the default mode, about 1 GiB; the narrow runs sleep.
set -euo pipefail
usage() { echo "usage: tools/memrun.sh [-n REQUESTS] [-m REQUESTS] [-r ROUNDS]" >&2; exit 2; }
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
big=1000000 mid=400000 rounds=1
while getopts "n:m:r:" opt; do
  case $opt in
    n) big=$OPTARG ;;
    m) mid=$OPTARG ;;
    r) rounds=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
for v in "$big" "$mid" "$rounds"; do
  [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "memrun: counts must be positive whole numbers, got \"$v\"" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/memrun" ./internal/memrun
go version
for r in $(seq "$rounds"); do
  "$work/memrun" -n "$big" -every $((big / 10))
  "$work/memrun" -n "$big" -every $((big / 10)) -low
  "$work/memrun" -n "$mid" -every $((mid / 4))
  "$work/memrun" -n "$mid" -every $((mid / 4)) -low
  "$work/memrun" -n "$mid" -every $((mid / 4)) -latency narrow -clients 64
  "$work/memrun" -n "$mid" -every $((mid / 4)) -latency narrow -clients 64 -low
done
