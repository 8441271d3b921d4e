// Package feeds holds uciknock's OpenWrt package feed and the tests that
// keep it consistent with the repository. It has no Go code of its own.
//
// The feed is this directory: net/uciknock/Makefile builds both commands
// with the Go package infrastructure of the OpenWrt packages feed
// (golang-package.mk) from the repository that contains the feed, and
// installs them with files/etc/init.d/knock and files/etc/config/knock.
// docs/install.md explains adding the feed to an OpenWrt build tree.
//
// What the tests check (they need no OpenWrt tree): every file the package
// installs exists, every file under files/ is installed, the conffiles
// list names exactly the installed /etc/config files, GO_PKG is the module
// path and each build target is a main package, the version is one apk
// accepts, the init script is valid POSIX sh and behaves as documented
// under stub procd and UCI functions, and the shipped sample config is a
// valid, disabled /etc/config/knock.
//
// Example (from the repository root):
//
//	go test ./feeds/
package feeds
