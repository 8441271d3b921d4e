package config

import (
	"fmt"
	"time"

	"github.com/uciknock/uciknock/pkg/door"
)

// Options every sequence may carry, and those of each action.
var (
	commonOptions = []string{
		"enabled", "name", "action", "sequence", "one_time_sequences", "one_time_file",
		"totp_secret", "totp_length", "totp_step", "totp_ports", "totp_proto",
		"seq_timeout", "tcpflags", "target",
	}
	actionOptions = map[Action][]string{
		ActionOpen:      {"proto", "dest_port", "src", "timeout", "kill_sessions"},
		ActionClose:     {"dest_port"},
		ActionForward:   {"proto", "src_dport", "dest_ip", "dest_port", "src", "dest", "timeout", "kill_sessions"},
		ActionUnforward: {"src_dport"},
		ActionCommand:   {"start_command", "stop_command", "start_command_6", "stop_command_6", "cmd_timeout"},
	}
	sequenceOptions = func() map[string]bool {
		m := map[string]bool{}
		for _, o := range commonOptions {
			m[o] = true
		}
		for _, os := range actionOptions {
			for _, o := range os {
				m[o] = true
			}
		}
		return m
	}()
)

// parsedSequence is a Sequence plus what the cross-section checks need.
type parsedSequence struct {
	Sequence
	// clean is true when the section had no error of its own; only clean
	// sections take part in the cross-section checks, so one mistake is
	// reported once and not again as a missing partner.
	clean bool
}

// parseSequence validates one `sequence` section. It returns nil for a
// disabled section.
func parseSequence(r *section, idx int) *parsedSequence {
	r.allowed = sequenceOptions
	before := len(r.errs.List)
	if !r.boolean("enabled", true) {
		return nil
	}
	s := &parsedSequence{Sequence: Sequence{Path: r.path}}
	s.Action = parseAction(r)
	parseName(r, &s.Sequence, idx)
	parseKnocks(r, &s.Sequence)
	switch s.Action {
	case ActionOpen, ActionForward:
		parseDoor(r, &s.Sequence)
	case ActionClose, ActionUnforward:
		opt := doorPortOption(s.Action)
		s.Port, _ = r.port(opt)
		if !r.has(opt) {
			r.errorf(opt, "missing: action %s closes the door with this name and port", s.Action)
		}
	case ActionCommand:
		parseCommand(r, &s.Sequence)
	}
	if s.Action != 0 {
		var others []string
		for a, opts := range actionOptions {
			if a != s.Action {
				others = append(others, opts...)
			}
		}
		own := map[string]bool{}
		for _, o := range actionOptions[s.Action] {
			own[o] = true
		}
		for _, o := range r.s.Options {
			if !own[o.Name] && containsStr(others, o.Name) {
				r.notFor(s.Action, o.Name)
			}
		}
	}
	r.checkUnknown()
	r.sortErrors(before)
	s.clean = len(r.errs.List) == before
	return s
}

