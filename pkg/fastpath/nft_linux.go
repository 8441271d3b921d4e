//go:build linux

package fastpath

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
)

// NFT is the Kernel over netlink: one lasting nftables socket in the
// network namespace of the process.
type NFT struct {
	mu sync.Mutex // guards conn: one batch at a time
	c  *nftables.Conn
}

// DialNFT opens the netlink socket.
func DialNFT() (*NFT, error) {
	c, err := nftables.New(nftables.AsLasting())
	if err != nil {
		return nil, fmt.Errorf("fastpath: nftables netlink: %w", err)
	}
	return &NFT{c: c}, nil
}

// Close closes the socket.
func (n *NFT) Close() error { return n.c.CloseLasting() }

var fw4 = &nftables.Table{Name: Table, Family: nftables.TableFamilyINet}

func set(name string, isMap bool) *nftables.Set {
	return &nftables.Set{Table: fw4, Name: name, IsMap: isMap, HasTimeout: true, Concatenation: true}
}

// Apply implements Kernel: one batch of element deletions and additions.
func (n *NFT) Apply(dels, adds []Elem, timeout time.Duration) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, e := range dels {
		if err := n.c.SetDeleteElements(set(e.Set, e.Val != nil), []nftables.SetElement{{Key: e.Key}}); err != nil {
			return err
		}
	}
	for _, e := range adds {
		el := nftables.SetElement{Key: e.Key, Val: e.Val, Timeout: timeout}
		if err := n.c.SetAddElements(set(e.Set, e.Val != nil), []nftables.SetElement{el}); err != nil {
			return err
		}
	}
	return n.c.Flush()
}

// Sets implements Kernel: the names of our sets in table inet fw4.
func (n *NFT) Sets() ([]string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	tables, err := n.c.ListTablesOfFamily(nftables.TableFamilyINet)
	if err != nil {
		return nil, fmt.Errorf("fastpath: list tables: %w", err)
	}
	found := false
	for _, t := range tables {
		found = found || t.Name == Table
	}
	if !found {
		return nil, nil
	}
	sets, err := n.c.GetSets(fw4)
	if err != nil {
		return nil, fmt.Errorf("fastpath: list sets of inet %s: %w", Table, err)
	}
	var out []string
	for _, s := range sets {
		if strings.HasPrefix(s.Name, SetPrefix) {
			out = append(out, s.Name)
		}
	}
	return out, nil
}

// Keys returns the keys of the elements of one of our sets, as strings
// (for `uciknockd status`). A missing set is an error.
func (n *NFT) Keys(name string) (map[string]bool, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	s, err := n.c.GetSetByName(fw4, name)
	if err != nil {
		return nil, err
	}
	els, err := n.c.GetSetElements(s)
	if err != nil {
		return nil, err
	}
	keys := make(map[string]bool, len(els))
	for _, e := range els {
		keys[string(e.Key)] = true
	}
	return keys, nil
}

// ZoneDevices returns the interfaces fw4 sends to zone's chains: the
// iifname matches of the jumps to input_<zone> in fw4's input chain (the
// jump to dstnat_<zone>, when it exists, matches the same). A zone made
// of subnets or wildcard devices yields none: its forward doors are not
// live in the kernel (they open with the reload).
func (n *NFT) ZoneDevices(zone string) ([]string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	rules, err := n.c.GetRules(fw4, &nftables.Chain{Name: "input", Table: fw4})
	if err != nil {
		return nil, fmt.Errorf("fastpath: rules of inet %s input: %w", Table, err)
	}
	var devs []string
	for _, r := range rules {
		var jump bool
		var names []string
		meta := false
		for _, e := range r.Exprs {
			switch e := e.(type) {
			case *expr.Meta:
				meta = e.Key == expr.MetaKeyIIFNAME
			case *expr.Cmp:
				if meta && e.Op == expr.CmpOpEq && len(e.Data) == 16 {
					names = append(names, cstr(e.Data))
				}
				meta = false
			case *expr.Lookup:
				if meta && !e.Invert {
					s, err := n.c.GetSetByName(fw4, e.SetName)
					if err == nil {
						if els, err := n.c.GetSetElements(s); err == nil {
							for _, el := range els {
								if len(el.Key) == 16 {
									names = append(names, cstr(el.Key))
								}
							}
						}
					}
				}
				meta = false
			case *expr.Verdict:
				jump = e.Kind == expr.VerdictJump && e.Chain == "input_"+zone
			default:
				meta = false
			}
		}
		if jump {
			devs = append(devs, names...)
		}
	}
	return devs, nil
}

// SetDevices makes the zone's device set hold exactly devs (one batch).
func (n *NFT) SetDevices(zone string, devs []string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	s := &nftables.Set{Table: fw4, Name: DevSetName(zone)}
	n.c.FlushSet(s)
	var els []nftables.SetElement
	for _, d := range devs {
		if k, ok := ifname(d); ok {
			els = append(els, nftables.SetElement{Key: k})
		}
	}
	if len(els) > 0 {
		if err := n.c.SetAddElements(s, els); err != nil {
			return err
		}
	}
	return n.c.Flush()
}
