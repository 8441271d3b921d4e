// Command uciknock sends port-knock sequences; it is compatible with
// knockd's knock and adds TOTP sequences and named doors (docs/client.md).
package main

import (
	"context"
	"crypto/rand"
	"os"
	"os/signal"
	"syscall"

	"github.com/uciknock/uciknock/pkg/client"
)

// version is set at build time with -ldflags '-X main.version=...'.
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := client.Main(ctx, os.Args[1:], client.Env{
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		Getenv:   os.Getenv,
		ReadFile: os.ReadFile,
		Knocker:  client.NewKnocker(),
		Rand:     rand.Reader,
		Version:  version,
	})
	stop()
	os.Exit(code)
}
