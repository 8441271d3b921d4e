package fastpath

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/uciknock/uciknock/internal/nfnl"
	"github.com/uciknock/uciknock/internal/nlattr"
)

// The nf_tables netlink codec: the few messages the fast path sends
// (element batches, dumps of sets, elements and rules) and what it reads
// back (acks, dump parts). Numbers are from linux/netlink.h,
// linux/netfilter/nfnetlink.h and linux/netfilter/nf_tables.h. Netlink
// headers and attribute headers are in host byte order; nfgenmsg's
// res_id and the numbers inside nf_tables attributes are big-endian.
// Nothing here opens a socket (nft_linux.go does), so the codec is
// tested on every architecture, big-endian mips included.
const (
	batchBegin = 0x10 // NFNL_MSG_BATCH_BEGIN
	batchEnd   = 0x11 // NFNL_MSG_BATCH_END

	msgGetRule    = 7
	msgGetSet     = 10
	msgGetSetElem = 13

	// enum nft_set_elem_list_attributes (also the table and set name
	// of NFT_MSG_GETSET: NFTA_SET_TABLE=1, NFTA_SET_NAME=2).
	attrListTable    = 1
	attrListSet      = 2
	attrListElements = 3
	attrListElem     = 1 // NFTA_LIST_ELEM
	// enum nft_set_elem_attributes
	attrElemKey     = 1
	attrElemData    = 2
	attrElemTimeout = 4
	attrDataValue   = 1 // NFTA_DATA_VALUE
	attrDataVerdict = 2 // NFTA_DATA_VERDICT

	// enum nft_rule_attributes, nft_expr_attributes
	attrRuleTable = 1
	attrRuleChain = 2
	attrRuleExprs = 4
	attrExprName  = 1
	attrExprData  = 2

	metaKey        = 2 // NFTA_META_KEY
	metaIIFName    = 6 // NFT_META_IIFNAME
	cmpOp          = 2 // NFTA_CMP_OP
	cmpData        = 3 // NFTA_CMP_DATA
	cmpEq          = 0 // NFT_CMP_EQ
	lookupSet      = 1 // NFTA_LOOKUP_SET
	lookupFlags    = 5 // NFTA_LOOKUP_FLAGS
	lookupInv      = 1 // NFT_LOOKUP_F_INV
	immediateDReg  = 1 // NFTA_IMMEDIATE_DREG
	immediateData  = 2 // NFTA_IMMEDIATE_DATA
	verdictCode    = 1 // NFTA_VERDICT_CODE
	verdictChain   = 2 // NFTA_VERDICT_CHAIN
	verdictJump    = -3
	regVerdict     = 0 // NFT_REG_VERDICT
	ifnameLen      = 16
	maxBatchErrors = 8 // errors named one by one; the rest are counted
)

// batch is one nf_tables transaction: NFNL_MSG_BATCH_BEGIN, the
// messages, NFNL_MSG_BATCH_END, each with its own sequence number from
// seq on. what names each message for errors.
//
// Only the last message asks for an ack. The kernel answers an error
// for every message that fails whether asked or not, queues the answers
// in order and sends them all before the send returns, after an error
// about the batch as a whole (a failed commit). The last message's ack
// therefore ends the answers; an ack for each message would overflow
// the socket's buffer for a batch of a few hundred elements.
type batch struct {
	seq  uint32 // the begin message's
	msgs []byte
	what []string
	last int // offset of the last message in msgs
}

func (b *batch) add(typ, flags uint16, attrs []byte, what string) {
	b.what = append(b.what, what)
	b.last = len(b.msgs)
	seq := b.seq + uint32(len(b.what))
	b.msgs = nfnl.AppendMsg(b.msgs, subsysNFTables<<8|typ, flags, seq, familyINet, 0, attrs)
}

// bytes returns the whole batch as one datagram.
func (b *batch) bytes() []byte {
	out := nfnl.AppendMsg(nil, batchBegin, nfnl.Request, b.seq, 0, subsysNFTables, nil)
	at := len(out) + b.last + 6 // the last message's nlmsg_flags
	out = append(out, b.msgs...)
	if len(b.what) > 0 {
		binary.NativeEndian.PutUint16(out[at:], binary.NativeEndian.Uint16(out[at:])|nfnl.Ack)
	}
	return nfnl.AppendMsg(out, batchEnd, nfnl.Request, b.seq+uint32(len(b.what))+1, 0, subsysNFTables, nil)
}

