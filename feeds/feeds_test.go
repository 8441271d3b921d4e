package feeds

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/uciknock/uciknock/internal/testenv"
)

const makefilePath = "net/uciknock/Makefile"

// pkgMakefile is the parts of the package Makefile the tests compare
// with the repository.
type pkgMakefile struct {
	vars      map[string]string // NAME:=value assignments, continuation lines joined
	installs  map[string]string // installed path -> source path relative to the repository
	binaries  map[string]string // installed path -> binary name from GO_PKG_BUILD_BIN_DIR
	conffiles []string
}

var (
	assignRe  = regexp.MustCompile(`^([A-Z0-9_]+)\s*\??:?=\s*(.*)$`)
	installRe = regexp.MustCompile(`^\$\(INSTALL_(?:BIN|CONF|DATA)\)\s+(\S+)\s+\$\(1\)(\S+)$`)
)

func readMakefile(t *testing.T) *pkgMakefile {
	t.Helper()
	data, err := os.ReadFile(makefilePath)
	if err != nil {
		t.Fatal(err)
	}
	m := &pkgMakefile{vars: map[string]string{}, installs: map[string]string{}, binaries: map[string]string{}}
	text := strings.ReplaceAll(string(data), "\\\n", " ")
	inConffiles := false
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "define Package/uciknock/conffiles":
			inConffiles = true
			continue
		case line == "endef":
			inConffiles = false
			continue
		case inConffiles && line != "":
			m.conffiles = append(m.conffiles, line)
			continue
		}
		if a := assignRe.FindStringSubmatch(line); a != nil {
			m.vars[a[1]] = strings.TrimSpace(a[2])
		}
		if in := installRe.FindStringSubmatch(line); in != nil {
			src, dst := in[1], in[2]
			switch {
			case strings.HasPrefix(src, "$(PKG_BUILD_DIR)/"):
				m.installs[dst] = strings.TrimPrefix(src, "$(PKG_BUILD_DIR)/")
			case strings.HasPrefix(src, "$(GO_PKG_BUILD_BIN_DIR)/"):
				m.binaries[dst] = strings.TrimPrefix(src, "$(GO_PKG_BUILD_BIN_DIR)/")
			default:
				t.Errorf("install from %s: not from the build directory (the copied repository)", src)
			}
		}
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
	for dst, bin := range m.binaries {
		if filepath.Base(dst) != bin {
			t.Errorf("binary %s installed as %s", bin, dst)
		}
		installed = append(installed, bin)
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
	} {
		if m.vars[k] != want {
			t.Errorf("%s = %q, want %q", k, m.vars[k], want)
		}
	}
	data, err := os.ReadFile(makefilePath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"DEPENDS:=$(GO_ARCH_DEPENDS)", "golang-package.mk", "$(eval $(call BuildPackage,uciknock))"} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("Makefile lacks %q", want)
		}
	}
}

func TestInstalledFiles(t *testing.T) {
	root := testenv.ModuleRoot(t)
	m := readMakefile(t)
	// Every installed file exists and is installed where files/ puts it.
	for dst, src := range m.installs {
		if _, err := os.Stat(filepath.Join(root, src)); err != nil {
			t.Errorf("installs %s from %s: %v", dst, src, err)
		}
		if "files"+dst != src {
			t.Errorf("installs %s as %s: files/ mirrors the router's tree", src, dst)
		}
	}
	// Every file under files/ is installed: nothing is forgotten.
	err := filepath.WalkDir(filepath.Join(root, "files"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		dst := strings.TrimPrefix(filepath.ToSlash(rel), "files")
		if m.installs[dst] == "" {
			t.Errorf("%s is not installed by %s", rel, makefilePath)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// conffiles: exactly the installed configuration files.
	var confs []string
	for dst := range m.installs {
		if strings.HasPrefix(dst, "/etc/config/") {
			confs = append(confs, dst)
		}
	}
	sort.Strings(confs)
	got := append([]string(nil), m.conffiles...)
	sort.Strings(got)
	if strings.Join(got, " ") != strings.Join(confs, " ") || len(confs) == 0 {
		t.Errorf("conffiles %v, installed config files %v", got, confs)
	}
	info, err := os.Stat(filepath.Join(root, "files/etc/init.d/knock"))
	if err != nil || info.Mode()&0o111 == 0 {
		t.Errorf("init script missing or not executable: %v %v", info, err)
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
}
