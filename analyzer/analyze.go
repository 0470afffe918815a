// Package analyzer turns a Go execution trace into a Report: goroutine
// lifetimes, processor utilization, goroutine switches, scheduler latency,
// blocking, syscalls, GC, suspected goroutine leaks and user annotations.
//
// The trace is read once, with golang.org/x/exp/trace. A Go 1.22+ trace is a
// sequence of generations that parse independently; each generation is
// analyzed on its own by one state tracker (possibly on several cores at
// once) and the partial results are merged in trace order, with the state of
// every goroutine stitched across generation boundaries. The result does not
// depend on how many generations were analyzed at once. Memory is bounded by
// the generations in flight plus the live goroutines and distinct stacks; it
// does not grow with the number of events.
package analyzer

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotrace/gotrace/analyzer/buildinfo"
	"github.com/gotrace/gotrace/analyzer/internal/gensplit"
)

// Options control an analysis. The zero value is usable.
type Options struct {
	// Name names the input in the report and in errors ("-" for stdin).
	Name string
	// Top is the length of top-N lists (groups, stacks); 0 means 10, a
	// negative value means no limit.
	Top int
	// Buckets is the number of timeline buckets; 0 means 50.
	Buckets int
	// LeakThreshold is how long a goroutine must have been blocked at the end
	// to count as a suspected leak; 0 means min(1s, half the trace).
	LeakThreshold time.Duration
	// Workers is how many generations are decoded at once; 0 means
	// runtime.GOMAXPROCS(0), 1 means sequential, and more than MaxWorkers
	// means MaxWorkers. Results do not depend on it.
	Workers int
	// MaxEvents bounds the events of one generation; 0 means
	// DefaultMaxEvents. A crafted trace cannot make the analysis run away.
	MaxEvents int64
	// MaxGenerationBytes bounds the size of one generation, and the bytes
	// of all generations held at once (buffered, being decoded or waiting
	// for their merge), whatever Workers says; 0 means
	// DefaultMaxGenerationBytes. It applies to every trace format (an
	// old-format trace is one generation) and every kind of input.
	MaxGenerationBytes int64
	// NoTaskPaths leaves out the breakdowns, critical paths and slowest
	// instances of tasks and regions (their counts and latencies stay):
	// for measuring what they cost.
	NoTaskPaths bool
	// Progress, if set, is called after each generation with the bytes
	// analyzed so far and the input size (-1 when unknown).
	Progress func(done, total int64)

	// export, when set, writes the timeline (export.go).
	export *exporter

	// active counts the generations being analyzed at once; one decodes
	// on a goroutine of its own, ahead of its tracker, while fewer
	// generations than CPUs are in flight.
	active *atomic.Int32
	// flight holds the generations in flight to MaxGenerationBytes.
	flight *flight
}

// Defaults for the limits in Options.
const (
	DefaultMaxEvents          = 500_000_000
	DefaultMaxGenerationBytes = 1 << 30
	DefaultTop                = 10
	DefaultBuckets            = 50
	// MaxWorkers bounds Options.Workers: more generations decoded at once
	// than this gains nothing on any machine and costs a goroutine and a
	// generation's memory each.
	MaxWorkers = 256
)

// LiveGoroutineBytes is about what an analysis holds per goroutine alive
// at once, in bytes (measured: the peak memory of gotrace analyze on
// crafted traces of a million goroutines alive over one and three
// generations, over that million: 240-500 bytes). The memory of an analysis
// is about this times the most goroutines alive at once, plus the
// generations in flight (MaxGenerationBytes at most).
const LiveGoroutineBytes = 512

