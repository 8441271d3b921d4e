//go:build linux

package fastpath

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/nftables"
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
