package uci

import "fmt"

// sectionFate is what an update did to one section of the file as read.
type sectionFate uint8

const (
	fateKept    sectionFate = iota // content unchanged: its bytes stay verbatim
	fateTouched                    // still there, content changed: re-rendered in place
	fateDeleted                    // gone: its lines are removed
)

// updatePlan relates the sections as read (before fn) to the sections fn
// left in the package.
type updatePlan struct {
	before []*Section    // deep copy taken before fn, with the parsed Spans
	fate   []sectionFate // per index of before
	after  []*Section    // per index of before: the matching section now (nil when deleted)
	added  []*Section    // sections with no counterpart in before, in final order
	final  []*Section    // the package's sections after fn
	moved  bool          // surviving sections changed order, or a new one sits before an old one
	change bool          // the final model differs from before
}

// snapshotSections deep-copies sections so that edits made by fn through
// any pointer cannot alter the "before" picture.
func snapshotSections(ss []*Section) []*Section {
	out := make([]*Section, len(ss))
	for i, s := range ss {
		out[i] = s.Clone()
	}
	return out
}

// planUpdate matches the sections after fn to those before it: first by
// pointer (fn edited a section in place, or renamed it), then by name (fn
// replaced a named section by a new value) when that keeps the file order
// (a section deleted and added again by name at the end is a move to the
// end, not an edit in place). Unmatched old sections were deleted,
// unmatched new ones added.
func planUpdate(ptrs, before, final []*Section) (*updatePlan, error) {
	pl := &updatePlan{
		before: before,
		fate:   make([]sectionFate, len(before)),
		after:  make([]*Section, len(before)),
		final:  final,
	}
	match, err := matchSections(ptrs, before, final, pl.after)
	if err != nil {
		return nil, err
	}
	last, sawAdded := -1, false
	for k, s := range final {
		i := match[k]
		if i < 0 {
			pl.added = append(pl.added, s)
			sawAdded = true
			continue
		}
		if i < last || sawAdded {
			pl.moved = true
		}
		last = i
	}
	for i := range before {
		switch {
		case pl.after[i] == nil:
			pl.fate[i] = fateDeleted
		case !sameSection(before[i], pl.after[i]):
			pl.fate[i] = fateTouched
		}
	}
	pl.change = !sameSections(before, final)
	return pl, nil
}

// matchSections returns, per final section, the index of its counterpart
// in before (-1: new) and fills after (per before index: the counterpart).
func matchSections(ptrs, before, final, after []*Section) ([]int, error) {
	byPtr := make(map[*Section]int, len(ptrs))
	byName := make(map[string]int, len(before))
	for i, s := range ptrs {
		byPtr[s] = i
		if !before[i].Anonymous {
			byName[before[i].Name] = i
		}
	}
	match := make([]int, len(final))
	for k, s := range final {
		if s == nil {
			return nil, fmt.Errorf("section %d is nil", k)
		}
		match[k] = -1
		if i, ok := byPtr[s]; ok && after[i] == nil {
			match[k], after[i] = i, s
		}
	}
	// next[k]: the smallest pointer match after position k, so that a name
	// match lands between its neighbours.
	next := make([]int, len(final)+1)
	next[len(final)] = len(before)
	for k := len(final) - 1; k >= 0; k-- {
		next[k] = next[k+1]
		if match[k] >= 0 {
			next[k] = min(next[k], match[k])
		}
	}
	last := -1
	for k, s := range final {
		if i := match[k]; i >= 0 {
			last = max(last, i)
			continue
		}
		if s.Anonymous {
			continue
		}
		if i, ok := byName[s.Name]; ok && after[i] == nil && i > last && i < next[k+1] {
			match[k], after[i] = i, s
			last = i
		}
	}
	return match, nil
}

// sameSections compares two section lists as a file can express them:
// anonymous sections' generated ids are not part of the file (they are
// positional, uci.md §6), so only named sections' names count.
func sameSections(a, b []*Section) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameSection(a[i], b[i]) {
			return false
		}
	}
	return true
}

func sameSection(a, b *Section) bool {
	if a.Type != b.Type || a.Anonymous != b.Anonymous || len(a.Options) != len(b.Options) {
		return false
	}
	if !a.Anonymous && a.Name != b.Name {
		return false
	}
	for i, o := range a.Options {
		p := b.Options[i]
		if o.Name != p.Name || o.Kind != p.Kind || len(o.Values) != len(p.Values) {
			return false
		}
		for j := range o.Values {
			if o.Values[j] != p.Values[j] {
				return false
			}
		}
	}
	return true
}
