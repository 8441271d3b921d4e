package config

import (
	"fmt"
	"strings"

	"github.com/uciknock/uciknock/pkg/knock"
)

// crossCheck reports problems between sections: ambiguous sequences,
// doors opened with conflicting settings, and closes that can never find
// a door.
func crossCheck(seqs []*parsedSequence, errs *Errors) {
	checkAmbiguous(seqs, errs)
	checkDoors(seqs, errs)
}

type knockRef struct {
	s     *parsedSequence
	opt   string
	steps []knock.Step
}

// checkAmbiguous refuses two sequences where completing one also completes
// the other: equal sequences, or one a prefix of the other (the engine
// tracks each sequence on its own, so knocking the longer one fires the
// shorter one on the way). Sequences bound to different targets (local
// addresses) are never confused.
func checkAmbiguous(seqs []*parsedSequence, errs *Errors) {
	var refs []knockRef
	for _, s := range seqs {
		if !s.clean {
			continue
		}
		if len(s.Steps) > 0 {
			refs = append(refs, knockRef{s, "sequence", s.Steps})
		}
		for _, o := range s.OneTime {
			refs = append(refs, knockRef{s, "one_time_sequences", o})
		}
	}
	for j := range refs {
		for i := 0; i < j; i++ {
			a, b := refs[i], refs[j]
			if a.s.Target.IsValid() && b.s.Target.IsValid() && a.s.Target != b.s.Target {
				continue // knocks to different local addresses never mix
			}
			switch {
			case equalSteps(a.steps, b.steps):
				if a.s == b.s {
					errs.add(b.s.Path+"."+b.opt, "%s is listed twice", fmtSteps(b.steps))
				} else {
					errs.add(b.s.Path+"."+b.opt, "%s is also the sequence of %s: which one to run would be a guess", fmtSteps(b.steps), a.s.Path)
				}
			case a.s != b.s && isPrefix(a.steps, b.steps):
				errs.add(b.s.Path+"."+b.opt, "starts with all of %s's sequence %s: knocking this one would also complete that one", a.s.Path, fmtSteps(a.steps))
			case a.s != b.s && isPrefix(b.steps, a.steps):
				errs.add(b.s.Path+"."+b.opt, "%s is the start of %s's sequence: knocking that one would also complete this one", fmtSteps(b.steps), a.s.Path)
			}
		}
	}
}

func equalSteps(a, b []knock.Step) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// isPrefix reports whether p is a proper prefix of s.
func isPrefix(p, s []knock.Step) bool {
	return len(p) < len(s) && equalSteps(p, s[:len(p)])
}

func fmtSteps(steps []knock.Step) string {
	parts := make([]string, len(steps))
	for i, st := range steps {
		parts[i] = fmt.Sprint(st.Port)
		if st.Proto == knock.ProtoUDP {
			parts[i] += ":udp"
		}
	}
	return strings.Join(parts, ",")
}

// doorKey names a firewall section: kind (rule or redirect), prefix, port.
type doorKey struct {
	redirect bool
	name     string
	port     uint16
}

// checkDoors checks that every close/unforward has a door to close, and
// that doors sharing a name are the same door.
func checkDoors(seqs []*parsedSequence, errs *Errors) {
	opened := map[doorKey]*parsedSequence{}
	// Firewall names are Name_IP_port for rules and redirects alike, so a
	// rule and a redirect must not share a name and port.
	names := map[string]*parsedSequence{}
	for _, s := range seqs {
		if !s.clean || (s.Action != ActionOpen && s.Action != ActionForward) {
			continue
		}
		k := doorKey{s.Action == ActionForward, s.Name, s.Port}
		nk := fmt.Sprintf("%s_%d", s.Name, s.Port)
		if prev, ok := opened[k]; ok {
			if !sameDoor(&prev.Sequence, &s.Sequence) {
				errs.add(s.Path, "opens door %s_IP_%d like %s but with different proto, zones or destination", s.Name, s.Port, prev.Path)
			}
			continue
		}
		if prev, ok := names[nk]; ok {
			errs.add(s.Path, "%s and %s would both create firewall sections named %s_IP_%d; use different names", prev.Path, s.Path, s.Name, s.Port)
			continue
		}
		opened[k] = s
		names[nk] = s
	}
	for _, s := range seqs {
		if !s.clean || (s.Action != ActionClose && s.Action != ActionUnforward) {
			continue
		}
		k := doorKey{s.Action == ActionUnforward, s.Name, s.Port}
		if _, ok := opened[k]; !ok {
			want := "open"
			if k.redirect {
				want = "forward"
			}
			article := "a"
			if s.Action == ActionUnforward {
				article = "an"
			}
			errs.add(s.Path, "no enabled %s sequence has name %q and %s %d: %s %s finds its door by name and port, so this one would never close anything",
				want, s.Name, doorPortOption(s.Action), s.Port, article, s.Action)
		}
	}
}

// sameDoor compares the settings that shape the firewall section.
func sameDoor(a, b *Sequence) bool {
	return a.Proto == b.Proto && a.SrcZone == b.SrcZone && a.DestZone == b.DestZone &&
		a.DestIP == b.DestIP && a.DestPort == b.DestPort
}