func (o *Options) fill() {
	if o.Top == 0 {
		o.Top = DefaultTop
	}
	if o.Buckets <= 0 {
		o.Buckets = DefaultBuckets
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	o.Workers = min(o.Workers, MaxWorkers)
	if o.MaxEvents <= 0 {
		o.MaxEvents = DefaultMaxEvents
	}
	if o.MaxGenerationBytes <= 0 {
		o.MaxGenerationBytes = DefaultMaxGenerationBytes
	}
	o.active = new(atomic.Int32)
}

// AnalyzeFile analyzes the trace in the named file ("-" reads standard
// input). gzip-compressed traces are decompressed transparently.
func AnalyzeFile(path string, opts Options) (*Report, error) {
	opts.fill()
	if path == "-" {
		if opts.Name == "" {
			opts.Name = "-"
		}
		return Analyze(stdin, opts)
	}
	if opts.Name == "" {
		opts.Name = path
	}
	in, err := openFile(path, opts.MaxGenerationBytes)
	if err != nil {
		return nil, err
	}
	defer in.close()
	in.name = opts.Name
	return analyze(in, opts)
}

// stdin is the standard input; a variable for tests.
var stdin io.Reader = os.Stdin

// Analyze analyzes a trace read from r, which is read to its end (or to the
// first broken generation) but not closed.
func Analyze(r io.Reader, opts Options) (*Report, error) {
	opts.fill()
	if opts.Name == "" {
		opts.Name = "-"
	}
	in, err := openStream(r, opts.Name, opts.MaxGenerationBytes)
	if err != nil {
		return nil, err
	}
	return analyze(in, opts)
}

// pieceResult is the outcome of analyzing one generation.
type pieceResult struct {
	piece  gensplit.Piece
	held   int64 // bytes of the memory budget the piece holds
	p      *partial
	err    error
	parsed bool
}

// failure describes where analysis stopped early.
type failure struct {
	piece gensplit.Piece
	err   error
	last  bool // no complete piece follows
	// after counts the complete pieces seen after the failed one.
	after int
}

func analyze(in *input, opts Options) (rep *Report, err error) {
	defer func() {
		if r := recover(); r != nil {
			rep, err = nil, inputErr(in.name, ErrCorrupt, nil, "internal error in the analysis (please report it with the trace): %v", r)
		}
	}()
	g := newGlobal()
	opts.flight = newFlight(in, opts.MaxGenerationBytes)
	if opts.export != nil {
		g.obs = opts.export
	}
	var fail *failure
	workers := opts.Workers
	if !in.hdr.Generational() {
		workers = 1
	}
	if workers <= 1 {
		fail = runSequential(in, g, opts)
	} else {
		fail = runParallel(in, g, opts, workers)
	}
	var analyzedBytes int64 = gensplit.HeaderSize
	if g.gens > 0 {
		analyzedBytes = g.lastPieceEnd
	}
	if fail != nil && g.gens == 0 {
		return nil, firstPieceError(in, fail)
	}
	if g.gens == 0 || g.events == 0 {
		return nil, inputErr(in.name, ErrIncomplete, nil, "trace holds no events; nothing to analyze")
	}
	rep = g.report(in, opts)
	if opts.export != nil {
		opts.export.end(g)
	}
	if fail != nil {
		rep.Trace.Loss = lossOf(in, fail, analyzedBytes)
		if rep.Trace.Loss.Reason != LossConcatenated {
			rep.Trace.Truncated = true
			rep.Trace.LostBytes = rep.Trace.Loss.Bytes
		}
		rep.Warnings = append(rep.Warnings, lossWarning(rep.Trace.Loss, g.gens))
	}
	return rep, nil
}

// lossOf describes what a failure left out of the analysis. For a
// random-access input it goes on splitting (headers only) to count the
// complete generations after the broken one.
func lossOf(in *input, f *failure, analyzed int64) *DataLoss {
	l := &DataLoss{
		Reason:        LossCorrupt,
		Generation:    f.piece.Index + 1,
		Offset:        analyzed,
		CompleteAfter: -1,
		Detail:        oneLine(f.err),
	}
	switch {
	case errors.Is(f.err, gensplit.ErrSecondTrace):
		l.Reason = LossConcatenated
	case looksTruncated(f):
		l.Reason = LossTruncated
	}
	if in.size >= 0 && l.Reason == LossCorrupt {
		l.CompleteAfter = f.after
		if !f.last {
			for {
				p, err := in.sp.Next()
				if err != nil || !p.Complete {
					break
				}
				l.CompleteAfter++
			}
		}
	}
	if total, known := in.sp.Size(); in.size < 0 && (!known || f.piece.Complete) {
		// A stream whose rest is not read (it could be long, or endless):
		// count what is known to be lost, the broken piece, and not what
		// was read ahead of it: the report must not depend on the number
		// of workers. (An incomplete piece ends the splitting: then the
		// stream was read to its end or to that piece, whatever the workers.)
		l.Bytes = max(f.piece.Offset+f.piece.Size-analyzed, 0)
		return l
	} else if in.size < 0 {
		l.Bytes, l.BytesKnown = max(total-analyzed, 0), true
		if total > 0 {
			l.Share = float64(l.Bytes) / float64(total)
		}
		return l
	}
	l.Bytes, l.BytesKnown = max(in.size-analyzed, 0), true
	if in.size > 0 {
		l.Share = float64(l.Bytes) / float64(in.size)
	}
	return l
}

// lossWarning is the one-line warning of a loss.
func lossWarning(l *DataLoss, gens int) string {
	lost := fmt.Sprintf("%d bytes lost", l.Bytes)
	if !l.BytesKnown && l.Bytes == 0 {
		lost = "the rest of the input was not read"
	} else if !l.BytesKnown {
		lost = fmt.Sprintf("at least %d bytes lost (the rest of the input was not read)", l.Bytes)
	} else if l.Share > 0 {
		lost += fmt.Sprintf(" (%.1f%% of %d bytes)", 100*l.Share, l.Offset+l.Bytes)
	}
	switch l.Reason {
	case LossConcatenated:
		rest := ""
		if l.BytesKnown {
			rest = fmt.Sprintf("; the remaining %d bytes were ignored", l.Bytes)
		}
		return fmt.Sprintf("input holds several concatenated traces: analyzed the first one (%d bytes)%s; split the file to analyze the others", l.Offset, rest)
	case LossTruncated:
		return fmt.Sprintf("trace is truncated: generation %d is incomplete (%s); analyzed the %d complete generation(s) before it, %s", l.Generation, l.Detail, gens, lost)
	}
	after := ""
	if l.CompleteAfter > 0 {
		after = fmt.Sprintf("; %d complete generation(s) after it were not analyzed either (goroutine state cannot be followed across a missing generation)", l.CompleteAfter)
	}
	return fmt.Sprintf("trace is corrupt: generation %d cannot be read (%s); analyzed the %d complete generation(s) before it, %s%s", l.Generation, l.Detail, gens, lost, after)
}

// firstPieceError explains why not even the first generation could be analyzed.
func firstPieceError(in *input, f *failure) error {
	msg := oneLine(f.err)
	if errors.Is(f.err, ErrTooManyEvents) {
		return inputErr(in.name, ErrLimit, f.err, "%s; raise the limit (gotrace --max-events, Options.MaxEvents) if the trace is genuine", msg)
	}
	if errors.Is(f.err, gensplit.ErrPieceTooLarge) {
		return inputErr(in.name, ErrLimit, f.err, "%s; raise the limit (gotrace --max-generation-bytes, Options.MaxGenerationBytes) if the trace is genuine", msg)
	}
	if looksTruncated(f) {
		return inputErr(in.name, ErrIncomplete, f.err, "trace is truncated before its first generation is complete (%s); nothing to analyze", msg)
	}
	return inputErr(in.name, ErrCorrupt, f.err, "corrupt trace (%s); the file may be damaged", msg)
}

// looksTruncated tells whether a failure is the input ending early rather
// than damage. The splitter knows for the structure it checks; a parse
// failure of the last generation is a truncation when the parser says so.
func looksTruncated(f *failure) bool {
	switch {
	case errors.Is(f.err, gensplit.ErrTruncated):
		return true
	case errors.Is(f.err, gensplit.ErrCorrupt), errors.Is(f.err, gensplit.ErrSecondTrace), errors.Is(f.err, gensplit.ErrPieceTooLarge):
		return false
	case !f.last:
		return false
	}
	s := f.err.Error()
	for _, k := range []string{"EOF", "truncated", "failed to read full batch", "incomplete", "no frequency event", "no clock snapshot"} {
		if strings.Contains(s, k) {
			return true
		}
	}
	return false
}

func oneLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	// x/exp/trace calls some checks of malformed input "internal error";
	// they are about the input, not about a bug.
	s = strings.ReplaceAll(s, "internal error: ", "")
	const max = 200
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}

