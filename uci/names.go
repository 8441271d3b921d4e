package uci

// validStr is uci_validate_str: names allow [A-Za-z0-9_] (and '-' for
// package names); types allow any printable ASCII except space. Empty is
// invalid.
func validStr(s []byte, name, pkg bool) bool {
	if len(s) == 0 {
		return false
	}
	for _, c := range s {
		if isAlnum(c) || c == '_' || (pkg && c == '-') {
			continue
		}
		if name || c < 33 || c > 126 {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// ValidName reports whether s is a valid section or option name
// ([A-Za-z0-9_]+).
func ValidName(s string) bool { return validStr([]byte(s), true, false) }

// ValidType reports whether s is a valid section type (printable ASCII
// without space, non-empty).
func ValidType(s string) bool { return validStr([]byte(s), false, false) }

// ValidPackage reports whether s is a valid package name ([A-Za-z0-9_-]+).
func ValidPackage(s string) bool { return validStr([]byte(s), true, true) }

// ValidValue reports whether libuci's CLI/API accepts s as a value: no
// control characters other than TAB, LF and CR (uci: util.c
// uci_validate_text).
func ValidValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 32 && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}
