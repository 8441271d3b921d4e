package feeds

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uciknock/uciknock/internal/testenv"
)

const luciMakefilePath = "luci/luci-app-uciknock/Makefile"

// TestLuCIPackage checks the LuCI app's feed package: luci.mk installs
// ./htdocs and ./root of the Makefile's directory, which must be the
// app's files in luci/luci-app-uciknock (symlinks, so there is one copy),
// and the package pulls in the daemon and what the rpcd plugin imports.
func TestLuCIPackage(t *testing.T) {
	root := testenv.ModuleRoot(t)
	dir := filepath.Join(root, "feeds", filepath.Dir(luciMakefilePath))
	data, err := os.ReadFile(filepath.Join(root, "feeds", luciMakefilePath))
	if err != nil {
		t.Fatal(err)
	}
	mk := string(data)
	for _, want := range []string{
		"include $(TOPDIR)/feeds/luci/luci.mk",
		"# call BuildPackage - OpenWrt buildroot signature", // what OpenWrt's scan looks for
		"+uciknock", "+rpcd-mod-ucode", "+ucode-mod-socket", "+ucode-mod-fs", "+ucode-mod-uci",
		"PKG_VERSION:=", "LUCI_PKGARCH:=all",
	} {
		if !strings.Contains(mk, want) {
			t.Errorf("%s lacks %q", luciMakefilePath, want)
		}
	}
	app := filepath.Join(root, "luci", "luci-app-uciknock")
	for _, sub := range []string{"htdocs", "root"} {
		got, err := filepath.EvalSymlinks(filepath.Join(dir, sub))
		if err != nil {
			t.Fatalf("%s/%s: %v", dir, sub, err)
		}
		want, _ := filepath.EvalSymlinks(filepath.Join(app, sub))
		if got != want {
			t.Errorf("%s/%s resolves to %s, want %s", dir, sub, got, want)
		}
	}
	for _, f := range []string{
		"htdocs/luci-static/resources/view/uciknock/sequences.js",
		"root/usr/share/luci/menu.d/luci-app-uciknock.json",
		"root/usr/share/rpcd/acl.d/luci-app-uciknock.json",
		"root/usr/share/rpcd/ucode/uciknock",
	} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("the package would not install %s: %v", f, err)
		}
	}
}
