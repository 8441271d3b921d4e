#!/bin/sh
# fuzz.sh runs every Fuzz* target of the module for a short, fixed time
# (FUZZTIME, default 10s), one target at a time as `go test -fuzz` requires.
# New fuzz targets are picked up without editing this file.
set -eu
FUZZTIME=${FUZZTIME:-10s}
n=0
for pkg in $(go list ./...); do
	for f in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
		echo "fuzz: $pkg $f ($FUZZTIME)"
		go test -run '^$' -fuzz "^$f\$" -fuzztime "$FUZZTIME" "$pkg" >/tmp/fuzz.$$.log 2>&1 || {
			cat /tmp/fuzz.$$.log
			rm -f /tmp/fuzz.$$.log
			echo "fuzz: $pkg $f FAILED" >&2
			exit 1
		}
		n=$((n + 1))
	done
done
rm -f /tmp/fuzz.$$.log
echo "fuzz: $n targets ran for $FUZZTIME each, no failure"