// parsePiece analyzes one generation into p. A panic of the parser on
// malformed input becomes an error.
func parsePiece(in *input, piece gensplit.Piece, p *partial, opts *Options) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = panicError(r)
		}
	}()
	if piece.Err != nil {
		return piece.Err
	}
	n := opts.active.Add(1)
	defer opts.active.Add(-1)
	if int(n) < runtime.GOMAXPROCS(0) && piece.Size >= streamMinPiece {
		// A CPU is idle: decode on a goroutine of its own.
		once := false
		next := func() (gensplit.Piece, error) {
			if once {
				return gensplit.Piece{}, io.EOF
			}
			once = true
			return piece, nil
		}
		if f := trackStream(in, next, opts, p, nil); f != nil {
			return f.err
		}
		return nil
	}
	p.begin(piece.Index, in, opts)
	tr, release, err := openPiece(in, piece)
	if err != nil {
		return err
	}
	defer release()
	return p.run(tr)
}

// streamMinPiece is the smallest generation decoded on a goroutine of its
// own, ahead of its tracker: for less than one full batch of the format,
// handing events from one goroutine to the other costs more than it saves.
const streamMinPiece = 64 << 10

// panicError turns a recovered panic into an error. golang.org/x/exp/trace
// panics on some malformed inputs; that is a property of the input. A panic
// raised anywhere else is a bug in gotrace and says so.
func panicError(r any) error {
	pcs := make([]uintptr, 32)
	n := runtime.Callers(3, pcs) // skip Callers, panicError, the deferred func
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if !strings.HasPrefix(f.Function, "runtime.") {
			if strings.HasPrefix(f.Function, "golang.org/x/exp/trace") {
				return fmt.Errorf("the trace parser failed on malformed data: %v", r)
			}
			return fmt.Errorf("internal error in %s (please report it with the trace): %v", f.Function, r)
		}
		if !more {
			return fmt.Errorf("the trace parser failed: %v", r)
		}
	}
}

