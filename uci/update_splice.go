package uci

import (
	"bytes"
	"sort"
)

// The splice works on whole lines. A section span (uci.md: from its
// `config` keyword to the end of its last statement) owns the lines it
// starts and ends on: its "line block" runs from the start of the line
// holding Span.Start to just past the newline of the line holding
// Span.End. Everything outside all line blocks (blank lines, comment
// lines, `package` lines) is a gap and is always copied verbatim.
//
// A span is "clean" when it is alone on its lines: only blanks before
// `config`, and after its last statement only blanks, `;` and an optional
// `#` comment. Line blocks that share a line are merged into one group.
//
//   - A group whose sections are all kept is copied verbatim.
//   - A clean single-span group of a touched section is replaced by the
//     section rendered in libuci commit format (without commit's leading
//     blank line, which is the gap's business); of a deleted section (or a
//     later duplicate declaration of a touched one) it is removed. When a
//     removed block sits between a blank line (above) and a blank line or
//     the end of the file (below), the blank line above goes too, so that
//     adding a section and deleting it again restores the original bytes.
//   - Any other group that needs a change is rewritten whole: every
//     section in it is treated as touched (all of that section's spans,
//     wherever they are, move to its first span's position), the group's
//     lines are replaced by the rendered sections. Text before the first
//     `config` on its first line (a `package` statement) is kept on its
//     own line; text after the group's last statement is dropped (a
//     comment, or words libuci itself ignores after `x;`, uci.md §2).
//
// Trailing comments on a touched or deleted section's own lines, and
// comment lines inside it (between `config` and its last statement), go
// with the section. New sections are appended at the end of the file in
// commit format. The result is always re-parsed and compared with the
// intended model before anything is written (see Update).

// spanRef is one span of one section of the file as read.
type spanRef struct {
	start, end int // the span
	ls, le     int // its line block
	sec        int // index in updatePlan.before
	first      bool
	clean      bool
}

// lineGroup is a maximal run of overlapping line blocks.
type lineGroup struct {
	ls, le int
	spans  []spanRef
}

func (g *lineGroup) clean() bool { return len(g.spans) == 1 && g.spans[0].clean }

// splice returns the new file text for the plan.
func splice(data []byte, pl *updatePlan) []byte {
	if pl.moved || !spansValid(len(data), pl.before) {
		// Reordered sections have no "place" to keep: render the whole
		// file as `uci commit` would (comments are lost, documented).
		return (&Package{Sections: pl.final}).Commit()
	}
	groups := lineGroups(data, pl.before)
	fate := settleFates(groups, pl.fate)
	out := make([]byte, 0, len(data)+256*len(pl.added)+64)
	pos := 0
	for gi := range groups {
		g := &groups[gi]
		if !groupChanges(g, fate) {
			continue
		}
		out = append(out, data[pos:g.ls]...)
		pos = g.le
		var repl []byte
		if g.clean() {
			if s := g.spans[0]; s.first && fate[s.sec] == fateTouched {
				repl = RenderSection(pl.after[s.sec])[1:]
			}
		} else {
			repl = rewriteGroup(data, g, fate, pl.after)
		}
		if len(repl) == 0 {
			out = dropBlankAbove(out, data[g.le:])
			continue
		}
		out = append(out, repl...)
	}
	out = append(out, data[pos:]...)
	if len(pl.added) > 0 && len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	for _, s := range pl.added {
		out = append(out, RenderSection(s)...)
	}
	return out
}

// spansValid guards the splice against spans that do not fit the text
// (a parser bug must not become a panic or a garbled file).
func spansValid(n int, before []*Section) bool {
	for _, s := range before {
		if len(s.Spans) == 0 {
			return false
		}
		for _, sp := range s.Spans {
			if sp.Start < 0 || sp.Start > sp.End || sp.End > n {
				return false
			}
		}
	}
	return true
}

