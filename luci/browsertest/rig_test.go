package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/uciknock/uciknock/internal/testenv"
)

// The rig: the OpenWrt sandbox's wrappers, a LuCI instance per test on a
// free port, the real uciknockd, and one
// headless Chromium per test whose console errors fail the test.

// freePort is a loopback TCP port nobody listens on now. owrt-luci up
// replaces an instance on the same port, so fixed ports would let a second
// test run beside this one (another make test, another worktree) take our
// LuCI down; a port that is free now is, but for a moment's race, ours.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
}

// repoRoot is the uciknock repository: this module lives in luci/browsertest.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Clean(filepath.Join(dir, "..", ".."))
}

var (
	setupOnce sync.Once
	setupErr  error
	bins      struct{ daemon, client string }
)

// sandbox makes sure the OpenWrt sandbox (with the browser part) is built
// and the uciknock binaries are, and returns the wrappers' bin directory.
// Not root: a skip outside CI, a failure under CI.
func sandbox(t *testing.T) string {
	t.Helper()
	testenv.RequireRoot(t)
	shared := os.Getenv("SHARED_DIR")
	if shared == "" {
		shared = filepath.Join(repoRoot(t), "..", "shared")
	}
	setup := filepath.Join(shared, "openwrt", "setup.sh")
	if _, err := os.Stat(setup); err != nil {
		if testenv.InCI() {
			t.Fatalf("OpenWrt sandbox missing: %v", err)
		}
		t.Skipf("OpenWrt sandbox missing: %v", err)
	}
	setupOnce.Do(func() {
		out, err := exec.Command(setup, "--browser").CombinedOutput()
		if err != nil {
			setupErr = fmt.Errorf("%s --browser: %v\n%s", setup, err, out)
			return
		}
		dir, err := os.MkdirTemp("", "uciknock-luci-bin-")
		if err != nil {
			setupErr = err
			return
		}
		bins.daemon, bins.client = filepath.Join(dir, "uciknockd"), filepath.Join(dir, "uciknock")
		for _, b := range []struct{ out, pkg string }{{bins.daemon, "./cmd/uciknockd"}, {bins.client, "./cmd/uciknock"}} {
			cmd := exec.Command("go", "build", "-trimpath", "-o", b.out, b.pkg)
			cmd.Dir = repoRoot(t)
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false")
			if out, err := cmd.CombinedOutput(); err != nil {
				setupErr = fmt.Errorf("go build %s: %v\n%s", b.pkg, err, out)
				return
			}
		}
	})
	if setupErr != nil {
		t.Fatal(setupErr)
	}
	return filepath.Join(shared, "openwrt", "bin")
}

// owrt runs a sandbox wrapper, bounded in time; a failure fails the test.
func owrt(t *testing.T, bin, name string, args ...string) string {
	t.Helper()
	out, err := owrtErr(bin, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return out
}

func owrtErr(bin, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(bin, name), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%w\n%s%s", err, stdout.String(), stderr.String())
	}
	return stdout.String(), nil
}

// instance is one running LuCI (uhttpd, rpcd, ubusd) with the app.
type instance struct {
	t    *testing.T
	bin  string
	port string
	url  string // http://127.0.0.1:PORT/cgi-bin/luci/
	root string // its rootfs on the host
}

// startLuCI brings up LuCI on a free port with the app and the given
// CONFDIR ("-" for none); withDaemon copies uciknockd in as
// /usr/sbin/uciknockd.
func startLuCI(t *testing.T, bin string, confdir string, withDaemon bool) *instance {
	t.Helper()
	p := freePort(t)
	args := []string{"up", confdir, "--app", filepath.Join(repoRoot(t), "luci", "luci-app-uciknock"), "--port", p}
	if withDaemon {
		args = append(args, "--file", bins.daemon+":/usr/sbin/uciknockd")
	}
	url := strings.TrimSpace(owrt(t, bin, "owrt-luci", args...))
	t.Cleanup(func() {
		if _, err := owrtErr(bin, "owrt-luci", "down", "--port", p); err != nil {
			t.Errorf("owrt-luci down: %v", err)
		}
	})
	root := strings.TrimSpace(owrt(t, bin, "owrt-luci", "root", "--port", p))
	return &instance{t: t, bin: bin, port: p, url: url, root: root}
}

// exec runs a command chrooted in the instance (the real uci, ubus, ...).
func (in *instance) exec(args ...string) string {
	in.t.Helper()
	return owrt(in.t, in.bin, "owrt-luci", append([]string{"exec", "--port", in.port}, args...)...)
}

// browser is one headless Chromium tab. Every console error, uncaught
// exception and failed load is recorded; the test fails on any.
type browser struct {
	t      *testing.T
	ctx    context.Context
	mu     sync.Mutex
	errors []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := "/usr/bin/chromium"
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("chromium (installed by setup.sh --browser): %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-dev-shm-usage", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	b := &browser{t: t, ctx: ctx}
	chromedp.ListenTarget(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.APITypeError || e.Type == runtime.APITypeAssert {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				b.record("console." + string(e.Type) + ": " + strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			msg := e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
			b.record("exception: " + msg)
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.LevelError {
				b.record("log: " + e.Entry.Text + " " + e.Entry.URL)
			}
		}
	})
	if err := chromedp.Run(ctx, cdplog.Enable(), runtime.Enable()); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, e := range b.errors {
			t.Errorf("browser console: %s", e)
		}
	})
	return b
}

