package workloads

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/trace"
	"strings"
	"sync"
	"time"

	"github.com/gotrace/gotrace/analyzer"
)

// Log categories the workloads write into the trace; the analyzer reads
// them back (see the analyzer package).
const (
	MeasureCategory  = analyzer.MeasureCategory
	WorkloadCategory = analyzer.WorkloadCategory
	NoteCategory     = analyzer.NoteCategory
	StoppedCategory  = analyzer.StoppedCategory
	PanicCategory    = analyzer.PanicCategory
)

// Measurement is one number a workload measured itself.
type Measurement = analyzer.Measurement

// ParseMeasurement parses the message of a MeasureCategory log event back
// into a measurement (without Help). ok is false if msg is not one.
func ParseMeasurement(msg string) (Measurement, bool) { return analyzer.ParseMeasurement(msg) }

// Result is what a workload run returns.
type Result struct {
	Workload string `json:"workload"`
	// Params are the effective parameters, defaults included.
	Params     map[string]string `json:"params"`
	GOMAXPROCS int               `json:"gomaxprocs"`
	// WallNS is how long the trace was on (wall clock).
	WallNS       int64         `json:"wall_ns"`
	Measurements []Measurement `json:"measurements"`
	// Stopped is empty when the workload finished on its own, or says why a
	// watchdog ended the trace while the workload was still blocked, e.g.
	// "watchdog after 1.5s: main is blocked in sync.(*WaitGroup).Wait".
	Stopped string `json:"stopped,omitempty"`
	// Panic is set when a goroutine of the workload that deferred
	// Env.CatchPanic panicked: the run's outcome. The trace was ended first,
	// so it holds everything up to the panic. (A panic of the workload's own
	// goroutine is a bug: Trace returns it as an error, Panic stays nil.)
	Panic *PanicInfo `json:"panic,omitempty"`
	// Warnings are the workload's doubts about its own measurements, e.g.
	// a baseline disturbed by other load on the machine.
	Warnings []string `json:"warnings,omitempty"`
}

// PanicInfo is a panic that ended a workload.
type PanicInfo struct {
	Value string `json:"value"` // the panic's value, e.g. "sync: negative WaitGroup counter"
	Stack string `json:"stack"` // of the panicking goroutine
}

// Measurement returns the first measurement with this name and variant.
func (r *Result) Measurement(name, variant string) (Measurement, bool) {
	for _, m := range r.Measurements {
		if m.Name == name && m.Variant == variant {
			return m, true
		}
	}
	return Measurement{}, false
}

// Env is what a running workload sees: its parameters (the embedded Values:
// env.Int("n"), env.Duration("hold"), ...) and the means to report.
type Env struct {
	Values

	ctx     context.Context // the workload's task
	cancel  context.CancelCauseFunc
	mu      sync.Mutex
	res     *Result
	start   time.Time
	stopped bool
	done    bool // the workload returned: the Result is the caller's
}

// Context is the context of the workload's trace task.
func (e *Env) Context() context.Context { return e.ctx }

// Measure records m in the result and, while the trace is on, as a log event
// of category MeasureCategory.
func (e *Env) Measure(m Measurement) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.res.Measurements = append(e.res.Measurements, m)
	if !e.stopped {
		trace.Log(e.ctx, MeasureCategory, m.LogMessage())
	}
}

// Logf writes a note into the trace (category NoteCategory).
func (e *Env) Logf(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.stopped {
		trace.Log(e.ctx, NoteCategory, fmt.Sprintf(format, args...))
	}
}

// Warnf records a doubt about the workload's own measurements: in
// Result.Warnings (gotrace run prints them) and as a note in the trace.
func (e *Env) Warnf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.done {
		return
	}
	e.res.Warnings = append(e.res.Warnings, msg)
	if !e.stopped {
		trace.Log(e.ctx, NoteCategory, "warning: "+msg)
	}
}

// CatchPanic, deferred first thing in a goroutine of the workload
// (`defer env.CatchPanic()`), turns a panic of that goroutine into the
// outcome of the run instead of a crash that loses the trace: it logs the
// panic into the trace, ends the trace (so that it is complete up to the
// panic), records the panic in Result.Panic and cancels the workload's
// context with a *PanicError as its cause, so that the workload returns.
// A panic after the workload returned is dropped.
func (e *Env) CatchPanic() {
	r := recover()
	if r == nil {
		return
	}
	pe := &PanicError{Value: r, Stack: debug.Stack()}
	e.panicked(pe)
}

// panicked records pe as the run's outcome and ends the trace.
func (e *Env) panicked(pe *PanicError) {
	e.mu.Lock()
	if e.done || e.res.Panic != nil {
		e.mu.Unlock()
		return
	}
	e.res.Panic = &PanicInfo{Value: fmt.Sprint(pe.Value), Stack: string(pe.Stack)}
	if !e.stopped {
		trace.Log(e.ctx, PanicCategory, e.res.Panic.Value)
	}
	e.stopLocked("")
	e.mu.Unlock()
	e.cancel(pe)
}

