package main

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// devNullDev is the device number of /dev/null (major 1, minor 3).
const devNullDev = 1<<8 | 3

func TestReadLuCISpec(t *testing.T) {
	p, err := ReadLuCISpec(luciMakefile)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "luci-app-uciknock" || p.SourceName != p.Name || p.Version != "0.1.0-1" || p.Arch != "all" ||
		p.Section != "luci" || p.License != "Apache-2.0" || p.Binary.Src != "" || len(p.Conffiles) != 0 {
		t.Errorf("fields %+v", p)
	}
	if p.URL != "https://github.com/uciknock/uciknock" || !strings.HasPrefix(p.Maintainer, "uciknock ") {
		t.Errorf("URL %q, Maintainer %q: luci.mk's defaults name the LuCI project", p.URL, p.Maintainer)
	}
	if !slices.Equal(p.Depends, []string{"libc", "luci-base", "uciknock", "rpcd-mod-ucode", "ucode-mod-fs", "ucode-mod-uci", "ucode-mod-socket"}) {
		t.Errorf("depends %v", p.Depends)
	}
	for _, f := range []File{
		{"htdocs/luci-static/resources/view/uciknock/sequences.js", "/www/luci-static/resources/view/uciknock/sequences.js", 0o644},
		{"root/usr/share/rpcd/ucode/uciknock", "/usr/share/rpcd/ucode/uciknock", 0o644},
		{"root/usr/share/rpcd/acl.d/luci-app-uciknock.json", "/usr/share/rpcd/acl.d/luci-app-uciknock.json", 0o644},
		{"root/usr/share/luci/menu.d/luci-app-uciknock.json", "/usr/share/luci/menu.d/luci-app-uciknock.json", 0o644},
	} {
		if !slices.Contains(p.Files, f) {
			t.Errorf("files lack %+v: %+v", f, p.Files)
		}
	}
	if p.PostinstPkg != luciPostinst || p.Title == "" || p.Description == "" {
		t.Errorf("title %q, description %q, postinst %q", p.Title, p.Description, p.PostinstPkg)
	}
}

