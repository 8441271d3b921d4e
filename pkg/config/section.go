package config

import (
	"fmt"
	"sort"
	"strings"

	"github.com/uciknock/uciknock/pkg/knock"
	"github.com/uciknock/uciknock/uci"
)

// section reads the options of one UCI section, records which ones were
// read, and reports each problem under the option's UCI path.
type section struct {
	s    *uci.Section
	path string // knock.ssh or knock.@sequence[2]
	errs *Errors
	// allowed is the set of options this section may carry; the rest are
	// reported by checkUnknown.
	allowed map[string]bool
}

func (r *section) errorf(opt, format string, args ...any) {
	p := r.path
	if opt != "" {
		p += "." + opt
	}
	addf(r.errs, p, format, args...)
}

func (r *section) get(name string) *uci.Option {
	for _, o := range r.s.Options {
		if o.Name == name {
			return o
		}
	}
	return nil
}

// has reports whether the option is present.
func (r *section) has(name string) bool { return r.get(name) != nil }

// scalar returns a single-valued option. A list is an error: which of its
// values was meant is a guess we refuse to make.
func (r *section) scalar(name string) (string, bool) {
	o := r.get(name)
	if o == nil {
		return "", false
	}
	if o.Kind == uci.KindList || len(o.Values) != 1 {
		r.errorf(name, "must be a single option, not a list")
		return "", false
	}
	return o.Values[0], true
}

// list returns the values of an option that may be a list or an option.
// Empty list items (libuci keeps them) are errors.
func (r *section) list(name string) ([]string, bool) {
	o := r.get(name)
	if o == nil {
		return nil, false
	}
	for i, v := range o.Values {
		if strings.TrimSpace(v) == "" {
			r.errorf(name, "item %d is empty", i+1)
			return nil, false
		}
	}
	return o.Values, true
}

// words is list split into blank-separated words (`option interface
// 'wan lan'` and two list items mean the same, as in OpenWrt scripts).
func (r *section) words(name string) ([]string, bool) {
	vs, ok := r.list(name)
	if !ok {
		return nil, false
	}
	var out []string
	for _, v := range vs {
		out = append(out, strings.Fields(v)...)
	}
	return out, true
}

func (r *section) boolean(name string, def bool) bool {
	v, ok := r.scalar(name)
	if !ok {
		return def
	}
	b, err := parseBool(v)
	if err != nil {
		r.errorf(name, "%v", err)
		return def
	}
	return b
}

// check runs a validator on a scalar option and reports its error.
func (r *section) check(name string, def string, valid func(string) error) string {
	v, ok := r.scalar(name)
	if !ok {
		return def
	}
	if err := valid(v); err != nil {
		r.errorf(name, "%v", err)
		return def
	}
	return v
}

// command reads a command line option and splits it; def and defArgv are
// returned when the option is absent or wrong.
func (r *section) command(name, def string, defArgv []string) (string, []string) {
	v, ok := r.scalar(name)
	if !ok {
		return def, defArgv
	}
	argv, err := splitCommand(v)
	if err != nil {
		r.errorf(name, "%v", err)
		return def, defArgv
	}
	return v, argv
}

func (r *section) port(name string) (uint16, bool) {
	v, ok := r.scalar(name)
	if !ok {
		return 0, false
	}
	p, err := knock.ParsePort(v)
	if err != nil {
		r.errorf(name, "%v", err)
		return 0, false
	}
	return p, true
}

// checkUnknown reports options this section type does not have. Unknown
// options are errors, not warnings: a typo such as `option timout 60` would
// otherwise leave a door open for the default time without a word.
func (r *section) checkUnknown() {
	for _, o := range r.s.Options {
		if !r.allowed[o.Name] {
			r.errorf(o.Name, "unknown option%s", suggest(o.Name, r.allowed))
		}
	}
}

// notFor reports options that exist but do nothing for this action.
func (r *section) notFor(action Action, names ...string) {
	for _, n := range names {
		if r.has(n) {
			r.errorf(n, "not used by action %s", action)
		}
	}
}

// sortErrors orders the errors this section added since index from by the
// position of their option in the section, so they read top to bottom;
// errors about missing options come last, in the order they were found.
func (r *section) sortErrors(from int) {
	pos := map[string]int{}
	for i, o := range r.s.Options {
		pos[r.path+"."+o.Name] = i
	}
	rank := func(fe *FieldError) int {
		if i, ok := pos[fe.Path]; ok {
			return i
		}
		return len(r.s.Options)
	}
	list := r.errs.List[from:]
	sort.SliceStable(list, func(i, j int) bool { return rank(list[i]) < rank(list[j]) })
}

// suggest names a known option close to a misspelt one.
func suggest(name string, known map[string]bool) string {
	best, bestD := "", 3
	for k := range known {
		if d := distance(name, k); d < bestD || d == bestD && best != "" && k < best {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the Levenshtein distance, for short option names.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// parseList parses the values of option name with parse and reports its
// error at the option; an absent option gives the zero value.
func parseList[T any](r *section, name string, parse func([]string) (T, error)) T {
	var v T
	if vs, ok := r.list(name); ok {
		var err error
		if v, err = parse(vs); err != nil {
			r.errorf(name, "%v", err)
		}
	}
	return v
}
