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
	"bufio"
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

	"golang.org/x/exp/trace"

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
	// runtime.GOMAXPROCS(0), 1 means sequential. Results do not depend on it.
	Workers int
	// MaxEvents bounds the events of one generation; 0 means
	// DefaultMaxEvents. A crafted trace cannot make the analysis run away.
	MaxEvents int64
	// MaxGenerationBytes bounds the size of one generation; 0 means
	// DefaultMaxGenerationBytes.
	MaxGenerationBytes int64
	// Progress, if set, is called after each generation with the bytes
	// analyzed so far and the input size (-1 when unknown).
	Progress func(done, total int64)

	// export, when set, writes the timeline (export.go).
	export *exporter

	// active counts the generations being analyzed at once; one decodes
	// on a goroutine of its own, ahead of its tracker, while fewer
	// generations than CPUs are in flight.
	active *atomic.Int32
}

// Defaults for the limits in Options.
const (
	DefaultMaxEvents          = 500_000_000
	DefaultMaxGenerationBytes = 1 << 30
	DefaultTop                = 10
	DefaultBuckets            = 50
)

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
	piece gensplit.Piece
	p     *partial
	err   error
	done  chan struct{}
}

// failure describes where analysis stopped early.
type failure struct {
	piece gensplit.Piece
	err   error
	last  bool // no complete piece follows
}

func analyze(in *input, opts Options) (rep *Report, err error) {
	defer func() {
		if r := recover(); r != nil {
			rep, err = nil, inputErr(in.name, ErrCorrupt, nil, "internal error in the analysis (please report it with the trace): %v", r)
		}
	}()
	g := newGlobal()
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
	total, known := in.sp.Size()
	if fail != nil && errors.Is(fail.err, gensplit.ErrSecondTrace) {
		rest := ""
		if known {
			rest = fmt.Sprintf("; the remaining %d bytes were ignored", total-fail.piece.Offset)
		}
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("input holds several concatenated traces: analyzed the first one (%d bytes)%s; split the file to analyze the others", fail.piece.Offset, rest))
		fail = nil
	}
	if fail != nil {
		lost := max(total-analyzedBytes, 0)
		rep.Trace.Truncated = true
		rep.Trace.LostBytes = lost
		share := fmt.Sprintf("%d bytes lost", lost)
		if !known {
			share = fmt.Sprintf("at least %d bytes lost (the rest of the input was not read)", lost)
		} else if total > 0 {
			share += fmt.Sprintf(" (%.1f%% of %d bytes)", 100*float64(lost)/float64(total), total)
		}
		what := "trace is truncated"
		if !fail.last {
			what = "trace is corrupt"
		}
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: generation %d is incomplete (%s); analyzed the %d complete generation(s) before it, %s",
			what, fail.piece.Index+1, oneLine(fail.err), g.gens, share))
	}
	return rep, nil
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
	if f.last && looksTruncated(f) {
		return inputErr(in.name, ErrIncomplete, f.err, "trace is truncated before its first generation is complete (%s); nothing to analyze", msg)
	}
	return inputErr(in.name, ErrCorrupt, f.err, "corrupt trace (%s); the file may be damaged", msg)
}

// looksTruncated guesses whether a parse failure of the last piece is a
// truncation rather than damage.
func looksTruncated(f *failure) bool {
	if !f.piece.Complete {
		return true
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
	if int(n) < runtime.GOMAXPROCS(0) {
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
	tr, err := trace.NewReader(bufio.NewReaderSize(in.sp.Reader(piece), 1<<16))
	if err != nil {
		return err
	}
	return p.run(tr)
}

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
	if runtime.GOMAXPROCS(0) > 1 {
		return trackStream(in, in.sp.Next, &opts, newPartial(), func(piece gensplit.Piece, p *partial) {
			g.merge(p)
			g.lastPieceEnd = piece.Offset + piece.Size
			progress(in, g, opts)
		})
	}
	p := newPartial()
	for {
		piece, err := in.sp.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &failure{piece: piece, err: err, last: true}
		}
		if err := parsePiece(in, piece, p, &opts); err != nil {
			next, nerr := in.sp.Next()
			return &failure{piece: piece, err: err, last: nerr != nil || !next.Complete}
		}
		g.merge(p)
		g.lastPieceEnd = piece.Offset + piece.Size
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

// runParallel decodes up to workers generations at once and merges them in
// order. At most workers+1 generations are held in memory.
func runParallel(in *input, g *global, opts Options, workers int) *failure {
	pool := make(chan *partial, workers+2)
	getPartial := func() *partial {
		select {
		case p := <-pool:
			return p
		default:
			return newPartial()
		}
	}
	jobs := make(chan *pieceResult)
	order := make(chan *pieceResult, workers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				j.p = getPartial()
				j.err = parsePiece(in, j.piece, j.p, &opts)
				close(j.done)
			}
		}()
	}
	// The producer splits the input; it stops at the first incomplete piece.
	// A piece it took from the splitter but could not deliver once told to
	// stop is kept in held (read after order is closed).
	var held *gensplit.Piece
	go func() {
		defer close(order)
		defer close(jobs)
		for {
			piece, err := in.sp.Next()
			if err == io.EOF {
				return
			}
			j := &pieceResult{piece: piece, done: make(chan struct{})}
			if err != nil {
				j.err = err
				close(j.done)
			}
			select {
			case order <- j:
			case <-stop:
				held = &piece
				return
			}
			if err == nil {
				select {
				case jobs <- j:
				case <-stop:
					close(j.done)
					return
				}
			}
			if err != nil || !piece.Complete {
				return
			}
		}
	}()
	var fail *failure
	sawNext := false // the piece after a failed one has been seen
	for j := range order {
		<-j.done
		if fail != nil {
			// Drain. As in sequential mode, the failure is the trace's last
			// piece unless the splitter found a complete one right after it.
			if !sawNext {
				sawNext = true
				fail.last = !j.piece.Complete
			}
			if j.p != nil {
				pool <- j.p
			}
			continue
		}
		if j.err != nil {
			fail = &failure{piece: j.piece, err: j.err, last: true}
			close(stop)
			if j.p != nil {
				pool <- j.p
			}
			continue
		}
		g.merge(j.p)
		g.lastPieceEnd = j.piece.Offset + j.piece.Size
		// Emptied now, a pooled partial no longer holds its generation's
		// tables (stack handles, strings) alive.
		j.p.reset(0)
		select {
		case pool <- j.p:
		default:
		}
		progress(in, g, opts)
	}
	wg.Wait()
	if fail != nil && !sawNext {
		// The producer stopped before delivering the next piece; it has
		// exited (order is closed), so held and the splitter are ours.
		if held != nil {
			fail.last = !held.Complete
		} else {
			next, err := in.sp.Next()
			fail.last = err != nil || !next.Complete
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