// runSequential analyzes generations one at a time. With more than one CPU
// a reader goroutine decodes generation after generation while this one
// tracks the events it hands over, so that decoding never waits for the
// analysis and only one generation is being decoded at a time.
func runSequential(in *input, g *global, opts Options) *failure {
	fl := opts.flight
	next := fl.next(in)
	if runtime.GOMAXPROCS(0) > 1 {
		return trackStream(in, next, &opts, newPartial(), func(piece gensplit.Piece, p *partial) {
			g.merge(p)
			g.lastPieceEnd = piece.Offset + piece.Size
			in.sp.Release(piece)
			fl.pop()
			progress(in, g, opts)
		})
	}
	p := newPartial()
	for {
		piece, err := next()
		if err == io.EOF {
			return nil
		}
		if err := parsePiece(in, piece, p, &opts); err != nil {
			in.sp.Discard()
			nextPiece, nerr := next()
			f := &failure{piece: piece, err: err, last: nerr != nil || !nextPiece.Complete}
			if !f.last {
				f.after = 1
			}
			return f
		}
		g.merge(p)
		g.lastPieceEnd = piece.Offset + piece.Size
		in.sp.Release(piece)
		fl.pop()
		progress(in, g, opts)
	}
}

func progress(in *input, g *global, opts Options) {
	if opts.Progress == nil {
		return
	}
	done := g.lastPieceEnd
	if in.count != nil {
		done = in.count.n
	}
	opts.Progress(done, in.size)
}

// A job is consecutive generations handed to one worker at once: small
// generations are grouped (up to groupBytes and groupPieces), so that one
// hand-off between goroutines, and one wake-up of each, serves many of them.
// A hundred thousand generations of a few events cost about what one worker
// alone spends on them, not a scheduler round trip each.
const (
	groupBytes  = 256 << 10
	groupPieces = 16
)

type pieceJob struct {
	items []pieceResult
	// claimed is set by the goroutine that analyzes the job (a worker, or
	// the merging goroutine itself), which closes done when it is through.
	claimed atomic.Bool
	done    chan struct{}
}

