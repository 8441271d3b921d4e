package knock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/uciknock/uciknock/pkg/totp"
)

func oneTimeSeq(t *testing.T, store Consumed, lists ...string) Sequence {
	t.Helper()
	s := Sequence{Name: "ot", Consumed: store}
	for _, l := range lists {
		s.OneTime = append(s.OneTime, mustSteps(t, l))
	}
	return s
}

func knockSteps(at time.Duration, src, steps string) []kn {
	var s []kn
	for i, st := range strings.Split(steps, ",") {
		s = append(s, kn{at + time.Duration(i)*ms, src, st, 0, ""})
	}
	return s
}

func TestOneTime(t *testing.T) {
	store := &FileConsumed{Path: filepath.Join(t.TempDir(), "ot.used")}
	lists := []string{"1001,1002", "2001,2002:udp", "3001,3002"}
	cfg := func() Config {
		return Config{Sequences: []Sequence{oneTimeSeq(t, store, lists...), seq(t, "plain", "1001,1002")}, Capacity: 8, FirstCapacity: 8}
	}
	e := mustNew(t, cfg())
	if got := fmt.Sprint(e.Ports(t0)); got != "[1001:tcp 1002:tcp]" {
		t.Errorf("Ports = %s", got)
	}
	// The second list is not accepted before the first is used.
	if got := run(t, e, knockSteps(0, A, "2001,2002:udp")); len(got) != 0 {
		t.Errorf("second sequence accepted early: %v", got)
	}
	var out []Event
	for _, k := range knockSteps(ms*10, A, "1001,1002") {
		out = e.Handle(k.knock(t), out)
	}
	if len(out) != 2 || out[0].Name != "ot" || !out[0].PortsChanged || out[0].Use == nil || out[1].Name != "plain" || out[1].PortsChanged || out[1].Use != nil {
		t.Fatalf("events %+v", out)
	}
	if err := out[0].Use.Store(); err != nil {
		t.Fatal(err)
	}
	// Used: a replay by anyone fails, the next list works.
	if got := run(t, e, knockSteps(20*ms, "192.0.2.8", "1001,1002")); fmt.Sprint(got) != "[plain@192.0.2.8]" {
		t.Errorf("replay: %v", got)
	}
	if got := fmt.Sprint(e.Ports(t0)); got != "[1001:tcp 1002:tcp 2002:udp 2001:tcp]" && got != "[1001:tcp 1002:tcp 2001:tcp 2002:udp]" {
		t.Errorf("Ports after one use = %s", got)
	}
	data, err := os.ReadFile(store.Path)
	if err != nil || !strings.Contains(string(data), "\n1001:tcp,1002:tcp\n") {
		t.Fatalf("store file %q, %v", data, err)
	}

	// A restart keeps the consumed state.
	e = mustNew(t, cfg())
	if got := run(t, e, knockSteps(time.Second, A, "1001,1002")); fmt.Sprint(got) != "[plain@192.0.2.7]" {
		t.Errorf("replay after restart: %v", got)
	}
	if got := run(t, e, knockSteps(2*time.Second, A, "2001,2002:udp")); fmt.Sprint(got) != "[ot@192.0.2.7]" {
		t.Errorf("second sequence after restart: %v", got)
	}
	if got := run(t, e, knockSteps(3*time.Second, A, "3001,3002")); fmt.Sprint(got) != "[ot@192.0.2.7]" {
		t.Errorf("third sequence: %v", got)
	}
	// All used: the sequence is disabled (knockd crashes here) and
	// contributes no ports.
	if got := fmt.Sprint(e.Ports(t0)); got != "[1001:tcp 1002:tcp]" {
		t.Errorf("Ports when exhausted = %s", got)
	}
	e = mustNew(t, cfg())
	if got := run(t, e, knockSteps(4*time.Second, A, "3001,3002")); len(got) != 0 {
		t.Errorf("exhausted sequence accepted after restart: %v", got)
	}
	keys, err := store.Load()
	if err != nil || !reflect.DeepEqual(keys, []string{"1001:tcp,1002:tcp", "2001:tcp,2002:udp", "3001:tcp,3002:tcp"}) {
		t.Errorf("stored keys %q, %v", keys, err)
	}
}

// Another client's attempt on the consumed sequence becomes stale.
func TestOneTimeInvalidatesOthers(t *testing.T) {
	e := mustNew(t, Config{Sequences: []Sequence{oneTimeSeq(t, &MemoryConsumed{}, "1001,1002,1003", "1001,1002,1004")}, Capacity: 8, FirstCapacity: 8})
	script := []kn{{0, "192.0.2.8", "1001", 0, ""}, {ms, "192.0.2.8", "1002", 0, ""}}
	script = append(script, knockSteps(2*ms, A, "1001,1002,1003")...)
	script = append(script, kn{10 * ms, "192.0.2.8", "1003", 0, ""}, kn{11 * ms, "192.0.2.8", "1004", 0, ""})
	if got := fmt.Sprint(run(t, e, script)); got != "[ot@192.0.2.7]" {
		t.Errorf("events %s", got)
	}
}

