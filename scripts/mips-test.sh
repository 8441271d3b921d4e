#!/bin/sh
# mips-test.sh cross-compiles the tests of the packages whose byte handling
# must not depend on endianness (uci, pkg/knock, pkg/totp, pkg/capture, pkg/config,
# pkg/fastpath's nf_tables codec, internal/nlattr and internal/nfnl: netlink headers are host
# order, nf_tables payloads big-endian) for
# big-endian mips (softfloat, as on most OpenWrt routers) and runs them under
# qemu-mips-static.
set -eu
command -v qemu-mips-static >/dev/null || { echo "mips-test: qemu-mips-static missing (make deps)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for pkg in ${MIPS_PKGS:-./uci ./pkg/knock ./pkg/totp ./pkg/capture ./pkg/config ./pkg/fastpath ./internal/nlattr ./internal/nfnl}; do
	[ -d "$pkg" ] || continue
	name=$(echo "$pkg" | tr / _)
	CGO_ENABLED=0 GOOS=linux GOARCH=mips GOMIPS=softfloat go test -c -o "$out/$name.test" "$pkg"
	echo "mips-test: $pkg"
	# -test.short skips the slow crash/concurrency tests; emulation is ~20x slower.
	(cd "$pkg" && qemu-mips-static "$out/$name.test" -test.short -test.count=1)
done
