// Package luci holds the LuCI app (luci-app-uciknock, no Go code) and
// this test of its ACL; the browser tests are the browsertest module.
package luci

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

const app = "luci-app-uciknock"

// TestACLGrantsWhatTheViewsUse: the ACL group grants exactly the ubus
// methods the views declare (and the rpcd plugin implements) and the UCI
// configs they load; write access only to knock and to the calls that
// change something. Every menu entry depends on the group.
func TestACLGrantsWhatTheViewsUse(t *testing.T) {
	views, err := filepath.Glob(filepath.Join(app, "htdocs/luci-static/resources/view/uciknock/*.js"))
	if err != nil || len(views) == 0 {
		t.Fatalf("views: %v %v", views, err)
	}
	declared, loaded := map[string]bool{}, map[string]bool{}
	reDeclare := regexp.MustCompile(`object: '([a-z.-]+)',\s*method: '([a-z_]+)'`)
	reLoad := regexp.MustCompile(`(?:uci\.load\(|form\.Map\()'([a-z_]+)'`)
	for _, v := range views {
		src, err := os.ReadFile(v)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range reDeclare.FindAllStringSubmatch(string(src), -1) {
			declared[m[1]+"."+m[2]] = true
		}
		for _, m := range reLoad.FindAllStringSubmatch(string(src), -1) {
			loaded[m[1]] = true
		}
	}

	var acl map[string]struct {
		Read, Write struct {
			Ubus map[string][]string `json:"ubus"`
			UCI  []string            `json:"uci"`
		}
	}
	readJSON(t, filepath.Join(app, "root/usr/share/rpcd/acl.d", app+".json"), &acl)
	g, ok := acl[app]
	if !ok || len(acl) != 1 {
		t.Fatalf("ACL file must define exactly the group %s: %v", app, acl)
	}
	granted := map[string]bool{}
	for _, part := range []map[string][]string{g.Read.Ubus, g.Write.Ubus} {
		for obj, methods := range part {
			for _, m := range methods {
				granted[obj+"."+m] = true
			}
		}
	}
	if a, b := keys(declared), keys(granted); a != b {
		t.Errorf("ubus: views declare %s, ACL grants %s", a, b)
	}
	if got := strings.Join(g.Write.Ubus["uciknock"], " "); got != "check close" {
		t.Errorf("write ubus grants %q, want the two calls that act: check close", got)
	}
	if a, b := keys(loaded), keys(set(g.Read.UCI)); a != b {
		t.Errorf("uci: views load %s, ACL lets read %s", a, b)
	}
	if got := strings.Join(g.Write.UCI, " "); got != "knock" {
		t.Errorf("uci write %q, want knock only", got)
	}

	// The plugin implements exactly the granted methods.
	plugin, err := os.ReadFile(filepath.Join(app, "root/usr/share/rpcd/ucode/uciknock"))
	if err != nil {
		t.Fatal(err)
	}
	impl := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\t\t([a-z_]+): \{$`).FindAllStringSubmatch(string(plugin), -1) {
		impl["uciknock."+m[1]] = true
	}
	if a, b := keys(impl), keys(granted); a != b {
		t.Errorf("the rpcd plugin implements %s, the ACL grants %s", a, b)
	}

	var menu map[string]struct {
		Action  struct{ Type, Path string }
		Depends struct{ ACL []string }
	}
	readJSON(t, filepath.Join(app, "root/usr/share/luci/menu.d", app+".json"), &menu)
	top, ok := menu["admin/services/uciknock"]
	if !ok || strings.Join(top.Depends.ACL, " ") != app {
		t.Errorf("admin/services/uciknock must depend on the ACL group %s: %+v", app, top)
	}
	for path, e := range menu {
		if !strings.HasPrefix(path, "admin/services/uciknock") {
			t.Errorf("menu entry %s outside admin/services/uciknock (not covered by its ACL dependency)", path)
		}
		if e.Action.Type == "view" {
			if _, err := os.Stat(filepath.Join(app, "htdocs/luci-static/resources/view", e.Action.Path+".js")); err != nil {
				t.Errorf("menu entry %s: view %s: %v", path, e.Action.Path, err)
			}
		}
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func set(list []string) map[string]bool {
	m := map[string]bool{}
	for _, s := range list {
		m[s] = true
	}
	return m
}

func keys(m map[string]bool) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}
