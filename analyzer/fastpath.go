package analyzer

import (
	"sync/atomic"
	"unsafe"

	"golang.org/x/exp/trace"
)

// The fast path decodes the most frequent goroutine transitions straight
// from the fields of trace.Event, skipping Event.StateTransition, which
// copies the event and builds strings and stack handles the tracker mostly
// does not need: it makes the analysis about a third cheaper.
//
// It depends on the layout of golang.org/x/exp/trace's Event at the version
// in go.mod. Two guards keep it honest: the layout's size is checked once,
// and every generation compares the fast decoding of its first transitions
// of each kind (their time and thread included) with StateTransition, Time
// and Thread; any difference turns the fast path off
// for the rest of the process. TestFastPathMatches compares every
// transition of real traces.

// rawEvent mirrors trace.Event: table, schedCtx{G, P, M}, baseEvent{typ,
// time, args}.
type rawEvent struct {
	table unsafe.Pointer
	g     int64
	p     int64
	m     int64
	typ   uint8
	time  int64
	args  [4]uint64
}

// Wire event types of golang.org/x/exp/trace/internal/tracev2.
const (
	evGoCreate            = 14
	evGoStart             = 16
	evGoDestroy           = 17
	evGoStop              = 19
	evGoBlock             = 20
	evGoUnblock           = 21
	evGoSyscallBegin      = 22
	evGoSyscallEnd        = 23
	evGoSyscallEndBlocked = 24
	numFastTypes          = 25
)

// fastOff is set when a check found the fast decoding wrong.
var fastOff atomic.Bool

func init() {
	if unsafe.Sizeof(trace.Event{}) != unsafe.Sizeof(rawEvent{}) || !handleLayoutOK {
		fastOff.Store(true)
	}
}

// fastChecks is how many transitions of each wire type a generation checks
// against StateTransition before trusting the fast path.
const fastChecks = 4

// fastTransition decodes ev into tr if it is a transition the fast path
// knows, and reports whether it did.
func (p *partial) fastTransition(ev *trace.Event, tr *transition) bool {
	if fastOff.Load() {
		return false
	}
	raw := (*rawEvent)(unsafe.Pointer(ev))
	typ := raw.typ
	if typ >= numFastTypes {
		return false
	}
	switch typ {
	case evGoStart:
		tr.id, tr.from, tr.to = trace.GoID(raw.args[0]), goRunnable, goRunning
		tr.reason, tr.stack, tr.evStack = 0, trace.NoStack, trace.NoStack
	case evGoStop, evGoBlock:
		tr.id, tr.from = trace.GoID(raw.g), goRunning
		tr.to = goRunnable
		if typ == evGoBlock {
			tr.to = goWaiting
		}
		r, ok := p.reasonOf(ev, raw.args[0])
		if !ok {
			return false
		}
		tr.reason = r
		tr.stack = makeStack(raw.table, raw.args[1])
		tr.evStack = tr.stack
	case evGoUnblock:
		tr.id, tr.from, tr.to = trace.GoID(raw.args[0]), goWaiting, goRunnable
		tr.reason, tr.stack = 0, trace.NoStack
		tr.evStack = makeStack(raw.table, raw.args[2])
	case evGoCreate:
		tr.id, tr.from, tr.to = trace.GoID(raw.args[0]), goNotExist, goRunnable
		tr.reason = 0
		tr.stack = makeStack(raw.table, raw.args[1])
		tr.evStack = makeStack(raw.table, raw.args[2])
	case evGoDestroy:
		tr.id, tr.from, tr.to = trace.GoID(raw.g), goRunning, goNotExist
		tr.reason, tr.stack, tr.evStack = 0, trace.NoStack, trace.NoStack
	case evGoSyscallBegin:
		tr.id, tr.from, tr.to = trace.GoID(raw.g), goRunning, goSyscall
		tr.reason = 0
		tr.stack = makeStack(raw.table, raw.args[1])
		tr.evStack = tr.stack
	case evGoSyscallEnd, evGoSyscallEndBlocked:
		tr.id, tr.from, tr.to = trace.GoID(raw.g), goSyscall, goRunning
		if typ == evGoSyscallEndBlocked {
			tr.to = goRunnable
		}
		tr.reason, tr.stack, tr.evStack = 0, trace.NoStack, trace.NoStack
	default:
		return false
	}
	tr.proc = int32(raw.p)
	tr.by = trace.GoID(raw.g)
	if p.fastChecked[typ] < fastChecks {
		p.fastChecked[typ]++
		var want transition
		st := ev.StateTransition()
		p.slowTransition(ev, &st, &want)
		if want != *tr || raw.time != int64(ev.Time()) || trace.ThreadID(raw.m) != ev.Thread() {
			fastOff.Store(true)
			*tr = want
		}
	}
	return true
}

// normStack turns a handle of the empty stack into NoStack.
func normStack(s trace.Stack) trace.Stack {
	if handleLayoutOK && (*stackHandle)(unsafe.Pointer(&s)).id == 0 {
		return trace.NoStack
	}
	return s
}

// makeStack builds the handle of stack id in table.
func makeStack(table unsafe.Pointer, id uint64) trace.Stack {
	if id == 0 {
		return trace.NoStack
	}
	h := stackHandle{table: table, id: id}
	return *(*trace.Stack)(unsafe.Pointer(&h))
}

// reasonOf returns the local id of the reason string with the trace's string
// id sid, learning it from StateTransition the first time.
func (p *partial) reasonOf(ev *trace.Event, sid uint64) (strID, bool) {
	if sid < uint64(len(p.reasonByID)) {
		if r := p.reasonByID[sid]; r != 0 {
			return r - 1, true
		}
	}
	if sid >= 1<<16 {
		return 0, false
	}
	st := ev.StateTransition()
	r := p.str(st.Reason)
	for uint64(len(p.reasonByID)) <= sid {
		p.reasonByID = append(p.reasonByID, 0)
	}
	p.reasonByID[sid] = r + 1
	return r, true
}
