#!/bin/sh
# deps.sh installs what `make test`, `make demo` and `make bench` need on a
# fresh Debian machine (run as root): Debian packages that are missing, a Go
# toolchain if the machine has none, the pinned staticcheck, and the Go
# modules. It is idempotent and quiet when everything is already there.
set -eu

want_pkgs=""
need() { # need COMMAND PACKAGE
	command -v "$1" >/dev/null 2>&1 || want_pkgs="$want_pkgs $2"
}
need ip iproute2
need qemu-mips-static qemu-user-static
need git git
need make make
need gcc gcc # go test -race needs cgo
need readelf binutils # make cross checks the binaries are static
need nft nftables # conntrack tests track connections through an nft rule
for extra in "$@"; do
	case "$extra" in
	knockd) need knockd knockd ;;
	tcpdump) need tcpdump tcpdump ;;
	esac
done

if [ -n "$want_pkgs" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "deps: missing$want_pkgs; run as root to install them" >&2
	else
		echo "deps: apt-get install$want_pkgs" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >/dev/null
		# shellcheck disable=SC2086
		apt-get install -y -qq --no-install-recommends $want_pkgs >/dev/null
	fi
fi

# Go: the machine's own if it can switch toolchains (>= 1.21); otherwise
# Debian's golang-go fetches the go1.23.12 toolchain from the module proxy,
# the same module GOTOOLCHAIN uses.
PATH="$PATH:/usr/local/go/bin"
export PATH
if ! command -v go >/dev/null 2>&1; then
	apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null
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
