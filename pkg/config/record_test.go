package config

import (
	"regexp"
	"strings"
	"testing"
)

const recordConfig = `
config sequence
	option action 'command'
	option start_command '/bin/true'
	list one_time_sequences '7001 7002'

config sequence
	option name 'Once'
	option dest_port '22'
	list one_time_sequences '7301:udp 7302:udp'
	list one_time_sequences '7303:udp 7304:udp'

config sequence 'totp'
	option dest_port '443'
	option totp_secret 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'

config sequence
	option name 'Plain'
	option dest_port '80'
	option sequence '7100 7200'
`

// Use records are named after the sequence and its knocks, never its
// position: adding an anonymous section in front changes nothing
// (issue 10 item 1).
func TestUseRecordSurvivesRenumbering(t *testing.T) {
	before := mustParse(t, recordConfig)
	after := mustParse(t, "\nconfig sequence\n\toption name 'New'\n\toption dest_port '23'\n\toption sequence '9001 9002'\n"+recordConfig)
	names := map[string]bool{}
	for i, s := range before.Sequences {
		a := after.Sequences[i+1]
		if s.Path == a.Path && strings.Contains(s.Path, "@") {
			t.Fatalf("test config did not renumber %s", s.Path)
		}
		if s.UseRecord() != a.UseRecord() {
			t.Errorf("%s → %s: record %q became %q", s.Path, a.Path, s.UseRecord(), a.UseRecord())
		}
		names[s.UseRecord()] = true
	}
	want := regexp.MustCompile(`^(sequence|Once|totp)-[0-9a-f]{12}\.used$`)
	for i, s := range before.Sequences {
		rec := s.UseRecord()
		if i == 3 {
			if rec != "" {
				t.Errorf("plain sequence has a record %q", rec)
			}
			continue
		}
		if !want.MatchString(rec) || !strings.HasPrefix(rec, UseRecordPrefix(&s)) {
			t.Errorf("%s: record %q", s.Path, rec)
		}
	}
	if len(names) != 4 {
		t.Errorf("records not distinct: %v", names)
	}
}

// What identifies a sequence changes its record; its position does not.
func TestUseRecordContent(t *testing.T) {
	base := mustParse(t, recordConfig).Sequences[1]
	edited := mustParse(t, strings.Replace(recordConfig, "7304:udp", "7305:udp", 1)).Sequences[1]
	if base.UseRecord() == edited.UseRecord() {
		t.Error("editing a list kept the record name")
	}
	secret := mustParse(t, strings.Replace(recordConfig, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ", 1)).Sequences[2]
	if secret.UseRecord() == mustParse(t, recordConfig).Sequences[2].UseRecord() {
		t.Error("changing the TOTP secret kept the record name")
	}
}

// Two sequences that would share a record are refused with their paths.
func TestUseRecordCollision(t *testing.T) {
	text := `
config sequence 'a'
	option name 'Door'
	option dest_port '22'
	option one_time_file '/etc/knock.once'

config sequence 'b'
	option name 'Door'
	option dest_port '22'
	option one_time_file '/etc/knock.once'
`
	_, err := parseText(t, text)
	if err == nil {
		t.Fatal("two sequences sharing one record accepted")
	}
	found := false
	for _, l := range fieldErrors(t, err) {
		if strings.HasPrefix(l, "knock.b: ") && strings.Contains(l, "knock.a") && strings.Contains(l, "state_dir/Door-") {
			found = true
		}
	}
	if !found {
		t.Errorf("errors %v", fieldErrors(t, err))
	}
}

func TestIsEarlierUseRecord(t *testing.T) {
	s := &Sequence{Name: "Once"}
	for name, want := range map[string]bool{
		"Once-0123456789ab.used":   true,
		"Once-0123456789a.used":    false,
		"Once-0123456789aB.used":   false,
		"Once-x-0123456789ab.used": false,
		"Other-0123456789ab.used":  false,
		"Once-0123456789ab.usedx":  false,
	} {
		if got := IsEarlierUseRecord(s, name); got != want {
			t.Errorf("IsEarlierUseRecord(%q) = %v", name, got)
		}
	}
	rec := mustParse(t, recordConfig).Sequences[1]
	if !IsEarlierUseRecord(&rec, rec.UseRecord()) {
		t.Errorf("%q is not a record of its own sequence", rec.UseRecord())
	}
}
