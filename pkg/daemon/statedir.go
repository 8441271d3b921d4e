package daemon

import (
	"fmt"

	"github.com/uciknock/uciknock/pkg/config"
)

// checkStateDir returns an error at the global section's state_dir when
// the config has one-time or TOTP sequences and their state directory dir
// is on a file system a reboot empties: the used records would be lost,
// and every used one-time sequence (and a TOTP step used just before the
// reboot) would work again.
func checkStateDir(cfg *config.Config, dir string) *config.FieldError {
	var users []string
	for i := range cfg.Sequences {
		if cfg.Sequences[i].UseRecord() != "" {
			users = append(users, cfg.Sequences[i].Path)
		}
	}
	if len(users) == 0 {
		return nil
	}
	fsType, ok := volatileDir(dir)
	if !ok {
		return nil
	}
	return &config.FieldError{Path: cfg.Global.Path + ".state_dir", Msg: fmt.Sprintf(
		"%s is on %s, which a reboot empties: the used one-time sequences and TOTP steps of %s would work again after a reboot; use a directory on flash (the default is %s)",
		dir, fsType, users[0]+plural(len(users)-1), config.DefaultStateDir)}
}

func plural(more int) string {
	switch more {
	case 0:
		return ""
	case 1:
		return " and 1 other sequence"
	}
	return fmt.Sprintf(" and %d other sequences", more)
}
