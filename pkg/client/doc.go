// Package client is the knock client behind cmd/uciknock: it parses the
// command line and the client config, computes TOTP sequences, and sends
// knocks the way knockd's `knock` does.
//
// What it does:
//   - ParseArgs reads knock's command line (`[-u] [-d ms] [-4|-6] [-v]
//     host port[:proto] ...`) plus --totp and a lone door name; every
//     mistake is a *UsageError that says what is wrong.
//   - ParseConfig reads a client config of `door NAME host H ports P,...`
//     lines; every mistake is a *ConfigError at file:line.
//   - Knocker resolves the host once and sends each knock through a
//     Transport: SystemTransport sends one TCP SYN (a non-blocking
//     connect, then close) or one 1-byte UDP datagram, without privileges.
//     The Transport, the Resolver and the Clock are interfaces, so tests
//     run without sending and without sleeping.
//   - Main ties these together for the command and returns its exit code.
//
// What it does not: it never listens, never retries a knock, never
// prints unless Main is told to (-v), and never reads the router's
// /etc/config/knock; TOTP ports come from pkg/totp, the same derivation
// the daemon uses.
//
// Example:
//
//	d := &client.Door{Host: "router.example.org",
//		Hits: []client.Hit{{Port: 7000, Proto: client.TCP}, {Port: 8000, Proto: client.UDP}},
//		Delay: 100 * time.Millisecond}
//	if err := client.NewKnocker().Knock(ctx, d); err != nil {
//		return err
//	}
package client
