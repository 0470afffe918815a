package analyzer

import (
	"math"
	"slices"

	"golang.org/x/exp/trace"
)

// Critical paths (see README, "Why was this request slow").
//
// Every goroutine carries a chain of the segments of its history that a
// critical path ending on it would go through: its own earlier states, and
// where a wait ended because another goroutine woke it (or a goroutine was
// created), the waker's history instead of the wait. A node is one segment;
// it begins at since and ends where the segment walked before it began, so
// a chain is walked backwards from a task's end, node by node, until the
// task's start. Nodes are shared between chains (a goroutine that woke two
// others is on both of their chains) and kept in an arena that is compacted
// when it fills: what no open task can reach any more is dropped, so the
// memory held is bounded by the tasks open at once, not by the trace.

// critNode is one segment of a goroutine's history on a chain.
type critNode struct {
	since  int64
	id     trace.GoID    // the goroutine
	prev   int32         // 1 + index of the segment before; 0: the history is cut
	name   strID         // the goroutine's start function, 0 when not known yet
	reason strID         // waiting: the wait reason
	stack  stackID       // waiting, syscall: its stack; a waker: its stack at the wake-up
	state  trace.GoState // the state of the segment
	flags  uint8
}

// Node flags.
const (
	// nodeBoundary: the goroutine's state began before the generation (since
	// is the generation's first event); the chain goes on in the previous
	// generation, at the same goroutine.
	nodeBoundary uint8 = 1 << iota
	// nodeWaker: the segment of a goroutine that woke (or created) the
	// chain's goroutine; its stack is where it did.
	nodeWaker
)

// critStore is an arena of chain nodes, with its compaction.
type critStore struct {
	nodes chunked[critNode]
	// limit is the length at which the arena is compacted; it grows with
	// what survives a compaction.
	limit int32
	// floor is the horizon of the last compaction that had to give up
	// history an open instance needed: instances begun before it have lost
	// the older part of their paths, and no longer hold history back.
	floor int64
	// memo maps an index of the arena being compacted or imported to 1 +
	// its new index.
	memo []int32
}

// critInitialLimit is the arena length of the first compaction.
const critInitialLimit = 1 << 13

// critKeep bounds the history kept for open instances, in nodes (40
// bytes each): past it a compaction gives up the history of the oldest
// open instances, whose paths then end in an "unattributed" row, so that
// one long-lived task (a server's whole run) cannot hold the history of
// the whole trace.
const critKeep = 1 << 14

func (s *critStore) reset() {
	s.nodes.truncate()
	s.limit = critInitialLimit
	s.floor = math.MinInt64
}

// push adds n and returns its reference (1 + index).
func (s *critStore) push(n critNode) int32 { return s.nodes.push(n) + 1 }

// alloc adds a node to be filled in and returns it and its reference.
func (s *critStore) alloc() (*critNode, int32) {
	c := &s.nodes
	i := c.n
	if int(i>>chunkBits) == len(c.chunks) {
		c.chunks = append(c.chunks, make([]critNode, 1<<chunkBits))
	}
	c.n++
	return &c.chunks[i>>chunkBits][i&(1<<chunkBits-1)], i + 1
}

// at returns the node of reference ref.
func (s *critStore) at(ref int32) *critNode { return s.nodes.at(ref - 1) }

// boundary returns the reference of a new boundary node: goroutine id in
// state st since the generation's start first.
func (s *critStore) boundary(id trace.GoID, st trace.GoState, name strID, first int64) int32 {
	return s.push(critNode{since: first, id: id, name: name, state: st, flags: nodeBoundary})
}

// full reports whether the arena should be compacted.
func (s *critStore) full() bool { return s.nodes.len() >= s.limit }

// horizon is how far back the history of open instances that began at
// starts (ascending) reaches, now when none is open.
func (s *critStore) horizon(starts []int64, now int64) int64 {
	for _, t := range starts {
		if t >= s.floor {
			return t
		}
	}
	return now
}