// lineGroups computes the line blocks of all spans and merges those that
// share a line. Spans are visited in file order and newlines are searched
// incrementally, so a file with thousands of sections on one line costs
// linear time.
func lineGroups(data []byte, before []*Section) []lineGroup {
	var refs []spanRef
	for i, s := range before {
		for j, sp := range s.Spans {
			refs = append(refs, spanRef{start: sp.Start, end: sp.End, sec: i, first: j == 0})
		}
	}
	sort.Slice(refs, func(a, b int) bool { return refs[a].start < refs[b].start })
	lineStart, scanned := 0, 0 // start of the line holding data[scanned-1]
	nlFrom, nlAt := -1, -1     // the first '\n' at or after nlFrom is at nlAt (-1: none)
	for k := range refs {
		r := &refs[k]
		for scanned < r.start {
			nl := bytes.IndexByte(data[scanned:r.start], '\n')
			if nl < 0 {
				scanned = r.start
				break
			}
			scanned += nl + 1
			lineStart = scanned
		}
		r.ls = lineStart
		if nlFrom < 0 || r.end < nlFrom || (nlAt >= 0 && r.end > nlAt) {
			nlFrom, nlAt = r.end, -1
			if nl := bytes.IndexByte(data[r.end:], '\n'); nl >= 0 {
				nlAt = r.end + nl
			}
		}
		r.le = len(data)
		if nlAt >= 0 {
			r.le = nlAt + 1
		}
		r.clean = isBlank(data[r.ls:r.start]) && cleanTail(data[r.end:r.le])
	}
	var groups []lineGroup
	for k, r := range refs {
		if n := len(groups); n > 0 && r.ls < groups[n-1].le {
			g := &groups[n-1]
			g.spans = refs[k-len(g.spans) : k+1]
			g.le = max(g.le, r.le)
			continue
		}
		groups = append(groups, lineGroup{ls: r.ls, le: r.le, spans: refs[k : k+1]})
	}
	return groups
}

// settleFates marks every kept section that shares a rewritten group as
// touched, until nothing changes: a section cannot be partly verbatim and
// partly re-rendered (its lists would be doubled when libuci merges the
// declarations).
func settleFates(groups []lineGroup, fate []sectionFate) []sectionFate {
	fate = append([]sectionFate(nil), fate...)
	for again := true; again; {
		again = false
		for gi := range groups {
			g := &groups[gi]
			if g.clean() || !groupChanges(g, fate) {
				continue
			}
			for _, s := range g.spans {
				if fate[s.sec] == fateKept {
					fate[s.sec] = fateTouched
					again = true
				}
			}
		}
	}
	return fate
}

func groupChanges(g *lineGroup, fate []sectionFate) bool {
	for _, s := range g.spans {
		if fate[s.sec] != fateKept {
			return true
		}
	}
	return false
}

// rewriteGroup renders a group whose spans share lines.
func rewriteGroup(data []byte, g *lineGroup, fate []sectionFate, after []*Section) []byte {
	var b []byte
	// A `;` ending a line is an empty command to libuci: trim it.
	if head := bytes.TrimRight(data[g.ls:g.spans[0].start], " \t\v\f;"); !isBlank(head) {
		b = append(append(b, head...), '\n')
	}
	rendered := 0
	for _, s := range g.spans {
		if !s.first || fate[s.sec] == fateDeleted {
			continue
		}
		r := RenderSection(after[s.sec])
		if rendered == 0 {
			r = r[1:]
		}
		rendered++
		b = append(b, r...)
	}
	return b
}

// dropBlankAbove removes the blank line that ends out when the text
// following a removed block starts with a blank line or is empty.
func dropBlankAbove(out, rest []byte) []byte {
	if len(rest) > 0 {
		nl := bytes.IndexByte(rest, '\n')
		if nl < 0 || !isBlank(rest[:nl]) {
			return out
		}
	}
	if len(out) == 0 || out[len(out)-1] != '\n' {
		return out
	}
	start := bytes.LastIndexByte(out[:len(out)-1], '\n') + 1
	if !isBlank(out[start : len(out)-1]) {
		return out
	}
	return out[:start]
}

// isBlank reports whether b holds only blanks (and a CR or newline).
func isBlank(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n', '\v', '\f':
		default:
			return false
		}
	}
	return true
}

// cleanTail reports whether the rest of a span's last line holds nothing
// but blanks, `;` terminators and a comment.
func cleanTail(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n', '\v', '\f', ';':
		case '#':
			return true
		default:
			return false
		}
	}
	return true
}
