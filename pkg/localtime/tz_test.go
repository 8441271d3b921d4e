package localtime

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseTZValid(t *testing.T) {
	cases := []struct {
		tz               string
		stdEast, dstEast int
		hasDST           bool
	}{
		{"UTC", 0, 0, false},
		{"GMT0", 0, 0, false},
		{"UTC0", 0, 0, false},
		{"EST5", -5 * 3600, 0, false},
		{"<+0330>-3:30", 3*3600 + 1800, 0, false},
		{"<-0330>+3:30:15", -(3*3600 + 1800 + 15), 0, false},
		{"<+14>-14", 14 * 3600, 0, false},
		{"<-12>12", -12 * 3600, 0, false},
		{"CET-1CEST,M3.5.0,M10.5.0/3", 3600, 7200, true},
		{"EST5EDT,M3.2.0,M11.1.0", -5 * 3600, -4 * 3600, true},
		{"AEST-10AEDT,M10.1.0,M4.1.0/3", 36000, 39600, true},
		{"NST3:30NDT,M3.2.0,M11.1.0", -(3*3600 + 1800), -(2*3600 + 1800), true},
		{"IST-1GMT0,M10.5.0,M3.5.0/1", 3600, 0, true},
		{"AAA0BBB-3,J1/-167,J365/167:59:59", 0, 3 * 3600, true},
		{"AAA0BBB,0/0,365", 0, 3600, true},
		{"VERYLONGNAME-1LONGERNAME,M1.1.1,M2.2.2", 3600, 7200, true},
	}
	for _, c := range cases {
		z, err := ParseTZ(c.tz)
		if err != nil {
			t.Errorf("ParseTZ(%q): %v", c.tz, err)
			continue
		}
		if int(-z.stdWest) != c.stdEast || z.hasDST != c.hasDST || (c.hasDST && int(-z.dstWest) != c.dstEast) {
			t.Errorf("ParseTZ(%q) = %s", c.tz, z.describe())
		}
		if z.String() != c.tz {
			t.Errorf("String() = %q", z.String())
		}
	}
}

func TestParseTZInvalid(t *testing.T) {
	cases := []struct {
		tz     string
		offset int
		msg    string
	}{
		{"", 0, "zoneinfo file"},
		{"EST", 0, "zoneinfo file"},
		{"Europe/Berlin", 0, "zoneinfo file"},
		{":Europe/Berlin", 0, "zoneinfo file"},
		{"CET-1CEST", 9, "needs ',start,end' rules"},
		{"CET-1CEST,M3.5.0", 16, "end rule expected"},
		{"CET-1CEST,M3.5", 14, "'.' expected"},
		{"CET-1CEST,M13.5.0,M10.5.0", 11, "month 13 out of range"},
		{"CET-1CEST,M3.6.0,M10.5.0", 13, "week 6 out of range"},
		{"CET-1CEST,M3.5.7,M10.5.0", 15, "weekday 7 out of range"},
		{"CET-1CEST,J0,J10", 11, "Julian day 0 out of range"},
		{"CET-1CEST,366,J10", 10, "day 366 out of range"},
		{"CET-1CEST,J1/168,J10", 13, "hours 168 out of range"},
		{"CET-25", 4, "hours 25 out of range"},
		{"CET-1:60", 6, "minutes 60 out of range"},
		{"CET-1CEST,M3.5.0,M10.5.0/3 ", 26, "unexpected"},
		{"CET-1CEST,M3.5.0,M10.5.0/3\n", 26, "unexpected"},
		{"AB-1", 0, "at least 3"},
		{"<AB>-1", 0, "at least 3"},
		{"<CET-1", 0, "zoneinfo file"}, // musl: the quoted name runs to the end
		{"CET-1<CEST", 5, "without closing"},
		{"<C T>-1", 2, "not allowed"},
		{"CET-", 4, "digits expected"},
		{"CET-1C", 5, "at least 3"},
	}
	for _, c := range cases {
		_, err := ParseTZ(c.tz)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("ParseTZ(%q) = %v, want *SyntaxError", c.tz, err)
			continue
		}
		if se.Offset != c.offset || !strings.Contains(se.Msg, c.msg) {
			t.Errorf("ParseTZ(%q): %v; want byte %d and %q", c.tz, err, c.offset, c.msg)
		}
	}
}

