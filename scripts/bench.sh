#!/usr/bin/env bash
# bench.sh: `make bench` — uciknockd and Debian's knockd side by side
# (cmd/knockbench). Run as root after `make deps build`. Installs knockd with
# apt if it is missing, then runs the harness, which writes the table into
# docs/benchmarks.md (between the knockbench markers) and build/bench.json.
# Extra arguments (or KNOCKBENCH_FLAGS) go to knockbench, e.g.
#   ./scripts/bench.sh -flood 3s -daemons uciknockd
# Everything runs in two network namespaces (kb<PID>-r, kb<PID>-c) that the
# harness deletes at exit; this script deletes them too if the harness was
# killed. About 4 minutes on 2 cores with the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" = 0 ] || { echo "bench: run as root (network namespaces, AF_PACKET)" >&2; exit 1; }
./scripts/deps.sh knockd
command -v knockd >/dev/null || { echo "bench: knockd is not installed and could not be" >&2; exit 1; }
for b in uciknockd knockbench; do
	[ -x "build/$b" ] || { echo "bench: build/$b missing (make build)" >&2; exit 1; }
done

PREFIX=kb$$
cleanup() {
	ip netns del "$PREFIX-r" 2>/dev/null || true
	ip netns del "$PREFIX-c" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "bench: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# shellcheck disable=SC2086
build/knockbench -bin build -ns-prefix "$PREFIX" ${KNOCKBENCH_FLAGS:-} "$@"
echo "bench: load average at the end $(cut -d' ' -f1-3 /proc/loadavg); wrote docs/benchmarks.md and build/bench.json" >&2
