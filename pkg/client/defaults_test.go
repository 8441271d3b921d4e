package client

import (
	"testing"

	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/pkg/knock"
)

// TestDefaultsMatchDaemon keeps the client's TOTP defaults and limits equal
// to the daemon's, so `--totp SECRET` knocks what `totp_secret` expects.
func TestDefaultsMatchDaemon(t *testing.T) {
	if DefaultTOTPLength != config.DefaultTOTPLength || DefaultTOTPStep != config.DefaultTOTPStep ||
		DefaultTOTPPortMin != config.DefaultTOTPPortMin || DefaultTOTPPortMax != config.DefaultTOTPPortMax {
		t.Errorf("client TOTP defaults %d/%v/%d-%d differ from the daemon's %d/%v/%d-%d",
			DefaultTOTPLength, DefaultTOTPStep, DefaultTOTPPortMin, DefaultTOTPPortMax,
			config.DefaultTOTPLength, config.DefaultTOTPStep, config.DefaultTOTPPortMin, config.DefaultTOTPPortMax)
	}
	if MaxHits != knock.MaxSteps {
		t.Errorf("MaxHits %d, daemon's MaxSteps %d", MaxHits, knock.MaxSteps)
	}
}