func TestMuslQuirks(t *testing.T) {
	cases := []struct {
		tz               string
		std, dst         string
		stdEast, dstEast int32
	}{
		{"ABCDEFGH-1", "ABCDEF", "", 3600, 3600},    // names keep 6 bytes
		{"CET-1CEST", "CET", "CEST", 3600, 7200},    // no rules: see golden
		{"AAA+", "AAA", "", 0, 0},                   // missing number is 0
		{"<+0330>-3:30", "+0330", "", 12600, 12600}, // quoted name
		{"CET-1CEST\x00,M3.5.0,M10.5.0", "CET", "CEST", 3600, 7200},
	}
	for _, c := range cases {
		z := Musl(c.tz)
		if z.stdName != c.std || z.dstName != c.dst || -z.stdWest != c.stdEast || -z.dstWest != c.dstEast {
			t.Errorf("Musl(%q) = %s", c.tz, z.describe())
		}
	}
	if z := Musl(strings.Repeat("A", pathMax+2)); z.String() != "UTC" {
		t.Errorf("overlong TZ: %q", z.String())
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "TZ")
	z, err := Load(path)
	if err != nil || z.String() != "UTC" {
		t.Fatalf("missing file: %v, %v", z, err)
	}
	writeFile(t, path, nil)
	if z, err = Load(path); err != nil || z.String() != "UTC" {
		t.Fatalf("empty file: %v, %v", z, err)
	}
	writeFile(t, path, []byte("CET-1CEST,M3.5.0,M10.5.0/3\n"))
	if z, err = Load(path); err != nil || z.String() != "CET-1CEST,M3.5.0,M10.5.0/3" {
		t.Fatalf("OpenWrt file: %v, %v", z, err)
	}
	writeFile(t, path, []byte("CET-1CEST\n"))
	if _, err = Load(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("bad file: error %v should name %s", err, path)
	}
	if _, err = Load(dir); err == nil {
		t.Fatal("reading a directory should fail")
	}
}

func TestLoadSystem(t *testing.T) {
	berlin := tzifFooterOnly(t, "CET-1CEST,M3.5.0,M10.5.0/3")
	summer := time.Date(2030, 7, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		files   map[string][]byte
		east    int    // offset at summer
		src     string // Zone.String()
		wantErr string
	}{
		{"nothing", nil, 0, "UTC", ""},
		{"TZ", map[string][]byte{"etc/TZ": []byte("CET-1CEST,M3.5.0,M10.5.0/3\n")}, 7200, "CET-1CEST,M3.5.0,M10.5.0/3\n", ""},
		{"empty TZ, localtime", map[string][]byte{"etc/TZ": nil, "etc/localtime": berlin}, 7200, "TZif /etc/localtime", ""},
		{"localtime only", map[string][]byte{"etc/localtime": berlin}, 7200, "TZif /etc/localtime", ""},
		{"localtime not TZif", map[string][]byte{"etc/localtime": []byte("CET-1")}, 0, "UTC", ""},
		{"zoneinfo name", map[string][]byte{"etc/TZ": []byte("Europe/Berlin"), "usr/share/zoneinfo/Europe/Berlin": berlin}, 7200, "TZif Europe/Berlin", ""},
		{"zoneinfo name, second dir", map[string][]byte{"etc/TZ": []byte(":Europe/Berlin"), "etc/zoneinfo/Europe/Berlin": berlin}, 7200, "TZif Europe/Berlin", ""},
		// musl keeps the newline in the file name, finds nothing: UTC.
		{"zoneinfo name with newline", map[string][]byte{"etc/TZ": []byte("Europe/Berlin\n"), "usr/share/zoneinfo/Europe/Berlin": berlin}, 0, "UTC", ""},
		{"absolute path", map[string][]byte{"etc/TZ": []byte(":/tz/x"), "tz/x": berlin}, 7200, "TZif /tz/x", ""},
		{"dotted name is not searched", map[string][]byte{"etc/TZ": []byte("a.b"), "usr/share/zoneinfo/a.b": berlin}, 0, "UTC", ""},
		{"lenient", map[string][]byte{"etc/TZ": []byte("CET-1CEST\n")}, 7200, "CET-1CEST\n", "daylight time needs"},
		{"NUL ends the string", map[string][]byte{"etc/TZ": []byte("EST5\x00junk")}, -5 * 3600, "EST5", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			for name, data := range c.files {
				writeFile(t, filepath.Join(root, name), data)
			}
			z, err := LoadSystem(root)
			if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
				t.Fatalf("error %v, want %q", err, c.wantErr)
			}
			if z == nil {
				t.Fatal("nil zone")
			}
			if east, _ := z.Offset(summer); east != c.east || z.String() != c.src {
				t.Fatalf("zone %q east %d, want %q %d", z.String(), east, c.src, c.east)
			}
		})
	}
}

func TestLoadSystemTZifStopDate(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "etc/localtime"), tzifFooterOnly(t, "EST5EDT,M3.2.0,M11.1.0"))
	z, err := LoadSystem(root)
	if err != nil {
		t.Fatal(err)
	}
	posix, _ := ParseTZ("EST5EDT,M3.2.0,M11.1.0")
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, at := range sampleInstants(from, from.AddDate(2, 0, 0), 13*time.Hour, nil) {
		if a, b := z.StopDate(at), posix.StopDate(at); a != b {
			t.Fatalf("%v: TZif %s, POSIX %s", at, a, b)
		}
	}
	for _, c := range changes(posix, from, from.AddDate(2, 0, 0)) {
		for _, d := range []int64{-3601, -1, 0, 1, 1800} {
			at := time.Unix(c+d, 0)
			if a, b := z.StopDate(at), posix.StopDate(at); a != b {
				t.Fatalf("%v: TZif %s, POSIX %s", at, a, b)
			}
		}
	}
}

func TestMuslMatchesStrict(t *testing.T) {
	for _, c := range ianaFooters {
		z, err := ParseTZ(c.tz)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(z, Musl(c.tz)) {
			t.Fatalf("%q: strict and musl readings differ", c.tz)
		}
	}
}
