package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/uciknock/uciknock/pkg/totp"
)

// NewSecretLen is the size of a --new-secret secret: 160 bits, the
// HMAC-SHA-1 output size RFC 4226 recommends (32 base32 characters).
const NewSecretLen = 20

// Env is what Main takes from the process: streams, environment, files
// and the knocker. cmd/uciknock fills it with the real ones.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	ReadFile       func(string) ([]byte, error)
	Knocker        *Knocker
	// Rand is the entropy source for --new-secret (crypto/rand.Reader).
	Rand io.Reader
	// Version is printed by --version.
	Version string
}

// Main runs uciknock with argv (without the program name) and returns the
// exit status: 0 when every knock was sent, 1 for any error, like knock.
func Main(ctx context.Context, argv []string, env Env) int {
	a, err := ParseArgs(argv)
	if err != nil {
		fmt.Fprintf(env.Stderr, "uciknock: %v\nTry 'uciknock --help'.\n", err)
		return 1
	}
	if a.Help {
		fmt.Fprint(env.Stdout, Usage)
		return 0
	}
	if a.Version {
		fmt.Fprintf(env.Stdout, "uciknock %s\n", env.Version)
		return 0
	}
	if a.NewSecret {
		secret := make([]byte, NewSecretLen)
		if _, err := io.ReadFull(env.Rand, secret); err != nil {
			fmt.Fprintf(env.Stderr, "uciknock: new secret: %v\n", err)
			return 1
		}
		fmt.Fprintln(env.Stdout, totp.EncodeSecret(secret))
		return 0
	}
	door := a.Door
	if a.DoorName != "" {
		d, err := configDoor(a, env)
		if err != nil {
			fmt.Fprintf(env.Stderr, "uciknock: %v\n", err)
			return 1
		}
		door = a.Apply(*d)
	}
	k := *env.Knocker
	if a.Verbose {
		k.OnHit = func(h Hit, dst netip.AddrPort) {
			fmt.Fprintf(env.Stdout, "hitting %s %s\n", h.Proto, dst)
		}
	}
	if err := k.Knock(ctx, &door); err != nil {
		if door.Name != "" {
			err = fmt.Errorf("door %s: %w", door.Name, err)
		}
		fmt.Fprintf(env.Stderr, "uciknock: %v\n", err)
		return 1
	}
	return 0
}

// configDoor looks the lone operand up in the client config. Its errors
// say both readings of the operand, since `uciknock myhost` may be a
// forgotten port list as well as a door name.
func configDoor(a *Args, env Env) (*Door, error) {
	name := a.DoorName
	cfg, path, err := LoadConfig(a.ConfigPath, env.Getenv, env.ReadFile)
	if err != nil {
		var ce *ConfigError
		if errors.As(err, &ce) {
			return nil, err
		}
		if a.ConfigPath == "" {
			return nil, fmt.Errorf("missing ports after host %q, and no door of that name: %w", name, err)
		}
		return nil, err
	}
	d := cfg.Door(name)
	if d == nil {
		doors := "none"
		if names := cfg.Names(); len(names) > 0 {
			doors = strings.Join(names, ", ")
		}
		return nil, fmt.Errorf("no door %q in %s (doors: %s); to knock a host of that name, give its ports", name, path, doors)
	}
	return d, nil
}
