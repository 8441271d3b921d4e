#!/bin/sh
# fuzz.sh runs every Fuzz* target of the module for a short, fixed time
# (FUZZTIME, default 5s), one target at a time as `go test -fuzz` requires.
# Targets are found in the sources, so new ones are picked up without
# editing this file. A target that skips (t.Skip in its seeds) is not
# counted as run: it is named in the summary, and fails the run under
# CI=true.
set -eu
FUZZTIME=${FUZZTIME:-5s}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
n=0
flakes=0
skipped=""
for file in $(git ls-files '*_test.go'; git ls-files --others --exclude-standard '*_test.go'); do
	for f in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$file"); do
		pkg=./$(dirname "$file")
		corpus=$pkg/testdata/fuzz/$f
		before=$(ls "$corpus" 2>/dev/null | wc -l)
		echo "fuzz: $pkg $f ($FUZZTIME)"
		if ! go test -v -run '^$' -fuzz "^$f\$" -fuzztime "$FUZZTIME" "$pkg" >"$log" 2>&1; then
			after=$(ls "$corpus" 2>/dev/null | wc -l)
			# Go's fuzz coordinator can report its own -fuzztime deadline
			# as a failure (go.dev/issue/75804, fixed in Go 1.27). A real
			# failure always writes a reproducer to testdata/fuzz.
			if [ "$after" = "$before" ] && grep -q '^    context deadline exceeded$' "$log"; then
				echo "fuzz: $pkg $f: coordinator deadline race (go.dev/issue/75804), no failing input; not a failure"
				flakes=$((flakes + 1))
			else
				cat "$log"
				echo "fuzz: $pkg $f FAILED" >&2
				exit 1
			fi
		fi
		if grep -q "^--- SKIP: $f " "$log"; then
			why=$(grep -A0 -B1 "^--- SKIP: $f " "$log" | head -1 | sed 's/^ *//')
			echo "fuzz: $pkg $f SKIPPED: $why" >&2
			skipped="$skipped $pkg.$f"
			continue
		fi
		n=$((n + 1))
	done
done
[ "$n" -gt 0 ] || { echo "fuzz: no fuzz targets found" >&2; exit 1; }
nskip=$(echo $skipped | wc -w)
echo "fuzz: $n targets ran for $FUZZTIME each, no failure ($flakes deadline races ignored); $nskip skipped${skipped:+:$skipped}"
case "${CI:-}" in
"" | false | 0) ;;
*) [ "$nskip" -eq 0 ] || { echo "fuzz: CI=true and $nskip target(s) skipped" >&2; exit 1; } ;;
esac