// elemAttrs is the body of NEWSETELEM/DELSETELEM for elements of one
// set of table inet fw4. Adds carry their map data and, when timeout is
// above 0, NFTA_SET_ELEM_TIMEOUT in milliseconds.
func elemAttrs(set string, elems []Elem, add bool, timeout time.Duration) []byte {
	var list []byte
	for _, e := range elems {
		el := nlattr.Append(nil, attrElemKey|nlattr.Nested, nlattr.Append(nil, attrDataValue, e.Key))
		if add && timeout > 0 {
			el = nlattr.Append(el, attrElemTimeout, binary.BigEndian.AppendUint64(nil, uint64(timeout.Milliseconds())))
		}
		if add && len(e.Val) > 0 {
			el = nlattr.Append(el, attrElemData|nlattr.Nested, nlattr.Append(nil, attrDataValue, e.Val))
		}
		list = nlattr.Append(list, attrListElem|nlattr.Nested, el)
	}
	b := setAttrs(set)
	return nlattr.Append(b, attrListElements|nlattr.Nested, list)
}

// setAttrs names a set of table inet fw4 (NFTA_SET_ELEM_LIST_TABLE and
// _SET, the same numbers as NFTA_SET_TABLE and _NAME); set "" names the
// table alone.
func setAttrs(set string) []byte {
	b := nlattr.AppendString(nil, attrListTable, Table)
	if set != "" {
		b = nlattr.AppendString(b, attrListSet, set)
	}
	return b
}

// applyBatch is Apply's transaction: one message per element, deletions
// first, so that an error names its element.
func applyBatch(seq uint32, dels, adds []Elem, timeout time.Duration) *batch {
	b := &batch{seq: seq}
	for _, e := range dels {
		b.add(msgDelSetElem, nfnl.Request, elemAttrs(e.Set, []Elem{e}, false, 0), "delete "+e.String())
	}
	for _, e := range adds {
		b.add(msgNewSetElem, nfnl.Request|nfnl.Create, elemAttrs(e.Set, []Elem{e}, true, timeout), "add "+e.String())
	}
	return b
}

// devicesBatch is SetDevices' transaction: flush the zone's device set,
// then add the interface names.
func devicesBatch(seq uint32, zone string, devs []string) *batch {
	b := &batch{seq: seq}
	set := DevSetName(zone)
	b.add(msgDelSetElem, nfnl.Request, setAttrs(set), "flush "+set)
	var els []Elem
	for _, d := range devs {
		if k, ok := ifname(d); ok {
			els = append(els, Elem{Set: set, Key: k})
		}
	}
	if len(els) > 0 {
		b.add(msgNewSetElem, nfnl.Request|nfnl.Create, elemAttrs(set, els, true, 0), fmt.Sprintf("add %d devices to %s", len(els), set))
	}
	return b
}

// dumpMsg asks for every object of a kind that attrs select.
func dumpMsg(typ uint16, seq uint32, attrs []byte) []byte {
	return nfnl.AppendMsg(nil, subsysNFTables<<8|typ, nfnl.Request|nfnl.Dump, seq, familyINet, 0, attrs)
}

// acks collects the kernel's answers to a batch: errors of single
// messages, the ack of the last one, and an error about the batch as a
// whole (addressed to the begin message: a failed commit, no
// permission).
type acks struct {
	b     *batch
	errs  []error
	whole bool // the batch as a whole failed
	last  bool // the last message was answered
	seen  []bool
}

func newAcks(b *batch) *acks {
	return &acks{b: b, seen: make([]bool, len(b.what))}
}

// read takes one datagram of answers. Answers to other requests (stale
// sequence numbers) are skipped. errno values are wrapped so that
// errors.Is finds them.
func (a *acks) read(dgram []byte, errno func(int32) error) error {
	return nfnl.WalkMsgs(dgram, func(m nfnl.Msg) error {
		if m.Type != nfnl.MsgError {
			return nil
		}
		e, err := nfnl.Errno(m.Body)
		if err != nil {
			return err
		}
		switch i := int(m.Seq - a.b.seq); {
		case m.Seq == a.b.seq || i == len(a.b.what)+1:
			if e != 0 {
				a.fail(fmt.Errorf("fastpath: nftables batch: %w", errno(e)))
			}
		case i >= 1 && i <= len(a.b.what) && !a.seen[i-1]:
			a.seen[i-1] = true
			a.last = a.last || i == len(a.b.what)
			if e != 0 {
				a.add(fmt.Errorf("fastpath: %s: %w", a.b.what[i-1], errno(e)))
			}
		}
		return nil
	})
}

