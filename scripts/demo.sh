#!/usr/bin/env bash
# demo.sh: uciknockd on a stock OpenWrt firewall config, in a throw-away
# router namespace, knocked from a client namespace with uciknock.
# Run by `make demo` (as root). Everything lives in network namespaces and a
# temporary directory that are removed at exit; addresses are documentation
# ones (192.0.2.0/24, 2001:db8::/32) and the namespaces have no default route.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=$PWD/build
[ "$(id -u)" = 0 ] || { echo "demo: run as root (network namespaces)" >&2; exit 1; }
for b in uciknockd uciknock uci; do [ -x "$BIN/$b" ] || { echo "demo: $BIN/$b missing (make build)" >&2; exit 1; }; done

D=$(mktemp -d /tmp/uciknock-demo.XXXXXX)
R=ukdemo-r$$
C=ukdemo-c$$
DAEMON=
cleanup() {
	set +e
	[ -n "$DAEMON" ] && kill "$DAEMON" 2>/dev/null && wait "$DAEMON" 2>/dev/null
	ip netns del "$R" 2>/dev/null
	ip netns del "$C" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT INT TERM

bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
inr() { ip netns exec "$R" "$@"; }
inc() { ip netns exec "$C" "$@"; }
ukd() { "$BIN/uciknockd" "$@" --firewall "$D/etc/config/firewall" --override-dir ''; }
show_doors() { # the uciknock sections, the way `uci show firewall` prints them (build/uci: the clone)
	"$BIN/uci" -c "$D/etc/config" show firewall | grep "^firewall\.uciknock_" || echo "(no uciknock sections in /etc/config/firewall)"
}
wait_status() { # wait_status PATTERN present|absent SECONDS
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		if ukd status | grep -q -- "$1"; then [ "$2" = present ] && return 0; else [ "$2" = absent ] && return 0; fi
		sleep 0.1
	done
	echo "demo: timed out waiting for $1 to be $2" >&2
	return 1
}

bold "network: router namespace $R (192.0.2.1, 2001:db8::1) <-veth-> client namespace $C (192.0.2.7, 2001:db8::7)"
ip netns add "$R"
ip netns add "$C"
ip link add ukr0 netns "$R" type veth peer name ukc0 netns "$C"
inr ip link set lo up; inc ip link set lo up
inr ip addr add 192.0.2.1/24 dev ukr0; inr ip addr add 2001:db8::1/64 dev ukr0 nodad
inc ip addr add 192.0.2.7/24 dev ukc0; inc ip addr add 2001:db8::7/64 dev ukc0 nodad
inr ip link set ukr0 up; inc ip link set ukc0 up

mkdir -p "$D/etc/config" "$D/state"
cp scripts/demo/firewall "$D/etc/config/firewall" # stock firewall4 /etc/config/firewall
echo 'CET-1CEST,M3.5.0,M10.5.0/3' >"$D/etc/TZ"    # the router's time zone, as musl reads it
cat >"$D/reload.sh" <<'EOS'
#!/bin/sh
# Stands in for `fw4 reload` (Debian has no fw4): counts the reloads.
echo reload >>"$(dirname "$0")/reloads"
EOS
chmod +x "$D/reload.sh"
cat >"$D/etc/config/knock" <<EOC
config knockd 'main'
	option enabled '1'
	list interface 'ukr0'
	option reload_command '$D/reload.sh'
	option state_dir '$D/state'
EOC
grep -v '^#' scripts/demo/knock-sequences >>"$D/etc/config/knock" # the sequences the e2e tests run too
bold "/etc/config/knock"
cat "$D/etc/config/knock"
"$BIN/uciknockd" check "$D/etc/config/knock"

bold "starting uciknockd in the router namespace"
ip netns exec "$R" "$BIN/uciknockd" run --config "$D/etc/config/knock" --firewall "$D/etc/config/firewall" \
	--override-dir '' --socket "$D/uciknockd.sock" --root "$D" 2>"$D/daemon.log" &
DAEMON=$!
LOGGED=0
daemon_log() { # print the daemon's log lines written since the last call
	sleep 0.3
	local n
	n=$(wc -l <"$D/daemon.log")
	tail -n "+$((LOGGED + 1))" "$D/daemon.log" | head -n "$((n - LOGGED))" | sed 's/^/    [uciknockd] /'
	LOGGED=$n
}
for ((i = 0; i < 50; i++)); do grep -q 'capture: .*opened' "$D/daemon.log" && break; sleep 0.1; done
daemon_log

bold "client knocks 7000, 8000, 9000 (TCP SYNs) to open SSH"
inc "$BIN/uciknock" -v -d 50 192.0.2.1 7000 8000 9000
wait_status KnockSSH_192.0.2.7_22 present 5
daemon_log
show_doors

bold "the same over IPv6"
inc "$BIN/uciknock" -v -6 -d 50 2001:db8::1 7000 8000 9000
wait_status KnockSSH_2001:db8::7_22 present 5
daemon_log

bold "uciknockd status"
ukd status

bold "client knocks 1111, 2222, 3333 (UDP) to forward port 8080 to 192.168.1.10:80 (closes by itself after 6 s)"
inc "$BIN/uciknock" -v -u -d 50 192.0.2.1 1111 2222 3333
wait_status KnockWeb_192.0.2.7_8080 present 5
daemon_log
show_doors

bold "client knocks 9000, 8000, 7000 to close SSH again (IPv4)"
inc "$BIN/uciknock" -v -d 50 192.0.2.1 9000 8000 7000
wait_status KnockSSH_192.0.2.7_22 absent 5
daemon_log
ukd status

bold "waiting for the forward's timeout (auto-close)"
wait_status KnockWeb_192.0.2.7_8080 absent 15
daemon_log
ukd status

bold "uciknockd close 2001:db8::7 (the admin closes a door by source)"
"$BIN/uciknockd" close --socket "$D/uciknockd.sock" 2001:db8::7
wait_status KnockSSH_2001:db8::7_22 absent 5
daemon_log
show_doors

bold "firewall reloads: $(wc -l <"$D/reloads") (one per batch of changes); the rest of /etc/config/firewall is byte-for-byte as shipped:"
diff <(head -c "$(stat -c %s scripts/demo/firewall)" "$D/etc/config/firewall") scripts/demo/firewall && echo "    stock part unchanged"

bold "stopping uciknockd (SIGTERM)"
kill "$DAEMON"; wait "$DAEMON" || true
DAEMON=
daemon_log
echo
echo "demo finished; cleaning up"
