#!/bin/sh
# binsize.sh: where the bytes of the router binary go. Builds uciknockd for
# linux/mipsle (softfloat) with Go 1.23.12 and the flags of `make cross`
# (no inlining, 4 KiB segment alignment), prints the stripped size, then the
# code and data of each Go package (`go tool nm -size`; the stripped file is
# about 1.6 times the symbols: pclntab and type data come on top).
# docs/benchmarks.md has the figures.
#   scripts/binsize.sh [GCFLAGS]     e.g. scripts/binsize.sh ''  (inlining on)
set -eu
cd "$(dirname "$0")/.."
gcflags=${1-all=-l}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
build() {
	GOTOOLCHAIN=go1.23.12 CGO_ENABLED=0 GOOS=linux GOARCH=mipsle GOMIPS=softfloat \
		go build -trimpath -gcflags "$gcflags" -ldflags "$1" -o "$2" ./cmd/uciknockd
}
build '-s -w -buildid= -R 0x1000' "$tmp/stripped"
build '-buildid=' "$tmp/full"
echo "uciknockd linux/mipsle, gcflags '$gcflags': $(stat -c %s "$tmp/stripped") bytes stripped"
GOTOOLCHAIN=go1.23.12 go tool nm -size "$tmp/full" | awk '
$3 != "U" && $3 != "B" && $3 != "b" {
	name = $4; for (i = 5; i <= NF; i++) name = name " " $i
	if (name ~ /^(type:|go:)/) pkg = "(type data)"
	else {
		q = name; sub(/[\[(].*/, "", q)   # generic shapes, method receivers
		n = split(q, part, "/"); last = part[n]; dot = index(last, ".")
		if (dot > 0) last = substr(last, 1, dot - 1)
		pkg = ""; for (i = 1; i < n; i++) pkg = pkg part[i] "/"
		pkg = pkg last
	}
	size[pkg] += $2; total += $2
}
END {
	for (p in size) printf "%9d  %s\n", size[p], p
	printf "%9d  (all symbols)\n", total
}' | sort -rn