// runParallel decodes up to workers jobs at once and merges their
// generations in order. The merging goroutine is one of the workers: when
// the next job in order has not been taken yet, it analyzes it itself
// rather than wait, so that workers-1 goroutines and it keep the CPUs busy
// and no more goroutines than CPUs compete for them. The generations held
// at once are bounded by the memory budget (flight.go) and by the queues.
func runParallel(in *input, g *global, opts Options, workers int) *failure {
	fl := opts.flight
	// As many partials as jobs can be in flight: workers queued in order,
	// up to workers+1 ahead of the merge, workers-1 being analyzed, one
	// being made.
	// Jobs are smaller when there are many workers, so that the
	// generations in flight (each with a partial of some 25 KiB) stay about
	// 64 jobs' worth.
	group := min(max(64/workers, 1), groupPieces)
	pool := make(chan *partial, (3*workers+2)*group)
	getPartial := func() *partial {
		select {
		case p := <-pool:
			return p
		default:
			return newPartial()
		}
	}
	recycle := func(it *pieceResult) {
		fl.release(it.held)
		it.held = 0
		in.sp.Release(it.piece)
		if it.p == nil {
			return
		}
		// Emptied now, a pooled partial no longer holds its generation's
		// tables (stack handles, strings) alive.
		it.p.reset(0)
		select {
		case pool <- it.p:
		default:
		}
		it.p = nil
	}
	work := func(j *pieceJob) {
		for i := range j.items {
			it := &j.items[i]
			if it.err != nil {
				break
			}
			it.p = getPartial()
			it.err = parsePiece(in, it.piece, it.p, &opts)
			it.parsed = true
			if it.err != nil {
				break
			}
		}
		close(j.done)
	}
	jobs := make(chan *pieceJob, workers)
	order := make(chan *pieceJob, workers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range workers - 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if j.claimed.CompareAndSwap(false, true) {
					work(j)
				}
			}
		}()
	}
	// The producer splits the input into jobs; it stops at the first
	// incomplete piece. A job it made but could not deliver once told to
	// stop is kept in held (read after order is closed).
	var held *pieceJob
	go func() {
		defer close(order)
		defer close(jobs)
		var cur *pieceJob
		var curBytes int64
		send := func() bool {
			j := cur
			cur, curBytes = nil, 0
			fl.handedOver()
			select {
			case order <- j:
			case <-stop:
				held = j
				return false
			}
			select {
			case jobs <- j:
			case <-stop:
				return false // j is in order: the merging goroutine claims it
			}
			return true
		}
		for {
			piece, err := in.sp.Next()
			if err == io.EOF {
				if cur != nil {
					send()
				}
				return
			}
			n := fl.took(piece)
			if cur == nil {
				cur = &pieceJob{done: make(chan struct{})}
			}
			cur.items = append(cur.items, pieceResult{piece: piece, held: n, err: piece.Err})
			curBytes += piece.Size
			last := piece.Err != nil || !piece.Complete
			if last || curBytes >= groupBytes || len(cur.items) >= group {
				if !send() || last {
					return
				}
			}
		}
	}()
	var fail *failure
	sawNext := false // the piece after a failed one has been seen
	// next returns the next job in order, done. While it is being analyzed
	// by a worker, the merging goroutine analyzes a later job (up to
	// workers ahead) instead of waiting.
	var ahead []*pieceJob
	closed := false
	claim := func(j *pieceJob) bool {
		if !j.claimed.CompareAndSwap(false, true) {
			return false
		}
		if fail == nil {
			work(j)
		} else {
			close(j.done) // draining: nothing more is analyzed
		}
		return true
	}
	next := func() *pieceJob {
		for {
			if len(ahead) == 0 {
				j, ok := <-order
				if !ok {
					return nil
				}
				ahead = append(ahead, j)
			}
			f := ahead[0]
			claim(f)
			select {
			case <-f.done:
				ahead = ahead[1:]
				return f
			default:
			}
			helped := false
			for _, j := range ahead[1:] {
				if claim(j) {
					helped = true
					break
				}
			}
			if helped {
				continue
			}
			if closed || len(ahead) > workers {
				<-f.done
				continue
			}
			select {
			case j, ok := <-order:
				if ok {
					ahead = append(ahead, j)
				} else {
					closed = true
				}
			case <-f.done:
			}
		}
	}
	for {
		j := next()
		if j == nil {
			break
		}
		for i := range j.items {
			it := &j.items[i]
			if fail != nil {
				// Drain. As in sequential mode, the failure is the trace's
				// last piece unless the splitter found a complete one right
				// after it.
				if !sawNext {
					sawNext = true
					fail.last = !it.piece.Complete
				}
				if it.piece.Complete {
					fail.after++
				}
				recycle(it)
				continue
			}
			if it.err != nil {
				fail = &failure{piece: it.piece, err: it.err, last: true}
				close(stop)
				in.sp.Discard() // what follows is only looked at
				recycle(it)
				continue
			}
			g.merge(it.p)
			g.lastPieceEnd = it.piece.Offset + it.piece.Size
			recycle(it)
			progress(in, g, opts)
		}
	}
	wg.Wait()
	if fail != nil && !sawNext {
		// The producer stopped before delivering the next piece; it has
		// exited (order is closed), so held and the splitter are ours.
		if held != nil && len(held.items) > 0 {
			fail.last = !held.items[0].piece.Complete
			for _, it := range held.items {
				if it.piece.Complete {
					fail.after++
				}
			}
		} else {
			next, err := in.sp.Next()
			fail.last = err != nil || !next.Complete
			if !fail.last {
				fail.after++
			}
		}
	}
	return fail
}