// compact keeps the nodes reachable from the roots (references, updated in
// place) that a walk back to an open instance's start can reach: the open
// instances began at starts (ascending), and now is the current time. When
// that is more than critKeep nodes, the oldest instances give theirs up.
// Nodes keep their order, moved down in place.
func (s *critStore) compact(roots func(yield func(*int32) bool), starts []int64, now int64) {
	n := s.nodes.len()
	h := s.horizon(starts, now)
	live := s.mark(roots, h)
	// Give up the oldest instances' history, one, two, four, ... at a time.
	for step := 1; live > critKeep && h < now; step *= 2 {
		i, _ := slices.BinarySearch(starts, h)
		if i+step < len(starts) {
			h = starts[i+step]
		} else {
			h = now
		}
		s.floor = h
		live = s.mark(roots, h)
	}
	var j int32
	for i := int32(0); i < n; i++ {
		if s.memo[i] == 0 {
			continue
		}
		nd := *s.nodes.at(i)
		if nd.prev != 0 {
			nd.prev = s.memo[nd.prev-1] // 0 when cut
		}
		*s.nodes.at(j) = nd
		j++
		s.memo[i] = j
	}
	s.nodes.n = j
	for r := range roots {
		if *r != 0 {
			*r = s.memo[*r-1]
		}
	}
	s.limit = max(critInitialLimit, 2*live)
}

// mark sets memo[i] for the nodes to keep (1: kept; the copy replaces it
// by the new reference) and returns how many.
func (s *critStore) mark(roots func(yield func(*int32) bool), horizon int64) int32 {
	n := s.nodes.len()
	if int32(cap(s.memo)) < n {
		s.memo = make([]int32, n, n+n/4)
	}
	s.memo = s.memo[:n]
	clear(s.memo)
	var live int32
	for r := range roots {
		for ref := *r; ref != 0 && s.memo[ref-1] == 0; {
			s.memo[ref-1] = 1
			live++
			nd := s.nodes.at(ref - 1)
			if nd.since <= horizon {
				break // the walk of any open task stops here
			}
			ref = nd.prev
		}
	}
	// Cut the links into what is dropped: the copy sees memo 0.
	return live
}

// noStart is the start of a walk whose task began in an earlier generation.
const noStart = math.MinInt64

// walkEnd says how a walk ended.
type walkEnd uint8

const (
	walkDone     walkEnd = iota // it reached the start
	walkBoundary                // it reached the generation's start: goes on in the previous one
	walkLost                    // the history it needed was dropped
)

// walker walks chains back and adds the time of each segment into rows.
type walker struct {
	rows []pathAcc
	// frames caches the user frame of a stack: 1 + index in files, with its
	// line, by stack id.
	frames []frameRef
	steps  int
}

// frameRef is the cached user frame of a stack.
type frameRef struct {
	file strID
	line int32
	done bool
}

// pathKey identifies a row of a critical path. A goroutine whose name a
// generation does not know is keyed by its id until the merge names it.
type pathKey struct {
	id     trace.GoID
	name   strID
	reason strID
	file   strID
	line   int32
	state  trace.GoState
}

// pathAcc is time on a path under one key.
type pathAcc struct {
	key pathKey
	ns  int64
}

// Keys of the rows that are no goroutine's segment.
var (
	keyUnattributed = pathKey{state: stateUnattributed}
	keyOther        = pathKey{state: stateOther}
)

// Pseudo-states of path rows.
const (
	stateUnattributed trace.GoState = 200 + iota
	stateOther
)

// maxWalkRows bounds the rows of one walk; later keys go to "(other)".
const maxWalkRows = 64

// maxWalkSteps bounds the nodes one walk visits.
const maxWalkSteps = 1 << 20

