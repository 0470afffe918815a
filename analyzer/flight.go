package analyzer

import (
	"errors"
	"sync"

	"github.com/gotrace/gotrace/analyzer/internal/gensplit"
)

// Memory of generations in flight. A generation is in flight from the moment
// the splitter starts buffering it (stream input) or hands it over (a file,
// decoded in place) until its partial has been merged. The bytes of all
// generations in flight are held to one budget, Options.MaxGenerationBytes:
// a new generation waits while the others fill it. One generation alone may
// always be in flight (the splitter refuses one above the same bound), so at
// no time are more than MaxGenerationBytes of generations held, whatever the
// number of workers, the input kind or the size of the generations.

// errStopped ends a reader that was told to stop.
var errStopped = errors.New("stopped")

// budget is a semaphore of bytes.
type budget struct {
	mu    sync.Mutex
	cond  sync.Cond
	limit int64
	used  int64
	peak  int64
}

func newBudget(limit int64) *budget {
	b := &budget{limit: limit}
	b.cond.L = &b.mu
	return b
}

// acquire takes n bytes, waiting while other holders (used beyond own, the
// bytes the caller already holds) would take the total past the limit.
// Holders always release in the end (a failed analysis drains what it
// holds), so the wait ends.
func (b *budget) acquire(n, own int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.used-own > 0 && b.used+n > b.limit {
		b.cond.Wait()
	}
	b.used += n
	b.peak = max(b.peak, b.used)
}

// release gives back n bytes.
func (b *budget) release(n int64) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
	b.cond.Broadcast()
}

// flight accounts the generations of one analysis against its budget. The
// splitter side (reserve, took, hold) runs on the one goroutine that calls
// the splitter; release runs where partials are merged.
type flight struct {
	b      *budget
	stream bool  // the splitter buffers (and reserves) as it reads
	cur    int64 // bytes reserved for the piece being read
	held   int64 // bytes of pieces taken but not yet handed over
	mu     sync.Mutex
	fifo   []int64 // bytes of pieces handed over, in trace order (sequential path)
}

func newFlight(in *input, limit int64) *flight {
	f := &flight{b: newBudget(limit), stream: in.count != nil || in.size < 0}
	if f.stream {
		in.sp.SetReserve(f.reserve)
	}
	return f
}

// reserve is the splitter's hook: n more bytes of the piece being buffered.
func (f *flight) reserve(n int64) error {
	f.b.acquire(n, f.cur+f.held)
	f.cur += n
	return nil
}

// took returns the bytes piece p holds in the budget, acquiring them for a
// random-access input (decoded in place, nothing was reserved while it was
// split), and counts them as held until handed over.
func (f *flight) took(p gensplit.Piece) int64 {
	n := f.cur
	f.cur = 0
	if !f.stream {
		f.b.acquire(p.Size, f.held)
		n = p.Size
	}
	f.held += n
	return n
}

// handedOver says the pieces taken so far are out of the splitter's hands.
func (f *flight) handedOver() { f.held = 0 }

// release gives back a merged (or dropped) piece's bytes.
func (f *flight) release(n int64) { f.b.release(n) }

// next wraps the splitter for the sequential path, which merges pieces in
// the order it takes them: their holdings queue up until popped.
func (f *flight) next(in *input) func() (gensplit.Piece, error) {
	return func() (gensplit.Piece, error) {
		p, err := in.sp.Next()
		if err != nil {
			return p, err
		}
		n := f.took(p)
		f.handedOver()
		f.mu.Lock()
		f.fifo = append(f.fifo, n)
		f.mu.Unlock()
		return p, nil
	}
}

// releaseAll gives back what the pieces next returned hold: the
// sequential path stopped, and its reader must not wait for memory.
func (f *flight) releaseAll() {
	f.mu.Lock()
	var n int64
	for _, h := range f.fifo {
		n += h
	}
	f.fifo = f.fifo[:0]
	f.mu.Unlock()
	f.release(n)
}

// pop releases the holding of the oldest piece next returned.
func (f *flight) pop() {
	f.mu.Lock()
	var n int64
	if len(f.fifo) > 0 {
		n = f.fifo[0]
		f.fifo = f.fifo[1:]
	}
	f.mu.Unlock()
	f.release(n)
}
