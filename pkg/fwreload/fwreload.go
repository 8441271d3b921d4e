package fwreload

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Kinds of firewall, as returned by Firewall.Kind.
const (
	KindFW4    = "fw4"
	KindFW3    = "fw3"
	KindCustom = "custom"
)

// DefaultTimeout bounds one check or reload when Config.Timeout is zero.
// fw4 itself gives script includes 30 s; a reload that takes a minute is
// stuck.
const DefaultTimeout = 60 * time.Second

// ErrNoFirewall means neither /sbin/fw4 nor /sbin/fw3 is executable and
// no reload command is configured.
var ErrNoFirewall = errors.New("fwreload: no executable /sbin/fw4 or /sbin/fw3; configure a reload command")

// Exec runs argv (no shell) and returns its stdout and stderr. A non-nil
// error means it could not run, was killed, or exited non-zero
// (*proc.ExitError). RealExec is the production implementation; tests
// inject their own.
type Exec func(ctx context.Context, argv []string) (stdout, stderr []byte, err error)

// Config selects and tunes the firewall. The zero value detects fw4/fw3
// under "/".
type Config struct {
	// Root is where /sbin/fw4 and /sbin/fw3 are looked for ("/" when
	// empty); the commands run from there, so tests can use a temp dir.
	Root string
	// Reload, if set, is a custom reload command (argv, no shell), used
	// instead of detection; Check is its optional check command.
	Reload, Check []string
	// Timeout bounds each command (DefaultTimeout when zero).
	Timeout time.Duration
	// Exec runs the commands (RealExec when nil).
	Exec Exec
	// Warn, if set, receives each warning line of a successful check or
	// reload (fw4's "[!] Section ... skipped due to invalid options").
	Warn func(op, line string)
}

// Firewall is a detected or configured firewall. It is immutable and safe
// for concurrent use (fw4 serialises concurrent runs on its own lock).
type Firewall struct {
	kind          string
	check, reload []string
	timeout       time.Duration
	exec          Exec
	warn          func(op, line string)
	state         string // StateFile
}

// Detect finds the firewall under root ("/" on the router).
func Detect(root string) (*Firewall, error) { return New(Config{Root: root}) }

// New detects the firewall as Config says.
func New(cfg Config) (*Firewall, error) {
	fw := &Firewall{timeout: cfg.Timeout, exec: cfg.Exec, warn: cfg.Warn}
	if fw.timeout <= 0 {
		fw.timeout = DefaultTimeout
	}
	if fw.exec == nil {
		fw.exec = RealExec
	}
	root := cfg.Root
	if root == "" {
		root = "/"
	}
	fw4, fw3 := filepath.Join(root, "sbin", "fw4"), filepath.Join(root, "sbin", "fw3")
	switch {
	case len(cfg.Reload) > 0:
		fw.kind = KindCustom
		fw.reload = append([]string(nil), cfg.Reload...)
		fw.check = append([]string(nil), cfg.Check...)
	case executable(fw4):
		fw.kind = KindFW4
		fw.reload = []string{fw4, "reload"}
		fw.check = []string{fw4, "check"}
	case executable(fw3):
		fw.kind = KindFW3
		fw.reload = []string{fw3, "reload"}
	default:
		return nil, fmt.Errorf("%w (looked in %s)", ErrNoFirewall, filepath.Join(root, "sbin"))
	}
	fw.state = stateFile(root, fw.kind)
	return fw, nil
}

func executable(path string) bool {
	st, err := os.Stat(path) // follows the fw3 -> fw4 symlink
	return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}

// Kind returns "fw4", "fw3" or "custom".
func (f *Firewall) Kind() string { return f.kind }

// CanCheck reports whether Check validates anything (false for fw3 and
// for a custom firewall without a check command).
func (f *Firewall) CanCheck() bool { return len(f.check) > 0 }

// ReloadCommand returns the argv Reload runs (for logs).
func (f *Firewall) ReloadCommand() []string { return append([]string(nil), f.reload...) }

// Check validates the firewall config as the next reload would load it,
// without applying it. It returns nil when the firewall has no check.
func (f *Firewall) Check(ctx context.Context) error {
	if len(f.check) == 0 {
		return nil
	}
	return f.run(ctx, "check", f.check)
}

// Reload applies the firewall config with the firewall's own reload.
func (f *Firewall) Reload(ctx context.Context) error {
	return f.run(ctx, "reload", f.reload)
}

func (f *Firewall) run(ctx context.Context, op string, argv []string) error {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	stdout, stderr, err := f.exec(ctx, argv)
	e := &Error{Kind: f.kind, Op: op, Argv: argv, Stdout: clip(stdout), Stderr: clip(stderr), Err: err}
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			e.Err = fmt.Errorf("%w (%v)", ctxErr, err)
		}
		e.Reason = firstLine(firstNonEmpty(errorLine(stderr), string(stderr), err.Error()))
		e.notLoaded = f.kind == KindFW4 && op == "reload" && notLoaded(stderr)
		return e
	}
	if f.kind != KindCustom {
		if line := errorLine(stderr); line != "" {
			e.Err = ErrFailedOnExit0
			e.Reason = line
			return e
		}
	}
	if f.warn != nil {
		for _, line := range lines(stderr) {
			f.warn(op, line)
		}
	}
	return nil
}

// ErrFailedOnExit0 is the Err of an *Error for a command that exited 0
// but reported an error on stderr (fw4 reload after a failed nft -f).
var ErrFailedOnExit0 = errors.New("error reported although the command exited 0")

// Error is a failed check or reload, with what the command printed.
type Error struct {
	Kind   string   // "fw4", "fw3" or "custom"
	Op     string   // "check" or "reload"
	Argv   []string // the command run
	Reason string   // the first error line, or the exit status
	Stdout string   // up to 64 KiB
	Stderr string   // up to 64 KiB
	// Err is the cause: an *proc.ExitError (internal/proc), a start failure, the context's
	// error (wrapped), or ErrFailedOnExit0.
	Err error

	notLoaded bool // see Is and ErrNotLoaded
}

func (e *Error) Error() string {
	return fmt.Sprintf("fwreload: %s %s failed: %s: %v", e.Kind, e.Op, e.Reason, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// maxOutput bounds what is kept of each output stream.
const maxOutput = 64 << 10

func clip(b []byte) string {
	if len(b) > maxOutput {
		return string(b[:maxOutput]) + "\n[output truncated]"
	}
	return string(b)
}

// lines returns the non-blank lines of b without their line ends (split
// by hand: bufio would add 12 KB to the router binary).
func lines(b []byte) []string {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimRight(l, "\r"); strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// errorLine returns the first line of fw4/fw3 output that reports a
// failure: nft's "<file>:<line>:<col>: Error: ..." and "Error: ...",
// ucode's "Runtime error: ..." / "Syntax error: ...". fw4's own "[!] "
// warnings are never errors, whatever a section name in them says.
func errorLine(stderr []byte) string {
	for _, l := range lines(stderr) {
		if strings.HasPrefix(l, "[!] ") {
			continue
		}
		for _, marker := range []string{"Error: ", "Runtime error: ", "Syntax error: "} {
			if strings.HasPrefix(l, marker) || strings.Contains(l, ": "+marker) {
				return l
			}
		}
	}
	return ""
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// firstLine returns the first line of s, cut to 512 bytes for a log line.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 512 {
		s = s[:512] + "..."
	}
	return s
}
