package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/uciknock/uciknock/internal/netns"
)

// CommandTimeout bounds every `ip` command the harness runs.
const CommandTimeout = 20 * time.Second

// Netns is a network namespace made by the harness with `ip netns add`
// (so `ip -n NAME` and `ip netns exec NAME` work on it). Delete removes it
// with every interface in it.
type Netns struct {
	Name string
	file *os.File // /run/netns/Name, for setns(2)
}

// NewNetns creates the namespace name with its loopback up.
func NewNetns(name string) (*Netns, error) {
	if _, err := Run("ip", "netns", "add", name); err != nil {
		return nil, err
	}
	n := &Netns{Name: name}
	f, err := os.Open(filepath.Join("/run/netns", name))
	if err != nil {
		_ = n.Delete()
		return nil, fmt.Errorf("netns %s: %w", name, err)
	}
	n.file = f
	if err := n.IP("link", "set", "lo", "up"); err != nil {
		_ = n.Delete()
		return nil, err
	}
	return n, nil
}

// Delete deletes the namespace; deleting one already gone is not an error.
func (n *Netns) Delete() error {
	if n.file != nil {
		n.file.Close()
		n.file = nil
	}
	if _, err := os.Stat(filepath.Join("/run/netns", n.Name)); os.IsNotExist(err) {
		return nil
	}
	_, err := Run("ip", "netns", "del", n.Name)
	return err
}

// IP runs `ip -n NAME args...`.
func (n *Netns) IP(args ...string) error {
	_, err := Run("ip", append([]string{"-n", n.Name}, args...)...)
	return err
}

// Batch runs `ip -n NAME -batch -` with one command per line, for the
// hundreds of addresses a run needs without hundreds of processes.
func (n *Netns) Batch(lines []string) error {
	ctx, cancel := context.WithTimeout(context.Background(), CommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", "-n", n.Name, "-batch", "-")
	cmd.Stdin = strings.NewReader(strings.Join(lines, "\n") + "\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ip -n %s -batch: %w: %s", n.Name, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// Worker is a goroutine whose OS thread is inside a namespace. Sockets it
// creates belong to that namespace and may then be used from anywhere.
// Calls run one at a time, in order.
type Worker struct {
	calls chan func()
}

// NewWorker starts a worker inside n. Stop ends it; its thread is then
// discarded by the runtime (it was never unlocked), so it cannot carry the
// namespace into other goroutines.
func (n *Netns) NewWorker() (*Worker, error) {
	w := &Worker{calls: make(chan func())}
	errc := make(chan error, 1)
	fd := int(n.file.Fd())
	go func() {
		runtime.LockOSThread()
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("netns %s: enter: %w", n.Name, err)
			return
		}
		errc <- nil
		for fn := range w.calls {
			fn()
		}
	}()
	if err := <-errc; err != nil {
		return nil, err
	}
	return w, nil
}

// Do runs fn on the worker's thread and returns its error.
func (w *Worker) Do(fn func() error) error {
	errc := make(chan error, 1)
	w.calls <- func() { errc <- fn() }
	return <-errc
}

// Stop ends the worker.
func (w *Worker) Stop() { close(w.calls) }

// Run executes a command bounded by netns.CommandTimeout and returns its
// standard output; the error holds the command line and standard error.
func Run(name string, args ...string) (string, error) { return netns.Run(name, args...) }
