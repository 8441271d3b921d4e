package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	makefile     = "../../feeds/net/uciknock/Makefile"
	filesDir     = "../../files"
	luciMakefile = "../../feeds/luci/luci-app-uciknock/Makefile"
)

func inCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false" && v != "0"
}

func TestReadSpec(t *testing.T) {
	pkgs, err := ReadSpec(makefile)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 2 || pkgs[0].Name != "uciknock" || pkgs[1].Name != "uciknock-client" {
		t.Fatalf("packages %+v, want uciknock and uciknock-client", pkgs)
	}
	d, c := pkgs[0], pkgs[1]
	if d.Binary != (File{"uciknockd", "/usr/sbin/uciknockd", 0o755}) || c.Binary != (File{"uciknock", "/usr/bin/uciknock", 0o755}) {
		t.Errorf("binaries %+v %+v", d.Binary, c.Binary)
	}
	if !slices.Contains(d.Files, File{"etc/init.d/knock", "/etc/init.d/knock", 0o755}) ||
		!slices.Contains(d.Files, File{"etc/config/knock", "/etc/config/knock", 0o600}) || len(c.Files) != 0 {
		t.Errorf("files %+v / %+v", d.Files, c.Files)
	}
	if !slices.Equal(d.Conffiles, []string{"/etc/config/knock"}) || len(c.Conffiles) != 0 {
		t.Errorf("conffiles %v / %v", d.Conffiles, c.Conffiles)
	}
	// What OpenWrt's package-pack.mk writes: the firewall choice and the
	// architecture list are build-time conditions, not package names.
	if !slices.Equal(d.Depends, []string{"kmod-nf-conntrack-netlink"}) || len(c.Depends) != 0 {
		t.Errorf("depends %v / %v", d.Depends, c.Depends)
	}
	if d.Version != "0.1.0-1" || d.Section != "net" || d.URL == "" || d.Title == "" || d.Description == "" {
		t.Errorf("fields %+v", d)
	}
}

func TestOpkgDepends(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
		err  bool
	}{
		{"$(GO_ARCH_DEPENDS) +kmod-a @(PACKAGE_x||PACKAGE_y) libc", []string{"kmod-a", "libc"}, false},
		{"", nil, false},
		{"+PACKAGE_x:kmod-a", nil, true},
		{"+$(FOO)", nil, true},
		{"+Bad_Name", nil, true},
	} {
		got, err := opkgDepends(tt.in)
		if (err != nil) != tt.err || !slices.Equal(got, tt.want) {
			t.Errorf("opkgDepends(%q) = %v, %v", tt.in, got, err)
		}
	}
}