// sandboxNoise is what LuCI's own core logs in this sandbox, not errors of
// the app: the login page is served with status 403 (LuCI does that on
// every router), and after an apply LuCI pings /cgi-bin/cgi-exec to see
// whether the router is back, which is cgi-io, absent from the sandbox
// (../shared/openwrt/README.md: "cgi-io (upload/download) ... absent").
func sandboxNoise(s string) bool {
	return (strings.Contains(s, "status of 403") && strings.HasSuffix(s, "/cgi-bin/luci/") && !strings.Contains(s, "/admin/")) ||
		(strings.Contains(s, "status of 404") && strings.Contains(s, "/cgi-bin/cgi-exec?"))
}

func (b *browser) record(s string) {
	if sandboxNoise(s) {
		return
	}
	b.mu.Lock()
	b.errors = append(b.errors, s)
	b.mu.Unlock()
}

// run executes browser actions; a failure fails the test with a
// screenshot of the moment.
func (b *browser) run(what string, actions ...chromedp.Action) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 45*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		b.shot("failed-" + strings.ReplaceAll(b.t.Name(), "/", "-"))
		b.t.Fatalf("%s: %v", what, err)
	}
}

// shot saves a full-page PNG under build/luci/ (the test artifacts).
func (b *browser) shot(name string) string {
	b.t.Helper()
	dir := filepath.Join(repoRoot(b.t), "build", "luci")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	var png []byte
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	// LuCI's header is fixed: scrolled, it would be drawn mid-page. A
	// dialog's overlay covers only the viewport: capture just that then.
	var modal bool
	capture := chromedp.ActionFunc(func(ctx context.Context) error {
		if modal {
			return chromedp.CaptureScreenshot(&png).Do(ctx)
		}
		return chromedp.FullScreenshot(&png, 100).Do(ctx)
	})
	scroll := chromedp.Evaluate(`window.scrollTo(0, 0)`, nil)
	isModal := chromedp.Evaluate(modalOpen, &modal)
	if err := chromedp.Run(ctx, scroll, isModal, capture); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return p
}

// login logs in through LuCI's own form, as a user does.
func (b *browser) login(in *instance) {
	b.t.Helper()
	pw := os.Getenv("OWRT_LUCI_PASSWORD")
	if pw == "" {
		pw = "admin"
	}
	b.run("log in",
		chromedp.Navigate(in.url),
		chromedp.WaitVisible(`#luci_password`, chromedp.ByQuery),
		chromedp.SendKeys(`#luci_password`, pw, chromedp.ByQuery),
		chromedp.Click(`button.cbi-button-positive`, chromedp.ByQuery),
		chromedp.WaitVisible(`a[href$="/admin/logout"]`, chromedp.ByQuery),
	)
}

// open loads a LuCI page and waits until its view rendered.
func (b *browser) open(in *instance, path, ready string) {
	b.t.Helper()
	b.run("open "+path,
		chromedp.Navigate(in.url+path),
		chromedp.WaitVisible(ready, chromedp.ByQuery),
	)
}

// eval runs JavaScript in the page and decodes its result.
func (b *browser) eval(js string, out any) {
	b.t.Helper()
	b.run("evaluate "+firstLine(js), chromedp.Evaluate(js, out, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	}))
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// waitFor polls a JavaScript condition until it is true.
func (b *browser) waitFor(what, js string, timeout time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var ok bool
		ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
		err := chromedp.Run(ctx, chromedp.Evaluate(js, &ok))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.shot("failed-" + strings.ReplaceAll(b.t.Name(), "/", "-"))
			b.t.Fatalf("timed out after %v waiting for %s (last error: %v)", timeout, what, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// text returns the text of the first element matching sel ("" if none).
func (b *browser) text(sel string) string {
	b.t.Helper()
	var s string
	b.eval(fmt.Sprintf(`(function(){var e=document.querySelector(%q);return e?e.innerText:""})()`, sel), &s)
	return s
}

// visible reports whether the first element matching sel is on screen
// (rendered, not in a hidden tab).
func (b *browser) visible(sel string) bool {
	b.t.Helper()
	var ok bool
	b.eval(fmt.Sprintf(`(function(){var e=document.querySelector(%q);return !!e && e.offsetParent !== null})()`, sel), &ok)
	return ok
}

// click clicks the first element matching sel.
func (b *browser) click(sel string) {
	b.t.Helper()
	b.run("click "+sel, chromedp.Click(sel, chromedp.ByQuery, chromedp.NodeVisible))
}

// configDir returns a new directory of /etc/config files (name → text)
// for startLuCI.
func configDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// luciAndBrowser starts LuCI with the daemon on confdir and returns it
// with a browser logged in as root.
func luciAndBrowser(t *testing.T, bin, confdir string) (*instance, *browser) {
	t.Helper()
	in := startLuCI(t, bin, confdir, true)
	b := newBrowser(t)
	b.login(in)
	return in, b
}
