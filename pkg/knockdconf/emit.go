package knockdconf

import (
	"strconv"
	"strings"
	"time"

	"github.com/uciknock/uciknock/pkg/command"
	"github.com/uciknock/uciknock/pkg/config"
	"github.com/uciknock/uciknock/pkg/knock"
)

// emit writes one planned door as a `config sequence` section.
func (c *converter) emit(p *plan) {
	d := p.d
	opts := []opt{}
	if p.native != nil {
		opts = append(opts, opt{"name", p.native.prefix, d.StartCommand.Line})
	}
	opts = append(opts, c.knockOpts(d)...)
	if p.native != nil {
		opts = append(opts, c.nativeOpts(p)...)
	} else {
		opts = append(opts, c.commandOpts(d)...)
	}
	c.add(config.TypeSequence, p.section, d.Line, opts...)
}

// knockOpts maps what the knocks look like.
func (c *converter) knockOpts(d *Door) []opt {
	var opts []opt
	if d.OneTime.Set() {
		opts = append(opts, opt{"one_time_file", d.OneTime.Value, d.OneTime.Line})
		c.warnf(d.OneTime.Line, "one_time_sequences: uciknockd records used sequences under state_dir instead of marking them with '#' in the file")
	} else {
		opts = append(opts, opt{"sequence", knock.FormatStepsShort(d.Sequence, " "), d.SeqLine})
	}
	if d.SeqTOLine > 0 {
		t := d.SeqTimeout
		switch {
		case t < time.Second:
			c.warnf(d.SeqTOLine, "seq_timeout 0 raised to 1 second (with 0, knockd opened only single-knock doors)")
			t = time.Second
		case t > time.Hour:
			c.warnf(d.SeqTOLine, "seq_timeout lowered to 3600 seconds, the longest uciknockd allows")
			t = time.Hour
		}
		if t != config.DefaultSeqTimeout {
			opts = append(opts, opt{"seq_timeout", strconv.Itoa(int(t / time.Second)), d.SeqTOLine})
		}
	}
	if d.FlagsLine > 0 {
		opts = append(opts, opt{"tcpflags", d.TCPFlags.String(), d.FlagsLine})
	}
	if d.TargetLine > 0 {
		opts = append(opts, opt{"target", d.Target.String(), d.TargetLine})
	}
	return opts
}

func (c *converter) nativeOpts(p *plan) []opt {
	n, line := p.native, p.d.StartCommand.Line
	port := strconv.Itoa(int(n.port))
	switch n.action {
	case config.ActionOpen:
		return []opt{{"action", "open", line}, {"dest_port", port, line}, {"timeout", p.timeout, p.tLine}}
	case config.ActionClose:
		return []opt{{"action", "close", line}, {"dest_port", port, line}}
	case config.ActionForward:
		c.warnf(line, "forward: uciknockd writes the redirect with reflection '0', so LAN hosts cannot bypass the knock (the seed script left NAT reflection on)")
		return []opt{{"action", "forward", line}, {"src_dport", port, line},
			{"dest_ip", n.destIP.String(), line}, {"dest_port", strconv.Itoa(int(n.destPort)), line},
			{"timeout", p.timeout, p.tLine}}
	}
	return []opt{{"action", "unforward", line}, {"src_dport", port, line}}
}

// commandOpts keeps knockd's commands, warning about what differs.
func (c *converter) commandOpts(d *Door) []opt {
	opts := []opt{{"action", "command", d.StartCommand.Line}}
	for _, s := range []struct {
		name string
		set  Setting
	}{{"start_command", d.StartCommand}, {"stop_command", d.StopCommand}, {"start_command_6", d.StartCommand6}, {"stop_command_6", d.StopCommand6}} {
		if !s.set.Set() {
			continue
		}
		v := strings.TrimSpace(s.set.Value)
		if v == "" {
			if strings.HasSuffix(s.name, "_6") {
				// knockd: an empty IPv6 command means "do nothing for
				// IPv6"; UCI cannot hold an empty option.
				c.warnf(s.set.Line, "empty %s (do nothing for IPv6) written as /bin/true", s.name)
				opts = append(opts, opt{s.name, "/bin/true", s.set.Line})
			}
			continue
		}
		opts = append(opts, opt{s.name, c.command(s.set.Line, v), s.set.Line})
	}
	if d.CmdTOLine > 0 && (d.StopCommand.Set() || d.StopCommand6.Set()) {
		if t := c.cmdTimeout(d); t != config.DefaultCmdTimeout {
			opts = append(opts, opt{"cmd_timeout", strconv.Itoa(int(t / time.Second)), d.CmdTOLine})
		}
	}
	return opts
}

// command maps one knockd command line. knockd ran it with /bin/sh -c;
// uciknockd splits it into words without a shell (command.Split), which
// gives the same result for plain commands. A line that needs a shell
// (pipes, ';', redirections, '$', quotes it relies on) is wrapped in
// /bin/sh -c '...', so it keeps doing what it did; %IP% inside it stays
// safe, since an address's text holds only hex digits, '.' and ':'.
func (c *converter) command(line int, v string) string {
	if w := strings.Fields(v); len(w) > 0 && strings.Contains(w[0], "iptables") {
		c.warnf(line, "iptables command: fw4 (OpenWrt 22.03 and later) uses nftables; consider action open or forward instead")
	}
	if !strings.Contains(v, "%IP%") {
		c.warnf(line, "command does not use %%IP%%: it acts the same for every source")
	}
	if _, err := command.Split(v); err == nil && !strings.ContainsAny(v, "'\"\\*?[~") {
		return v
	}
	// Quotes, backslashes and glob characters split the same, but the
	// shell would have expanded or removed them: keep the shell.
	c.warnf(line, "command needs a shell; written as /bin/sh -c '...', as knockd ran it")
	return "/bin/sh -c " + quote(v)
}