// packagesUnderTest returns the directory of the packages to check and
// the cross directory they were built from: IPK_DIR and CROSS_DIR (what
// `make packages-test` checks after `make packages`), or packages built
// here from stand-in binaries.
func packagesUnderTest(t *testing.T) (string, string) {
	t.Helper()
	if dir := os.Getenv("IPK_DIR"); dir != "" {
		cross := os.Getenv("CROSS_DIR")
		if cross == "" {
			t.Fatal("IPK_DIR without CROSS_DIR")
		}
		return dir, cross
	}
	tmp := t.TempDir()
	cross := filepath.Join(tmp, "cross")
	for _, tg := range Targets {
		for _, b := range []string{"uciknockd", "uciknock"} {
			p := filepath.Join(cross, tg.Cross, b)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			// A size that is not a multiple of 512 or 1024, so size
			// mistakes show.
			body := fmt.Sprintf("#!/bin/sh\necho %s %s\n%s", b, tg.Arch, strings.Repeat("x", 3001))
			if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	out := filepath.Join(tmp, "out")
	if err := run(io.Discard, makefile, luciMakefile, filesDir, cross, out, "1700000000"); err != nil {
		t.Fatal(err)
	}
	return out, cross
}

// untgz reads a .tar.gz with readTarGz (build.go) into its members by
// name; a name twice is an error.
func untgz(t *testing.T, name string, b []byte) map[string]member {
	t.Helper()
	ms, err := readTarGz(b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	m := make(map[string]member, len(ms))
	for _, e := range ms {
		if _, dup := m[e.hdr.Name]; dup {
			t.Errorf("%s: %s twice", name, e.hdr.Name)
		}
		m[e.hdr.Name] = e
	}
	return m
}

// TestPackages unpacks every package and checks every member, control
// field, script and file against the feed Makefile and the sources.
func TestPackages(t *testing.T) {
	dir, cross := packagesUnderTest(t)
	pkgs, err := ReadSpec(makefile)
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range Targets {
		for _, p := range pkgs {
			t.Run(tg.Arch+"/"+p.Name, func(t *testing.T) {
				checkPackage(t, filepath.Join(dir, tg.Arch, FileName(p, tg.Arch)), p, tg, cross)
			})
		}
	}
	// Nothing else in the output but the LuCI app (all/, luci_test.go).
	all, _ := filepath.Glob(filepath.Join(dir, "*", "*"))
	if len(all) != len(Targets)*len(pkgs)+1 {
		t.Errorf("%d files in %s, want %d", len(all), dir, len(Targets)*len(pkgs)+1)
	}
}

func checkPackage(t *testing.T, path string, p Package, tg Target, cross string) {
	pk := unpackIPK(t, path)
	control, data, fields := pk.control, pk.data, pk.fields
	dataSize := pk.dataSize

	want := map[string]string{
		"Package": p.Name, "Version": "0.1.0-1", "Architecture": tg.Arch, "Section": "net",
		"Installed-Size": strconv.FormatInt(dataSize, 10), "Description": p.Title,
		"Maintainer": "uciknock <https://github.com/uciknock/uciknock>", "Priority": "optional",
		"SourceName": "uciknock", "URL": "https://github.com/uciknock/uciknock",
	}
	if len(p.Depends) > 0 {
		want["Depends"] = strings.Join(p.Depends, ", ")
	}
	if fmt.Sprint(fields) != fmt.Sprint(want) {
		t.Errorf("control fields\n%v\nwant\n%v", fields, want)
	}
	if !strings.Contains(string(control["./control"].body), "\n "+p.Description+"\n") {
		t.Errorf("control lacks the description:\n%s", control["./control"].body)
	}
	if len(p.Conffiles) > 0 {
		if got := string(control["./conffiles"].body); got != strings.Join(p.Conffiles, "\n")+"\n" {
			t.Errorf("conffiles %q", got)
		}
	} else if _, ok := control["./conffiles"]; ok {
		t.Error("conffiles present in a package without any")
	}
	for name, text := range map[string]string{"./postinst": postinst, "./prerm": prerm} {
		e, ok := control[name]
		if !ok || string(e.body) != text || e.hdr.Mode&0o777 != 0o755 {
			t.Errorf("%s: mode %o\n%s", name, e.hdr.Mode, e.body)
		}
	}
	if len(control) != 3+min(1, len(p.Conffiles)) {
		t.Errorf("control.tar.gz has %d members", len(control))
	}

	// data: exactly the binary, the listed files and their directories.
	wantFiles := map[string]File{"." + p.Binary.Dst: {filepath.Join(cross, tg.Cross, p.Binary.Src), p.Binary.Dst, p.Binary.Mode}}
	wantDirs := map[string]bool{}
	for _, f := range p.Files {
		wantFiles["."+f.Dst] = File{filepath.Join(filesDir, f.Src), f.Dst, f.Mode}
	}
	for n := range wantFiles {
		for d := filepath.Dir(n); d != "."; d = filepath.Dir(d) {
			wantDirs["./"+d+"/"] = true
		}
	}
	for name, e := range data {
		if e.hdr.Uid != 0 || e.hdr.Gid != 0 {
			t.Errorf("%s owned by %d:%d", name, e.hdr.Uid, e.hdr.Gid)
		}
		if e.hdr.Typeflag == tar.TypeDir {
			if !wantDirs[name] || e.hdr.Mode&0o777 != 0o755 {
				t.Errorf("directory %s (mode %o) not expected", name, e.hdr.Mode)
			}
			delete(wantDirs, name)
			continue
		}
		f, ok := wantFiles[name]
		if !ok || e.hdr.Typeflag != tar.TypeReg {
			t.Errorf("unexpected %s (type %c)", name, e.hdr.Typeflag)
			continue
		}
		delete(wantFiles, name)
		src, err := os.ReadFile(f.Src)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(src, e.body) {
			t.Errorf("%s differs from %s", name, f.Src)
		}
		if os.FileMode(e.hdr.Mode&0o7777) != f.Mode {
			t.Errorf("%s has mode %o, want %o", name, e.hdr.Mode, f.Mode)
		}
	}
	if len(wantFiles) != 0 || len(wantDirs) != 0 {
		t.Errorf("missing from data.tar.gz: %v %v", wantFiles, wantDirs)
	}
}

// scratchRoot unpacks the daemon package into a new root the way opkg
// installs it (files, info/<pkg>.list, info/<pkg>.{postinst,prerm,control}),
// with OpenWrt's real /lib/functions.sh and a stub /etc/rc.common that
// logs each call to /rc.log.
func scratchRoot(t *testing.T, pkgPath, name string) string {
	t.Helper()
	root := t.TempDir()
	installInto(t, root, pkgPath, name)
	return root
}

// installInto does scratchRoot's work in root.
func installInto(t *testing.T, root, pkgPath, name string) {
	t.Helper()
	pk := unpackIPK(t, pkgPath)
	info := filepath.Join(root, "usr/lib/opkg/info")
	if err := os.MkdirAll(info, 0o755); err != nil {
		t.Fatal(err)
	}
	var list []string
	for n, e := range pk.data {
		dst := filepath.Join(root, n)
		if e.hdr.Typeflag == tar.TypeDir {
			if err := os.MkdirAll(dst, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, e.body, os.FileMode(e.hdr.Mode&0o777)); err != nil {
			t.Fatal(err)
		}
		list = append(list, strings.TrimPrefix(n, "."))
	}
	sort.Strings(list)
	if err := os.WriteFile(filepath.Join(info, name+".list"), []byte(strings.Join(list, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for n, e := range pk.control {
		if err := os.WriteFile(filepath.Join(info, name+"."+strings.TrimPrefix(n, "./")), e.body, os.FileMode(e.hdr.Mode&0o777)); err != nil {
			t.Fatal(err)
		}
	}
	functions := openwrtFunctions(t)
	if err := os.MkdirAll(filepath.Join(root, "lib"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "lib/functions.sh"), functions, 0o644); err != nil {
		t.Fatal(err)
	}
	// rc.common is run as `sh /etc/rc.common SCRIPT ACTION` (directly in
	// an image root, through the script's #! line on a running system).
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	rc := "#!/bin/sh\necho \"${1##*/} $2\" >> \"${IPKG_INSTROOT}/rc.log\"\n"
	if err := os.WriteFile(filepath.Join(root, "etc/rc.common"), []byte(rc), 0o755); err != nil {
		t.Fatal(err)
	}
}

// openwrtFunctions returns OpenWrt's package/base-files/files/lib/functions.sh
// from the OpenWrt sandbox's sources.
func openwrtFunctions(t *testing.T) []byte {
	t.Helper()
	return sandboxSource(t, "openwrt-base.tar.gz", func(n string) bool {
		return strings.HasSuffix(n, "package/base-files/files/lib/functions.sh")
	})
}

// sandboxSource returns the file of the OpenWrt sandbox's source tarball
// src/TARBALL ($OPENWRT_DIR, default ../shared/openwrt beside the
// repository, as internal/testenv finds it) whose name matches; it skips
// when the sources are missing, except under CI.
func sandboxSource(t *testing.T, tarball string, match func(name string) bool) []byte {
	t.Helper()
	dir := os.Getenv("OPENWRT_DIR")
	if dir == "" {
		dir = "../../../shared/openwrt"
	}
	path := filepath.Join(dir, "src", tarball)
	raw, err := os.ReadFile(path)
	if err != nil {
		if inCI() {
			t.Fatal(err)
		}
		t.Skipf("OpenWrt sources missing: %v", err)
	}
	for n, e := range untgz(t, path, raw) {
		if match(n) {
			return e.body
		}
	}
	t.Fatalf("%s has no such file", path)
	return nil
}

func readLog(t *testing.T, root string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "rc.log"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(root, "rc.log"))
	return string(b)
}

func script(t *testing.T, name string, env []string, args ...string) {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append([]string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
}

// TestInstallIntoImageRoot runs the control scripts as OpenWrt's image
// builder does ($IPKG_INSTROOT set): the service is enabled in the image
// (rc.d links, so it starts on first boot) but never started or stopped on
// the build host.
func TestInstallIntoImageRoot(t *testing.T) {
	dir, _ := packagesUnderTest(t)
	pkgs, err := ReadSpec(makefile)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pkgs {
		root := scratchRoot(t, filepath.Join(dir, "x86_64", FileName(p, "x86_64")), p.Name)
		env := []string{"IPKG_INSTROOT=" + root}
		info := filepath.Join(root, "usr/lib/opkg/info", p.Name)
		script(t, "postinst", env, "sh", info+".postinst", "configure")
		want := ""
		if len(p.Files) > 0 {
			want = "knock enable\n"
		}
		if got := readLog(t, root); got != want {
			t.Errorf("%s postinst into an image root: rc.common calls %q, want %q", p.Name, got, want)
		}
		script(t, "prerm", env, "sh", info+".prerm", "remove")
		if want != "" {
			want = "knock disable\n"
		}
		if got := readLog(t, root); got != want {
			t.Errorf("%s prerm in an image root: rc.common calls %q, want %q", p.Name, got, want)
		}
	}
}

// TestInstallOnRouter runs the control scripts as opkg does on a running
// router (no $IPKG_INSTROOT), chrooted into the scratch root with a static
// busybox as /bin/sh: install enables and starts /etc/init.d/knock, an
// upgrade only restarts it, removal stops and disables it.
func TestInstallOnRouter(t *testing.T) {
	busybox := staticBusybox(t)
	dir, _ := packagesUnderTest(t)
	pkgs, err := ReadSpec(makefile)
	if err != nil {
		t.Fatal(err)
	}
	p := pkgs[0]
	root := scratchRoot(t, filepath.Join(dir, "x86_64", FileName(p, "x86_64")), p.Name)
	addBusybox(t, root, busybox)
	info := "/usr/lib/opkg/info/uciknock"
	for _, tt := range []struct {
		name, script string
		env          []string
		want         string
	}{
		{"install", "postinst", nil, "knock enable\nknock start\n"},
		{"upgrade", "postinst", []string{"PKG_UPGRADE=1"}, "knock start\n"},
		{"removal for an upgrade", "prerm", []string{"PKG_UPGRADE=1"}, "knock stop\n"},
		{"removal", "prerm", nil, "knock disable\nknock stop\n"},
		{"IPKG_NO_SCRIPT", "postinst", []string{"IPKG_NO_SCRIPT=1"}, ""},
	} {
		ctx := time.Now()
		script(t, tt.name, tt.env, "chroot", root, "/bin/sh", info+"."+tt.script, "configure")
		if got := readLog(t, root); got != tt.want {
			t.Errorf("%s: rc.common calls %q, want %q", tt.name, got, tt.want)
		}
		if time.Since(ctx) > 30*time.Second {
			t.Fatalf("%s took %v", tt.name, time.Since(ctx))
		}
	}
}

// staticBusybox returns the path of a static busybox to chroot with, or
// skips the test (fails in CI) when there is none or it cannot chroot.
func staticBusybox(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		if inCI() {
			t.Fatal("needs root for chroot, CI=true")
		}
		t.Skip("needs root for chroot (runs in CI)")
	}
	busybox, err := exec.LookPath("busybox")
	if err == nil {
		out, _ := exec.Command("readelf", "-lW", busybox).Output()
		if bytes.Contains(out, []byte("INTERP")) {
			err = fmt.Errorf("%s is not static", busybox)
		}
	}
	if err != nil {
		if inCI() {
			t.Fatalf("static busybox (busybox-static) needed: %v", err)
		}
		t.Skipf("static busybox (busybox-static) needed: %v", err)
	}
	return busybox
}

// addBusybox makes root a root to chroot into: busybox as /bin/sh and the
// applets the control scripts and functions.sh call, and a /tmp.
func addBusybox(t *testing.T, root, busybox string) {
	t.Helper()
	for _, d := range []string{"bin", "tmp"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bb, err := os.ReadFile(busybox)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin/busybox"), bb, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, applet := range []string{"sh", "grep", "sed", "basename", "rm", "mkdir", "cp", "cat", "ln", "ls", "echo"} {
		if err := os.Symlink("busybox", filepath.Join(root, "bin", applet)); err != nil {
			t.Fatal(err)
		}
	}
}

// ipkParts is an unpacked .ipk: its control and data members, the data
// tar's uncompressed size (what Installed-Size says), the control
// file's fields and the continuation lines of its Description.
type ipkParts struct {
	control, data map[string]member
	dataSize      int64
	fields        map[string]string
	description   []string
}

// unpackIPK reads an .ipk and checks its outer layout (debian-binary
// "2.0", control.tar.gz, data.tar.gz), as opkg expects it.
func unpackIPK(t *testing.T, path string) ipkParts {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	outer := untgz(t, path, raw)
	var names []string
	for n := range outer {
		names = append(names, n)
	}
	sort.Strings(names)
	if strings.Join(names, " ") != "./control.tar.gz ./data.tar.gz ./debian-binary" {
		t.Fatalf("outer members %v", names)
	}
	if string(outer["./debian-binary"].body) != "2.0\n" {
		t.Errorf("debian-binary %q", outer["./debian-binary"].body)
	}
	pk := ipkParts{
		control: untgz(t, "control.tar.gz", outer["./control.tar.gz"].body),
		data:    untgz(t, "data.tar.gz", outer["./data.tar.gz"].body),
		fields:  map[string]string{},
	}
	zr, err := gzip.NewReader(bytes.NewReader(outer["./data.tar.gz"].body))
	if err != nil {
		t.Fatal(err)
	}
	pk.dataSize, _ = io.Copy(io.Discard, zr)
	for _, line := range strings.Split(strings.TrimRight(string(pk.control["./control"].body), "\n"), "\n") {
		if rest, ok := strings.CutPrefix(line, " "); ok {
			pk.description = append(pk.description, rest)
			continue
		}
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			t.Errorf("control line %q", line)
		}
		pk.fields[k] = v
	}
	return pk
}
