package daemon

import (
	"fmt"
	"os"

	"github.com/uciknock/uciknock/internal/atomicfile"
	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/pkg/knockdconf"
	"github.com/uciknock/uciknock/uci"
)

// ImportBatch converts the knockd.conf file to `uci batch` text ending in
// `commit knock` (the daemon reads /etc/config/knock, not uci's pending
// changes), for `uciknockd import FILE | uci batch`. Over an existing
// knock config (p.Config) the batch first deletes its sections: the
// shipped sample's well-known doors must not stay enabled. Warnings (what
// knockd.conf says that has no equivalent) come back even with an error.
func ImportBatch(p Paths, file string) (batch string, warnings []string, err error) {
	kf, err := readKnockd(file)
	if err != nil {
		return "", nil, err
	}
	if cur, rerr := os.ReadFile(p.Config); rerr == nil {
		existing, perr := uci.ParseFile(p.Config, "knock", cur)
		if perr != nil {
			return "", nil, fmt.Errorf("current config: %w", perr)
		}
		batch, warnings, err = kf.ToUCIOver(existing)
	} else {
		batch, warnings, err = kf.ToUCI()
	}
	if err != nil {
		return "", warnings, err
	}
	return batch + "commit knock\n", warnings, nil
}

// ImportWrite converts the knockd.conf file and writes the result to
// p.Config (atomically, mode 0600), but only if it validates and, unless
// force, p.Config does not exist yet: a hand-written config is never
// clobbered. It returns the bytes written.
func ImportWrite(p Paths, file string, force bool) (n int, warnings []string, err error) {
	kf, err := readKnockd(file)
	if err != nil {
		return 0, nil, err
	}
	text, warnings, err := kf.ToConfig()
	if err != nil {
		return 0, warnings, err
	}
	pkg, err := uci.ParseFile(p.Config, "knock", text)
	if err != nil {
		return 0, warnings, fmt.Errorf("converted config does not parse (a bug): %w", err)
	}
	if _, err := config.Parse(pkg); err != nil {
		return 0, warnings, fmt.Errorf("converted config is not valid: %w", err)
	}
	if _, err := os.Stat(p.Config); err == nil && !force {
		return 0, warnings, fmt.Errorf("%s exists; use --force to replace it, or apply the batch text with `uci batch`", p.Config)
	}
	if err := atomicfile.Write(p.Config, text, 0o600); err != nil {
		return 0, warnings, err
	}
	return len(text), warnings, nil
}

func readKnockd(file string) (*knockdconf.File, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return knockdconf.Parse(file, data)
}
