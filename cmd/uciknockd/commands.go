package main

import (
	"context"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/uciknock/uciknock/pkg/command"
	"github.com/uciknock/uciknock/pkg/config"
)

// maxCommands caps the start commands running at once and the stop
// commands waiting for their time: completions from many (possibly
// spoofed) sources must not fork without bound on a small router.
const maxCommands = 16

// commands runs knockd-style start/stop commands for `command` sequences.
type commands struct {
	log     zerolog.Logger
	sched   *command.Scheduler
	running atomic.Int32 // start commands not yet finished
}

func newCommands(log zerolog.Logger, limit time.Duration) *commands {
	c := &commands{log: log}
	runner := &command.Runner{Timeout: limit}
	c.sched = command.NewScheduler(runner, command.RealClock{}, c.report)
	return c
}

// start runs the sequence's start command for src now and its stop command
// cmd_timeout after the start finished. %IP% is substituted per argument
// after splitting, so a source address can never add an argument.
func (c *commands) start(seq *config.Sequence, src netip.Addr) {
	start, stop := seq.Start, seq.Stop // split by config, %IP% still in them
	if src.Is6() {
		start, stop = seq.Start6, seq.Stop6
	}
	log := c.log.With().Str("sequence", seq.Path).Str("src", src.String()).Logger()
	if int(c.running.Load())+c.sched.Pending() >= maxCommands {
		log.Warn().Int("limit", maxCommands).Msg("command not run: too many commands running or waiting")
		return
	}
	c.running.Add(1)
	if !c.sched.Do(command.Action{Start: start, Stop: stop, StopAfter: seq.CmdTimeout}, src) {
		c.running.Add(-1)
		log.Warn().Msg("command not run (none configured, or shutting down)")
	}
}

func (c *commands) report(r command.Report) {
	if r.Phase == command.PhaseStart {
		c.running.Add(-1)
	}
	ev := c.log.Info()
	if r.Err != nil || r.Result.ExitCode != 0 {
		ev = c.log.Error().Err(r.Err).Int("exit", r.Result.ExitCode)
	}
	ev = ev.Str("src", r.IP.String()).Strs("argv", r.Result.Argv)
	if len(r.Result.Output) > 0 {
		ev = ev.Bytes("output", r.Result.Output).Bool("truncated", r.Result.Truncated)
	}
	ev.Msg(string(r.Phase) + " command")
}

// shutdown runs pending stop commands now rather than never: the daemon
// would not be there to run them later (fail closed; knockd leaves them
// to detached children instead).
func (c *commands) shutdown(deadline time.Time) {
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	if err := c.sched.Flush(ctx); err != nil {
		c.log.Warn().Err(err).Int("pending", c.sched.Pending()).Msg("stop commands still running at exit")
	}
}
