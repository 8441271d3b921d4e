//go:build linux

package fastpath

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/uciknock/uciknock/internal/netns"
	"github.com/uciknock/uciknock/internal/testenv"
	"github.com/uciknock/uciknock/pkg/door"
)

// kernelTest skips under -short: make mips-test runs this package under
// qemu-user, which has no NETLINK_NETFILTER sockets; everywhere else
// (make test, CI as root) these tests run on the real kernel.
func kernelTest(t *testing.T) *netns.NS {
	t.Helper()
	if testing.Short() {
		t.Skip("needs nf_tables netlink of the real kernel (not under qemu-user)")
	}
	testenv.RequireRoot(t)
	return netns.New(t, "ukfp")
}

// TestNFTOnKernel: every request of NFT against the kernel's nf_tables,
// in a fresh namespace: no table, our sets, elements with timeouts and
// the kernel's errors, fw4's zone jumps (one device, a set of devices,
// other zones) and the device set.
func TestNFTOnKernel(t *testing.T) {
	ns := kernelTest(t)
	var k *NFT
	if err := ns.Do(func() (err error) { k, err = DialNFT(); return }); err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if sets, err := k.Sets(); sets != nil || err != nil {
		t.Fatalf("no table: Sets() = %q, %v; want nil, nil", sets, err)
	}
	if devs, _ := k.ZoneDevices("wan"); devs != nil {
		t.Fatalf("no table: ZoneDevices = %q", devs)
	}
	nft(t, ns, testSets+`
table inet fw4 {
	set uciknock_wan_dev { type ifname; }
	set other { type ipv4_addr; }
	chain input_wan { }
	chain input_lan { }
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iifname "lo" accept
		iifname "br-lan" jump input_lan
		iifname "eth1" counter jump input_wan
		iifname { "pppoe-wan", "wwan0" } jump input_wan
		iifname != "eth9" jump input_wan
		oifname "eth7" jump input_wan
	}
}`)
	sets, err := k.Sets()
	sort.Strings(sets)
	want := append(wanSets(), DevSetName("wan"))
	sort.Strings(want)
	if err != nil || fmt.Sprint(sets) != fmt.Sprint(want) {
		t.Fatalf("Sets() = %q, %v; want %q", sets, err, want)
	}
	devs, err := k.ZoneDevices("wan")
	sort.Strings(devs)
	if err != nil || fmt.Sprint(devs) != "[eth1 pppoe-wan wwan0]" {
		t.Fatalf("ZoneDevices(wan) = %q, %v", devs, err)
	}
	if devs, err := k.ZoneDevices("lan"); err != nil || fmt.Sprint(devs) != "[br-lan]" {
		t.Fatalf("ZoneDevices(lan) = %q, %v", devs, err)
	}
	if devs, err := k.ZoneDevices("dmz"); err != nil || devs != nil {
		t.Fatalf("ZoneDevices(dmz) = %q, %v", devs, err)
	}
	for _, devs := range [][]string{{"eth1", "pppoe-wan"}, {"wwan0"}, nil} {
		if err := k.SetDevices("wan", devs); err != nil {
			t.Fatal(err)
		}
		keys, err := k.Keys(DevSetName("wan"))
		var got []string
		for key := range keys {
			got = append(got, cstr([]byte(key)))
		}
		sort.Strings(got)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(devs) && len(devs) > 0 || len(devs) == 0 && len(got) != 0 {
			t.Fatalf("device set after SetDevices(%q): %q, %v", devs, got, err)
		}
	}

	els := testDoors(t)
	var wan []Elem
	for _, e := range els {
		if z, _ := zoneOf(e.Set); z == "wan" {
			wan = append(wan, e)
		}
	}
	if err := k.Apply(nil, wan, time.Hour); err != nil {
		t.Fatal(err)
	}
	for _, e := range wan {
		keys, err := k.Keys(e.Set)
		if err != nil || !keys[string(e.Key)] {
			t.Fatalf("%s not listed after Apply: %v", e, err)
		}
	}
	out, _ := ns.Exec("nft", "list", "map", "inet", "fw4", "uciknock_wan_dnat4")
	if !contains(out, "198.51.100.9 . udp . 2222 timeout 1h") || !contains(out, ": 192.168.1.10 . 22") {
		t.Fatalf("map element:\n%s", out)
	}
	// Adding again is no error; deleting a missing element is, naming it,
	// and the whole batch is refused (the first deletion stays undone).
	if err := k.Apply(nil, wan[:1], time.Minute); err != nil {
		t.Fatalf("add of an element that is there: %v", err)
	}
	err = k.Apply(wan[:1], nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	err = k.Apply(wan[1:2], wan[:1], 0)
	if err != nil {
		t.Fatal(err)
	}
	err = k.Apply([]Elem{wan[0], wan[1]}, nil, 0)
	if !errors.Is(err, unix.ENOENT) || !contains(err.Error(), "delete "+wan[1].String()) || contains(err.Error(), wan[0].String()) {
		t.Fatalf("deleting a missing element: %v", err)
	}
	if keys, _ := k.Keys(wan[0].Set); !keys[string(wan[0].Key)] {
		t.Fatal("a failed batch applied its first deletion")
	}
	lan := Elem{Set: SetName("lan", kindIn, 6), Key: els[2].Key}
	if err := k.Apply(nil, []Elem{lan}, time.Minute); !errors.Is(err, unix.ENOENT) || !contains(err.Error(), lan.Set) {
		t.Fatalf("adding to a missing set: %v", err)
	}
	if _, err := k.Keys("uciknock_none_in4"); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("Keys of a missing set: %v", err)
	}
	// A key of the wrong length is the kernel's EINVAL, not a hang.
	if err := k.Apply(nil, []Elem{{Set: wan[0].Set, Key: []byte{1, 2, 3}}}, 0); !errors.Is(err, unix.EINVAL) {
		t.Fatalf("bad key: %v", err)
	}
	// Many elements in one batch: every ack is collected.
	var many []Elem
	for i := 0; i < 600; i++ {
		d := door.Door{Kind: door.Rule, Prefix: "M", Src: netip.AddrFrom4([4]byte{198, 18, byte(i >> 8), byte(i)}), Port: 22, SrcZone: "wan"}
		es, err := Elements(d)
		if err != nil {
			t.Fatal(err)
		}
		many = append(many, es...)
	}
	if err := k.Apply(nil, many, time.Minute); err != nil {
		t.Fatal(err)
	}
	if keys, err := k.Keys(many[0].Set); err != nil || len(keys) < len(many) {
		t.Fatalf("%d keys after adding %d: %v", len(keys), len(many), err)
	}
	if err := k.Apply(many, nil, 0); err != nil {
		t.Fatal(err)
	}
	// As many errors as elements: more than the socket buffer holds.
	// The batch fails, and the socket answers the next request right.
	if err := k.Apply(many, nil, 0); err == nil {
		t.Fatal("deleting missing elements: no error")
	} else {
		t.Logf("deleting %d missing elements: %.200v", len(many), err)
	}
	if err := k.Apply(nil, wan[1:2], time.Minute); err != nil {
		t.Fatalf("after a failed batch: %v", err)
	}
	if keys, err := k.Keys(wan[1].Set); err != nil || !keys[string(wan[1].Key)] || len(keys) != 2 {
		t.Fatalf("after a failed batch: %d keys, %v", len(keys), err)
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	if err := k.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := k.Apply(nil, wan[:1], 0); err == nil {
		t.Fatal("Apply after Close: no error")
	}
}