// report builds the Report from the merged state.
func (g *global) report(in *input, opts Options) *Report {
	g.closeOpen()
	slices.SortStableFunc(g.procsSamples, func(a, b procsSample) int { return cmp.Compare(a.t, b.t) })
	if len(g.procsSamples) == 0 {
		// No GOMAXPROCS event: assume the Ps that ran goroutines.
		g.procsSamples = []procsSample{{t: g.start, v: max(len(g.aggs.procs.busy), 1)}}
	}
	top := opts.Top
	r := &Report{
		Header: buildinfo.NewHeader(ReportKind, SchemaVersion),
		Top:    top,
		Source: Source{
			Name: in.name, Bytes: g.lastPieceEnd, Gzip: in.gzip,
			Format:    fmt.Sprintf("go 1.%d trace", in.hdr.Version),
			GoVersion: versionRange(in.hdr.Version),
		},
		Trace: TraceInfo{
			StartNS: g.start, EndNS: g.end, DurationNS: g.end - g.start,
			Events: g.events, Generations: g.gens,
		},
	}
	if total, known := in.sp.Size(); known && total != r.Source.Bytes {
		r.Source.InputBytes = total
	}
	r.Goroutines = g.goroutineStats(top)
	r.Goroutines.Working, r.Goroutines.WorkingAtEnd = g.workingStats(top)
	r.Procs = g.procStats()
	r.Switches = g.switchStats()
	r.Latency = g.latencyStats(top)
	r.Blocking = g.blockingStats(top)
	r.Syscalls = g.syscallStats(top)
	r.GC = g.gcStats(top)
	r.Leaks = g.leakStats(int64(opts.LeakThreshold))
	r.Annotations = g.annotationStats()
	b := &g.aggs.blocking
	r.GoToolTrace = GoToolTrace{
		SchedNS:   r.Latency.AfterFirstRunNS,
		SyncNS:    b.syncCompleted - b.preSync,
		NetNS:     b.netCompleted - b.preNet,
		SyscallNS: r.Syscalls.CompletedNS - r.Syscalls.UnseenNS,
	}
	if ann := &g.aggs.ann; ann.workload != "" {
		r.Run = parseWorkloadLog(ann.workload)
		if r.Run != nil {
			r.Run.Stopped = ann.stopped
			r.Run.Panic = ann.panicked
		}
	}
	if len(g.aggs.ann.measures) > 0 {
		r.Measurements = append([]Measurement(nil), g.aggs.ann.measures...)
	}
	var ov overlap
	r.Timeline, ov = buildTimeline(&g.aggs.timeline, g.procsSamples, g.start, g.end, opts.Buckets, g.preExisting)
	r.Procs.IdleWhileRunnableNS, r.Procs.RunnableWhileBusyNS, r.Procs.OverlapBinNS = ov.idleRunnable, ov.runnableBusy, ov.binNS
	r.Profiles = g.profiles()
	r.Metrics = Metrics(r)
	return r
}

// profiles lists time by stack for the pprof export.
func (g *global) profiles() *Profiles {
	p := &Profiles{
		Sched:   topStacks(g.aggs.latency.byStack, -1, &g.stacks),
		Syscall: topStacks(g.aggs.syscalls.byStack, -1, &g.stacks),
	}
	var syncS, netS stackAccs
	g.aggs.blocking.each(func(k blockKey, a stackAcc) {
		var dst *stackAccs
		switch c := g.cats[k.reason]; {
		case isSyncCat(c):
			dst = &syncS
		case c == catNet:
			dst = &netS
		default:
			return
		}
		dst.addN(k.stack, a.count, a.total)
	})
	p.Sync = topStacks(syncS, -1, &g.stacks)
	p.Net = topStacks(netS, -1, &g.stacks)
	return p
}
