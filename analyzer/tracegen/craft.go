package tracegen

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Event types of the Go 1.26 wire format (golang.org/x/exp/trace's
// internal/tracev2), for Crafter.Event.
const (
	EvStacks          = 2
	EvStack           = 3
	EvStrings         = 4
	EvString          = 5
	EvFrequency       = 8
	EvProcStart       = 10
	EvProcStop        = 11
	EvProcStatus      = 13
	EvGoCreate        = 14
	EvGoStart         = 16
	EvGoDestroy       = 17
	EvGoStop          = 19
	EvGoBlock         = 20
	EvGoUnblock       = 21
	EvGoStatus        = 25
	EvUserTaskBegin   = 40
	EvUserTaskEnd     = 41
	EvUserRegionBegin = 42
	EvUserRegionEnd   = 43
	EvUserLog         = 44
	EvSync            = 50
	EvClockSnapshot   = 51
	EvEndOfGeneration = 52

	evEventBatch = 1
)

// Goroutine and P statuses of the wire format (GoStatus, ProcStatus events).
const (
	GoRunnable  = 1
	GoRunning   = 2
	GoSyscall   = 3
	GoWaiting   = 4
	ProcRunning = 1
	ProcIdle    = 2
)

// maxBatch is the largest batch body the format allows; Crafter starts a
// new batch before a body would pass half of it, as the runtime does.
const maxBatch = 64 << 10

// Crafter writes a Go 1.26 (or 1.25) execution trace in the wire format,
// event by event, for shapes of trace the runtime does not write at will: a million
// goroutines alive at once, a hundred thousand tiny generations, strings
// with control characters. It tracks batches and their sizes, the clock,
// and each generation's string and stack tables; it does not check that the
// events make sense (x/exp/trace does, when reading).
//
// The clock runs at 1 tick per nanosecond and advances by Step ticks (1
// unless set) before each event.
type Crafter struct {
	w   *bufio.Writer
	err error

	// Step is the number of ticks (ns) the clock advances before each event.
	Step uint64

	version int    // 26, or 25: no end-of-generation markers
	gen     uint64 // current generation number; 0 before the first
	inGen   bool
	now     uint64
	open    map[uint64]*craftBatch // by M
	order   []uint64               // Ms in the order their batches opened
	strs    map[string]uint64
	strIDs  []string
	stacks  map[string]uint64 // by encoded frames
	stkEnc  [][]byte
	buf     []byte
}

type craftBatch struct {
	base, last uint64
	body       []byte
}

// Frame is one frame of a crafted stack.
type Frame struct {
	PC   uint64
	Func string
	File string
	Line uint64
}

// NewCrafter writes the header of a Go 1.26 trace to w and returns a
// Crafter for its body. Call Flush at the end.
func NewCrafter(w io.Writer) *Crafter { return NewCrafterVersion(w, 26) }

// NewCrafterVersion is NewCrafter for format version 26 or 25 (Go 1.25,
// whose generations end where the next one's batches begin, without a
// marker).
func NewCrafterVersion(w io.Writer, version int) *Crafter {
	if version != 25 {
		version = 26
	}
	c := &Crafter{w: bufio.NewWriterSize(w, 1<<20), Step: 1, now: 1000, version: version}
	c.write(fmt.Appendf(nil, "go 1.%d trace\x00\x00\x00", version))
	return c
}

func (c *Crafter) write(b []byte) {
	if c.err == nil {
		_, c.err = c.w.Write(b)
	}
}

// Begin starts the next generation (numbered one more than the previous,
// from 1) with its sync batch. An open generation is ended first.
func (c *Crafter) Begin() { c.BeginNumber(c.gen + 1) }

// BeginNumber starts a generation with the given number, which a real trace
// always makes one more than the previous: crafted traces may break that.
func (c *Crafter) BeginNumber(gen uint64) {
	if c.inGen {
		c.End()
	}
	c.gen, c.inGen = gen, true
	c.open = map[uint64]*craftBatch{}
	c.order = c.order[:0]
	c.strs = map[string]uint64{}
	c.strIDs = c.strIDs[:0]
	c.stacks = map[string]uint64{}
	c.stkEnc = c.stkEnc[:0]
	// The sync batch: frequency (1e9 ticks per second) and a clock snapshot.
	c.now += c.Step
	body := []byte{EvSync, EvFrequency}
	body = binary.AppendUvarint(body, 1_000_000_000)
	body = append(body, EvClockSnapshot)
	body = binary.AppendUvarint(body, 0)     // time since the batch's base
	body = binary.AppendUvarint(body, c.now) // monotonic clock
	body = binary.AppendUvarint(body, 1_700_000_000+c.now/1e9)
	body = binary.AppendUvarint(body, c.now%1e9)
	c.writeBatch(^uint64(0), c.now, body)
}

// String returns the id of s in the current generation's string table.
func (c *Crafter) String(s string) uint64 {
	if s == "" {
		return 0
	}
	if id, ok := c.strs[s]; ok {
		return id
	}
	c.strIDs = append(c.strIDs, s)
	id := uint64(len(c.strIDs))
	c.strs[s] = id
	return id
}

// Stack returns the id of a stack in the current generation's stack table.
func (c *Crafter) Stack(frames ...Frame) uint64 {
	if len(frames) == 0 {
		return 0
	}
	var enc []byte
	enc = binary.AppendUvarint(enc, uint64(len(frames)))
	for _, f := range frames {
		enc = binary.AppendUvarint(enc, f.PC)
		enc = binary.AppendUvarint(enc, c.String(f.Func))
		enc = binary.AppendUvarint(enc, c.String(f.File))
		enc = binary.AppendUvarint(enc, f.Line)
	}
	if id, ok := c.stacks[string(enc)]; ok {
		return id
	}
	c.stkEnc = append(c.stkEnc, enc)
	id := uint64(len(c.stkEnc))
	c.stacks[string(enc)] = id
	return id
}

// Event appends a timed event of type typ with args (its arguments after
// the timestamp) to thread m's batch in the current generation.
func (c *Crafter) Event(m uint64, typ byte, args ...uint64) {
	if !c.inGen {
		c.Begin()
	}
	c.now += c.Step
	b := c.open[m]
	if b != nil && len(b.body) > maxBatch/2 {
		c.flushBatch(m, b)
		b = nil
	}
	if b == nil {
		b = &craftBatch{base: c.now, last: c.now}
		c.open[m] = b
		c.order = append(c.order, m)
	}
	b.body = append(b.body, typ)
	b.body = binary.AppendUvarint(b.body, c.now-b.last)
	b.last = c.now
	for _, a := range args {
		b.body = binary.AppendUvarint(b.body, a)
	}
}

// Sleep advances the clock by ticks (ns) without an event.
func (c *Crafter) Sleep(ticks uint64) { c.now += ticks }

// Log appends a trace.Log event (task 0) on thread m.
func (c *Crafter) Log(m uint64, category, message string, stack uint64) {
	c.Event(m, EvUserLog, 0, c.String(category), c.String(message), stack)
}

func (c *Crafter) flushBatch(m uint64, b *craftBatch) {
	c.writeBatch(m, b.base, b.body)
	delete(c.open, m)
	if i := slices.Index(c.order, m); i >= 0 {
		c.order = slices.Delete(c.order, i, i+1)
	}
}

func (c *Crafter) writeBatch(m, ts uint64, body []byte) {
	c.buf = append(c.buf[:0], evEventBatch)
	c.buf = binary.AppendUvarint(c.buf, c.gen)
	c.buf = binary.AppendUvarint(c.buf, m)
	c.buf = binary.AppendUvarint(c.buf, ts)
	c.buf = binary.AppendUvarint(c.buf, uint64(len(body)))
	c.write(c.buf)
	c.write(body)
}

// End ends the current generation: its event batches, stack and string
// tables, and the end-of-generation marker.
func (c *Crafter) End() {
	if !c.inGen {
		return
	}
	for len(c.order) > 0 {
		m := c.order[0]
		c.flushBatch(m, c.open[m])
	}
	// Stacks, then strings (stacks may add strings).
	body := []byte{EvStacks}
	for i, enc := range c.stkEnc {
		if len(body) > maxBatch/2 {
			c.writeBatch(^uint64(0), c.now, body)
			body = []byte{EvStacks}
		}
		body = append(body, EvStack)
		body = binary.AppendUvarint(body, uint64(i+1))
		body = append(body, enc...)
	}
	if len(c.stkEnc) > 0 {
		c.writeBatch(^uint64(0), c.now, body)
	}
	body = []byte{EvStrings}
	for i, s := range c.strIDs {
		if len(body) > maxBatch/2 {
			c.writeBatch(^uint64(0), c.now, body)
			body = []byte{EvStrings}
		}
		body = append(body, EvString)
		body = binary.AppendUvarint(body, uint64(i+1))
		body = binary.AppendUvarint(body, uint64(len(s)))
		body = append(body, s...)
	}
	if len(c.strIDs) > 0 {
		c.writeBatch(^uint64(0), c.now, body)
	}
	if c.version >= 26 {
		c.write([]byte{EvEndOfGeneration})
	}
	c.inGen = false
}

// Flush ends the open generation and flushes the output. It returns the
// first write error.
func (c *Crafter) Flush() error {
	c.End()
	if c.err == nil {
		c.err = c.w.Flush()
	}
	return c.err
}

// workerStack is the start stack of crafted goroutines.
var workerStack = []Frame{{PC: 0x401000, Func: "main.worker", File: "/src/main.go", Line: 10}}
var mainStack = []Frame{{PC: 0x402000, Func: "main.main", File: "/src/main.go", Line: 20}}

// ManyAlive writes a trace in which goroutine 1 (main.main, running on P 0)
// creates n goroutines in the first generation, none of which ever runs;
// each of the gens-1 generations after it re-announces all of them
// (Runnable), as the runtime does for every goroutine at every generation.
// With gens = 1 it is n GoCreate events in one generation (about 7.5 bytes
// each).
func ManyAlive(w io.Writer, n, gens int) error {
	if n < 1 || gens < 1 {
		return errors.New("tracegen: ManyAlive needs n >= 1 and gens >= 1")
	}
	c := NewCrafter(w)
	for g := range gens {
		c.Begin()
		c.Event(1, EvProcStatus, 0, ProcRunning)
		c.Event(1, EvGoStatus, 1, 1, GoRunning)
		start := c.Stack(workerStack...)
		creator := c.Stack(mainStack...)
		for i := range n {
			id := uint64(i + 2)
			if g == 0 {
				c.Event(1, EvGoCreate, id, start, creator)
			} else {
				c.Event(1, EvGoStatus, id, ^uint64(0), GoRunnable)
			}
		}
		c.End()
	}
	return c.Flush()
}

// TinyGenerations writes a trace of gens generations of a few events each
// (about 100 bytes, without stacks or strings): in every generation, a
// goroutine running on P 0 creates another and blocks; the new one runs
// and ends, and the first is woken and runs again.
func TinyGenerations(w io.Writer, gens int) error {
	if gens < 1 {
		return errors.New("tracegen: TinyGenerations needs gens >= 1")
	}
	c := NewCrafter(w)
	c.Step = 1000
	for g := range gens {
		c.Begin()
		c.Event(1, EvProcStatus, 0, ProcRunning)
		c.Event(1, EvGoStatus, 1, 1, GoRunning)
		id := uint64(g + 2)
		c.Event(1, EvGoCreate, id, 0, 0)
		c.Event(1, EvGoBlock, 0, 0)
		c.Event(1, EvGoStart, id, 1)
		c.Event(1, EvGoDestroy)
		c.Event(1, EvGoUnblock, 1, 1, 0) // main, woken by the runtime
		c.Event(1, EvGoStart, 1, 2)
		c.End()
	}
	return c.Flush()
}

// Strings writes a one-generation trace whose task types, region names, log
// categories and messages, goroutine start function and wait reason are the
// given strings (each used for all of them), for tests of escaping.
func Strings(w io.Writer, s ...string) error {
	c := NewCrafter(w)
	c.Step = 1000
	c.Begin()
	c.Event(1, EvProcStatus, 0, ProcRunning)
	c.Event(1, EvGoStatus, 1, 1, GoRunning)
	main := c.Stack(mainStack...)
	for i, str := range s {
		task := uint64(i + 1)
		c.Event(1, EvUserTaskBegin, task, 0, c.String(str), main)
		c.Event(1, EvUserRegionBegin, task, c.String(str), main)
		c.Event(1, EvUserLog, task, c.String(str), c.String(str), main)
		c.Event(1, EvUserRegionEnd, task, c.String(str), main)
		c.Event(1, EvUserTaskEnd, task, main)
		id := uint64(100 + i)
		fn := c.Stack(Frame{PC: 0x500000 + uint64(i)*16, Func: str, File: str, Line: 1})
		c.Event(1, EvGoCreate, id, fn, main)
		c.Event(1, EvGoStop, c.String("runtime.Gosched"), main)
		c.Event(1, EvGoStart, id, 1)
		c.Event(1, EvGoBlock, c.String(str), fn) // blocked forever: a leak
		c.Event(1, EvGoStart, 1, uint64(i+1))
	}
	c.End()
	// A second generation, long enough after the first for the blocked
	// goroutines to be suspected leaks.
	c.Sleep(2_000_000_000)
	c.Begin()
	c.Event(1, EvProcStatus, 0, ProcRunning)
	c.Event(1, EvGoStatus, 1, 1, GoRunning)
	for i := range s {
		c.Event(1, EvGoStatus, uint64(100+i), ^uint64(0), GoWaiting)
	}
	c.Event(1, EvGoBlock, c.String("sleep"), c.Stack(mainStack...))
	c.End()
	return c.Flush()
}

// Junk writes a Go 1.26 trace of gens generations of about size bytes each,
// whose batches have valid headers and bodies of zeros, ended by
// end-of-generation markers. Compressed, it shrinks about a thousand times:
// a gzip bomb. With plausible set, each generation starts with a real sync
// batch and every body with a real event type, so that only a parser that
// reads the generation whole finds it is junk.
func Junk(w io.Writer, gens int, size int64, plausible bool) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	if _, err := bw.WriteString("go 1.26 trace\x00\x00\x00"); err != nil {
		return err
	}
	body := make([]byte, maxBatch)
	if plausible {
		body[0] = EvGoStatus
	}
	var hdr []byte
	for g := range gens {
		if plausible {
			sync := []byte{EvSync, EvFrequency}
			sync = binary.AppendUvarint(sync, 1_000_000_000)
			sync = append(sync, EvClockSnapshot, 0, 1, 1, 1)
			hdr = append(hdr[:0], evEventBatch)
			for _, v := range []uint64{uint64(g + 1), ^uint64(0), 1000, uint64(len(sync))} {
				hdr = binary.AppendUvarint(hdr, v)
			}
			bw.Write(hdr)
			bw.Write(sync)
		}
		for n := int64(0); n < size; n += int64(len(body)) {
			hdr = append(hdr[:0], evEventBatch)
			hdr = binary.AppendUvarint(hdr, uint64(g+1))
			hdr = binary.AppendUvarint(hdr, 1)
			hdr = binary.AppendUvarint(hdr, uint64(1000+n))
			hdr = binary.AppendUvarint(hdr, uint64(len(body)))
			bw.Write(hdr)
			if _, err := bw.Write(body); err != nil {
				return err
			}
		}
		bw.WriteByte(EvEndOfGeneration)
	}
	return bw.Flush()
}
