// Command ipk builds OpenWrt .ipk packages of uciknock without an OpenWrt
// build tree (`make packages`), from the static binaries of `make cross`,
// and the LuCI app's package.
//
// Everything that describes a package comes from the feed Makefile
// (feeds/net/uciknock/Makefile), so the feed and these packages cannot
// drift: PKG_VERSION, PKG_RELEASE and PKG_MAINTAINER (OpenWrt's
// Maintainer field), each package's TITLE, SECTION, URL,
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
// It also builds the LuCI app, luci-app-uciknock_<version>_all.ipk in
// <out>/all/, as the luci feed's luci.mk would from its feed Makefile
// (feeds/luci/luci-app-uciknock/Makefile, -luci): Package is the
// Makefile's directory name, Version PKG_VERSION-PKG_RELEASE (luci.mk's
// git-derived version only applies when PKG_VERSION is unset, which is
// refused here), Depends libc (OpenWrt puts it first in every package's
// DEPENDS) and LUCI_DEPENDS without the "+" (luci.mk adds
// luci-lua-runtime only for a luasrc/ directory, which the app has not),
// Section, URL and Maintainer from LUCI_SECTION, LUCI_URL and
// LUCI_MAINTAINER with luci.mk's defaults, License from PKG_LICENSE,
// Architecture all, Description LUCI_TITLE then LUCI_DESCRIPTION. Its
// files are ./htdocs under /www and ./root under /, each with the mode
// luci.mk's `cp -pR` keeps (0755 if executable, else 0644); the
// JavaScript is not minified (as with CONFIG_LUCI_JSMIN unset). Its
// control scripts are the generic postinst/prerm plus luci.mk's postinst
// as postinst-pkg, which default_postinst runs: on a running router it
// deletes /tmp/luci-indexcache.* and /tmp/luci-modulecache/ and sends
// rpcd SIGHUP; with $IPKG_INSTROOT set it does nothing. Anything in that
// Makefile beyond plain LUCI_/PKG_ assignments (a package script of its
// own, +=, make variables in values, a luasrc/, ucode/, src/ or po/
// directory) is an error rather than a package that differs from the
// feed's. The tests (`make packages-test`) check the result against the
// real luci.mk, run by GNU make from the OpenWrt sandbox's LuCI sources.
//
// It does not build apk packages (OpenWrt after 24.10): those come from
// the feed (docs/install.md).
//
// Example (what `make packages` runs, from tools/):
//
//	go run ./ipk -makefile ../feeds/net/uciknock/Makefile \
//		-luci ../feeds/luci/luci-app-uciknock/Makefile -files ../files \
//		-cross ../build/cross -out ../build/packages
package main
