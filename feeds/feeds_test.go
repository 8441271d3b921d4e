package feeds

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/uciknock/uciknock/internal/testenv"
)

const makefilePath = "net/uciknock/Makefile"

// pkgMakefile is the parts of the package Makefile the tests compare
// with the repository.
type pkgMakefile struct {
	vars      map[string]string            // NAME:=value assignments, continuation lines joined
	files     map[string]os.FileMode       // UCIKNOCK_FILES: path under files/ -> mode
	binaries  map[string]map[string]string // package -> installed path -> binary name from GO_PKG_BUILD_BIN_DIR
	conffiles map[string][]string          // package -> conffiles
	defines   map[string]string            // define NAME ... endef bodies
}

// packages are the packages the feed Makefile builds.
var packages = []string{"uciknock", "uciknock-client"}

var (
	assignRe = regexp.MustCompile(`^([A-Za-z0-9_/]+)\s*\??:?=\s*(.*)$`)
	binRe    = regexp.MustCompile(`^\$\(INSTALL_BIN\)\s+\$\(GO_PKG_BUILD_BIN_DIR\)/(\S+)\s+\$\(1\)(\S+)$`)
	fileRe   = regexp.MustCompile(`^([a-z0-9._/-]+):(0[0-7]{3})$`)
)

func readMakefile(t *testing.T) *pkgMakefile {
	t.Helper()
	data, err := os.ReadFile(makefilePath)
	if err != nil {
		t.Fatal(err)
	}
	m := &pkgMakefile{vars: map[string]string{}, files: map[string]os.FileMode{},
		binaries: map[string]map[string]string{}, conffiles: map[string][]string{}, defines: map[string]string{}}
	text := strings.ReplaceAll(string(data), "\\\n", " ")
	define := ""
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if name, ok := strings.CutPrefix(line, "define "); ok {
			define = name
			continue
		}
		if line == "endef" {
			define = ""
			continue
		}
		if define != "" {
			m.defines[define] += line + "\n"
			if pkg, ok := strings.CutSuffix(strings.TrimPrefix(define, "Package/"), "/conffiles"); ok && line != "" {
				m.conffiles[pkg] = append(m.conffiles[pkg], line)
			}
			if pkg, ok := strings.CutSuffix(strings.TrimPrefix(define, "Package/"), "/install"); ok {
				if b := binRe.FindStringSubmatch(line); b != nil {
					if m.binaries[pkg] == nil {
						m.binaries[pkg] = map[string]string{}
					}
					m.binaries[pkg][b[2]] = b[1]
				}
			}
			continue
		}
		if a := assignRe.FindStringSubmatch(line); a != nil {
			m.vars[a[1]] = strings.TrimSpace(a[2])
		}
	}
	for _, f := range strings.Fields(m.vars["UCIKNOCK_FILES"]) {
		e := fileRe.FindStringSubmatch(f)
		if e == nil {
			t.Errorf("UCIKNOCK_FILES entry %q: want path:mode (etc/init.d/knock:0755)", f)
			continue
		}
		mode, _ := strconv.ParseUint(e[2], 8, 32)
		m.files[e[1]] = os.FileMode(mode)
	}
	return m
}

