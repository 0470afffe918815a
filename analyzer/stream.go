package analyzer

import (
	"bufio"
	"errors"
	"io"
	"sync"

	"golang.org/x/exp/trace"

	"github.com/gotrace/gotrace/analyzer/internal/gensplit"
)

// Decoding and tracking on two goroutines: a reader goroutine decodes pieces
// one after the other and hands their events over in batches, while the
// caller's goroutine tracks them. The tracker sees the same events in the same
// order as when one goroutine does both.

// batchEvents is the number of events handed over at once.
const batchEvents = 4096

// streamBatch carries decoded events of one piece; the last batch of a piece
// has end set.
type streamBatch struct {
	piece gensplit.Piece
	evs   []trace.Event
	// ends are the task-end events of evs with their tasks, read on the
	// decoding goroutine: Event.Task of a task end reads a table the decoder
	// appends to (x/exp/trace's extra strings), which the tracking goroutine
	// must not read while it does.
	ends []taskEndOf
	end  bool
	err  error // on the end batch of a piece that failed
	last bool  // with err: no complete piece follows
}

// streamBatches recycles event batches: trackStream runs once per
// generation on the parallel path, and a hundred thousand tiny generations
// must not allocate 2 MB of batches each.
var streamBatches = sync.Pool{New: func() any {
	return &streamBatch{evs: make([]trace.Event, 0, batchEvents)}
}}

// pieceReaders recycles the buffered readers generations are decoded
// through, for the same reason.
var pieceReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 1<<16) }}

// openPiece returns an x/exp/trace reader of the piece and a function that
// recycles its buffer, to be called once the reader is no longer used.
func openPiece(in *input, piece gensplit.Piece) (*trace.Reader, func(), error) {
	br := pieceReaders.Get().(*bufio.Reader)
	br.Reset(in.sp.Reader(piece))
	release := func() {
		br.Reset(nil)
		pieceReaders.Put(br)
	}
	tr, err := trace.NewReader(br) // uses br itself: it is large enough
	if err != nil {
		release()
		return nil, nil, err
	}
	return tr, release, nil
}

// trackStream decodes the pieces next returns (until io.EOF) on a reader
// goroutine and tracks their events into p, calling done after each piece.
// It stops at the first piece that fails.
func trackStream(in *input, next func() (gensplit.Piece, error), opts *Options, p *partial, done func(gensplit.Piece, *partial)) *failure {
	full := make(chan *streamBatch, 4)
	free := make(chan *streamBatch, 6)
	for range cap(free) {
		free <- streamBatches.Get().(*streamBatch)
	}
	stop := make(chan struct{})
	go streamPieces(in, next, full, free, stop)
	readerDone := false
	// stopReader ends the reader and waits for it, so that next is ours.
	stopReader := func() {
		close(stop)
		in.sp.Discard() // what follows is only looked at
		if opts.flight != nil {
			opts.flight.releaseAll() // the reader may wait for memory
		}
		for range full {
		}
		readerDone = true
	}
	// Once the reader has exited, the batches it holds no more go back to
	// the pool (those it dropped while stopping are left to the collector).
	defer func() {
		if !readerDone {
			return
		}
		for {
			select {
			case b := <-free:
				clear(b.evs)
				b.evs = b.evs[:0]
				clear(b.ends)
				b.ends = b.ends[:0]
				streamBatches.Put(b)
			default:
				return
			}
		}
	}()
	started := false
	for b := range full {
		if !started {
			p.begin(b.piece.Index, in, opts)
			started = true
		}
		err := b.err
		last := b.last
		if err == nil {
			err = trackBatch(p, b.evs, b.ends)
			if err != nil {
				stopReader()
				nextPiece, nerr := next()
				last = nerr != nil || !nextPiece.Complete
			}
		}
		if err != nil {
			if b.err != nil {
				stopReader()
			}
			f := &failure{piece: b.piece, err: err, last: last}
			if !last {
				f.after = 1
			}
			return f
		}
		if b.end {
			p.finish()
			if done != nil {
				done(b.piece, p)
			}
			started = false
		}
		clear(b.evs) // drop references to the generation's tables
		b.evs = b.evs[:0]
		clear(b.ends)
		b.ends = b.ends[:0]
		free <- b
	}
	close(stop)
	readerDone = true // full is closed: the reader has returned
	return nil
}

// taskEndOf is a task-end event's task, by its index in a batch.
type taskEndOf struct {
	i    int32
	task trace.Task
}

// trackBatch feeds decoded events to the tracker, turning a panic (of
// x/exp/trace's getters on malformed data) into an error. ends are the
// batch's task ends, in order.
func trackBatch(p *partial, evs []trace.Event, ends []taskEndOf) (err error) {
	defer func() {
		p.endTask = nil
		if r := recover(); r != nil {
			err = panicError(r)
		}
	}()
	for i := range evs {
		if len(ends) > 0 && ends[0].i == int32(i) {
			p.endTask = &ends[0].task
			ends = ends[1:]
		}
		if err := p.event(&evs[i]); err != nil {
			return err
		}
		p.endTask = nil
	}
	return nil
}

// streamPieces decodes every piece in turn and sends its events in batches,
// each piece closed by an end batch. It stops after a failed piece.
func streamPieces(in *input, next func() (gensplit.Piece, error), full chan<- *streamBatch, free chan *streamBatch, stop <-chan struct{}) {
	defer close(full)
	var b *streamBatch
	get := func(piece gensplit.Piece) bool {
		select {
		case b = <-free:
			b.piece, b.end, b.err, b.last = piece, false, nil, false
			b.evs, b.ends = b.evs[:0], b.ends[:0]
			return true
		case <-stop:
			return false
		}
	}
	send := func() bool {
		select {
		case full <- b:
			b = nil
			return true
		case <-stop:
			return false
		}
	}
	for {
		piece, err := next()
		if err == io.EOF {
			return
		}
		if !get(piece) {
			return
		}
		if err == nil {
			err = decodePiece(in, piece, &b, get, send)
			if errors.Is(err, errStopped) {
				return
			}
		}
		if b == nil && !get(piece) {
			return
		}
		b.end, b.err = true, err
		if err != nil {
			in.sp.Discard() // what follows is only looked at
			nextPiece, nerr := next()
			b.last = nerr != nil || !nextPiece.Complete
		}
		if !send() || err != nil {
			return
		}
	}
}

// decodePiece reads one piece's events into batches, sending each full one.
func decodePiece(in *input, piece gensplit.Piece, b **streamBatch, get func(gensplit.Piece) bool, send func() bool) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = panicError(r)
		}
	}()
	if piece.Err != nil {
		return piece.Err
	}
	tr, release, err := openPiece(in, piece)
	if err != nil {
		return err
	}
	defer release()
	for {
		evs := (*b).evs
		n := len(evs)
		evs = evs[:n+1]
		var rerr error
		if evs[n], rerr = tr.ReadEvent(); rerr != nil {
			(*b).evs = evs[:n]
			if rerr == io.EOF {
				return nil
			}
			return rerr
		}
		(*b).evs = evs
		if evs[n].Kind() == trace.EventTaskEnd {
			(*b).ends = append((*b).ends, taskEndOf{i: int32(n), task: evs[n].Task()})
		}
		if n+1 == cap(evs) {
			if !send() || !get(piece) {
				return errStopped
			}
		}
	}
}
