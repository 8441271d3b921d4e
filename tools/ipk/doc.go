// Command ipk builds OpenWrt .ipk packages of uciknock without an OpenWrt
// build tree (`make packages`), from the static binaries of `make cross`.
//
// Everything that describes a package comes from the feed Makefile
// (feeds/net/uciknock/Makefile), so the feed and these packages cannot
// drift: PKG_VERSION and PKG_RELEASE, each package's TITLE, SECTION, URL,
// DEPENDS and description, the daemon's UCIKNOCK_FILES list and each
// package's conffiles. The archive is written by nfpm's ipk packager
// (github.com/goreleaser/nfpm/v2/ipk): an outer tar.gz holding
// debian-binary, control.tar.gz and data.tar.gz, as OpenWrt's ipkg-build
// writes it and opkg reads it. Two things follow OpenWrt rather than nfpm:
// Installed-Size is the byte size of the uncompressed data tar (ipkg-build
// sets it so), and postinst/prerm are the scripts OpenWrt's
// include/package-pack.mk generates, which call the router's own
// default_postinst/default_prerm from /lib/functions.sh (enable and start
// /etc/init.d/* on install, stop and disable on removal; inside an image
// root, $IPKG_INSTROOT, only enable/disable links, never start or stop).
//
// It does not build apk packages (OpenWrt after 24.10): those come from
// the feed (docs/install.md).
//
// Example (what `make packages` runs, from tools/):
//
//	go run ./ipk -makefile ../feeds/net/uciknock/Makefile -files ../files \
//		-cross ../build/cross -out ../build/packages
package main
