package daemon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/uciknock/uciknock/pkg/door"
)

// DefaultSocket is where the running daemon listens for `uciknockd close`.
// Closing through the daemon matters: it owns the doors (pending opens and
// refreshes, the close reason in its log), so `close` edits the file itself
// only when no daemon holds the instance lock.
const DefaultSocket = "/var/run/uciknockd.sock"

// listenControl opens the control socket. The caller holds the instance
// lock, so a socket file left there is a killed daemon's.
func listenControl(path string) (net.Listener, error) {
	_ = os.Remove(path)
	old := syscall.Umask(0o077) // born 0600: no window with a wider mode
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	syscall.Umask(old)
	if err != nil {
		return nil, err
	}
	return l, nil
}

// lockWait is how long a start waits for a dying daemon's instance lock.
const lockWait = 3 * time.Second

// LockInstance makes sure one daemon at a time runs on a control socket
// path (two daemons on one firewall config would fight over the doors:
// each re-adds what the other closes). The lock is held until exit.
func LockInstance(socket string) (*os.File, error) {
	path := socket + ".lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	// A daemon killed while it was spawning a command (a firewall
	// reload) leaves its lock with the child between clone and exec for
	// a moment: wait a little before calling the lock another daemon's.
	deadline := time.Now().Add(lockWait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if err != syscall.EWOULDBLOCK || time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("another uciknockd is running (%s is locked)", path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// serveControl answers one request per connection: "close NAME|IP".
func serveControl(ctx context.Context, l net.Listener, d *Server) error {
	go func() {
		<-ctx.Done()
		l.Close()
	}()
	for {
		c, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("control socket: %w", err)
		}
		go func() {
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			line, err := readLine(c)
			if err != nil {
				return
			}
			fmt.Fprintln(c, d.control(strings.TrimSpace(line)))
		}()
	}
}

// control executes one control request and returns the one-line answer.
func (d *Server) control(req string) string {
	verb, arg, _ := strings.Cut(req, " ")
	if verb != "close" || arg == "" {
		return "error: unknown request (want: close NAME|IP)"
	}
	closed := d.keeper.CloseSelected(door.ParseSelector(arg), "closed by uciknockd close")
	for _, dr := range closed {
		d.log.Info().Str("rule", dr.Name()).Str("src", dr.Src.String()).Str("why", "uciknockd close").Msg("close requested")
	}
	if len(closed) == 0 {
		return "error: no open door matches " + arg
	}
	return fmt.Sprintf("ok: closing %d door(s)", len(closed))
}

// askDaemon sends a control request; ErrNoDaemon when none is listening.
func askDaemon(path, req string) (string, error) {
	c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return "", ErrNoDaemon
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintln(c, req); err != nil {
		return "", err
	}
	line, err := readLine(c)
	if err != nil {
		return "", fmt.Errorf("control socket: %w", err)
	}
	line = strings.TrimSpace(line)
	if msg, ok := strings.CutPrefix(line, "error: "); ok {
		return "", errors.New(msg)
	}
	return line, nil
}

// maxLine bounds a request or answer on the control socket.
const maxLine = 4096

// readLine reads one request or answer from c: the bytes up to and
// including the first '\n', which must come within maxLine bytes and
// before the end of the stream. What bufio.Reader.ReadString did here,
// without bufio's 12 KB in the router binary (docs/benchmarks.md).
func readLine(c io.Reader) (string, error) {
	var b []byte
	buf := make([]byte, 512)
	for len(b) <= maxLine {
		n, err := c.Read(buf)
		b = append(b, buf[:n]...)
		if i := bytes.IndexByte(b, '\n'); i >= 0 && i < maxLine {
			return string(b[:i+1]), nil
		}
		if err != nil {
			return "", err
		}
	}
	return "", errors.New("line too long")
}

// ErrNoDaemon is AskRunningDaemon's answer when no daemon runs on the
// socket: the caller may then edit the firewall config itself.
var ErrNoDaemon = errors.New("no daemon listening")

// instanceLocked reports whether a daemon holds the instance lock of this
// control socket: it runs even if its socket does not answer (starting,
// busy, or the socket file removed). Only then may a command edit the
// firewall config itself without the daemon undoing it.
func instanceLocked(socket string) bool {
	f, err := os.Open(socket + ".lock")
	if err != nil {
		return false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return err == syscall.EWOULDBLOCK
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false
}

// AskRunningDaemon is askDaemon that tells "no daemon" apart from "a
// daemon whose socket does not answer": while the instance lock is held it
// keeps asking for up to lockWait (a daemon between taking its lock and
// listening), then fails rather than let the caller go behind its back.
func AskRunningDaemon(socket, req string) (string, error) {
	deadline := time.Now().Add(lockWait)
	for {
		answer, err := askDaemon(socket, req)
		if !errors.Is(err, ErrNoDaemon) || !instanceLocked(socket) {
			return answer, err
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("a uciknockd is running (%s.lock is held) but its control socket %s does not answer; "+
				"not editing the firewall config behind it (it would not know the door was closed)", socket, socket)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
