package daemon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/uciknock/uciknock/internal/jsonscan"
	"github.com/uciknock/uciknock/internal/proc"
	"github.com/uciknock/uciknock/pkg/config"
)

// resolveInterface turns a configured interface into the device to capture
// on. A name that can be a UCI network (`wan`) is looked up over ubus
// (`ubus call network.interface.wan status` → l3_device, e.g. pppoe-wan),
// so a PPPoE or DHCP WAN is followed wherever netifd puts it. When ubus is
// missing (not OpenWrt) or knows no such network, the name is used as a
// device. "*" (or "any") captures on every interface.
func resolveInterface(ctx context.Context, ifc config.Interface) (string, string) {
	if ifc.Name == "*" || ifc.Name == "any" {
		return "", "all interfaces"
	}
	if !ifc.MaybeNetwork {
		return ifc.Name, "device"
	}
	if dev, err := ubusL3Device(ctx, ifc.Name); err == nil && dev != "" {
		return dev, "network " + ifc.Name
	}
	if _, err := net.InterfaceByName(ifc.Name); err == nil {
		return ifc.Name, "device"
	}
	// Neither a known network nor an existing device: capture waits for a
	// device of that name to appear (the listener re-attaches).
	return ifc.Name, "device (not present yet)"
}

func ubusL3Device(ctx context.Context, network string) (string, error) {
	path, err := proc.LookPath("ubus")
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	var stdout bytes.Buffer
	// WaitDelay: the context ends the wait for ubus itself, not for a
	// child of it that keeps its stdout open; what ubus printed before
	// it exited 0 is used (cut off JSON does not parse).
	cmd := proc.Cmd{Path: path, Args: []string{"ubus", "call", "network.interface." + network, "status"}, Stdout: &stdout,
		WaitDelay: time.Second}
	err = cmd.Run(ctx)
	out := stdout.Bytes()
	if err != nil && !errors.Is(err, proc.ErrWaitDelay) {
		return "", fmt.Errorf("ubus network.interface.%s: %w", network, err)
	}
	// jsonscan rather than encoding/json: its decoder is a large part of
	// the router binary and this is the daemon's only JSON input.
	st, err := jsonscan.Object(out)
	if err != nil {
		return "", fmt.Errorf("ubus network.interface.%s: %w", network, err)
	}
	for _, key := range []string{"l3_device", "device"} {
		if m, ok := jsonscan.Get(st, key); ok && m.IsString() && m.String() != "" {
			return m.String(), nil
		}
	}
	return "", nil
}
