package config

import (
	"fmt"
	"slices"
	"sort"

	"github.com/uciknock/uciknock/pkg/knock"
)

// crossCheck reports problems between sections: ambiguous sequences,
// doors opened with conflicting settings, and closes that can never find
// a door.
func crossCheck(seqs []*parsedSequence, errs *Errors) {
	checkAmbiguous(seqs, errs)
	checkDoors(seqs, errs)
	checkUseRecords(seqs, errs)
}

type knockRef struct {
	s     *parsedSequence
	opt   string
	steps []knock.Step
	idx   int // position in file order
}

// maxAmbiguities bounds the ambiguity errors listed, and with them the
// work: the check sorts the sequences (O(n log n)) and then only visits
// pairs that are in conflict.
const maxAmbiguities = 64

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
			refs = append(refs, knockRef{s, "sequence", s.Steps, len(refs)})
		}
		for _, o := range s.OneTime {
			refs = append(refs, knockRef{s, "one_time_sequences", o, len(refs)})
		}
	}
	// Sorted, every sequence that starts with p follows p directly.
	sorted := slices.Clone(refs)
	sort.SliceStable(sorted, func(i, j int) bool { return compareSteps(sorted[i].steps, sorted[j].steps) < 0 })
	var pairs [][2]int // (earlier, later) in file order
	more := false
scan:
	for i, a := range sorted {
		for _, b := range sorted[i+1:] {
			if !hasPrefix(b.steps, a.steps) {
				break
			}
			if a.s.Target.IsValid() && b.s.Target.IsValid() && a.s.Target != b.s.Target {
				continue // knocks to different local addresses never mix
			}
			if a.s == b.s && !equalSteps(a.steps, b.steps) {
				continue // one-time sequences of one section are used in turn
			}
			if len(pairs) == maxAmbiguities {
				more = true
				break scan
			}
			pairs = append(pairs, [2]int{min(a.idx, b.idx), max(a.idx, b.idx)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		x, y := pairs[i], pairs[j]
		if x[1] != y[1] {
			return x[1] < y[1]
		}
		return x[0] < y[0]
	})
	for _, p := range pairs {
		reportAmbiguity(refs[p[0]], refs[p[1]], errs)
	}
	if more {
		last := refs[pairs[len(pairs)-1][1]]
		addf(errs, last.s.Path, "more ambiguous sequences not listed (the first %d are)", maxAmbiguities)
	}
}

// reportAmbiguity reports b, the later of two conflicting sequences.
func reportAmbiguity(a, b knockRef, errs *Errors) {
	path := b.s.Path + "." + b.opt
	switch {
	case equalSteps(a.steps, b.steps) && a.s == b.s:
		addf(errs, path, "%s is listed twice", knock.FormatStepsShort(b.steps, ","))
	case equalSteps(a.steps, b.steps):
		addf(errs, path, "%s is also the sequence of %s: which one to run would be a guess", knock.FormatStepsShort(b.steps, ","), a.s.Path)
	case isPrefix(a.steps, b.steps):
		addf(errs, path, "starts with all of %s's sequence %s: knocking this one would also complete that one", a.s.Path, knock.FormatStepsShort(a.steps, ","))
	default:
		addf(errs, path, "%s is the start of %s's sequence: knocking that one would also complete this one", knock.FormatStepsShort(b.steps, ","), a.s.Path)
	}
}

// compareSteps orders step lists lexicographically (port, then protocol),
// a prefix before the lists it starts.
func compareSteps(a, b []knock.Step) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i].Port != b[i].Port {
			return int(a[i].Port) - int(b[i].Port)
		}
		if a[i].Proto != b[i].Proto {
			return int(a[i].Proto) - int(b[i].Proto)
		}
	}
	return len(a) - len(b)
}

// hasPrefix reports whether s starts with p (or equals it).
func hasPrefix(s, p []knock.Step) bool {
	return len(p) <= len(s) && equalSteps(p, s[:len(p)])
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
				addf(errs, s.Path, "opens door %s_IP_%d like %s but with different proto, zones or destination", s.Name, s.Port, prev.Path)
			}
			continue
		}
		if prev, ok := names[nk]; ok {
			addf(errs, s.Path, "%s and %s would both create firewall sections named %s_IP_%d; use different names", prev.Path, s.Path, s.Name, s.Port)
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
			addf(errs, s.Path+"."+doorPortOption(s.Action), "no enabled %s sequence has name %q and %s %d: %s %s finds its door by name and port, so this one would never close anything",
				want, s.Name, doorPortOption(s.Action), s.Port, article, s.Action)
		}
	}
}

// sameDoor compares the settings that shape the firewall section.
func sameDoor(a, b *Sequence) bool {
	return a.Proto == b.Proto && a.SrcZone == b.SrcZone && a.DestZone == b.DestZone &&
		a.DestIP == b.DestIP && a.DestPort == b.DestPort
}
