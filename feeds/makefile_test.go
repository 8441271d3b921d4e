package feeds

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/uciknock/uciknock/internal/testenv"
)

// Stand-ins for the parts of the OpenWrt build system the package
// Makefile uses. The definitions follow rules.mk, package.mk and
// golang-package.mk; `prepare` and `install-<package>` run the package's
// own Build/Prepare and Package/<package>/install recipes.
var buildStubs = map[string]string{
	"rules.mk": `INCLUDE_DIR:=$(TOPDIR)/include
INSTALL_DIR:=install -d -m0755
INSTALL_BIN:=install -m0755
`,
	"include/package.mk": `PKG_BUILD_DIR?=$(BUILD_DIR)/$(PKG_NAME)-$(PKG_VERSION)
prepare:
	$(Build/Prepare)
version:
	@echo $(PKG_VERSION)-r$(PKG_RELEASE) $(GO_PKG_LDFLAGS_X)
define BuildPackage
install-$(1):
	$$(call Package/$(1)/install,$(DEST)/$(1))
endef
`,
	"feeds/packages/lang/golang/golang-package.mk": `GO_ARCH_DEPENDS:=@(aarch64||arm||i386||i686||loongarch64||mips||mips64||mips64el||mipsel||riscv64||x86_64)
GO_PKG_BUILD_BIN_DIR=$(PKG_BUILD_DIR)/.go_work/build/bin
define GoBinPackage
endef
`,
}

// TestMakefileRecipes runs the package's prepare and install recipes with
// GNU make against stub includes: the source copy holds the module and
// leaves out VCS data, build output and the feed, and the install puts
// each file where docs/install.md says, with the right mode.
func TestMakefileRecipes(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		if testenv.InCI() {
			t.Fatal("make is missing")
		}
		t.Skip("make is missing")
	}
	root := testenv.ModuleRoot(t)
	tmp := t.TempDir()
	top := filepath.Join(tmp, "openwrt")
	for name, text := range buildStubs {
		p := filepath.Join(top, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	build, dest := filepath.Join(tmp, "build"), filepath.Join(tmp, "root")
	pkgDir := filepath.Join(root, "feeds", filepath.Dir(makefilePath))
	makeIn := func(target string) string {
		t.Helper()
		cmd := exec.Command("make", "--no-print-directory", "-C", pkgDir, "TOPDIR="+top, "BUILD_DIR="+build, "DEST="+dest, target)
		cmd.Env = append(os.Environ(), "MAKEFLAGS=")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("make %s: %v\n%s", target, err, out)
		}
		return string(out)
	}

	makeIn("prepare")
	src := filepath.Join(build, "uciknock-0.1.0")
	for _, p := range []string{"go.mod", "go.sum", "cmd/uciknock/main.go", "pkg/client/args.go", "files/etc/init.d/knock"} {
		if _, err := os.Stat(filepath.Join(src, p)); err != nil {
			t.Errorf("prepared source lacks %s: %v", p, err)
		}
	}
	for _, p := range []string{".git", "feeds", "build", ".bin"} {
		if _, err := os.Stat(filepath.Join(src, p)); err == nil {
			t.Errorf("prepared source holds %s", p)
		}
	}

	// What golang-package.mk would have built.
	bin := filepath.Join(src, ".go_work/build/bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"uciknockd", "uciknock"} {
		if err := os.WriteFile(filepath.Join(bin, b), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Each package installs exactly its binary and, for the daemon, every
	// file of UCIKNOCK_FILES with its mode and content.
	m := readMakefile(t)
	want := map[string]map[string]os.FileMode{
		"uciknock":        {"usr/sbin/uciknockd": 0o755},
		"uciknock-client": {"usr/bin/uciknock": 0o755},
	}
	for p, mode := range m.files {
		want["uciknock"][p] = mode
	}
	for _, pkg := range packages {
		makeIn("install-" + pkg)
		got := map[string]os.FileMode{}
		pkgRoot := filepath.Join(dest, pkg)
		err := filepath.WalkDir(pkgRoot, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(pkgRoot, p)
			got[filepath.ToSlash(rel)] = info.Mode().Perm()
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want[pkg]) {
			t.Errorf("%s installs %v, want %v", pkg, got, want[pkg])
		}
		if pkg == "uciknock" {
			for p := range m.files {
				src, _ := os.ReadFile(filepath.Join(root, "files", p))
				if dst, err := os.ReadFile(filepath.Join(pkgRoot, p)); err != nil || string(dst) != string(src) {
					t.Errorf("installed /%s differs from files/%s (%v)", p, p, err)
				}
			}
		}
	}
	if got := makeIn("version"); got != "0.1.0-r1 main.version=0.1.0-r1\n" {
		t.Errorf("version and ldflags: %q", got)
	}
}
