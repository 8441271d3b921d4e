package browsertest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// rpcdLogins: root as in the sandbox, and "viewer" (password "viewer"),
// who may read what LuCI's base needs but was not granted
// luci-app-uciknock.
const rpcdLogins = `config rpcd
	option socket '/var/run/ubus/ubus.sock'
	option timeout '30'

config login
	option username 'root'
	option password '$p$root'
	list read '*'
	list write '*'

config login
	option username 'viewer'
	option password '$1$uciknock$mFUALBhNkoynkdquuW.ls.'
	list read 'luci-base'
	list read 'unauthenticated'
	list write 'luci-base'
`

// TestLuCIACL: a user without the app's ACL group sees no Port Knocking
// menu, cannot open its pages, and rpcd refuses them the uciknock calls;
// root (all groups) gets all three.
func TestLuCIACL(t *testing.T) {
	bin := sandbox(t)
	conf := configDir(t, map[string]string{"rpcd": rpcdLogins, "knock": formKnock})
	in := startLuCI(t, bin, conf, true)
	base := strings.TrimSuffix(in.url, "cgi-bin/luci/")
	rootPW := os.Getenv("OWRT_LUCI_PASSWORD")
	if rootPW == "" {
		rootPW = "admin"
	}

	for _, u := range []struct {
		user, password string
		allowed        bool
	}{{"root", rootPW, true}, {"viewer", "viewer", false}} {
		c := luciLogin(t, in.url, u.user, u.password)
		if got := menuShows(t, get(t, c, in.url+"admin/menu").body, "admin", "services", "uciknock"); got != u.allowed {
			t.Errorf("%s: Port Knocking in the menu: %v, want %v", u.user, got, u.allowed)
		}
		for _, page := range []string{"sequences", "doors", "client"} {
			r := get(t, c, in.url+"admin/services/uciknock/"+page)
			if got := r.status == http.StatusOK; got != u.allowed {
				t.Errorf("%s: page %s: HTTP %d, allowed %v", u.user, page, r.status, u.allowed)
			}
		}
		sid := ubusLogin(t, base, u.user, u.password)
		for _, m := range []struct {
			method string
			args   map[string]any
		}{{"status", map[string]any{}}, {"check", map[string]any{"config": formKnock}}, {"close", map[string]any{"target": "192.0.2.99"}}} {
			code := ubusCall(t, base, sid, "uciknock", m.method, m.args)
			if got := code == 0; got != u.allowed {
				t.Errorf("%s: ubus uciknock %s: status %d, allowed %v", u.user, m.method, code, u.allowed)
			}
		}
		if code := ubusCall(t, base, sid, "uci", "get", map[string]any{"config": "knock"}); (code == 0) != u.allowed {
			t.Errorf("%s: uci get knock: status %d, allowed %v", u.user, code, u.allowed)
		}
	}

	// The plugin runs the CLI through a shell: a target that is not a
	// rule name or an address never reaches it.
	sid := ubusLogin(t, base, "root", rootPW)
	for _, target := range []string{"x'; touch /tmp/pwned; '", "$(touch /tmp/pwned)", "--socket=/tmp/x"} {
		res := ubusRPC(t, base, []any{sid, "uciknock", "close", map[string]any{"target": target}})
		if len(res) < 2 || !strings.Contains(string(res[1]), `"ok":false`) || !strings.Contains(string(res[1]), "invalid") {
			t.Errorf("close %q: %s, want refused as invalid", target, res)
		}
	}
	if _, err := os.Stat(filepath.Join(in.root, "tmp", "pwned")); err == nil {
		t.Error("a close target ran a shell command")
	}
}

// menuShows reports whether LuCI's menu (admin/menu) shows the node at
// path: LuCI lists nodes whose dependencies fail too, with satisfied
// false, and its menu renderer leaves those out.
func menuShows(t *testing.T, body string, path ...string) bool {
	t.Helper()
	type node struct {
		Satisfied bool             `json:"satisfied"`
		Children  map[string]*node `json:"children"`
	}
	var n *node
	if err := json.Unmarshal([]byte(body), &n); err != nil {
		t.Fatalf("admin/menu: %v", err)
	}
	for _, p := range path {
		if n = n.Children[p]; n == nil || !n.Satisfied {
			return false
		}
	}
	return true
}

type reply struct {
	status int
	body   string
}

func luciLogin(t *testing.T, luciURL, user, password string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	resp, err := c.PostForm(luciURL, url.Values{"luci_username": {user}, "luci_password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	u, _ := url.Parse(luciURL)
	for _, ck := range jar.Cookies(u) {
		if strings.HasPrefix(ck.Name, "sysauth") {
			return c
		}
	}
	t.Fatalf("LuCI login as %s: HTTP %d, no session cookie", user, resp.StatusCode)
	return nil
}

func get(t *testing.T, c *http.Client, u string) reply {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, string(body)}
}

// ubusRPC posts one JSON-RPC call to uhttpd's /ubus.
func ubusRPC(t *testing.T, base string, params []any) []json.RawMessage {
	t.Helper()
	req, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "call", "params": params})
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Post(base+"ubus", "application/json", bytes.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Result []json.RawMessage `json:"result"`
		Error  *struct {
			Code int `json:"code"`
		} `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("/ubus: %v", err)
	}
	if out.Error != nil {
		return []json.RawMessage{json.RawMessage(`-1`)} // access denied (-32002) and the like
	}
	return out.Result
}

func ubusLogin(t *testing.T, base, user, password string) string {
	t.Helper()
	res := ubusRPC(t, base, []any{"00000000000000000000000000000000", "session", "login", map[string]any{"username": user, "password": password}})
	var s struct {
		SID string `json:"ubus_rpc_session"`
	}
	if len(res) < 2 || json.Unmarshal(res[1], &s) != nil || s.SID == "" {
		t.Fatalf("ubus session login as %s: %s", user, res)
	}
	return s.SID
}

// ubusCall returns the ubus status of a call (0: ok; -1: refused by
// uhttpd/rpcd's ACL check).
func ubusCall(t *testing.T, base, sid, object, method string, args map[string]any) int {
	t.Helper()
	res := ubusRPC(t, base, []any{sid, object, method, args})
	var code int
	if len(res) == 0 || json.Unmarshal(res[0], &code) != nil {
		t.Fatalf("ubus %s %s: %s", object, method, res)
	}
	return code
}
