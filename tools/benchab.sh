#!/usr/bin/env bash
# benchab.sh compares the benchmarks of packages at a base revision with
# the working tree, on a shared machine: it builds each package's test
# binary at both, runs them alternately (base, new, base, new, …) so that
# both see the same load, and prints benchstat's comparison.
#
#   tools/benchab.sh BASE [COUNT] [BENCH] -- PKG...
#
# BASE is a git revision, COUNT the runs of each binary (default 6), BENCH
# the -test.bench pattern (default "."). Packages are given as paths
# relative to the module root (./endpoints/openai). A package that does not
# exist at BASE is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
base=$1; shift
count=6; bench=.
if [ "${1:-}" != "--" ]; then count=$1; shift; fi
if [ "${1:-}" != "--" ]; then bench=$1; shift; fi
[ "${1:-}" = "--" ] || { echo "usage: tools/benchab.sh BASE [COUNT] [BENCH] -- PKG..." >&2; exit 2; }
shift
work=$(mktemp -d)
trap 'git worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add --detach -q "$work/base" "$base"
for pkg in "$@"; do
  name=$(echo "$pkg" | tr '/.' '__')
  if [ ! -d "$work/base/$pkg" ]; then echo "skip $pkg: not at $base" >&2; continue; fi
  (cd "$work/base" && go test -c -o "$work/$name.base" "$pkg")
  go test -c -o "$work/$name.new" "$pkg"
  for i in $(seq "$count"); do
    (cd "$work/base/$pkg" && "$work/$name.base" -test.run '^$' -test.bench "$bench" -test.benchmem) | grep '^Benchmark' | sed "s|^|pkg:$pkg |" >> "$work/base.txt" || true
    (cd "$pkg" && "$work/$name.new" -test.run '^$' -test.bench "$bench" -test.benchmem) | grep '^Benchmark' | sed "s|^|pkg:$pkg |" >> "$work/new.txt" || true
  done
done
# benchstat groups by the "pkg:" key when it is a line of its own.
for f in base new; do
  awk '{pkg=$1; sub(/^pkg:/, "", pkg); $1=""; if (pkg != last) { print "pkg: " pkg; last = pkg } print substr($0, 2)}' "$work/$f.txt" > "$work/$f.bench"
done
(cd tools && go tool benchstat "base=$work/base.bench" "new=$work/new.bench")
