package door

import "fmt"

// MaxPrefixLen bounds the prefix of a door uciknock creates, so that the
// firewall section name `Prefix_IP_port` stays within fw4's 122-byte
// limit even for the longest IPv6 text (39 bytes) and port (5 bytes):
// 64+1+39+1+5 = 110.
const MaxPrefixLen = 64

// maxZoneLen is the longest zone name accepted (LuCI allows 11 bytes;
// hand-written configs get more).
const maxZoneLen = 64

// CheckZone reports why z cannot be the zone of a door, or nil. It is
// fw4's identifier without '.' and '/' ([A-Za-z0-9_-], as LuCI and every
// shipped config name zones), at most 64 bytes. `*` (any zone) is refused:
// a knock must never open a door from every zone at once. pkg/config calls
// it and adds the UCI path.
func CheckZone(z string) error {
	if z == "" || len(z) > maxZoneLen {
		return zoneError(z)
	}
	for i := 0; i < len(z); i++ {
		if c := z[i]; !isNameByte(c) && c != '-' {
			return zoneError(z)
		}
	}
	return nil
}

func zoneError(z string) error {
	return fmt.Errorf("%q is not a firewall zone name ([A-Za-z0-9_-], at most %d bytes)", z, maxZoneLen)
}

// checkZone is CheckZone for Normalize, which also accepts "*" for rules
// (a section someone else wrote).
func checkZone(what, z string, anyOK bool) error {
	if z == "*" && anyOK {
		return nil
	}
	if err := CheckZone(z); err != nil {
		return fmt.Errorf("door: %s: %w", what, err)
	}
	return nil
}

// CheckPrefix reports why s cannot name the doors of a sequence (the
// prefix of their firewall names, Prefix_IP_port, and of section ids), or
// nil: [A-Za-z0-9_-], starting with a letter or digit, at most
// MaxPrefixLen bytes. pkg/config calls it and adds the UCI path.
func CheckPrefix(s string) error {
	if s == "" {
		return fmt.Errorf("empty name")
	}
	if len(s) > MaxPrefixLen {
		return fmt.Errorf("%q is %d bytes long, at most %d allowed (the firewall name Name_IP_port must stay within fw4's limit)", s, len(s), MaxPrefixLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isNameByte(c) && (c != '-' || i == 0) || (i == 0 && c == '_') {
			return fmt.Errorf("%q is not a valid name: use letters, digits, _ and -, starting with a letter or digit", s)
		}
	}
	return nil
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}