// TestReadLuCISpecRefuses: what would make the package differ from the
// feed's is an error naming the place, not a silently different package.
func TestReadLuCISpecRefuses(t *testing.T) {
	const good = "include $(TOPDIR)/rules.mk\nPKG_VERSION:=1.0\nLUCI_TITLE:=T\nLUCI_DESCRIPTION:=D\nLUCI_DEPENDS:=+luci-base\n"
	const tail = "include $(TOPDIR)/feeds/luci/luci.mk\n"
	for _, tt := range []struct {
		name, mk, dir, want string
	}{
		{"own postinst", good + tail + "define Package/luci-app-x/postinst\nfoo\nendef\n", "", "Makefile:7:"},
		{"appended depends", good + "LUCI_DEPENDS+=+foo\n" + tail, "", "Makefile:6:"},
		{"unknown variable", good + "LUCI_EXTRA_DEPENDS:=foo (>=1)\n" + tail, "", "Makefile:6:"},
		{"variable reference", good + "LUCI_URL:=$(PKG_URL)\n" + tail, "", "Makefile:6: LUCI_URL"},
		{"no version", strings.Replace(good, "PKG_VERSION:=1.0\n", "", 1) + tail, "", "PKG_VERSION is not set"},
		{"no luci.mk", good, "", "luci.mk"},
		{"arch", good + "LUCI_PKGARCH:=mips\n" + tail, "", "LUCI_PKGARCH"},
		{"conditional depends", strings.Replace(good, "+luci-base", "+PACKAGE_x:foo", 1) + tail, "", "DEPENDS"},
		{"lua sources", good + tail, "luasrc", "luasrc/"},
		{"translations", good + tail, "po", "po/"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "luci-app-x")
			for _, d := range []string{"htdocs/luci-static/resources/view/x", tt.dir} {
				if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(dir, "htdocs/luci-static/resources/view/x/x.js"), []byte("'use strict';\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if tt.dir != "" {
				if err := os.WriteFile(filepath.Join(dir, tt.dir, "f"), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			mk := filepath.Join(dir, "Makefile")
			if err := os.WriteFile(mk, []byte(tt.mk), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadLuCISpec(mk)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one with %q", err, tt.want)
			}
		})
	}
	// The good one reads, with luci.mk's defaults.
	dir := filepath.Join(t.TempDir(), "luci-app-x")
	if err := os.MkdirAll(filepath.Join(dir, "root/usr/libexec"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "root/usr/libexec/x"), []byte("#!/bin/sh\n"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "root/usr/libexec/x~"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Makefile"), []byte(good+tail), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := ReadLuCISpec(filepath.Join(dir, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Version != "1.0-1" || !slices.Equal(p.Depends, []string{"libc", "luci-base"}) || p.URL != luciURL || p.Maintainer != luciMaintainer || p.Section != "luci" || p.License != "" ||
		!slices.Equal(p.Files, []File{{"root/usr/libexec/x", "/usr/libexec/x", 0o755}}) {
		t.Errorf("%+v", p)
	}
}

// luciMk is what the luci feed's real luci.mk makes of our Makefile,
// evaluated by GNU make with stand-ins for the rest of the build system
// (package.mk's BuildPackage, package-pack.mk's control fields and script
// export): the control fields, the package's own scripts and the tree
// Package/<name>/install produces.
type luciMk struct {
	fields   map[string]string
	scripts  map[string]string // postinst-pkg, prerm-pkg: only those the package defines
	tree     string
	makeLogs string
}

var luciMkStubs = map[string]string{
	"rules.mk": `INCLUDE_DIR:=$(TOPDIR)/include
INSTALL_DIR:=install -d -m0755
INSTALL_BIN:=install -m0755
INSTALL_DATA:=install -m0644
CP:=cp -fpR
FIND:=find
XARGS:=xargs -r
shvar=V_$(subst .,_,$(subst -,_,$(subst /,_,$(1))))
define shexport
export $(call shvar,$(1))=$$(call $(1))
endef
`,
	// As package.mk, package-defaults.mk and package-pack.mk: the
	// Package/<name> block sets the package's variables; libc goes first
	// in DEPENDS (PKG_FIXUP_DEPENDS of OpenWrt 24.10, whose conditional
	// extras were dropped); Depends is DEPENDS without @conditions and
	// without the + of each name; each script the package defines is
	// exported and written with echo.
	"include/package.mk": `PKG_BUILD_DIR?=$(BUILD_DIR)/$(PKG_NAME)
strip_deps=$(strip $(subst +,,$(filter-out @%,$(1))))
PKG_DEFAULT_DEPENDS = +libc
PKG_FIXUP_DEPENDS = $(if $(filter kmod-%,$(1)),$(2),$(PKG_DEFAULT_DEPENDS) $(filter-out $(PKG_DEFAULT_DEPENDS),$(2)))
define BuildPackage
$(eval $(Package/$(1)))
$(eval DEPENDS:=$(call PKG_FIXUP_DEPENDS,$(1),$(DEPENDS)))
$(foreach s,postinst prerm,$(if $(filter undefined,$(origin Package/$(1)/$(s))),,$(eval $(call shexport,Package/$(1)/$(s)))))
$(eval $(call shexport,Package/$(1)/description))
prepare:
	$(call Build/Prepare)
install-$(1): prepare
	$(call Package/$(1)/install,$(DEST))
control-$(1):
	@printf '%s\n' 'Package=$(1)' 'Version=$(VERSION)' 'Depends=$(call strip_deps,$(DEPENDS))' 'Section=$(SECTION)' \
		'Architecture=$(PKGARCH)' 'Title=$(TITLE)' 'URL=$(URL)' 'Maintainer=$(MAINTAINER)' 'License=$(PKG_LICENSE)' \
		'SourceName=$(PKG_NAME)' > $(OUT)/fields
	@echo "$$$$$(call shvar,Package/$(1)/description)" > $(OUT)/description
	$(foreach s,postinst prerm,$(if $(filter undefined,$(origin Package/$(1)/$(s))),,@echo "$$$$$(call shvar,Package/$(1)/$(s))" > $(OUT)/$(s)-pkg))
endef
`,
}

// luciMkOf evaluates luci.mk from the OpenWrt sandbox's LuCI sources
// ($OPENWRT_DIR/src/luci.tar.gz) on the feed Makefile.
func luciMkOf(t *testing.T, makefile string) luciMk {
	t.Helper()
	if _, err := exec.LookPath("make"); err != nil {
		if inCI() {
			t.Fatal("make is missing")
		}
		t.Skip("make is missing")
	}
	luciMkText := sandboxSource(t, "luci.tar.gz", func(n string) bool { return strings.TrimPrefix(n, "./") == "luci/luci.mk" })
	tmp := t.TempDir()
	top := filepath.Join(tmp, "openwrt")
	files := map[string]string{"feeds/luci/luci.mk": string(luciMkText)}
	for k, v := range luciMkStubs {
		files[k] = v
	}
	for name, text := range files {
		p := filepath.Join(top, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, tree := filepath.Join(tmp, "out"), filepath.Join(tmp, "tree")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(filepath.Dir(makefile))
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Base(abs)
	cmd := exec.Command("make", "--no-print-directory", "-C", abs, "TOPDIR="+top, "BUILD_DIR="+filepath.Join(tmp, "build"),
		"DEST="+tree, "OUT="+out, "control-"+name, "install-"+name)
	// A clean environment: no CONFIG_LUCI_JSMIN and the like from outside,
	// and a umask as on a build host.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + tmp}
	logs, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make with luci.mk: %v\n%s", err, logs)
	}
	m := luciMk{fields: map[string]string{}, scripts: map[string]string{}, tree: tree, makeLogs: string(logs)}
	fields, err := os.ReadFile(filepath.Join(out, "fields"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(fields)), "\n") {
		k, v, _ := strings.Cut(l, "=")
		m.fields[k] = v
	}
	desc, err := os.ReadFile(filepath.Join(out, "description"))
	if err != nil {
		t.Fatal(err)
	}
	m.fields["description"] = strings.Join(strings.Fields(string(desc)), " ")
	for _, s := range []string{"postinst-pkg", "prerm-pkg"} {
		if b, err := os.ReadFile(filepath.Join(out, s)); err == nil {
			m.scripts[s] = string(b)
		}
	}
	return m
}

// TestLuCIPackage unpacks luci-app-uciknock_<version>_all.ipk and checks
// every member, control field, script and file against both what
// ReadLuCISpec reads and what the real luci.mk makes of the feed Makefile.
func TestLuCIPackage(t *testing.T) {
	dir, _ := packagesUnderTest(t)
	p, err := ReadLuCISpec(luciMakefile)
	if err != nil {
		t.Fatal(err)
	}
	mk := luciMkOf(t, luciMakefile)
	path := filepath.Join(dir, "all", FileName(p, "all"))
	if filepath.Base(path) != "luci-app-uciknock_0.1.0-1_all.ipk" {
		t.Errorf("file name %s", filepath.Base(path))
	}
	pk := unpackIPK(t, path)
	control, data, fields, descLines := pk.control, pk.data, pk.fields, pk.description
	dataSize := pk.dataSize
	// control: the fields luci.mk sets, as package-pack.mk writes them.
	want := map[string]string{
		"Package": mk.fields["Package"], "Version": mk.fields["Version"], "Section": mk.fields["Section"],
		"Architecture": mk.fields["Architecture"], "URL": mk.fields["URL"], "Maintainer": mk.fields["Maintainer"],
		"License": mk.fields["License"], "SourceName": mk.fields["SourceName"],
		"Depends":        strings.Join(strings.Fields(mk.fields["Depends"]), ", "),
		"Installed-Size": strconv.FormatInt(dataSize, 10),
		"Description":    mk.fields["Title"], "Priority": "optional",
	}
	if fmt.Sprint(fields) != fmt.Sprint(want) {
		t.Errorf("control fields\n%v\nwant (luci.mk)\n%v", fields, want)
	}
	if mk.fields["Version"] != "0.1.0-1" || mk.fields["Architecture"] != "all" || mk.fields["Section"] != "luci" ||
		!strings.Contains(mk.fields["Depends"], "uciknock") {
		t.Errorf("luci.mk made %v of the feed Makefile", mk.fields)
	}
	if strings.Join(descLines, " ") != mk.fields["description"] || mk.fields["description"] != p.Description {
		t.Errorf("description %q, luci.mk's %q", descLines, mk.fields["description"])
	}

	// control scripts: package-pack.mk's postinst and prerm, luci.mk's
	// postinst as postinst-pkg, no conffiles.
	wantScripts := map[string]string{"./postinst": postinst, "./prerm": prerm}
	for s, text := range mk.scripts {
		wantScripts["./"+s] = text
	}
	if _, ok := wantScripts["./postinst-pkg"]; !ok {
		t.Error("luci.mk gave the package no postinst")
	}
	for name, e := range control {
		if name == "./control" {
			if e.hdr.Mode&0o777 != 0o644 {
				t.Errorf("control has mode %o", e.hdr.Mode)
			}
			continue
		}
		text, ok := wantScripts[name]
		if !ok {
			t.Errorf("control.tar.gz holds %s", name)
			continue
		}
		delete(wantScripts, name)
		if string(e.body) != text || e.hdr.Mode&0o777 != 0o755 || e.hdr.Typeflag != tar.TypeReg {
			t.Errorf("%s: mode %o\n%s\nwant\n%s", name, e.hdr.Mode, e.body, text)
		}
	}
	if len(wantScripts) != 0 {
		t.Errorf("control.tar.gz lacks %v", wantScripts)
	}

	// data: exactly the tree luci.mk's install makes, mode for mode.
	wantTree := map[string]os.FileInfo{}
	err = filepath.Walk(mk.tree, func(p string, info os.FileInfo, err error) error {
		if err != nil || p == mk.tree {
			return err
		}
		rel, _ := filepath.Rel(mk.tree, p)
		if info.IsDir() {
			rel += "/"
		}
		wantTree["./"+filepath.ToSlash(rel)] = info
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(wantTree) < 10 {
		t.Fatalf("luci.mk installed only %v", wantTree)
	}
	for name, e := range data {
		info, ok := wantTree[name]
		if !ok {
			t.Errorf("unexpected %s", name)
			continue
		}
		delete(wantTree, name)
		if e.hdr.Uid != 0 || e.hdr.Gid != 0 {
			t.Errorf("%s owned by %d:%d", name, e.hdr.Uid, e.hdr.Gid)
		}
		if os.FileMode(e.hdr.Mode&0o7777) != info.Mode().Perm() {
			t.Errorf("%s has mode %o, luci.mk installs it %o", name, e.hdr.Mode, info.Mode().Perm())
		}
		if info.IsDir() != (e.hdr.Typeflag == tar.TypeDir) || (!info.IsDir() && e.hdr.Typeflag != tar.TypeReg) {
			t.Errorf("%s has type %c", name, e.hdr.Typeflag)
			continue
		}
		if !info.IsDir() {
			src, err := os.ReadFile(filepath.Join(mk.tree, name))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(src, e.body) {
				t.Errorf("%s differs from what luci.mk installs", name)
			}
		}
	}
	if len(wantTree) != 0 {
		var missing []string
		for n := range wantTree {
			missing = append(missing, n)
		}
		sort.Strings(missing)
		t.Errorf("missing from data.tar.gz: %v", missing)
	}
	for _, must := range []string{"./www/luci-static/resources/view/uciknock/doors.js", "./usr/share/rpcd/ucode/uciknock",
		"./usr/share/rpcd/acl.d/luci-app-uciknock.json", "./usr/share/luci/menu.d/luci-app-uciknock.json"} {
		if _, ok := data[must]; !ok {
			t.Errorf("data.tar.gz lacks %s", must)
		}
	}
}

// fakeRpcd stands in for rpcd: it logs the SIGHUP that makes the real
// one reread its ACLs and plugins, and leaves on SIGUSR1 (sent after the
// script under test has finished, so a HUP, if any, is logged first: a
// shell runs pending traps in signal order). Bounded to 30 s.
const fakeRpcd = `#!/bin/sh
trap 'echo HUP >> /rpcd.log' HUP
trap 'exit 0' USR1
: > /rpcd.up
i=0
while [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
echo timeout >> /rpcd.log
`

// runWithRpcd runs `sh script configure` in root (a chroot with busybox)
// in a new PID namespace with its own /proc, beside a fake rpcd, and
// returns what the fake rpcd logged. The namespace keeps killall away
// from every other process of the machine.
const runWithRpcd = `mount -t proc proc /proc 2>/dev/null || true
rm -f /rpcd.up /rpcd.log
/usr/sbin/rpcd & pid=$!
i=0
while [ ! -e /rpcd.up ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
[ -e /rpcd.up ] || { echo "fake rpcd did not start"; exit 1; }
sh "$0" configure || exit
kill -USR1 $pid
wait $pid
`

// TestLuCIScripts runs the LuCI package's control scripts chrooted into a
// scratch root with OpenWrt's /lib/functions.sh and a fake rpcd in a PID
// namespace of their own: on a running router the install drops LuCI's
// caches and sends rpcd SIGHUP (so the new menu entry and ACL work at
// once); inside an image root, on removal and with IPKG_NO_SCRIPT nothing
// is touched.
func TestLuCIScripts(t *testing.T) {
	busybox := staticBusybox(t)
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		if inCI() {
			t.Fatal("unshare (util-linux) is missing")
		}
		t.Skip("unshare (util-linux) is missing")
	}
	dir, _ := packagesUnderTest(t)
	p, err := ReadLuCISpec(luciMakefile)
	if err != nil {
		t.Fatal(err)
	}
	pkg := filepath.Join(dir, "all", FileName(p, "all"))
	root := scratchRoot(t, pkg, p.Name)
	addBusybox(t, root, busybox)
	for _, applet := range []string{"sleep", "mount", "kill", "killall"} {
		if err := os.Symlink("busybox", filepath.Join(root, "bin", applet)); err != nil {
			t.Fatal(err)
		}
	}
	// The same package, unpacked into an image root inside the chroot.
	installInto(t, filepath.Join(root, "image"), pkg, p.Name)
	for _, d := range []string{"proc", "dev", "usr/sbin"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// The scripts and the shell send output to /dev/null.
	if err := syscall.Mknod(filepath.Join(root, "dev/null"), syscall.S_IFCHR|0o666, int(devNullDev)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "usr/sbin/rpcd"), []byte(fakeRpcd), 0o755); err != nil {
		t.Fatal(err)
	}
	caches := []string{"tmp/luci-indexcache", "tmp/luci-indexcache.0f3a.json", "tmp/luci-modulecache/luci.x", "tmp/other"}
	fill := func() {
		for _, c := range caches {
			p := filepath.Join(root, c)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	left := func() []string {
		var l []string
		for _, c := range append(caches, "tmp/luci-modulecache") {
			if _, err := os.Stat(filepath.Join(root, c)); err == nil {
				l = append(l, c)
			}
		}
		return l
	}
	all := append(slices.Clone(caches), "tmp/luci-modulecache")
	info := "/usr/lib/opkg/info/" + p.Name
	for _, tt := range []struct {
		name, script string
		env          []string
		left         []string
		rpcd         string
	}{
		{"install", info + ".postinst", nil, []string{"tmp/other"}, "HUP\n"},
		{"upgrade", info + ".postinst", []string{"PKG_UPGRADE=1"}, []string{"tmp/other"}, "HUP\n"},
		{"IPKG_NO_SCRIPT", info + ".postinst", []string{"IPKG_NO_SCRIPT=1"}, all, ""},
		{"removal", info + ".prerm", nil, all, ""},
		{"install into an image root", "/image" + info + ".postinst", []string{"IPKG_INSTROOT=/image"}, all, ""},
		{"removal from an image root", "/image" + info + ".prerm", []string{"IPKG_INSTROOT=/image"}, all, ""},
	} {
		fill()
		script(t, tt.name, tt.env, unshare, "--pid", "--fork", "--mount-proc="+filepath.Join(root, "proc"),
			"chroot", root, "/bin/sh", "-c", runWithRpcd, tt.script)
		if got := left(); !slices.Equal(got, tt.left) {
			t.Errorf("%s: left %v, want %v", tt.name, got, tt.left)
		}
		if got, _ := os.ReadFile(filepath.Join(root, "rpcd.log")); string(got) != tt.rpcd {
			t.Errorf("%s: rpcd got %q, want %q", tt.name, got, tt.rpcd)
		}
		for _, r := range []string{root, filepath.Join(root, "image")} {
			if got := readLog(t, r); got != "" {
				t.Errorf("%s: rc.common calls %q (the app has no service)", tt.name, got)
			}
		}
	}
}

// TestLuCIPackageInLuCI is what a user sees after `opkg install` of the
// daemon's and the app's packages: their files, copied from the packages
// (not from the sources) into the real LuCI of the OpenWrt sandbox, give
// Services → Port Knocking in the menu (menu.d), serve the views, and
// answer ubus uciknock status through rpcd's ucode plugin, which finds the
// daemon's binary and sample configuration (even root's session may call
// it only through the ACL group that acl.d defines: without that file the
// call is denied).
func TestLuCIPackageInLuCI(t *testing.T) {
	if os.Geteuid() != 0 {
		if inCI() {
			t.Fatal("needs root for the OpenWrt sandbox, CI=true")
		}
		t.Skip("needs root for the OpenWrt sandbox (runs in CI)")
	}
	dir := os.Getenv("OPENWRT_DIR")
	if dir == "" {
		dir = "../../../shared/openwrt"
	}
	setup := filepath.Join(dir, "setup.sh")
	if _, err := os.Stat(setup); err != nil {
		if inCI() {
			t.Fatal(err)
		}
		t.Skipf("OpenWrt sandbox missing: %v", err)
	}
	if out, err := exec.Command(setup).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", setup, err, out)
	}
	pkgDir, _ := packagesUnderTest(t)
	app, err := ReadLuCISpec(luciMakefile)
	if err != nil {
		t.Fatal(err)
	}
	pkgs, err := ReadSpec(makefile)
	if err != nil {
		t.Fatal(err)
	}
	// The files of both packages as opkg would put them down.
	var args []string
	data := map[string][]byte{}
	for _, path := range []string{filepath.Join(pkgDir, "all", FileName(app, "all")), filepath.Join(pkgDir, "x86_64", FileName(pkgs[0], "x86_64"))} {
		tree := t.TempDir()
		for n, e := range unpackIPK(t, path).data {
			if e.hdr.Typeflag != tar.TypeReg {
				continue
			}
			src := filepath.Join(tree, n)
			if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(src, e.body, os.FileMode(e.hdr.Mode&0o777)); err != nil {
				t.Fatal(err)
			}
			args = append(args, "--file", src+":"+strings.TrimPrefix(n, "."))
			data[strings.TrimPrefix(n, ".")] = e.body
		}
	}
	port := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	}()
	wrapper := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, filepath.Join(dir, "bin/owrt-luci"), args...).Output()
		if err != nil {
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr
			}
			t.Fatalf("owrt-luci %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr)
		}
		return strings.TrimSpace(string(out))
	}
	url := wrapper(append([]string{"up", "-", "--port", port}, args...)...)
	t.Cleanup(func() { wrapper("down", "--port", port) })
	cookie := wrapper("login", "--port", port)
	sid := strings.TrimPrefix(cookie, "sysauth_http=")
	client := &http.Client{Timeout: 30 * time.Second}
	get := func(u string) []byte {
		t.Helper()
		req, err := http.NewRequest("GET", u, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Cookie", cookie)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %s\n%s", u, resp.Status, body)
		}
		return body
	}

	var menu struct {
		Children map[string]struct {
			Children map[string]struct {
				Children map[string]struct {
					Title    string `json:"title"`
					Children map[string]struct {
						Title string `json:"title"`
					} `json:"children"`
				} `json:"children"`
			} `json:"children"`
		} `json:"children"`
	}
	if err := json.Unmarshal(get(url+"admin/menu"), &menu); err != nil {
		t.Fatal(err)
	}
	entry := menu.Children["admin"].Children["services"].Children["uciknock"]
	if entry.Title != "Port Knocking" || len(entry.Children) != 3 {
		t.Errorf("Services → Port Knocking in LuCI's menu: %+v", entry)
	}
	base := strings.TrimSuffix(url, "cgi-bin/luci/")
	for _, v := range []string{"sequences", "doors", "client", "common", "fielderrors"} {
		p := "/www/luci-static/resources/view/uciknock/" + v + ".js"
		if body := get(base + strings.TrimPrefix(p, "/www/")); !bytes.Equal(body, data[p]) {
			t.Errorf("%s as served differs from the package's", p)
		}
	}

	call := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"call","params":[%q,"uciknock","status",{}]}`, sid)
	resp, err := client.Post(base+"ubus", "application/json", strings.NewReader(call))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var reply struct {
		Result []json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(body, &reply); err != nil || len(reply.Result) != 2 || string(reply.Result[0]) != "0" {
		t.Fatalf("ubus call uciknock status: %v\n%s", err, body)
	}
	var status map[string]any
	if err := json.Unmarshal(reply.Result[1], &status); err != nil {
		t.Fatal(err)
	}
	if status["installed"] != true || status["configured"] != true {
		t.Errorf("uciknock status through rpcd: %s", reply.Result[1])
	}
	// With the real daemon (make packages-test), it answers too; stand-in
	// binaries only print their name.
	if bytes.HasPrefix(data["/usr/sbin/uciknockd"], []byte("\x7fELF")) {
		if _, failed := status["error"]; failed || status["enabled"] != false {
			t.Errorf("uciknock status through rpcd with the packaged daemon and its sample config: %s", reply.Result[1])
		}
	}
}
