package jsonscan

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestObject(t *testing.T) {
	ubus := []byte(`{
	"up": true,
	"device": "wan",
	"l3_device": "pppoe-wan",
	"ipv4-address": [
		{ "address": "198.51.100.7", "mask": 32 }
	],
	"data": { "note": "a \"}]\" b" },
	"escaped": "tab\there \u00e9 \/ end"
}
`)
	ms, err := Object(ubus)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ key, raw, str string }{
		{"up", "true", "true"},
		{"device", `"wan"`, "wan"},
		{"l3_device", `"pppoe-wan"`, "pppoe-wan"},
		{"ipv4-address", "[\n\t\t{ \"address\": \"198.51.100.7\", \"mask\": 32 }\n\t]", ""},
		{"data", `{ "note": "a \"}]\" b" }`, ""},
		{"escaped", `"tab\there \u00e9 \/ end"`, "tab\there é / end"},
	}
	if len(ms) != len(want) {
		t.Fatalf("%d members: %+v", len(ms), ms)
	}
	for i, w := range want {
		if ms[i].Key != w.key || string(ms[i].Raw) != w.raw || (w.str != "" && ms[i].String() != w.str) {
			t.Errorf("member %d: %q %q %q, want %+v", i, ms[i].Key, ms[i].Raw, ms[i].String(), w)
		}
	}
	if m, ok := Get(ms, "l3_device"); !ok || m.String() != "pppoe-wan" {
		t.Errorf("Get l3_device = %+v %v", m, ok)
	}
	if _, ok := Get(ms, "missing"); ok {
		t.Error("Get found a missing key")
	}
}

func TestObjectErrors(t *testing.T) {
	for _, in := range []string{
		``, `[]`, `"x"`, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":1 "b":2}`, `{"a":"x}`,
		`{"a":[1,2}`, `{"a":{"b":1]}`, `{1:2}`, `{"a":1} x`, `{"a\q":1}`, `{"a":1}}`,
	} {
		if ms, err := Object([]byte(in)); err == nil {
			t.Errorf("Object(%q) = %+v, want an error", in, ms)
		}
	}
	for _, in := range []string{`{}`, ` { } `, "{\"a\":null}\n"} {
		if _, err := Object([]byte(in)); err != nil {
			t.Errorf("Object(%q): %v", in, err)
		}
	}
}

// FuzzAgreesWithEncodingJSON: whatever encoding/json reads as an object,
// Object reads too, with the same keys (last duplicate wins) and the same
// values.
func FuzzAgreesWithEncodingJSON(f *testing.F) {
	f.Add([]byte(`{"level":"info","rule":"KnockSSH_192.0.2.7_22","n":3,"message":"open"}`))
	f.Add([]byte(`{"a":[1,{"b":"]"}],"c":{"d":null},"e":"\u00e9\/\"","a":false}`))
	f.Add([]byte(" {\n\t\"l3_device\" : \"pppoe-wan\" } \n"))
	f.Add([]byte(`{"pair":"\ud83d\ude00","lone":"\ud83d x","bad":"\xff"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var ref map[string]json.RawMessage
		if json.Unmarshal(b, &ref) != nil || ref == nil {
			_, _ = Object(b) // must not panic
			return
		}
		ms, err := Object(b)
		if err != nil {
			t.Fatalf("Object(%q): %v; encoding/json reads it", b, err)
		}
		got := map[string][]byte{}
		for _, m := range ms {
			got[m.Key] = m.Raw
		}
		if len(got) != len(ref) {
			t.Fatalf("%q: keys %d, encoding/json %d", b, len(got), len(ref))
		}
		for k, raw := range ref {
			var a, c bytes.Buffer
			if json.Compact(&a, raw) != nil || json.Compact(&c, got[k]) != nil || a.String() != c.String() {
				t.Fatalf("%q: key %q: %q, encoding/json %q", b, k, got[k], raw)
			}
			var s string
			if json.Unmarshal(raw, &s) == nil {
				if m, _ := Get(ms, k); m.String() != s {
					t.Fatalf("%q: key %q: String %q, encoding/json %q", b, k, m.String(), s)
				}
			}
		}
	})
}