type failingStore struct{}

func (failingStore) Load() ([]string, error) { return nil, nil }
func (failingStore) Store([]string) error    { return errors.New("disk full") }

func TestConsumedStoreFailure(t *testing.T) {
	e := mustNew(t, Config{Sequences: []Sequence{oneTimeSeq(t, failingStore{}, "1001", "1002")}, Capacity: 2, FirstCapacity: 2})
	out := e.Handle(kn{0, A, "1001", 0, ""}.knock(t), nil)
	if len(out) != 1 || out[0].Use == nil {
		t.Fatalf("events %+v, want one with a Use", out)
	}
	if err := out[0].Use.Store(); err == nil || !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), `"ot"`) {
		t.Fatalf("Use.Store = %v, want the store error naming the sequence", err)
	}
	// Fail closed: the sequence is consumed in memory all the same.
	if out := e.Handle(kn{ms, A, "1001", 0, ""}.knock(t), nil); len(out) != 0 {
		t.Errorf("consumed sequence accepted again: %+v", out)
	}
}

func TestFileConsumed(t *testing.T) {
	dir := t.TempDir()
	f := &FileConsumed{Path: filepath.Join(dir, "x.used")}
	if keys, err := f.Load(); err != nil || keys != nil {
		t.Fatalf("missing file: %v, %v", keys, err)
	}
	if err := f.Store([]string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	if keys, err := f.Load(); err != nil || !reflect.DeepEqual(keys, []string{"a", "b"}) {
		t.Fatalf("Load = %v, %v", keys, err)
	}
	if st, err := os.Stat(f.Path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, %v", st.Mode(), err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("temporary files left: %v", ents)
	}
	if err := f.Store([]string{"a\nb"}); err == nil {
		t.Error("newline in key accepted")
	}
	bad := &FileConsumed{Path: filepath.Join(dir, "missing", "x.used")}
	if err := bad.Store(nil); err == nil || !strings.Contains(err.Error(), bad.Path) {
		t.Errorf("Store into a missing directory: %v", err)
	}
	if err := os.WriteFile(f.Path, nil, 0o000); err == nil && os.Geteuid() != 0 {
		if _, err := f.Load(); err == nil {
			t.Error("unreadable file loaded")
		}
	}
}

var totpSecret = []byte("12345678901234567890")

func totpSeq(store Consumed) Sequence {
	return Sequence{Name: "totp", TOTP: &TOTP{Secret: totpSecret, Min: 40000, Max: 49999, Proto: ProtoUDP}, Consumed: store}
}

// totpKnocks returns the knocks of time step c at time at.
func totpKnocks(c uint64, at time.Duration, src string) []kn {
	var s []kn
	for i, p := range totp.Ports(totpSecret, c, 3, 40000, 49999) {
		s = append(s, kn{at + time.Duration(i)*ms, src, fmt.Sprintf("%d:udp", p), 0, ""})
	}
	return s
}

func TestTOTP(t *testing.T) {
	store := &FileConsumed{Path: filepath.Join(t.TempDir(), "totp.used")}
	cfg := Config{Sequences: []Sequence{totpSeq(store)}, Capacity: 8, FirstCapacity: 8}
	e := mustNew(t, cfg)
	c := totp.Counter(t0, 30*time.Second)
	at := 10 * time.Second // inside step c
	tests := []struct {
		name    string
		counter uint64
		src     string
		want    int
	}{
		{"two steps back is too old", c - 2, A, 0},
		{"two steps ahead is too early", c + 2, A, 0},
		{"current step", c, A, 1},
		{"replay of the used step, other source", c, "192.0.2.8", 0},
		{"the step before is older than the used one", c - 1, A, 0},
		{"next step (clock skew)", c + 1, A, 1},
		{"next step again", c + 1, "192.0.2.8", 0},
	}
	for i, tt := range tests {
		if got := run(t, e, totpKnocks(tt.counter, at+time.Duration(i)*100*ms, tt.src)); len(got) != tt.want {
			t.Errorf("%s: events %v, want %d", tt.name, got, tt.want)
		}
	}
	// A restart keeps the last used step.
	e = mustNew(t, cfg)
	if got := run(t, e, totpKnocks(c+1, at+time.Second, A)); len(got) != 0 {
		t.Errorf("replay after restart accepted: %v", got)
	}
	// Two steps later, c+2 and c+3 are in the window, c+1 is not.
	later := at + 60*time.Second
	if got := run(t, e, totpKnocks(c+1, later, A)); len(got) != 0 {
		t.Errorf("expired step accepted: %v", got)
	}
	if got := run(t, e, totpKnocks(c+3, later+time.Second, A)); len(got) != 1 {
		t.Errorf("step c+3 at c+2: %v", got)
	}
}

// The previous step is accepted (client clock behind), and a rotation in
// the middle of a sequence does not break it.
func TestTOTPWindowRotation(t *testing.T) {
	e := mustNew(t, Config{Sequences: []Sequence{totpSeq(nil)}, Capacity: 8, FirstCapacity: 8})
	c := totp.Counter(t0, 30*time.Second)
	start := totp.Start(c+1, 30*time.Second).Sub(t0) - 2*ms // 2 ms before c+1 begins
	if got := run(t, e, totpKnocks(c, start, A)); len(got) != 1 {
		t.Errorf("sequence across a step boundary: %v", got)
	}
	if got := run(t, e, totpKnocks(c+1, start+5*time.Second, "192.0.2.8")); len(got) != 1 {
		t.Errorf("step c+1: %v", got)
	}
}

func TestTOTPPorts(t *testing.T) {
	e := mustNew(t, Config{Sequences: []Sequence{totpSeq(nil), seq(t, "fixed", "7000")}, Capacity: 8, FirstCapacity: 8})
	now := t0.Add(10 * time.Second)
	c := totp.Counter(now, 30*time.Second)
	want := map[Port]bool{{ProtoTCP, 7000}: true}
	for x := c - 1; x <= c+1; x++ {
		for _, p := range totp.Ports(totpSecret, x, 3, 40000, 49999) {
			want[Port{ProtoUDP, p}] = true
		}
	}
	got := e.Ports(now)
	if len(got) != len(want) {
		t.Errorf("Ports = %v, want %d ports", got, len(want))
	}
	for _, p := range got {
		if !want[p] {
			t.Errorf("unexpected port %v", p)
		}
	}
	next := e.NextChange(now)
	if !next.Equal(totp.Start(c+1, 30*time.Second)) {
		t.Errorf("NextChange = %v", next)
	}
	if fmt.Sprint(e.Ports(next)) == fmt.Sprint(got) {
		t.Error("Ports did not change at NextChange")
	}
	fixed := mustNew(t, Config{Sequences: []Sequence{seq(t, "fixed", "7000")}})
	if !fixed.NextChange(now).IsZero() {
		t.Error("NextChange without TOTP is not zero")
	}
}

// A knock stamped an hour ahead (a clock that later stepped back) must not
// leave the next one-time sequence unusable for that hour.
func TestOneTimeAfterClockStep(t *testing.T) {
	e := mustNew(t, Config{Sequences: []Sequence{oneTimeSeq(t, &MemoryConsumed{}, "1001,1002", "2001,2002")}, Capacity: 8, FirstCapacity: 8})
	script := []kn{{time.Hour, "192.0.2.8", "1001", 0, ""}}
	script = append(script, knockSteps(0, A, "1001,1002")...)
	script = append(script, knockSteps(10*ms, A, "2001,2002")...)
	if got := fmt.Sprint(run(t, e, script)); got != "[ot@192.0.2.7 ot@192.0.2.7]" {
		t.Errorf("events %s", got)
	}
}

func TestFileConsumedMerge(t *testing.T) {
	dir := t.TempDir()
	f := &FileConsumed{Path: filepath.Join(dir, "new.used")}
	old := &FileConsumed{Path: filepath.Join(dir, "old.used")}
	if err := f.Store([]string{"a"}); err != nil {
		t.Fatal(err)
	}
	if err := old.Store([]string{"a", "b", "x"}); err != nil {
		t.Fatal(err)
	}
	keep := func(k string) bool { return k != "x" }
	added, err := f.Merge([]string{old.Path, filepath.Join(dir, "missing.used"), f.Path}, keep)
	if err != nil || !reflect.DeepEqual(added, []string{"b"}) {
		t.Fatalf("Merge = %q, %v", added, err)
	}
	if keys, _ := f.Load(); !reflect.DeepEqual(keys, []string{"a", "b"}) {
		t.Errorf("merged record %q", keys)
	}
	if added, err := f.Merge([]string{old.Path}, keep); err != nil || added != nil {
		t.Errorf("second Merge = %q, %v", added, err)
	}
}

// Meaningful keeps the keys a sequence can use: its own lists, TOTP steps
// up to the next one.
func TestMeaningful(t *testing.T) {
	ot := oneTimeSeq(t, &MemoryConsumed{}, "1001,1002", "2001")
	keep := ot.Meaningful(t0)
	for k, want := range map[string]bool{"1001:tcp,1002:tcp": true, "2001:tcp": true, "1001:tcp": false, "totp:1": false} {
		if keep(k) != want {
			t.Errorf("one-time keep(%q) = %v", k, !want)
		}
	}
	tp := totpSeq(nil)
	keep = tp.Meaningful(t0)
	c := totp.Counter(t0, 30*time.Second)
	for k, want := range map[string]bool{fmt.Sprintf("totp:%d", c+1): true, fmt.Sprintf("totp:%d", c-5): true,
		fmt.Sprintf("totp:%d", c+2): false, "totp:x": false, "1001:tcp": false} {
		if keep(k) != want {
			t.Errorf("TOTP keep(%q) = %v", k, !want)
		}
	}
}
