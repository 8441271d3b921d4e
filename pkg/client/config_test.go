package client

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const sampleConfig = `# uciknock client config
door home  host router.example.org ports 7000,8000,9000 delay 100   # open ssh
door close host router.example.org ports 9000,8000,7000
  door fwd6 host 2001:db8::1 ports 1111:udp,2222:UDP family 6 udp
door v4 host 192.0.2.7 ports 1 family ipv4
door totp  host 203.0.113.7 totp ` + testSecret + ` length 4 step 60 min 20000 max 20999 udp
door totpd host 203.0.113.7 totp ` + testSecret + "\r\n"

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig("client.conf", []byte(sampleConfig))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Names(), []string{"home", "close", "fwd6", "v4", "totp", "totpd"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("names %v, want %v", got, want)
	}
	home := c.Door("home")
	want := Door{Name: "home", Host: "router.example.org", Hits: []Hit{{Port: 7000, Proto: TCP}, {Port: 8000, Proto: TCP}, {Port: 9000, Proto: TCP}}, Delay: 100 * time.Millisecond}
	if !reflect.DeepEqual(*home, want) {
		t.Errorf("home = %+v, want %+v", *home, want)
	}
	fwd := c.Door("fwd6")
	if fwd.Family != IPv6 || !fwd.UDP || fwd.Hits[1] != (Hit{Port: 2222, Proto: UDP}) {
		t.Errorf("fwd6 = %+v", *fwd)
	}
	if c.Door("v4").Family != IPv4 {
		t.Errorf("v4 = %+v", *c.Door("v4"))
	}
	tt := c.Door("totp").TOTP
	if tt == nil || tt.Length != 4 || tt.Period != time.Minute || tt.Min != 20000 || tt.Max != 20999 || !c.Door("totp").UDP {
		t.Errorf("totp = %+v", tt)
	}
	td := c.Door("totpd").TOTP
	if td == nil || !reflect.DeepEqual(*td, *defaultTOTP(td.Secret)) {
		t.Errorf("totpd = %+v", td)
	}
	if c.Door("nope") != nil {
		t.Error("Door(nope) found something")
	}
	empty, err := ParseConfig("e", []byte("\n# nothing\n   \n"))
	if err != nil || len(empty.Doors) != 0 {
		t.Errorf("empty: %+v %v", empty, err)
	}
}