// Tracing reports whether the trace is still on.
func (e *Env) Tracing() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return !e.stopped
}

// StopTrace ends the trace now, while the workload may still be blocked.
// reason becomes Result.Stopped (when not empty) and is logged into the
// trace as its last user event. Only the first call has an effect.
func (e *Env) StopTrace(reason string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stopLocked(reason)
}

func (e *Env) stopLocked(reason string) {
	if e.stopped {
		return
	}
	if reason != "" {
		e.res.Stopped = reason
		trace.Log(e.ctx, StoppedCategory, reason)
	}
	trace.Stop()
	e.stopped = true
	e.res.WallNS = int64(time.Since(e.start))
}

// cancelReason is Result.Stopped for a run whose context ended.
func (e *Env) cancelReason() string {
	return fmt.Sprintf("stopped after %v: %v", e.Elapsed().Round(time.Millisecond), context.Cause(e.ctx))
}

// Elapsed is the time since the trace started.
func (e *Env) Elapsed() time.Duration { return time.Since(e.start) }

// traceMu serializes Trace calls: only one runtime/trace can be on.
var traceMu sync.Mutex

// Trace runs w in this process under runtime/trace, writing the trace to out,
// and returns the workload's measurements. params are parameter values by
// name (missing ones take their defaults; Resolve's output fits).
//
// The workload runs on the calling goroutine. Workloads that block forever
// (deadlock, leak) end the trace from a watchdog after a bounded time and
// then unblock themselves, so Trace returns; Result.Stopped says so. When
// ctx is done, Trace stops the trace and the workload returns early with
// ctx's error.
//
// The trace is complete when Trace returns, also on error (if it began).
// Only one trace can be active in a process: if one is (go test -trace), the
// error wraps ErrTraceActive.
func Trace(ctx context.Context, out io.Writer, w *Workload, params map[string]string) (*Result, error) {
	vals, err := w.values(params)
	if err != nil {
		return nil, err
	}
	calibrate() // before the trace, so that it is not in it
	traceMu.Lock()
	defer traceMu.Unlock()
	if trace.IsEnabled() {
		return nil, ErrTraceActive
	}
	res := &Result{
		Workload:     w.Name,
		Params:       w.canonical(vals),
		GOMAXPROCS:   runtime.GOMAXPROCS(0),
		Measurements: []Measurement{},
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if err := trace.Start(out); err != nil {
		if trace.IsEnabled() {
			return nil, fmt.Errorf("%w: %v", ErrTraceActive, err)
		}
		return nil, fmt.Errorf("workload %s: starting runtime/trace: %w", w.Name, err)
	}
	tctx, task := trace.NewTask(ctx, w.Name)
	env := &Env{Values: vals, ctx: tctx, cancel: cancel, res: res, start: time.Now()}
	desc := w.Name + " " + formatParams(w, res.Params)
	if gd := os.Getenv("GODEBUG"); gd != "" && !strings.ContainsAny(gd, " \t") {
		desc += " GODEBUG=" + gd // a run's setting travels with its trace
	}
	trace.Log(tctx, WorkloadCategory, desc)

	// On cancellation, end the trace so that it is complete whatever the
	// workload does next. (AfterFunc starts no goroutine before ctx is done,
	// so the trace holds none of ours that could look leaked.)
	stopWatch := context.AfterFunc(ctx, func() { env.StopTrace(env.cancelReason()) })

	// A panic of the workload's own goroutine is a bug: runSafely turns it
	// into an error. One that a goroutine caught with CatchPanic is the
	// run's outcome: it cancelled ctx with the panic as the cause.
	runErr := runSafely(tctx, w, env)
	stopWatch()
	task.End()
	if pe := (*PanicError)(nil); ctx.Err() != nil && !errors.As(context.Cause(ctx), &pe) {
		env.StopTrace(env.cancelReason())
	}
	env.StopTrace("")
	env.mu.Lock()
	env.done = true
	env.mu.Unlock()
	if pe := (*PanicError)(nil); errors.As(context.Cause(ctx), &pe) {
		runErr = pe // a goroutine's panic ended the run, whatever it returned
	}
	if runErr != nil {
		return res, fmt.Errorf("workload %s: %w", w.Name, runErr)
	}
	return res, nil
}

// PanicError is a panic of a workload's goroutine, recovered by Trace.
type PanicError struct {
	Value any
	Stack []byte // of the panicking goroutine
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// runSafely runs the workload, turning a panic of its goroutine into a
// *PanicError so that the trace is still stopped and complete.
func runSafely(ctx context.Context, w *Workload, env *Env) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	return w.run(ctx, env)
}

// formatParams formats parameters as "k=v k=v" in declaration order.
func formatParams(w *Workload, params map[string]string) string {
	var b strings.Builder
	for i, p := range w.Params {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p.Name + "=" + params[p.Name])
	}
	return b.String()
}
