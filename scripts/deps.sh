#!/bin/sh
# deps.sh installs what `make demo`, `make test` and `make bench` need on a
# fresh Debian machine (run as root): Debian packages that are missing and a
# Go toolchain if the machine has none (the Makefile adds staticcheck and the
# Go modules). Without arguments only what building and running the demo
# needs; `test` adds the test tools (qemu for mips-test, gcc for -race,
# binutils, nftables), `knockd` and `tcpdump` what the benchmark compares
# against. It is idempotent and quiet when everything is already there.
#
# apt waits for another apt or dpkg (unattended-upgrades, a second make) to
# release its lock instead of failing at once: APT_LOCK_TIMEOUT seconds,
# default 600.
set -eu

want_pkgs=""
need() { # need COMMAND PACKAGE
	command -v "$1" >/dev/null 2>&1 || want_pkgs="$want_pkgs $2"
}
need ip iproute2
need git git
need make make
for extra in "$@"; do
	case "$extra" in
	test)
		need qemu-mips-static qemu-user-static
		need gcc gcc          # go test -race needs cgo
		need readelf binutils # make cross checks the binaries are static
		need nft nftables     # conntrack tests track connections through an nft rule
		need busybox busybox-static # tools/ipk runs package scripts chrooted with it as /bin/sh
		;;
	knockd) need knockd knockd ;;
	tcpdump) need tcpdump tcpdump ;;
	*) echo "deps: unknown argument $extra (test, knockd, tcpdump)" >&2; exit 2 ;;
	esac
done

# apt-get that waits for the dpkg lock held by another apt or dpkg
# (DPkg::Lock::Timeout, apt >= 1.9.11) instead of failing at once.
apt_get() {
	apt-get -o DPkg::Lock::Timeout="${APT_LOCK_TIMEOUT:-600}" "$@"
}

if [ -n "$want_pkgs" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "deps: missing$want_pkgs; run as root to install them" >&2
	else
		echo "deps: apt-get install$want_pkgs" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt_get update -qq >/dev/null
		# shellcheck disable=SC2086
		apt_get install -y -qq --no-install-recommends $want_pkgs >/dev/null
	fi
fi

# Go: the machine's own if it can switch toolchains (>= 1.21); otherwise
# Debian's golang-go fetches the go1.23.12 toolchain from the module proxy,
# the same module GOTOOLCHAIN uses.
PATH="$PATH:/usr/local/go/bin"
export PATH
if ! command -v go >/dev/null 2>&1; then
	apt_get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt_get install -y -qq golang-go >/dev/null
fi
case "$(go env GOVERSION 2>/dev/null || echo go1.0)" in
go1.1[0-9]* | go1.[0-9] | go1.[0-9].* | go1.20*)
	tc=golang.org/toolchain@v0.0.1-go1.23.12.linux-$(go env GOARCH)
	dir=$(GOFLAGS=-modcacherw go mod download -json "$tc" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
	mkdir -p .bin
	ln -sf "$dir/bin/go" .bin/go
	echo "deps: using $dir/bin/go (put .bin first in PATH)" >&2
	;;
esac