func TestMakefileBuildsTheModule(t *testing.T) {
	root := testenv.ModuleRoot(t)
	m := readMakefile(t)
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	module := regexp.MustCompile(`(?m)^module\s+(\S+)`).FindSubmatch(gomod)
	if module == nil || m.vars["GO_PKG"] != string(module[1]) {
		t.Fatalf("GO_PKG %q, go.mod module %q", m.vars["GO_PKG"], module)
	}
	targets := strings.Fields(m.vars["GO_PKG_BUILD_PKG"])
	var built []string
	for _, target := range targets {
		rel, ok := strings.CutPrefix(target, "$(GO_PKG)/")
		if !ok {
			t.Errorf("build target %q is not under $(GO_PKG)", target)
			continue
		}
		if !isMainPackage(t, filepath.Join(root, rel)) {
			t.Errorf("build target %s: no main package in %s", target, rel)
		}
		built = append(built, filepath.Base(rel))
	}
	// Every cmd/ directory but the development tools is built, and every
	// built binary is installed.
	cmds, err := filepath.Glob(filepath.Join(root, "cmd", "*"))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, c := range cmds {
		if devTools[filepath.Base(c)] {
			continue
		}
		dirs = append(dirs, filepath.Base(c))
	}
	var installed []string
	for _, bins := range m.binaries {
		for dst, bin := range bins {
			if filepath.Base(dst) != bin {
				t.Errorf("binary %s installed as %s", bin, dst)
			}
			installed = append(installed, bin)
		}
	}
	// The daemon and the client are separate packages: a router that
	// only runs the daemon does not carry the client.
	if m.binaries["uciknock"]["/usr/sbin/uciknockd"] != "uciknockd" || m.binaries["uciknock-client"]["/usr/bin/uciknock"] != "uciknock" ||
		len(m.binaries["uciknock"]) != 1 || len(m.binaries["uciknock-client"]) != 1 {
		t.Errorf("binaries per package: %v, want uciknockd in uciknock and uciknock in uciknock-client", m.binaries)
	}
	sort.Strings(built)
	sort.Strings(dirs)
	sort.Strings(installed)
	if strings.Join(built, " ") != strings.Join(dirs, " ") || strings.Join(installed, " ") != strings.Join(dirs, " ") {
		t.Errorf("cmd/ has %v, the Makefile builds %v and installs %v", dirs, built, installed)
	}
	if !strings.Contains(m.vars["GO_PKG_LDFLAGS_X"], "main.version=$(PKG_VERSION)") {
		t.Errorf("GO_PKG_LDFLAGS_X %q does not set main.version", m.vars["GO_PKG_LDFLAGS_X"])
	}
	// UCIKNOCK_SRC walks up from the package directory to the repository.
	pkgDir, err := filepath.Abs(filepath.Dir(makefilePath))
	if err != nil {
		t.Fatal(err)
	}
	if m.vars["UCIKNOCK_SRC"] != "$(abspath $(CURDIR)/../../..)" || filepath.Join(pkgDir, "../../..") != root {
		t.Errorf("UCIKNOCK_SRC %q does not lead from %s to %s", m.vars["UCIKNOCK_SRC"], pkgDir, root)
	}
}

func isMainPackage(t *testing.T, dir string) bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		return false
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if regexp.MustCompile(`(?m)^package main\s*$`).Match(data) {
			return true
		}
	}
	return false
}

func TestMakefileVersion(t *testing.T) {
	m := readMakefile(t)
	// apk (OpenWrt after 24.10) rejects anything but dotted numbers here
	// and an integer release (openwrt issue #15656).
	if !regexp.MustCompile(`^[0-9]+(\.[0-9]+)*$`).MatchString(m.vars["PKG_VERSION"]) {
		t.Errorf("PKG_VERSION %q is not dotted numbers", m.vars["PKG_VERSION"])
	}
	if !regexp.MustCompile(`^[0-9]+$`).MatchString(m.vars["PKG_RELEASE"]) {
		t.Errorf("PKG_RELEASE %q is not an integer", m.vars["PKG_RELEASE"])
	}
	for k, want := range map[string]string{
		"PKG_NAME": "uciknock", "PKG_BUILD_DEPENDS": "golang/host", "PKG_BUILD_FLAGS": "no-mips16",
		"GO_PKG_GCFLAGS": "all=-l", // as make cross builds (Makefile GCFLAGS)
	} {
		if m.vars[k] != want {
			t.Errorf("%s = %q, want %q", k, m.vars[k], want)
		}
	}
	data, err := os.ReadFile(makefilePath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"golang-package.mk", "$(eval $(call GoBinPackage,uciknock))", "$(eval $(call BuildPackage,uciknock))",
		"$(eval $(call GoBinPackage,uciknock-client))", "$(eval $(call BuildPackage,uciknock-client))"} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("Makefile lacks %q", want)
		}
	}
	m = readMakefile(t)
	for _, p := range packages {
		deps := m.defines["Package/"+p]
		if !strings.Contains(deps, "DEPENDS:=$(GO_ARCH_DEPENDS)") {
			t.Errorf("Package/%s does not depend on $(GO_ARCH_DEPENDS):\n%s", p, deps)
		}
		if m.defines["Package/"+p+"/description"] == "" {
			t.Errorf("Package/%s has no description", p)
		}
	}
	// conntrack kill needs ctnetlink (a module); doors need fw4 or fw3.
	for _, want := range []string{"+kmod-nf-conntrack-netlink", "@(PACKAGE_firewall4||PACKAGE_firewall)"} {
		if !strings.Contains(m.defines["Package/uciknock"], want) {
			t.Errorf("Package/uciknock DEPENDS lacks %s", want)
		}
	}
}

