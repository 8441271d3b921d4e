//go:build !linux

package door

import (
	"context"
	"errors"
)

// Watch needs inotify; elsewhere NewWatch fails.
type Watch struct{}

// NewWatch reports that file watching is not supported here.
func NewWatch(paths ...string) (*Watch, error) {
	return nil, errors.New("door: file watching needs Linux inotify")
}

// Changes returns nil (never ready).
func (w *Watch) Changes() <-chan struct{} { return nil }

// Run returns at once.
func (w *Watch) Run(ctx context.Context) error { return nil }

// Close does nothing.
func (w *Watch) Close() error { return nil }
