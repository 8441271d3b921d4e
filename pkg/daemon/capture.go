package daemon

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/uciknock/uciknock/pkg/capture"
	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/pkg/knock"
)

// captureSet runs one capture listener per configured interface and
// restarts them when a reload changes the interface list.
type captureSet struct {
	log     zerolog.Logger
	matcher *matcher
	ring    capture.Option // --capture-ring; nil: the default ring

	mu        sync.Mutex // guards listeners, devices, ports, restart
	listeners []*capture.Listener
	devices   []string
	ports     []knock.Port
	restart   chan *config.Config

	reconfigured chan struct{} // a reload changed the config: recompute ports
}

func newCaptureSet(log zerolog.Logger, m *matcher) *captureSet {
	return &captureSet{log: log, matcher: m, restart: make(chan *config.Config, 1), reconfigured: make(chan struct{}, 1)}
}

// run captures until ctx ends, restarting on interface changes.
func (c *captureSet) run(ctx context.Context, cfg *config.Config) error {
	for {
		devices := c.resolve(ctx, cfg)
		runCtx, cancel := context.WithCancel(ctx)
		errc := make(chan error, len(devices))
		if err := c.start(runCtx, devices, errc); err != nil {
			cancel()
			return err
		}
		select {
		case <-ctx.Done():
			cancel()
			c.wait(len(devices), errc)
			return nil
		case err := <-errc:
			cancel()
			c.wait(len(devices)-1, errc)
			return err
		case cfg = <-c.restart:
			cancel()
			c.wait(len(devices), errc)
			c.log.Info().Msg("capture restarting for the new interface list")
		}
	}
}

func (c *captureSet) wait(n int, errc <-chan error) {
	for i := 0; i < n; i++ {
		<-errc
	}
}

func (c *captureSet) resolve(ctx context.Context, cfg *config.Config) []string {
	return resolveDevices(ctx, cfg, func(name, dev, how string) {
		c.log.Info().Str("interface", name).Str("device", dev).Str("as", how).Msg("capture interface")
	})
}

// resolveDevices maps the configured interfaces to capture devices, in
// order and without duplicates, telling note how each was resolved.
func resolveDevices(ctx context.Context, cfg *config.Config, note func(name, dev, how string)) []string {
	var devices []string
	for _, ifc := range cfg.Global.Interfaces {
		dev, how := resolveInterface(ctx, ifc)
		note(ifc.Name, dev, how)
		if !slices.Contains(devices, dev) {
			devices = append(devices, dev)
		}
	}
	return devices
}

func (c *captureSet) start(ctx context.Context, devices []string, errc chan<- error) error {
	ports, _ := c.matcher.ports(time.Now())
	c.mu.Lock()
	defer c.mu.Unlock()
	c.listeners, c.devices, c.ports = nil, devices, ports
	// One packet crosses a bridge port and the bridge (a VLAN and its
	// parent): with both listed, each knock would arrive twice and no
	// sequence would complete. The listeners share one dedup.
	dup := &capture.Dedup{}
	for _, dev := range devices {
		dev := dev
		opts := []capture.Option{capture.WithDedup(dup), capture.WithEvents(func(e capture.Event) {
			ev := c.log.Info()
			if e.Err != nil {
				ev = c.log.Warn().Err(e.Err)
			}
			ev.Str("device", dev).Msg("capture: " + e.String())
		})}
		if c.ring != nil {
			opts = append(opts, c.ring)
		}
		l, err := capture.Listen(dev, ports, opts...)
		if err != nil {
			for _, o := range c.listeners {
				o.Close()
			}
			return err
		}
		c.listeners = append(c.listeners, l)
		go func() {
			err := l.Run(ctx, c.matcher.handle)
			st := l.Stats()
			c.log.Info().Str("device", dev).Uint64("received", st.Received).Uint64("knocks", st.Knocks).
				Uint64("malformed", st.Malformed).Uint64("kernel_drops", st.KernelDrops).Msg("capture stopped")
			l.Close()
			errc <- err
		}()
	}
	return nil
}

// setPorts swaps every listener's kernel filter when the port set changed.
func (c *captureSet) setPorts(ports []knock.Port) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if slices.Equal(ports, c.ports) {
		return
	}
	c.ports = ports
	for i, l := range c.listeners {
		if err := l.SetPorts(ports); err != nil {
			c.log.Error().Err(err).Str("device", c.devices[i]).Msg("capture: cannot update the filter")
		}
	}
	c.log.Debug().Int("ports", len(ports)).Msg("capture filter updated")
}

// reconfigure is called after a successful reload: new ports always, new
// listeners when the interface list changed.
func (c *captureSet) reconfigure(cfg *config.Config) {
	select {
	case c.reconfigured <- struct{}{}:
	default:
	}
	names := resolveDevices(context.Background(), cfg, func(string, string, string) {}) // may ask ubus: not under c.mu
	c.mu.Lock()
	same := slices.Equal(names, c.devices)
	c.mu.Unlock()
	if same {
		return
	}
	for {
		select {
		case c.restart <- cfg:
			return
		default:
		}
		select { // replace a restart run has not taken yet
		case <-c.restart:
		default:
		}
	}
}