func TestInstalledFiles(t *testing.T) {
	root := testenv.ModuleRoot(t)
	m := readMakefile(t)
	if len(m.files) == 0 {
		t.Fatal("UCIKNOCK_FILES is empty")
	}
	// Every listed file exists, executable exactly when its mode says so.
	for p, mode := range m.files {
		info, err := os.Stat(filepath.Join(root, "files", p))
		if err != nil {
			t.Errorf("UCIKNOCK_FILES lists %s: %v", p, err)
			continue
		}
		if (info.Mode()&0o111 != 0) != (mode&0o111 != 0) {
			t.Errorf("files/%s has mode %v in git but is installed %v", p, info.Mode().Perm(), mode)
		}
	}
	// Every file under files/ is installed: nothing is forgotten.
	err := filepath.WalkDir(filepath.Join(root, "files"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(filepath.Join(root, "files"), p)
		if _, ok := m.files[filepath.ToSlash(rel)]; !ok {
			t.Errorf("files/%s is not in UCIKNOCK_FILES of %s", rel, makefilePath)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// conffiles: exactly the installed configuration files under
	// /etc/config (what a user edits and an upgrade must keep).
	var confs []string
	for p := range m.files {
		if strings.HasPrefix(p, "etc/config/") {
			confs = append(confs, "/"+p)
		}
	}
	sort.Strings(confs)
	got := append([]string(nil), m.conffiles["uciknock"]...)
	sort.Strings(got)
	if strings.Join(got, " ") != strings.Join(confs, " ") || len(confs) == 0 {
		t.Errorf("conffiles %v, installed config files %v", got, confs)
	}
	if len(m.conffiles["uciknock-client"]) != 0 {
		t.Errorf("uciknock-client has conffiles %v but installs no config", m.conffiles["uciknock-client"])
	}
	if m.files["etc/init.d/knock"] != 0o755 {
		t.Errorf("init script installed with mode %v", m.files["etc/init.d/knock"])
	}
}

// TestRepositoryIsAFeedSource checks that a src-git feed pointing at the
// whole repository finds only our package: OpenWrt's scan (include/scan.mk)
// takes every Makefile up to depth 5 that calls BuildPackage,
// KernelPackage or Build/DefaultTargets.
func TestRepositoryIsAFeedSource(t *testing.T) {
	root := testenv.ModuleRoot(t)
	scan := regexp.MustCompile(`call (Build/DefaultTargets|BuildPackage|KernelPackage)`)
	var found []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && rel != ".") {
			return filepath.SkipDir
		}
		if d.IsDir() && strings.Count(rel, string(filepath.Separator)) >= 5 {
			return filepath.SkipDir
		}
		if d.Name() == "Makefile" {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if scan.Match(data) {
				found = append(found, filepath.ToSlash(rel))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "feeds/" + luciMakefilePath + " feeds/" + makefilePath; strings.Join(found, " ") != want {
		t.Errorf("an OpenWrt feed scan of the repository finds %v, want only %s", found, want)
	}
}

func TestInitScriptSyntax(t *testing.T) {
	script := filepath.Join(testenv.ModuleRoot(t), "files/etc/init.d/knock")
	shells := [][]string{{"sh", "-n", script}}
	// OpenWrt runs it with busybox ash; check with it too where installed.
	if _, err := exec.LookPath("busybox"); err == nil {
		shells = append(shells, []string{"busybox", "ash", "-n", script})
	}
	for _, sh := range shells {
		if out, err := exec.Command(sh[0], sh[1:]...).CombinedOutput(); err != nil {
			t.Errorf("%v: %v\n%s", sh, err, out)
		}
	}
	data, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("#!/bin/sh /etc/rc.common\n")) {
		t.Error("init script does not start with #!/bin/sh /etc/rc.common")
	}
}

// devTools are commands that run on a development machine, never on the
// router, so the package does not ship them.
var devTools = map[string]bool{
	"knockbench": true, // make bench: uciknockd vs knockd in namespaces
	"uci":        true, // the uci(1) clone for the demo and tests: a router has the real uci
}
