#!/usr/bin/env bash
# benchab.sh compares the benchmarks of packages at a base revision with
# the working tree, on a shared machine: it builds each package's test
# binary at both, runs them alternately (base then new, new then base, …)
# so that both see the same load, and prints benchstat's comparison.
#
#   tools/benchab.sh BASE [COUNT] [BENCH] -- PKG...
#
# BASE is a git revision, COUNT the runs of each binary (default 6), BENCH
# the -test.bench pattern (default "."). Packages are given as paths
# relative to the module root (./endpoints/openai). A package that does not
# exist at BASE is skipped. A benchmark binary that fails stops the script.
set -euo pipefail
usage() { echo "usage: tools/benchab.sh BASE [COUNT] [BENCH] -- PKG..." >&2; exit 2; }
cd "$(dirname "$0")/.."
[ $# -ge 3 ] || usage
base=$1; shift
count=6; bench=.
if [ "$1" != "--" ]; then count=$1; shift; fi
if [ $# -gt 0 ] && [ "$1" != "--" ]; then bench=$1; shift; fi
[ $# -ge 2 ] && [ "$1" = "--" ] || usage
shift
[[ $count =~ ^[1-9][0-9]*$ ]] || { echo "benchab: COUNT must be a positive whole number, got \"$count\"" >&2; exit 2; }
git rev-parse --verify -q "$base^{commit}" >/dev/null || { echo "benchab: unknown revision \"$base\"" >&2; exit 2; }

work=$(mktemp -d)
cleanup() {
  git worktree remove --force "$work/base" >/dev/null 2>&1 || true
  rm -rf "$work"
  git worktree prune
}
trap cleanup EXIT
git worktree add --detach -q "$work/base" "$base"

# run BINARY DIR PKG OUT runs one benchmark binary in its package's folder
# and appends its result lines, tagged with the package, to OUT.
run() {
  local out
  out=$(cd "$2" && "$1" -test.run '^$' -test.bench "$bench" -test.benchmem) || {
    echo "benchab: $1 failed:" >&2; echo "$out" >&2; exit 1; }
  echo "$out" | grep '^Benchmark' | sed "s|^|pkg:$3 |" >> "$4" || true
}

for pkg in "$@"; do
  name=$(echo "$pkg" | tr '/.' '__')
  if [ ! -d "$work/base/$pkg" ]; then echo "benchab: skip $pkg: not at $base" >&2; continue; fi
  (cd "$work/base" && go test -c -o "$work/$name.base" "$pkg")
  go test -c -o "$work/$name.new" "$pkg"
  [ -x "$work/$name.base" ] && [ -x "$work/$name.new" ] || { echo "benchab: $pkg has no test binary" >&2; exit 1; }
  for i in $(seq "$count"); do
    if [ $((i % 2)) -eq 1 ]; then
      run "$work/$name.base" "$work/base/$pkg" "$pkg" "$work/base.txt"
      run "$work/$name.new" "$pkg" "$pkg" "$work/new.txt"
    else
      run "$work/$name.new" "$pkg" "$pkg" "$work/new.txt"
      run "$work/$name.base" "$work/base/$pkg" "$pkg" "$work/base.txt"
    fi
  done
done
# benchstat groups results under "pkg: …" lines.
for f in base new; do
  awk '{pkg=$1; sub(/^pkg:/, "", pkg); $1=""; if (pkg != last) { print "pkg: " pkg; last = pkg } print substr($0, 2)}' "$work/$f.txt" > "$work/$f.bench"
done
(cd tools && go tool benchstat "base=$work/base.bench" "new=$work/new.bench")
