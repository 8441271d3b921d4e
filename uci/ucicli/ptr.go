package ucicli

import (
	"strings"

	"github.com/uciknock/uciknock/uci"
)

// ptr is libuci's struct uci_ptr: a parsed "pkg[.section[.option]][=value]"
// and, after resolve, what it points to.
type ptr struct {
	pkg                string
	section, option    string
	hasSection, hasOpt bool
	value              string
	hasValue           bool
	extended           bool // section is not a plain name: @type[i]

	s        *uci.Section
	o        *uci.Option
	complete bool // UCI_LOOKUP_COMPLETE: everything named was found
}

// parsePtr is uci_parse_ptr. Errors are uci.CodeParse, as in libuci.
func parsePtr(str string) (*ptr, error) {
	pt := &ptr{}
	if i := strings.IndexByte(str, '='); i >= 0 {
		pt.value, pt.hasValue = str[i+1:], true
		str = str[:i]
	}
	parts := strings.Split(str, ".")
	if len(parts) > 3 {
		return nil, errf(uci.CodeParse, str)
	}
	pt.pkg = parts[0]
	if len(parts) > 1 {
		pt.section, pt.hasSection = parts[1], true
	}
	if len(parts) > 2 {
		pt.option, pt.hasOpt = parts[2], true
	}
	if !uci.ValidPackage(pt.pkg) {
		return nil, errf(uci.CodeParse, str)
	}
	if pt.hasSection && !uci.ValidName(pt.section) {
		pt.extended = true
	}
	if pt.hasOpt && !uci.ValidName(pt.option) {
		return nil, errf(uci.CodeParse, str)
	}
	if pt.hasValue && !uci.ValidValue(pt.value) {
		return nil, errf(uci.CodeParse, str)
	}
	return pt, nil
}

// resolve is the part of uci_lookup_ptr after the package is loaded.
// Only a malformed extended reference is an error (uci.CodeInvalid); a
// missing section or option just leaves complete false.
func (pt *ptr) resolve(p *uci.Package) error {
	pt.s, pt.o, pt.complete = nil, nil, false
	if !pt.hasSection {
		pt.complete = true
		return nil
	}
	var s *uci.Section
	if pt.extended {
		var err error
		if s, err = lookupExt(p, pt.section); err != nil {
			return errf(uci.CodeInvalid, pt.pkg+"."+pt.section)
		}
		if s != nil {
			pt.section = s.Name
		}
	} else {
		s = p.Section(pt.section)
	}
	if s == nil {
		return nil
	}
	pt.s = s
	if pt.hasOpt {
		o := s.Get(pt.option)
		if o == nil {
			return nil
		}
		pt.o = o
	}
	pt.complete = true
	return nil
}

// name returns the dotted path for error messages.
func (pt *ptr) name() string {
	n := pt.pkg
	if pt.hasSection {
		n += "." + pt.section
	}
	if pt.hasOpt {
		n += "." + pt.option
	}
	return n
}
