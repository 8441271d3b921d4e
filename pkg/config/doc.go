// Package config turns /etc/config/knock, parsed by package uci, into the
// validated configuration the daemon runs: a Global section and the
// enabled Sequences, with defaults applied and every value checked.
//
// It follows corerad's two layers: the raw UCI package in, a Config out
// that nothing downstream re-checks. Validation reports every problem at
// once, each under its exact UCI path as `uci show` prints it
// (`knock.ssh.action`, `knock.@sequence[2].sequence`), in an *Errors.
// Unknown options and section types are errors, not warnings: a typo such
// as `timout` must not silently leave a door open for the default time.
// Sections with `enabled '0'` are skipped unchecked (apart from `enabled`),
// so disabling a section is how a user parks a half-written one.
//
// Cross-section rules: no two enabled sequences may be equal or one a
// prefix of the other (knocking one would complete both); a close or
// unforward must name a door that an enabled open or forward creates
// (same name and port); sequences opening the same door must agree on its
// firewall settings; a rule and a redirect may not share a name and port.
//
// What it does not do: read files (the one-time sequences file and the
// firewall config are the daemon's), resolve network names to devices,
// or talk to the firewall. Documentation of every option is in
// docs/configuration.md.
//
// Example:
//
//	pkg, err := uci.Parse("knock", data)
//	if err != nil {
//		return err // a syntax error: file:line:col
//	}
//	cfg, err := config.Parse(pkg)
//	if err != nil {
//		return err // every problem, e.g. "knock.@sequence[2].sequence: ..."
//	}
//	for _, s := range cfg.Sequences {
//		seqs = append(seqs, s.Knock())
//	}
package config