// fail records an error about the whole batch (the first one).
func (a *acks) fail(err error) {
	if !a.whole {
		a.whole = true
		a.errs = append(a.errs, err)
	}
}

// add records the error of one message; past maxBatchErrors they are
// only counted.
func (a *acks) add(err error) {
	switch {
	case len(a.errs) < maxBatchErrors:
		a.errs = append(a.errs, err)
	case len(a.errs) == maxBatchErrors:
		a.errs = append(a.errs, errors.New("fastpath: more errors in the same batch"))
	}
}

// done reports that no more answers are to be waited for.
func (a *acks) done() bool { return a.last || a.whole }

// err is the batch's outcome.
func (a *acks) err() error { return errors.Join(a.errs...) }

// nfBody returns the attributes of an nf_tables message of family inet
// (after nfgenmsg); ok is false for another family or a short body.
func nfBody(body []byte) ([]byte, bool) {
	if len(body) < nfnl.GenLen || body[0] != familyINet {
		return nil, false
	}
	return body[nfnl.GenLen:], true
}

// setName reads the name of a set out of a NEWSET message body (the
// answer to GETSET) of table inet fw4.
func setName(body []byte) (string, error) {
	b, ok := nfBody(body)
	if !ok {
		return "", nil
	}
	a, err := parseAttrs(b)
	if err != nil || cstr(a[attrListTable]) != Table {
		return "", err
	}
	return cstr(a[attrListSet]), nil
}

// setElemKeys reads the keys of the elements of a NEWSETELEM message
// body (the answer to GETSETELEM).
func setElemKeys(body []byte) ([][]byte, error) {
	b, ok := nfBody(body)
	if !ok {
		return nil, nil
	}
	a, err := parseAttrs(b)
	if err != nil {
		return nil, err
	}
	return elemKeys(a[attrListElements])
}

// ruleDevices reads one rule of a GETRULE dump: whether it jumps to
// chain, and the interface names it matches with `iifname`: literal
// names (meta load iifname, cmp eq with 16 bytes) and the sets looked up
// (iifname { … } is an anonymous set; the caller reads its elements).
// Expressions it does not know are skipped.
func ruleDevices(body []byte, chain string) (jump bool, names, sets []string, err error) {
	b, ok := nfBody(body)
	if !ok {
		return false, nil, nil, nil
	}
	r, err := parseAttrs(b)
	if err != nil {
		return false, nil, nil, err
	}
	meta := false // the last expression loaded iifname
	err = nlattr.Walk(r[attrRuleExprs], func(_ uint16, ex []byte) error {
		e, err := parseAttrs(ex)
		if err != nil {
			return err
		}
		d, err := parseAttrs(e[attrExprData])
		if err != nil {
			return err
		}
		after := false
		switch cstr(e[attrExprName]) {
		case "meta":
			after = be32(d[metaKey]) == metaIIFName && len(d[metaKey]) == 4
		case "cmp":
			v, err := parseAttrs(d[cmpData])
			if err != nil {
				return err
			}
			if meta && len(d[cmpOp]) == 4 && be32(d[cmpOp]) == cmpEq && len(v[attrDataValue]) == ifnameLen {
				names = append(names, cstr(v[attrDataValue]))
			}
		case "lookup":
			if meta && (len(d[lookupFlags]) != 4 || be32(d[lookupFlags])&lookupInv == 0) && len(d[lookupSet]) > 0 {
				sets = append(sets, cstr(d[lookupSet]))
			}
		case "immediate":
			code, to, ok, err := verdictOf(d)
			if err != nil {
				return err
			}
			if ok {
				jump = code == verdictJump && to == chain
			}
		}
		meta = after
		return nil
	})
	return jump, names, sets, err
}

// verdictOf reads an immediate expression that sets the verdict
// register: its code (NFT_JUMP …) and target chain.
func verdictOf(d [32][]byte) (code int32, chain string, ok bool, err error) {
	if len(d[immediateDReg]) != 4 || be32(d[immediateDReg]) != regVerdict {
		return 0, "", false, nil
	}
	data, err := parseAttrs(d[immediateData])
	if err != nil {
		return 0, "", false, err
	}
	v, err := parseAttrs(data[attrDataVerdict])
	if err != nil || len(v[verdictCode]) != 4 {
		return 0, "", false, err
	}
	return int32(be32(v[verdictCode])), cstr(v[verdictChain]), true, nil
}

// be32 reads a big-endian u32 attribute (0 when it is not 4 bytes).
func be32(b []byte) uint32 {
	if len(b) != 4 {
		return 0
	}
	return binary.BigEndian.Uint32(b)
}
