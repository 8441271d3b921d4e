package fastpath

import (
	"testing"

	"github.com/uciknock/uciknock/internal/testenv"
)

// TestMain names the tests that skipped for want of the OpenWrt sandbox.
func TestMain(m *testing.M) { testenv.Main(m) }
