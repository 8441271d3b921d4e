#!/bin/sh
# fuzz.sh runs every Fuzz* target of the module for a short, fixed time
# (FUZZTIME, default 5s), one target at a time as `go test -fuzz` requires.
# Targets are found in the sources, so new ones are picked up without
# editing this file.
set -eu
FUZZTIME=${FUZZTIME:-5s}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
n=0
for file in $(git ls-files '*_test.go'; git ls-files --others --exclude-standard '*_test.go'); do
	for f in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$file"); do
		pkg=./$(dirname "$file")
		echo "fuzz: $pkg $f ($FUZZTIME)"
		if ! go test -run '^$' -fuzz "^$f\$" -fuzztime "$FUZZTIME" "$pkg" >"$log" 2>&1; then
			cat "$log"
			echo "fuzz: $pkg $f FAILED" >&2
			exit 1
		fi
		n=$((n + 1))
	done
done
[ "$n" -gt 0 ] || { echo "fuzz: no fuzz targets found" >&2; exit 1; }
echo "fuzz: $n targets ran for $FUZZTIME each, no failure"
