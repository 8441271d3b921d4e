package uci

import (
	"errors"
	"testing"
)

const editBase = "config defaults\nconfig rule r1\n\toption name 'a'\nconfig rule\nconfig zone z\nconfig rule\n"

func TestEdits(t *testing.T) {
	p, err := Parse("firewall", []byte(editBase))
	if err != nil {
		t.Fatal(err)
	}
	orig := p.Clone()
	r1 := p.Section("r1")
	mustNil(t, r1.Set("name", "it's"))
	mustNil(t, r1.Set("src", "wan"))
	mustNil(t, r1.SetList("port", []string{"22", ""}))
	mustNil(t, r1.AddListItem("src", "lan"))
	if r1.DelListItem("port", "nope") || !r1.DelListItem("port", "") {
		t.Error("DelListItem results")
	}
	mustNil(t, r1.Set("gone", "x"))
	mustNil(t, r1.Set("gone", ""))
	if r1.Del("gone") || !r1.Del("name") {
		t.Error("Del results")
	}
	if err := r1.Set("bad-name", "x"); err == nil {
		t.Error("Set accepted an invalid option name")
	}
	if err := r1.Set("x", "a\x01b"); err == nil {
		t.Error("Set accepted a control character")
	}
	s := p.Add("rule")
	if s == nil || s.Name != "cfg0692bd" || !s.Anonymous {
		t.Fatalf("Add: %+v", s)
	}
	if p.Add("bad type") != nil || p.Add("it's") != nil {
		t.Error("Add accepted an invalid type")
	}
	n, err := p.AddNamed("redirect", "knock_1")
	mustNil(t, err)
	mustNil(t, n.Set("dest_port", "22"))
	if _, err := p.AddNamed("rule", "knock_1"); !errors.Is(err, &Error{Code: CodeDuplicate}) {
		t.Errorf("AddNamed duplicate: %v", err)
	}
	if _, err := p.AddNamed("rule", "a-b"); !errors.Is(err, ErrInvalid) {
		t.Errorf("AddNamed invalid: %v", err)
	}
	mustNil(t, p.Rename("cfg0392bd", "named"))
	if err := p.Rename("named", "z"); err == nil {
		t.Error("Rename onto an existing name")
	}
	mustNil(t, p.Reorder("knock_1", 0))
	if !p.Delete("z") || p.Delete("z") {
		t.Error("Delete results")
	}
	if err := p.Reorder("z", 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("Reorder missing: %v", err)
	}
	want := "\nconfig redirect 'knock_1'\n\toption dest_port '22'\n" +
		"\nconfig defaults\n" +
		"\nconfig rule 'r1'\n\tlist src 'wan'\n\tlist src 'lan'\n\tlist port '22'\n" +
		"\nconfig rule 'named'\n\nconfig rule\n\nconfig rule\n\n"
	if got := string(p.Commit()); got != want {
		t.Errorf("Commit:\n%q\nwant\n%q", got, want)
	}
	if string(orig.Commit()) == string(p.Commit()) || orig.Section("r1").Equal(r1) {
		t.Error("Clone shares state with the original")
	}
	if !orig.Section("z").Equal(orig.Clone().Section("z")) {
		t.Error("Equal of a clone")
	}
	if got := string(RenderSection(r1)); got != "\nconfig rule 'r1'\n\tlist src 'wan'\n\tlist src 'lan'\n\tlist port '22'\n" {
		t.Errorf("RenderSection: %q", got)
	}
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestSetType: libuci re-creates a section whose type changes length, so
// an anonymous one becomes named by its id; the same length keeps it.
func TestSetType(t *testing.T) {
	p, err := Parse("firewall", []byte("config rule\nconfig rule\n"))
	if err != nil {
		t.Fatal(err)
	}
	a, b := p.Sections[0], p.Sections[1]
	if a.SetType("rule") || !a.SetType("zone") || !a.Anonymous {
		t.Errorf("same length: %+v", a)
	}
	if !b.SetType("redirect") || b.Anonymous || b.Type != "redirect" {
		t.Errorf("other length: %+v", b)
	}
	if got := string(p.Commit()); got != "\nconfig zone\n\nconfig redirect 'cfg0292bd'\n\n" {
		t.Errorf("Commit: %q", got)
	}
}