func TestParseConfigErrors(t *testing.T) {
	s := testSecret
	tests := []struct {
		text string
		want string
	}{
		{"gate home host h ports 1", `c.conf:1: unknown keyword "gate" (want door)`},
		{"\n\ndoor", "c.conf:3: door without a name"},
		{"door -x host h ports 1", `c.conf:1: bad door name "-x"`},
		{"door a/b host h ports 1", `bad door name "a/b"`},
		{"door " + strings.Repeat("a", 65) + " host h ports 1", "bad door name"},
		{"door a host h ports 1\n# x\ndoor a host h ports 2", `c.conf:3: door "a" already defined on line 1`},
		{"door a ports 1", "c.conf:1: door a: no host"},
		{"door a host", "door a: host needs a value"},
		{"door a host h", "door a: no ports given (and no TOTP secret)"},
		{"door a host h ports 1 colour red", `door a: unknown keyword "colour"`},
		{"door a host h ports 1 ports 2", "door a: ports given twice"},
		{"door a host h ports 1 udp udp", "door a: udp given twice"},
		{"door a host h ports 1,,2", "empty entry 2"},
		{"door a host h ports 70000", "port 70000 out of range"},
		{"door a host h ports 7000:sctp", `unknown protocol "sctp"`},
		{"door a host h ports " + strings.TrimSuffix(strings.Repeat("1,", 33), ","), "33 knocks is more than"},
		{"door a host h ports 1 delay -1", "delay cannot be negative"},
		{"door a host h ports 1 delay 1s", `delay "1s" is not a whole number`},
		{"door a host h ports 1 wait 1s", `wait "1s" is not a whole number`},
		{"door a host h ports 1 family 5", `family "5" (want 4 or 6)`},
		{"door a host h ports 1 length 3", "door a: length needs totp"},
		{"door a host h ports 1 step 30", "door a: step needs totp"},
		{"door a host h ports 1 totp " + s, "give either ports or a TOTP secret, not both"},
		{"door a host h totp xyz1", "totp: totp secret: not base32"},
		{"door a host h totp " + s + " length 0", "TOTP length 0 out of range"},
		{"door a host h totp " + s + " length x", `length "x" is not a number`},
		{"door a host h totp " + s + " step 0", "TOTP step 0s out of range"},
		{"door a host h totp " + s + " min 0", "min: port 0 out of range (1-65535)"},
		{"door a host h totp " + s + " max x", `max: port "x" is not a decimal number`},
		{"door a host h totp " + s + " min 3000 max 2000", "TOTP port range 3000-2000 is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			c, err := ParseConfig("c.conf", []byte(tt.text))
			if err == nil {
				t.Fatalf("no error; got %+v", c)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.File != "c.conf" || ce.Line < 1 {
				t.Errorf("error %#v is not a *ConfigError with a position", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
	big := make([]byte, MaxConfigSize+1)
	if _, err := ParseConfig("big", big); err == nil || !strings.Contains(err.Error(), "big:1: file larger than") {
		t.Errorf("big file: %v", err)
	}
}

func TestConfigPaths(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		env  map[string]string
		want []string
	}{
		{map[string]string{"HOME": "/home/u"}, []string{"/home/u/.config/uciknock.conf", "/etc/uciknock.conf"}},
		{map[string]string{"HOME": "/home/u", "XDG_CONFIG_HOME": "/x"}, []string{"/x/uciknock.conf", "/etc/uciknock.conf"}},
		{map[string]string{}, []string{"/etc/uciknock.conf"}},
	}
	for _, tt := range tests {
		if got := ConfigPaths(env(tt.env)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ConfigPaths(%v) = %v, want %v", tt.env, got, tt.want)
		}
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(filepath.Join(home, ".config"), 0o755); err != nil {
		t.Fatal(err)
	}
	user := filepath.Join(home, ".config", "uciknock.conf")
	if err := os.WriteFile(user, []byte("door a host h ports 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		if k == "HOME" {
			return home
		}
		return ""
	}
	c, path, err := LoadConfig("", getenv, os.ReadFile)
	if err != nil || path != user || c.Door("a") == nil {
		t.Fatalf("default search: %v %q %v", c, path, err)
	}
	// An explicit path must exist; it is not searched past.
	_, _, err = LoadConfig(filepath.Join(dir, "missing.conf"), getenv, os.ReadFile)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("explicit missing file: %v", err)
	}
	noFiles := func(string) ([]byte, error) { return nil, fs.ErrNotExist }
	_, _, err = LoadConfig("", getenv, noFiles)
	if err == nil || !strings.Contains(err.Error(), "no client config found (looked for "+user+", /etc/uciknock.conf)") {
		t.Errorf("nothing found: %v", err)
	}
	denied := func(string) ([]byte, error) { return nil, fs.ErrPermission }
	if _, _, err = LoadConfig("", getenv, denied); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("unreadable: %v", err)
	}
}

// FuzzClientConfig checks that any input either parses into doors that
// can be knocked (check passes, names unique, sequences computable) or
// fails with a positioned *ConfigError, and never panics.
func FuzzClientConfig(f *testing.F) {
	f.Add(sampleConfig)
	f.Add("door a host h ports 1,2:udp,3:TCP delay 5 family 4 udp")
	f.Add("door a host h ports 1 wait 0")
	f.Add("door t host h totp " + testSecret + " length 32 step 86400 min 1 max 65535")
	f.Add("door\ndoor a\ndoor a host\n#\n\r\n\x00")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := ParseConfig("fuzz.conf", []byte(text))
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Line < 1 || ce.Line > strings.Count(text, "\n")+1 {
				t.Fatalf("error without a valid position: %#v", err)
			}
			if !strings.HasPrefix(err.Error(), fmt.Sprintf("fuzz.conf:%d: ", ce.Line)) {
				t.Fatalf("error text %q lacks file:line", err)
			}
			return
		}
		seen := map[string]bool{}
		for i := range c.Doors {
			d := &c.Doors[i]
			if seen[d.Name] || !validDoorName(d.Name) {
				t.Fatalf("bad or duplicate name %q", d.Name)
			}
			seen[d.Name] = true
			if err := d.check(); err != nil {
				t.Fatalf("door %q passed parsing but not check: %v", d.Name, err)
			}
			seq := d.Sequence(time.Unix(1700000000, 0))
			if len(seq) == 0 || len(seq) > MaxHits {
				t.Fatalf("door %q: sequence of %d knocks", d.Name, len(seq))
			}
			for _, h := range seq {
				if h.Port == 0 || (h.Proto != TCP && h.Proto != UDP) {
					t.Fatalf("door %q: bad knock %v", d.Name, h)
				}
			}
		}
	})
}