// add adds ns to key's row.
func (w *walker) add(key pathKey, ns int64) {
	if ns <= 0 {
		return
	}
	for i := range w.rows {
		if w.rows[i].key == key {
			w.rows[i].ns += ns
			return
		}
	}
	if len(w.rows) >= maxWalkRows {
		key = keyOther
		for i := range w.rows {
			if w.rows[i].key == key {
				w.rows[i].ns += ns
				return
			}
		}
	}
	w.rows = append(w.rows, pathAcc{key: key, ns: ns})
}

// stackTables are what a walk needs to name a stack's user frame.
type stackTables interface {
	stackFrames(id stackID) []Frame
	internStr(s string) strID
	goName(id trace.GoID) strID // the start function of a live goroutine, or 0
}

// key returns the row key of node nd.
func (w *walker) key(nd *critNode, st stackTables) pathKey {
	k := pathKey{name: nd.name, state: nd.state}
	if nd.name == 0 {
		k.name = st.goName(nd.id)
		if k.name == 0 {
			k.id = nd.id
		}
	}
	if nd.state == goWaiting && nd.flags&nodeBoundary == 0 {
		k.reason = nd.reason
	}
	if nd.stack != 0 {
		for int(nd.stack) >= len(w.frames) {
			w.frames = append(w.frames, frameRef{})
		}
		f := &w.frames[nd.stack]
		if !f.done {
			f.done = true
			fr := st.stackFrames(nd.stack)
			if i := UserFrameIndex(fr); i >= 0 {
				f.file, f.line = st.internStr(fr[i].File), int32(fr[i].Line)
			}
		}
		k.file, k.line = f.file, f.line
	}
	return k
}

// walk goes back from node nd, whose segment ends at cur, to start, and
// adds the time of each segment into w.rows. On walkBoundary it returns the
// goroutine whose chain goes on and the time it does so from.
func (w *walker) walk(s *critStore, nd *critNode, cur, start int64, st stackTables) (walkEnd, trace.GoID, int64) {
	for {
		if from := max(nd.since, start); cur > from {
			w.add(w.key(nd, st), cur-from)
		}
		if nd.since <= start {
			return walkDone, trace.NoGoroutine, 0
		}
		cur = nd.since
		if nd.flags&nodeBoundary != 0 {
			return walkBoundary, nd.id, cur
		}
		w.steps++
		if nd.prev == 0 || w.steps > maxWalkSteps {
			return walkLost, trace.NoGoroutine, cur
		}
		nd = s.at(nd.prev)
	}
}

// pathSet adds up path rows by key: a list while short, indexed when long.
type pathSet struct {
	rows []pathAcc
	idx  map[pathKey]int32
	// next is the row after the last one added to: paths of one type tend
	// to repeat their rows in the same order, so it is tried first.
	next int32
}

// pathSetIndexAt is the length from which a pathSet is indexed.
const pathSetIndexAt = 24

func (ps *pathSet) add(k pathKey, ns int64) {
	if n := ps.next; int(n) < len(ps.rows) && ps.rows[n].key == k {
		ps.rows[n].ns += ns
		ps.next = n + 1
		return
	}
	if ps.idx != nil {
		if i, ok := ps.idx[k]; ok {
			ps.rows[i].ns += ns
			ps.next = i + 1
			return
		}
		ps.idx[k] = int32(len(ps.rows))
		ps.rows = append(ps.rows, pathAcc{key: k, ns: ns})
		ps.next = int32(len(ps.rows))
		return
	}
	for i := range ps.rows {
		if ps.rows[i].key == k {
			ps.rows[i].ns += ns
			ps.next = int32(i + 1)
			return
		}
	}
	ps.rows = append(ps.rows, pathAcc{key: k, ns: ns})
	ps.next = int32(len(ps.rows))
	if len(ps.rows) >= pathSetIndexAt {
		ps.idx = make(map[pathKey]int32, 2*len(ps.rows))
		for i, r := range ps.rows {
			ps.idx[r.key] = int32(i)
		}
	}
}
