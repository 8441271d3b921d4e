// Package feeds holds uciknock's OpenWrt package feed and the tests that
// keep it consistent with the repository. It has no Go code of its own.
//
// The feed is this directory: net/uciknock/Makefile builds both commands
// with the Go package infrastructure of the OpenWrt packages feed
// (golang-package.mk) from the repository that contains the feed, as two
// packages: uciknock (uciknockd and every file of UCIKNOCK_FILES, e.g.
// files/etc/init.d/knock and files/etc/config/knock) and uciknock-client
// (uciknock). docs/install.md explains adding the feed to an OpenWrt build
// tree; tools/ipk builds .ipk files from the same Makefile (make packages).
//
// What the tests check (they need no OpenWrt tree): every listed file
// exists with the right executable bit, every file under files/ is listed,
// each package installs exactly its binary and files (the install recipes
// run under GNU make with stub OpenWrt includes), the conffiles list names
// exactly the installed /etc/config files, the dependencies (ctnetlink,
// fw4 or fw3), GO_PKG is the module path and each build target is a main
// package, the version is one apk accepts, the init script is valid POSIX
// sh and behaves as documented under stub procd and UCI functions, and the
// shipped sample config is a valid, disabled /etc/config/knock.
//
// Example (from the repository root):
//
//	go test ./feeds/
package feeds
