package analyzer

import (
	"iter"

	"golang.org/x/exp/trace"
)

// goIndex maps goroutine ids to slots (int32 >= 0). The runtime hands out
// goroutine ids nearly in sequence, so ids up to a bound tied to the number
// of entries live in a dense array (4 bytes an id, no hashing); the rest, a
// long-running program's large ids or a crafted trace's, in a map.
type goIndex struct {
	dense  []int32 // slot+1 by id; 0: absent
	sparse map[trace.GoID]int32
	n      int // entries
}

// denseMin is the id range kept dense whatever the number of entries.
const denseMin = 1 << 16

// get returns id's slot.
func (x *goIndex) get(id trace.GoID) (int32, bool) {
	if uint64(id) < uint64(len(x.dense)) {
		if s := x.dense[id]; s != 0 {
			return s - 1, true
		}
		return 0, false
	}
	if x.sparse == nil {
		return 0, false
	}
	s, ok := x.sparse[id]
	return s, ok
}

// set maps id to slot.
func (x *goIndex) set(id trace.GoID, slot int32) {
	if uint64(id) >= uint64(len(x.dense)) && id >= 0 {
		// Grow the dense range while it costs at most 16 bytes an entry.
		if limit := max(denseMin, 4*(x.n+1)); uint64(id) < uint64(limit) {
			old := len(x.dense)
			n := min(max(2*old, int(id)+1, 1024), limit)
			x.dense = append(x.dense, make([]int32, n-old)...)
			// Ids the map held that the dense range now covers move.
			for k, v := range x.sparse {
				if uint64(k) < uint64(n) {
					x.dense[k] = v + 1
					delete(x.sparse, k)
				}
			}
		}
	}
	if uint64(id) < uint64(len(x.dense)) {
		if x.dense[id] == 0 {
			x.n++
		}
		x.dense[id] = slot + 1
		return
	}
	if x.sparse == nil {
		x.sparse = map[trace.GoID]int32{}
	}
	if _, ok := x.sparse[id]; !ok {
		x.n++
	}
	x.sparse[id] = slot
}

// del removes id.
func (x *goIndex) del(id trace.GoID) {
	if uint64(id) < uint64(len(x.dense)) {
		if x.dense[id] != 0 {
			x.dense[id] = 0
			x.n--
		}
		return
	}
	if _, ok := x.sparse[id]; ok {
		delete(x.sparse, id)
		x.n--
	}
}

// gTable holds the merge's records of live goroutines: records without
// pointers (the garbage collector does not scan them) indexed by id. A
// record's address is valid until it is deleted.
type gTable struct {
	idx  goIndex
	recs chunked[gRec]
	ids  chunked[trace.GoID] // the id of each slot; NoGoroutine for a free slot
	free []int32
}

// get returns id's record, or nil.
func (t *gTable) get(id trace.GoID) *gRec {
	if s, ok := t.idx.get(id); ok {
		return t.recs.at(s)
	}
	return nil
}

// add returns a new zero record for id, which must be absent.
func (t *gTable) add(id trace.GoID) *gRec {
	var s int32
	if n := len(t.free); n > 0 {
		s = t.free[n-1]
		t.free = t.free[:n-1]
		*t.recs.at(s) = gRec{}
		*t.ids.at(s) = id
	} else {
		s = t.recs.push(gRec{})
		t.ids.push(id)
	}
	t.idx.set(id, s)
	return t.recs.at(s)
}

// del removes id's record.
func (t *gTable) del(id trace.GoID) {
	s, ok := t.idx.get(id)
	if !ok {
		return
	}
	t.idx.del(id)
	*t.ids.at(s) = trace.NoGoroutine
	t.free = append(t.free, s)
}

// len returns the number of records.
func (t *gTable) len() int { return t.idx.n }

// all yields every record, in slot order.
func (t *gTable) all() iter.Seq2[trace.GoID, *gRec] {
	return func(yield func(trace.GoID, *gRec) bool) {
		for s, id := range t.ids.all() {
			if *id != trace.NoGoroutine && !yield(*id, t.recs.at(s)) {
				return
			}
		}
	}
}

// chunked is a growable array kept in fixed-size chunks: growing it never
// copies the elements nor holds an old and a new array at once (a slice
// grown by append to a million records would), and an element's address
// stays valid until the array is truncated.
type chunked[T any] struct {
	chunks [][]T // chunkLen elements each
	n      int32
}

// chunkBits sets the chunk length: 1024 elements.
const chunkBits = 10

// at returns element i, which must be below len.
func (c *chunked[T]) at(i int32) *T {
	return &c.chunks[i>>chunkBits][i&(1<<chunkBits-1)]
}

// push appends v and returns its index.
func (c *chunked[T]) push(v T) int32 {
	i := c.n
	if int(i>>chunkBits) == len(c.chunks) {
		c.chunks = append(c.chunks, make([]T, 1<<chunkBits))
	}
	*c.at(i) = v
	c.n++
	return i
}

// len returns the number of elements.
func (c *chunked[T]) len() int32 { return c.n }

// truncate empties the array, keeping its chunks for reuse.
func (c *chunked[T]) truncate() { c.n = 0 }

// all yields every element's index and address.
func (c *chunked[T]) all() iter.Seq2[int32, *T] {
	return func(yield func(int32, *T) bool) {
		for i := range c.n {
			if !yield(i, c.at(i)) {
				return
			}
		}
	}
}