func containsStr(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// doorPortOption is the option holding the port that names a door.
func doorPortOption(a Action) string {
	if a == ActionForward || a == ActionUnforward {
		return "src_dport"
	}
	return "dest_port"
}

func parseAction(r *section) Action {
	v, ok := r.scalar("action")
	if !ok {
		if r.has("action") {
			return 0
		}
		// A section with a start_command and no action is a knockd-style
		// command door; anything else opens a port.
		if r.has("start_command") {
			return ActionCommand
		}
		return ActionOpen
	}
	for a := ActionOpen; a <= ActionCommand; a++ {
		if v == a.String() {
			return a
		}
	}
	r.errorf("action", "%q is not an action (open, close, forward, unforward, command)", v)
	return 0
}

func parseName(r *section, s *Sequence, idx int) {
	if v, ok := r.scalar("name"); ok {
		if err := door.CheckPrefix(v); err != nil {
			r.errorf("name", "%v", err)
		}
		s.Name = v
		return
	}
	if r.has("name") {
		return
	}
	if !r.s.Anonymous {
		// A named section names its door: `config sequence 'ssh'`.
		s.Name = r.s.Name
		if err := door.CheckPrefix(s.Name); err != nil {
			r.errorf("name", "the section name is used as the name: %v", err)
		}
		return
	}
	switch s.Action {
	case ActionCommand, 0:
		s.Name = fmt.Sprintf("@sequence[%d]", idx)
	default:
		r.errorf("name", "missing: action %s needs a name, the prefix of the firewall rule names", s.Action)
	}
}

// parseKnocks reads the knock definition: exactly one of sequence,
// one-time sequences (inline or a file) and TOTP.
func parseKnocks(r *section, s *Sequence) {
	var kinds []string
	for _, o := range []string{"sequence", "one_time_sequences", "one_time_file", "totp_secret"} {
		if r.has(o) {
			kinds = append(kinds, o)
		}
	}
	switch len(kinds) {
	case 0:
		r.errorf("sequence", "missing: a sequence needs knocks (sequence, one_time_sequences, one_time_file or totp_secret)")
	case 1:
	default:
		r.errorf(kinds[1], "conflicts with %s: use only one way of defining the knocks", kinds[0])
	}
	s.Steps = parseList(r, "sequence", parseSteps)
	if vs, ok := r.list("one_time_sequences"); ok {
		for i, v := range vs {
			steps, err := parseSteps([]string{v})
			if err != nil {
				r.errorf("one_time_sequences", "item %d: %v", i+1, err)
				continue
			}
			s.OneTime = append(s.OneTime, steps)
		}
	}
	s.OneTimeFile = r.check("one_time_file", "", validAbsPath)
	parseTOTP(r, s)
	s.Flags = parseList(r, "tcpflags", parseTCPFlags)
	if v, ok := r.scalar("target"); ok {
		a, err := parseAddr(v)
		if err != nil {
			r.errorf("target", "%v", err)
		}
		s.Target = a
	}
	s.SeqTimeout = r.duration("seq_timeout", time.Second, DefaultSeqTimeout, 100*time.Millisecond, time.Hour)
}

func parseDoor(r *section, s *Sequence) {
	s.Proto = ProtoTCP
	if vs, ok := r.list("proto"); ok {
		p, err := parseProto(vs)
		if err != nil {
			r.errorf("proto", "%v", err)
		} else {
			s.Proto = p
		}
	}
	s.SrcZone = r.check("src", "", door.CheckZone)
	s.Timeout = r.duration("timeout", time.Second, DefaultDoorTimeout, 0, MaxTimeout)
	s.KillSessions = r.boolean("kill_sessions", false)
	if s.Action == ActionOpen {
		if p, ok := r.port("dest_port"); ok {
			s.Port = p
		} else if !r.has("dest_port") {
			r.errorf("dest_port", "missing: action open needs the port to open")
		}
		return
	}
	if p, ok := r.port("src_dport"); ok {
		s.Port = p
	} else if !r.has("src_dport") {
		r.errorf("src_dport", "missing: action forward needs the external port")
	}
	s.DestZone = r.check("dest", "", door.CheckZone)
	if v, ok := r.scalar("dest_ip"); ok {
		a, err := parseAddr(v)
		if err != nil {
			r.errorf("dest_ip", "%v", err)
		}
		s.DestIP = a
	} else if !r.has("dest_ip") {
		r.errorf("dest_ip", "missing: action forward needs the internal host's address")
	}
	s.DestPort = s.Port
	if p, ok := r.port("dest_port"); ok {
		s.DestPort = p
	}
}

func parseCommand(r *section, s *Sequence) {
	s.StartCommand, s.Start = r.command("start_command", "", nil)
	if !r.has("start_command") {
		r.errorf("start_command", "missing: action command needs a start_command")
	}
	s.StopCommand, s.Stop = r.command("stop_command", "", nil)
	s.StartCommand6, s.Start6 = r.command("start_command_6", s.StartCommand, s.Start)
	s.StopCommand6, s.Stop6 = r.command("stop_command_6", s.StopCommand, s.Stop)
	s.CmdTimeout = r.duration("cmd_timeout", time.Second, DefaultCmdTimeout, MinCmdTimeout, MaxTimeout)
	if r.has("cmd_timeout") && !r.has("stop_command") && !r.has("stop_command_6") {
		r.errorf("cmd_timeout", "set but there is no stop_command to run after it")
	}
}
