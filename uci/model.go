package uci

// Package is one UCI configuration package: the parsed contents of
// /etc/config/<Name>. Sections are kept in file order.
type Package struct {
	// Name is the package name, which libuci takes from the file name
	// (a `package` line inside a file loaded by name is ignored).
	Name string
	// Sections in order. Anonymous sections carry their generated
	// cfgNNHHHH id in Name.
	Sections []*Section
	// Allocated counts the sections allocated in this package so far,
	// deleted ones included (libuci's n_section). It is the NN of the next
	// anonymous id minus one and never decreases.
	Allocated int
}

// Section is a `config <type> [<name>]` block.
type Section struct {
	Type string
	// Name is the section name; for anonymous sections it is the
	// generated id (cfgNNHHHH) and Anonymous is true.
	Name      string
	Anonymous bool
	Options   []*Option
	// Spans are the byte ranges of the source text this section was
	// parsed from: one per `config` block, several when a name was
	// declared more than once (libuci merges them). Start is the offset
	// of the `config` keyword; End is the offset just past the last byte
	// of the block's last statement (its last argument, before any
	// trailing blanks, comment, ';' or newline). Nil for sections created
	// in memory. Used by the safe update to keep untouched text verbatim.
	Spans []Span
}

// OptionKind says whether an option is a plain option or a list.
type OptionKind int

const (
	// KindOption is `option name 'value'`: exactly one value.
	KindOption OptionKind = iota
	// KindList is `list name 'item'` repeated: zero or more values
	// (empty items are kept, as in libuci).
	KindList
)

// Option is an option or list of a section, in order of first appearance.
type Option struct {
	Name   string
	Kind   OptionKind
	Values []string // KindOption: len 1
}

// Span is a half-open byte range [Start, End) in a source file.
type Span struct {
	Start, End int
}
