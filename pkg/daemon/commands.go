package daemon

import (
	"context"
	"net/netip"
	"time"

	"github.com/rs/zerolog"

	"github.com/uciknock/uciknock/pkg/command"
	"github.com/uciknock/uciknock/pkg/config"
)

// maxCommands caps the commands (start and stop) running at once:
// completions from many (possibly spoofed) sources must not fork without
// bound on a small router. Stop commands waiting for their time do not
// count (they cost a timer, not a process): one waits per (sequence,
// source), and maxPendingStops bounds them all.
const (
	maxCommands     = 16
	maxPendingStops = 4096
)

// commands runs knockd-style start/stop commands for `command` sequences.
type commands struct {
	log   zerolog.Logger
	sched *command.Scheduler
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
	if c.sched.Running() >= maxCommands {
		log.Warn().Int("limit", maxCommands).Msg("command not run: too many commands running")
		return
	}
	if c.sched.Pending() >= maxPendingStops {
		// Starting without room for its stop could leave it undone.
		log.Warn().Int("limit", maxPendingStops).Msg("command not run: too many stop commands waiting")
		return
	}
	if !c.sched.Do(command.Action{Name: seq.Path, Start: start, Stop: stop, StopAfter: seq.CmdTimeout}, src) {
		log.Warn().Msg("command not run (none configured, or shutting down)")
	}
}

func (c *commands) report(r command.Report) {
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
