package config

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/uciknock/uciknock/pkg/knock"
)

// UseRecord returns the name of the file under state_dir that records the
// used one-time sequences or TOTP steps of s, or "" when s has none to
// record. The name is the sequence's name followed by a hash of what
// identifies it — its action and its knocks (the one-time lists, the
// one_time_file path, or the TOTP secret and parameters) — so it survives
// the renumbering of anonymous sections, and two sequences share a record
// only when they are the same sequence (Parse refuses that).
//
// UseRecordPrefix(s) + 12 hex digits + ".used" is the whole name.
func (s *Sequence) UseRecord() string {
	var b strings.Builder
	b.WriteString("uciknock use record 1\n")
	fmt.Fprintf(&b, "%s\n%s\n", recordName(s.Name), s.Action)
	switch {
	case s.TOTP != nil:
		t := s.TOTP
		fmt.Fprintf(&b, "totp %x %d %d %d-%d %v\n", t.Secret, t.Period, t.Length, t.Min, t.Max, t.Proto)
	case s.OneTimeFile != "":
		fmt.Fprintf(&b, "one_time_file %s\n", s.OneTimeFile)
	case len(s.OneTime) > 0:
		for _, o := range s.OneTime {
			fmt.Fprintf(&b, "one_time %s\n", knock.FormatSteps(o))
		}
	default:
		return ""
	}
	sum := sha256.Sum256([]byte(b.String()))
	return UseRecordPrefix(s) + hex.EncodeToString(sum[:6]) + ".used"
}

// UseRecordPrefix is the part of UseRecord's name before the hash: the
// name and a hyphen. Files with the same prefix are earlier records of a
// sequence with that name whose knocks have since been edited.
func UseRecordPrefix(s *Sequence) string { return recordName(s.Name) + "-" }

// IsEarlierUseRecord reports whether file (a base name) is a use record of
// a sequence with s's name, s's own or one of an earlier version of its
// knocks: UseRecordPrefix(s) + 12 hex digits + ".used".
func IsEarlierUseRecord(s *Sequence, file string) bool {
	h, ok := strings.CutPrefix(file, UseRecordPrefix(s))
	h, ok2 := strings.CutSuffix(h, ".used")
	if !ok || !ok2 || len(h) != 12 {
		return false
	}
	_, err := hex.DecodeString(h)
	return err == nil && strings.ToLower(h) == h
}

// recordName is the sequence's name, or "sequence" for an anonymous
// command section whose name (@sequence[N]) is only its position.
func recordName(name string) string {
	if strings.HasPrefix(name, "@") {
		return "sequence"
	}
	return name
}

// checkUseRecords refuses two sequences that would share a use record:
// one would overwrite the other's, and a used sequence would work again.
func checkUseRecords(seqs []*parsedSequence, errs *Errors) {
	seen := map[string]string{}
	for _, s := range seqs {
		if !s.clean {
			continue
		}
		rec := s.UseRecord()
		if rec == "" {
			continue
		}
		if other, ok := seen[rec]; ok {
			addf(errs, s.Path, "has the same name, action and knocks as %s, so both would record their used knocks in state_dir/%s; change or remove one", other, rec)
			continue
		}
		seen[rec] = s.Path
	}
}
