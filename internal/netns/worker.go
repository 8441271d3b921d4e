//go:build linux

package netns

// Worker is a goroutine whose OS thread is inside a namespace, for a
// program that enters it many times (Do starts a thread per call). Sockets
// it creates belong to that namespace and may then be used from anywhere.
// Calls run one at a time, in order.
type Worker struct {
	calls chan func()
}

// NewWorker starts a worker inside ns. Stop ends it; its thread is then
// discarded by the runtime (it was never unlocked), so it cannot carry the
// namespace into other goroutines.
func (ns *NS) NewWorker() (*Worker, error) {
	w := &Worker{calls: make(chan func())}
	errc := make(chan error, 1)
	go func() {
		if err := ns.enterThread(); err != nil {
			errc <- err
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
