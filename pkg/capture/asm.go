package capture

import (
	"errors"
	"fmt"

	"golang.org/x/net/bpf"
)

// maxInstructions is the kernel's limit for a classic BPF socket filter
// (BPF_MAXINSNS).
const maxInstructions = 4096

// maxSkip is the farthest a conditional jump can reach: its jt and jf
// offsets are 8 bits wide.
const maxSkip = 255

// asm assembles classic BPF with symbolic labels. Jumps only go forward
// (classic BPF cannot jump back). A conditional jump whose target lies more
// than 255 instructions ahead gets a trampoline: an unconditional ja
// (32-bit offset) placed right after it.
type asm struct {
	items  []item
	labels map[string]int // label → index in items of the next instruction
	err    error          // first construction error (a duplicate label)
}

// item is one instruction; cond jumps carry their targets as labels ("" is
// the next instruction).
type item struct {
	ins    bpf.Instruction // nil for conditional and unconditional jumps
	cond   bpf.JumpTest
	val    uint32
	jt, jf string
	ja     string // unconditional jump target
	// farT and farF are set during layout when the target needs a
	// trampoline.
	farT, farF bool
}

func newAsm() *asm { return &asm{labels: map[string]int{}} }

// label names the position of the next instruction.
func (a *asm) label(name string) {
	if _, dup := a.labels[name]; dup && a.err == nil {
		a.err = fmt.Errorf("capture: duplicate BPF label %q", name)
	}
	a.labels[name] = len(a.items)
}

func (a *asm) op(ins ...bpf.Instruction) {
	for _, in := range ins {
		a.items = append(a.items, item{ins: in})
	}
}

// jump emits "if A <cond> val goto jt else goto jf".
func (a *asm) jump(cond bpf.JumpTest, val uint32, jt, jf string) {
	a.items = append(a.items, item{cond: cond, val: val, jt: jt, jf: jf})
}

// goTo emits an unconditional jump.
func (a *asm) goTo(target string) { a.items = append(a.items, item{ja: target}) }

func (it *item) isCond() bool { return it.ins == nil && it.ja == "" }

// size is the number of machine instructions the item occupies.
func (it *item) size() int {
	n := 1
	if it.farT {
		n++
	}
	if it.farF {
		n++
	}
	return n
}

// layout returns the machine position of every item (plus one past the
// end).
func (a *asm) layout() []int {
	pos := make([]int, len(a.items)+1)
	for i := range a.items {
		pos[i+1] = pos[i] + a.items[i].size()
	}
	return pos
}

func (a *asm) target(name string, pos []int) (int, error) {
	i, ok := a.labels[name]
	if !ok {
		return 0, fmt.Errorf("capture: undefined BPF label %q", name)
	}
	return pos[i], nil
}

// assemble resolves labels, adds trampolines until every conditional jump
// fits, and returns the machine code.
func (a *asm) assemble() ([]bpf.RawInstruction, error) {
	if a.err != nil {
		return nil, a.err
	}
	for changed := true; changed; {
		changed = false
		pos := a.layout()
		for i := range a.items {
			it := &a.items[i]
			if !it.isCond() {
				continue
			}
			next := pos[i] + 1
			for _, t := range []struct {
				label string
				far   *bool
			}{{it.jt, &it.farT}, {it.jf, &it.farF}} {
				if t.label == "" || *t.far {
					continue
				}
				p, err := a.target(t.label, pos)
				if err != nil {
					return nil, err
				}
				if p-next > maxSkip {
					*t.far, changed = true, true
				}
			}
		}
	}
	prog, err := a.emit(a.layout())
	if err != nil {
		return nil, err
	}
	if len(prog) > maxInstructions {
		return nil, fmt.Errorf("capture: BPF program has %d instructions, the kernel allows %d", len(prog), maxInstructions)
	}
	return bpf.Assemble(prog)
}

// emit produces instructions for a settled layout.
func (a *asm) emit(pos []int) ([]bpf.Instruction, error) {
	prog := make([]bpf.Instruction, 0, pos[len(a.items)])
	for i := range a.items {
		it := &a.items[i]
		here := pos[i]
		switch {
		case it.ins != nil:
			prog = append(prog, it.ins)
		case it.ja != "":
			p, err := a.target(it.ja, pos)
			if err != nil {
				return nil, err
			}
			prog = append(prog, bpf.Jump{Skip: uint32(p - here - 1)})
		default:
			ins, tramps, err := a.cond(it, here, pos)
			if err != nil {
				return nil, err
			}
			prog = append(prog, ins)
			prog = append(prog, tramps...)
		}
	}
	return prog, nil
}

// cond emits a conditional jump at machine position here, with its
// trampolines (jt's first, then jf's) right after it.
func (a *asm) cond(it *item, here int, pos []int) (bpf.Instruction, []bpf.Instruction, error) {
	after := here + it.size() // the instruction after the jump and its trampolines
	var tramps []bpf.Instruction
	skip := func(label string, far bool) (uint8, error) {
		p := after
		if label != "" {
			var err error
			if p, err = a.target(label, pos); err != nil {
				return 0, err
			}
		}
		if far {
			slot := here + 1 + len(tramps)
			tramps = append(tramps, bpf.Jump{Skip: uint32(p - slot - 1)})
			return uint8(slot - here - 1), nil
		}
		d := p - here - 1
		if d < 0 || d > maxSkip {
			return 0, errors.New("capture: BPF jump out of range") // unreachable after layout
		}
		return uint8(d), nil
	}
	jt, err := skip(it.jt, it.farT)
	if err != nil {
		return nil, nil, err
	}
	jf, err := skip(it.jf, it.farF)
	if err != nil {
		return nil, nil, err
	}
	return bpf.JumpIf{Cond: it.cond, Val: it.val, SkipTrue: jt, SkipFalse: jf}, tramps, nil
}
