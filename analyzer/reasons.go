package analyzer

import "strings"

// Time categories of a goroutine: what it was doing. The blocked categories
// classify wait reasons.
const (
	catExec = iota
	catSched
	catSyscall
	catSync    // reason mentions "sync": mutexes, WaitGroup, Cond, ...
	catChan    // channel send or receive
	catSelect  // select
	catNet     // network (netpoller)
	catSleep   // time.Sleep and timers
	catGC      // waits of the garbage collector
	catSystem  // "system goroutine wait"
	catOther   // any other reason ("forever", "unspecified", ...)
	catUnknown // blocked before the trace began; reason not recorded
	numCats
)

// catNames are the keys of StateTimes.BlockedBy, indexed by category.
var catNames = [numCats]string{
	catSync: "sync", catChan: "chan", catSelect: "select", catNet: "network",
	catSleep: "sleep", catGC: "gc", catSystem: "system", catOther: "other", catUnknown: "unknown",
}

// reasonCat classifies a wait reason. The sync, chan and select categories
// together are exactly the reasons `go tool trace -pprof=sync` counts (a
// reason containing "chan", "sync" or "select"); catNet is "-pprof=net".
func reasonCat(r string) uint8 {
	switch {
	case r == "":
		return catUnknown
	case strings.Contains(r, "chan"):
		return catChan
	case strings.Contains(r, "select"):
		return catSelect
	case strings.Contains(r, "sync"):
		return catSync
	case r == "network":
		return catNet
	case r == "sleep":
		return catSleep
	case strings.HasPrefix(r, "GC"):
		return catGC
	case r == "system goroutine wait":
		return catSystem
	default:
		return catOther
	}
}

// ReasonClass returns the class of a wait reason as reported in
// BlockReason.Reason: "sync", "chan", "select", "network", "sleep", "gc",
// "system", "other", or "unknown" for a wait that began before the trace
// (the keys of StateTimes.BlockedBy and of the block.class.* metrics).
func ReasonClass(reason string) string {
	if reason == unknownReason {
		return catNames[catUnknown]
	}
	return catNames[reasonCat(reason)]
}

// isSyncCat reports whether a category is counted by `go tool trace -pprof=sync`.
func isSyncCat(c uint8) bool { return c == catSync || c == catChan || c == catSelect }

// unknownReason is how a wait that began before the trace is reported.
const unknownReason = "(blocked before trace start)"

// isSystemFunc reports whether a goroutine with this start function belongs
// to the runtime (GC workers, sweeper, finalizers, the trace reader, ...)
// rather than to the program. runtime.main runs the program's main.
func isSystemFunc(fn string) bool {
	if fn == "" || fn == "runtime.main" {
		return false
	}
	pkg := funcPackage(fn)
	return pkg == "runtime" || pkg == "runtime/trace" || strings.HasPrefix(pkg, "internal/runtime")
}

// funcPackage returns the import path of a fully qualified function name,
// e.g. "net/http" for "net/http.(*Server).Serve".
func funcPackage(fn string) string {
	slash := strings.LastIndexByte(fn, '/')
	dot := strings.IndexByte(fn[slash+1:], '.')
	if dot < 0 {
		return fn
	}
	return fn[:slash+1+dot]
}

// UserFrame returns the first frame of a stack (innermost first) whose
// function is the program's own: outside the standard library and the
// runtime (a package whose import path has a dot in its first element, or
// package main, but not the main go test generates). ok is false when
// every frame is the standard library's.
func UserFrame(stack []Frame) (f Frame, ok bool) {
	if i := UserFrameIndex(stack); i >= 0 {
		return stack[i], true
	}
	return Frame{}, false
}
