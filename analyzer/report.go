package analyzer

import "github.com/gotrace/gotrace/analyzer/buildinfo"

// SchemaVersion is the version of the JSON forms of Report and ReportSet. It
// changes when a field is removed or changes meaning; adding fields keeps
// it. README.md ("JSON schema versions") lists what each version changed.
//
// Version 2: gc.stw_ns and the gc.stw.* metrics count GC pauses only (other
// stop-the-world pauses are in gc.other_stw_ns and stw.other.*); goroutine
// groups and worst latency groups list user goroutines first, each part cut
// to Top; top stack lists put user stacks before runtime ones; a top-level
// "findings" array.
const SchemaVersion = 2

// ReportKind identifies the JSON form of a Report.
const ReportKind = "gotrace.report"

// Report is the result of analyzing one trace. Every duration is in
// nanoseconds of the trace's clock; every ratio is in 0..1. A Report is plain
// data: renderers and the check command read it and never recompute.
type Report struct {
	// Header says what the JSON document is (ReportKind, SchemaVersion) and
	// which gotrace produced it.
	buildinfo.Header
	Source   Source    `json:"source"`
	Trace    TraceInfo `json:"trace"`
	Warnings []string  `json:"warnings,omitempty"`
	// Top is the length of the top-N lists the report was made with
	// (Options.Top; -1: no limit). Renderers cut their tables to it.
	Top int `json:"top"`

	// Findings are the problems the report shows, most impactful first.
	// The analyzer leaves it empty: package analyzer/findings computes it
	// from the rest of the report (findings.Attach).
	Findings []Finding `json:"findings"`

	Goroutines  GoroutineStats  `json:"goroutines"`
	Procs       ProcStats       `json:"procs"`
	Switches    SwitchStats     `json:"switches"`
	Latency     LatencyStats    `json:"sched_latency"`
	Blocking    BlockingStats   `json:"blocking"`
	Syscalls    SyscallStats    `json:"syscalls"`
	GC          GCStats         `json:"gc"`
	Leaks       LeakStats       `json:"leaks"`
	Annotations AnnotationStats `json:"annotations"`

	// Timeline is the window cut into equal buckets.
	Timeline Timeline `json:"timeline"`

	// GoToolTrace holds the totals `go tool trace -pprof=KIND` computes
	// from the same trace, for comparison: it counts a state begun before
	// the trace from its first event, not from the trace start.
	GoToolTrace GoToolTrace `json:"go_tool_trace"`

	// Metrics holds every headline number under a stable dotted name, the
	// unit in the name (_ns, _bytes, _per_sec; ratios 0..1; counts bare).
	Metrics map[string]float64 `json:"metrics"`

	// Run describes the built-in workload that made the trace, read from the
	// trace's gotrace.workload log (nil for other traces).
	Run *RunInfo `json:"run,omitempty"`
	// Measurements are the numbers the traced program logged about itself
	// (category gotrace.measure), in trace order.
	Measurements []Measurement `json:"measurements,omitempty"`

	// Profiles holds time by stack for scheduler wait, synchronization
	// blocking, syscalls and network blocking: the data of the pprof export.
	// It is left out of the JSON form.
	Profiles *Profiles `json:"-"`
}

// GoToolTrace is what `go tool trace -pprof=sched|sync|net|syscall` sums
// (ns). gotrace's own totals differ from these on purpose in one way: a
// state under way when the trace began counts from the trace start, and a
// wait begun then takes its reason from the blocking stack. go tool trace
// counts such a state from the goroutine's first event and gives such a wait
// no reason, so it is in none of its sync or network totals.
type GoToolTrace struct {
	SchedNS   int64 `json:"sched_ns"`   // = LatencyStats.AfterFirstRunNS
	SyncNS    int64 `json:"sync_ns"`    // chan, select and sync waits begun in the trace
	NetNS     int64 `json:"net_ns"`     // network waits begun in the trace
	SyscallNS int64 `json:"syscall_ns"` // syscalls, each from its first event
}

// RunInfo describes a run of a built-in workload.
type RunInfo struct {
	Workload string            `json:"workload"`
	Params   map[string]string `json:"params"`
	// Stopped says why a watchdog ended the trace while the workload was
	// still blocked (the deadlock and leak workloads), or is empty.
	Stopped string `json:"stopped,omitempty"`
	// Panic is the value of a panic that ended the workload (e.g. "sync:
	// negative WaitGroup counter"), or empty. The trace was ended by the
	// panicking goroutine, so it holds everything up to the panic.
	Panic string `json:"panic,omitempty"`
}

// Source describes where the trace came from.
type Source struct {
	Name string `json:"name"` // file name as given, or "-" for stdin
	// Bytes is the size of the trace analyzed (after decompression): the
	// header and the generations the report covers.
	Bytes int64 `json:"bytes"`
	// InputBytes is the size of the whole input (after decompression) when
	// it differs from Bytes and is known: a file holding several
	// concatenated traces, of which the first is analyzed, or a truncated
	// trace. 0 otherwise.
	InputBytes int64  `json:"input_bytes,omitempty"`
	Gzip       bool   `json:"gzip,omitempty"` // the input was gzip-compressed
	Format     string `json:"format"`         // "go 1.NN trace" header
	GoVersion  string `json:"go_version"`     // Go release range that writes this format, e.g. "1.23-1.24"
}

// TraceInfo describes the trace as a whole.
type TraceInfo struct {
	StartNS     int64 `json:"start_ns"`    // first event, trace clock
	EndNS       int64 `json:"end_ns"`      // last event, trace clock
	DurationNS  int64 `json:"duration_ns"` // EndNS - StartNS
	Events      int64 `json:"events"`      // events read, excluding per-generation sync markers
	Generations int   `json:"generations"` // generations analyzed
	// Truncated is set when the trace ended (or broke) inside a generation;
	// the report covers the complete generations before it.
	Truncated bool `json:"truncated,omitempty"`
	// LostBytes is how many bytes at the end of the input were not analyzed.
	LostBytes int64 `json:"lost_bytes,omitempty"`
	// Loss, when set, describes what of the input the report does not
	// cover (Truncated is then set too). A report with a loss is not a
	// whole trace: check refuses to compare it unless told otherwise.
	Loss *DataLoss `json:"loss,omitempty"`
}

// Loss reasons (DataLoss.Reason).
const (
	LossTruncated    = "truncated"    // the input ends inside a generation
	LossCorrupt      = "corrupt"      // a generation cannot be read
	LossConcatenated = "concatenated" // another trace follows the first
)

// DataLoss describes the part of an input a report does not cover. The
// analysis stops at the first generation it cannot read: the generations
// before it are analyzed, that one and everything after it are not (goroutine
// state cannot be stitched across a generation that is missing).
type DataLoss struct {
	Reason string `json:"reason"` // LossTruncated, LossCorrupt or LossConcatenated
	// Generation is the 1-based index of the first generation not analyzed.
	Generation int `json:"generation"`
	// Offset is the input offset where the part not analyzed begins.
	Offset int64 `json:"offset"`
	// Bytes is the size of the part not analyzed, at least (BytesKnown
	// false: the rest of a stream was not read).
	Bytes      int64 `json:"bytes"`
	BytesKnown bool  `json:"bytes_known"`
	// Share is Bytes over the input's size (0..1), when both are known.
	Share float64 `json:"share,omitempty"`
	// CompleteAfter counts the complete generations after the broken one,
	// not analyzed (-1: unknown, the input was not read further).
	CompleteAfter int `json:"complete_after"`
	// Detail is what was wrong, one line.
	Detail string `json:"detail"`
}

// Dist summarizes a distribution of durations (ns) or sizes. Quantiles are
// within RelativeError of exact (see package sketch).
type Dist struct {
	Count uint64  `json:"count"`
	Sum   uint64  `json:"sum"`
	Mean  float64 `json:"mean"`
	Min   uint64  `json:"min"`
	P50   uint64  `json:"p50"`
	P90   uint64  `json:"p90"`
	P99   uint64  `json:"p99"`
	P999  uint64  `json:"p999"`
	Max   uint64  `json:"max"`
	// Histogram is the distribution in power-of-two buckets, for charts.
	Histogram []HistBucket `json:"histogram,omitempty"`
}

// HistBucket counts values in [Lo, Hi).
type HistBucket struct {
	Lo    uint64 `json:"lo"`
	Hi    uint64 `json:"hi"`
	Count uint64 `json:"count"`
}

// StateTimes is time spent in each goroutine state (ns).
type StateTimes struct {
	Exec      int64 `json:"exec_ns"`       // Running
	SchedWait int64 `json:"sched_wait_ns"` // Runnable
	Syscall   int64 `json:"syscall_ns"`    // in a syscall
	Blocked   int64 `json:"blocked_ns"`    // Waiting, any reason
	// BlockedBy splits Blocked by reason class: "sync", "chan", "select",
	// "network", "sleep", "gc", "system", "other", "unknown".
	BlockedBy map[string]int64 `json:"blocked_by,omitempty"`
}

// GoroutineStats covers goroutine creation, lifetime and grouping.
type GoroutineStats struct {
	Created     int64 `json:"created"`      // transitions out of NotExist in the trace (all goroutines)
	Ended       int64 `json:"ended"`        // transitions into NotExist (all goroutines)
	PreExisting int64 `json:"pre_existing"` // first seen already existing
	AliveAtEnd  int64 `json:"alive_at_end"` // not ended by the last event (all goroutines)
	Peak        int64 `json:"peak"`         // most goroutines alive at once (all goroutines)
	PeakAtNS    int64 `json:"peak_at_ns"`   // when the peak was first reached, from trace start

	UserCreated    int64 `json:"user_created"`
	UserEnded      int64 `json:"user_ended"`
	UserAliveAtEnd int64 `json:"user_alive_at_end"`
	System         int64 `json:"system"` // goroutines of the runtime seen

	// Lifetime is end - creation for user goroutines created and ended in the trace.
	Lifetime Dist `json:"lifetime_ns"`
	// CreationRate is user goroutines created per second of trace.
	CreationRate float64 `json:"creation_per_sec"`

	// UserTime and RuntimeTime are the time of all user and runtime
	// goroutines in each state, summed over every group (states still open
	// at the end counted up to the end of the trace).
	UserTime    StateTimes `json:"user_time"`
	RuntimeTime StateTimes `json:"runtime_time"`
	// UserGroups and RuntimeGroups count the groups of user and runtime
	// goroutines, before Groups is cut to the report's Top.
	UserGroups    int `json:"user_groups"`
	RuntimeGroups int `json:"runtime_groups"`

	// Groups are goroutines grouped by start function: the user groups, most
	// total time first, then the runtime groups likewise; each part holds at
	// most Top groups (Options.Top).
	Groups []GoroutineGroup `json:"groups"`
	// GroupCount is the number of groups, listed or not; a comparison of
	// reports (diff) tells a group absent from a run from one cut off the
	// list by it.
	GroupCount int `json:"group_count"`

	// WorkingAtEnd counts the user goroutines alive at the end of the trace
	// and not blocked (running, runnable or in a syscall), of a known start
	// function: work not finished. When main returns, or the program exits,
	// such goroutines are cut off and never end. Working lists them by start
	// function and state (at most Options.Top groups); the blocked ones are
	// in Leaks.
	WorkingAtEnd int64          `json:"working_at_end"`
	Working      []WorkingGroup `json:"working,omitempty"`
}

// WorkingGroup is user goroutines of one start function in one state at the
// end of the trace.
type WorkingGroup struct {
	Start string `json:"start"` // start function
	State string `json:"state"` // "running", "runnable" or "syscall"
	Count int64  `json:"count"`
	// Created counts those created in the trace (the others existed before).
	Created int64 `json:"created"`
	// MaxAgeNS is how long the oldest of them had existed at the end (from
	// the trace start for one that existed before it).
	MaxAgeNS int64 `json:"max_age_ns"`
}

// GoroutineGroup is the goroutines that share a start function.
type GoroutineGroup struct {
	Name           string     `json:"name"` // start function ("(unknown)" when never seen)
	System         bool       `json:"system,omitempty"`
	Count          int64      `json:"count"`
	Created        int64      `json:"created"`
	Ended          int64      `json:"ended"`
	AliveAtEnd     int64      `json:"alive_at_end"`
	Time           StateTimes `json:"time"`
	MaxSchedWaitNS int64      `json:"max_sched_wait_ns"` // longest single Runnable interval
	// CreatedAt is the stack that created the first of the group's
	// goroutines created in the trace: the go statement, innermost first.
	CreatedAt []Frame `json:"created_at,omitempty"`
}

// ProcStats covers processor (P) utilization.
type ProcStats struct {
	GOMAXPROCS int `json:"gomaxprocs"` // value at the end of the trace
	// GOMAXPROCSChanges lists every value set during the trace (with the first).
	GOMAXPROCSChanges []ProcsChange `json:"gomaxprocs_changes,omitempty"`
	// Utilization is Σ busy / Σ P-existence over all Ps.
	Utilization float64 `json:"utilization"`
	// GCUtilization is the share of P time running GC mark workers.
	GCUtilization float64 `json:"gc_utilization"`
	BusyNS        int64   `json:"busy_ns"`  // Σ time some goroutine ran on a P
	GCNS          int64   `json:"gc_ns"`    // part of BusyNS in GC mark workers
	ExistNS       int64   `json:"exist_ns"` // Σ time each P existed (GOMAXPROCS × window)
	// SyscallNS is time goroutines spent in syscalls that returned to their
	// P: the P was held, but no goroutine ran on it (not part of BusyNS).
	SyscallNS int64     `json:"syscall_ns"`
	IdleNS    int64     `json:"idle_ns"` // ExistNS - BusyNS
	PerP      []ProcUse `json:"per_p"`
	// IdleWhileRunnableNS is P time that was idle while goroutines were
	// runnable, and RunnableWhileBusyNS goroutine time runnable while every
	// P was busy, both measured in time bins of OverlapBinNS: within a bin,
	// the overlap of idle P time and runnable time is taken as large as it
	// can be (so IdleWhileRunnableNS is an upper bound, RunnableWhileBusyNS
	// a lower one). Only completed runnable intervals count.
	IdleWhileRunnableNS int64 `json:"idle_while_runnable_ns"`
	RunnableWhileBusyNS int64 `json:"runnable_while_busy_ns"`
	OverlapBinNS        int64 `json:"overlap_bin_ns"`
}

// ProcsChange is a GOMAXPROCS value taking effect.
type ProcsChange struct {
	AtNS  int64 `json:"at_ns"` // from trace start
	Value int   `json:"value"`
}

// ProcUse is the utilization of one P.
type ProcUse struct {
	P           int     `json:"p"`
	BusyNS      int64   `json:"busy_ns"`
	GCNS        int64   `json:"gc_ns"`
	SyscallNS   int64   `json:"syscall_ns"`
	ExistNS     int64   `json:"exist_ns"`
	Utilization float64 `json:"utilization"`
	Switches    int64   `json:"switches"`
}

// SwitchStats covers goroutine switches: a P starting to run a goroutine.
type SwitchStats struct {
	Total      int64   `json:"total"`         // Runnable -> Running transitions
	PerSec     float64 `json:"per_sec"`       // Total / trace duration
	PerSecPerP float64 `json:"per_sec_per_p"` // PerSec / mean GOMAXPROCS
	// Out counts transitions out of Running by cause.
	Out SwitchOuts `json:"out"`
	// RunSlice is the length of Running intervals.
	RunSlice   Dist  `json:"run_slice_ns"`
	Migrations int64 `json:"migrations"` // a goroutine resumed on another P than it last ran on
	// Long are the run slices of at least LongSliceNS.
	Long LongSlices `json:"long_slices"`
}

// LongSliceNS is the length from which a run slice counts as long: 50 ms,
// 2.5 times the 20 ms a preemptible goroutine runs at most when others
// could run (the scheduler's 10 ms quantum, plus up to 10 ms before sysmon,
// which checks every 10 ms in a CPU-bound program, sees it).
const LongSliceNS = 50_000_000

// LongSlices counts run slices of at least ThresholdNS.
type LongSlices struct {
	ThresholdNS int64 `json:"threshold_ns"`
	Count       int64 `json:"count"`
	// TotalNS is their summed length, within the distribution's relative
	// error (see package sketch).
	TotalNS int64 `json:"total_ns"`
}

// SwitchOuts counts why goroutines stopped running.
type SwitchOuts struct {
	Blocked   int64            `json:"blocked"`              // Running -> Waiting
	Preempted int64            `json:"preempted"`            // Running -> Runnable or Waiting, reason "preempted" (the latter: suspended for a GC stack scan)
	Yielded   int64            `json:"yielded"`              // Running -> Runnable, runtime.Gosched and other reasons
	Syscall   int64            `json:"syscall"`              // Running -> Syscall
	Exited    int64            `json:"exited"`               // Running -> NotExist
	BlockedBy map[string]int64 `json:"blocked_by,omitempty"` // Blocked split by wait reason
}

// LatencyStats covers scheduler latency: Runnable intervals that end in Running.
type LatencyStats struct {
	Dist Dist `json:"dist_ns"`
	// CompletedNS is the total Runnable time of completed intervals, including
	// each goroutine's wait from creation to its first run.
	CompletedNS int64 `json:"completed_ns"`
	// AfterFirstRunNS counts only intervals that begin after the goroutine
	// first ran, which is what `go tool trace -pprof=sched` sums.
	AfterFirstRunNS int64 `json:"after_first_run_ns"`
	// OpenNS is Runnable time still open at the end of the trace.
	OpenNS int64 `json:"open_ns"`
	// Preexisting counts goroutines runnable when the trace began (their
	// wait is cut by the trace start: not in Dist).
	Preexisting int64 `json:"preexisting"`
	// WorstGroups are goroutine groups by longest single wait: user groups
	// first, then runtime groups, each part at most Top long.
	WorstGroups []GroupLatency `json:"worst_groups"`
	// UserGroups and RuntimeGroups count the groups with runnable time,
	// before WorstGroups is cut.
	UserGroups    int `json:"user_groups"`
	RuntimeGroups int `json:"runtime_groups"`
	// Top is runnable time by the stack that made goroutines runnable (the
	// preempted goroutine's own stack, the waker's, the creator's), user
	// stacks first; Stacks counts the distinct stacks before the cut.
	Top    []StackTime `json:"top_stacks,omitempty"`
	Stacks int         `json:"stacks"`
}

// GroupLatency is scheduler wait of one goroutine group.
type GroupLatency struct {
	Name    string `json:"name"`
	System  bool   `json:"system,omitempty"` // a group of runtime goroutines
	Count   int64  `json:"goroutines"`
	TotalNS int64  `json:"total_ns"`
	MaxNS   int64  `json:"max_ns"`
}

// BlockingStats covers time goroutines spent Waiting.
type BlockingStats struct {
	// CompletedNS is the time of all completed Waiting intervals (a wait
	// begun before the trace counted from the trace start); Count is those
	// that began in the trace.
	CompletedNS int64 `json:"completed_ns"`
	Count       int64 `json:"count"`
	// Preexisting counts waits under way when the trace began (completed or
	// still open); their reason is read from the blocking stack.
	Preexisting int64 `json:"preexisting"`
	// ByReason is completed Waiting intervals by wait reason, most time
	// first. Count and MaxNS cover waits begun in the trace.
	ByReason []BlockReason `json:"by_reason"`
	// SyncCompletedNS is Waiting with a reason containing "chan", "sync" or
	// "select" (what `go tool trace -pprof=sync` sums).
	SyncCompletedNS int64 `json:"sync_completed_ns"`
	// NetCompletedNS is Waiting on the network (`go tool trace -pprof=net`).
	NetCompletedNS int64 `json:"net_completed_ns"`
	// OpenNS is Waiting time still open at the end of the trace.
	OpenNS int64 `json:"open_ns"`
	// OpenByReason splits OpenNS by wait reason, most time first: Count is
	// the goroutines still waiting, MaxNS the longest of their waits so far.
	OpenByReason []BlockReason `json:"open_by_reason,omitempty"`
	// SyncByPrimitive splits the completed waits on sync primitives (reason
	// "sync" and "sync.(*Cond).Wait", and waits begun before the trace
	// whose stack shows one) by the primitive the blocking stack shows,
	// most time first.
	SyncByPrimitive []BlockPrimitive `json:"sync_by_primitive,omitempty"`
}

// Sync primitives of BlockPrimitive.Primitive.
const (
	PrimMutex     = "sync.Mutex"
	PrimRWMutex   = "sync.RWMutex"
	PrimWaitGroup = "sync.WaitGroup"
	PrimCond      = "sync.Cond"
	PrimOtherSync = "other"
)

// BlockPrimitive is completed blocking on one kind of sync primitive.
type BlockPrimitive struct {
	Primitive string      `json:"primitive"` // one of the Prim* constants
	Count     int64       `json:"count"`
	TotalNS   int64       `json:"total_ns"`
	Top       []StackTime `json:"top_stacks,omitempty"` // user stacks first
	Stacks    int         `json:"stacks"`               // distinct stacks before the cut
}

// BlockReason is completed blocking for one wait reason.
type BlockReason struct {
	Reason  string      `json:"reason"`
	Count   int64       `json:"count"`
	TotalNS int64       `json:"total_ns"`
	MaxNS   int64       `json:"max_ns"`
	Top     []StackTime `json:"top_stacks,omitempty"` // user stacks first
	// Stacks is the number of distinct blocking stacks of this reason, of
	// which Top lists the first (at most Options.Top).
	Stacks int `json:"stacks"`
	// RuntimeNS is the part of TotalNS on runtime stacks (StackTime.Runtime).
	RuntimeNS int64 `json:"runtime_ns"`
}

// StackTime is time attributed to one stack.
type StackTime struct {
	Stack   []Frame `json:"stack"`
	Count   int64   `json:"count"`
	TotalNS int64   `json:"total_ns"`
	// Runtime marks a stack with no frame outside the runtime (a runtime
	// goroutine's, the tracer's own): top lists put these after the others.
	Runtime bool `json:"runtime,omitempty"`
}

// Frame is one stack frame.
type Frame struct {
	Func string `json:"func"`
	File string `json:"file"`
	Line int    `json:"line"`
}

// SyscallStats covers system calls.
type SyscallStats struct {
	Count int64 `json:"count"` // completed syscalls begun in the trace
	// CompletedNS is the time of every completed syscall, one under way when
	// the trace began counted from the trace start.
	CompletedNS int64 `json:"completed_ns"`
	OpenNS      int64 `json:"open_ns"` // syscall time still open at the end
	// Preexisting counts syscalls under way when the trace began, completed
	// or not; they are not in Count, Dist, KeptP or LostP.
	Preexisting int64 `json:"preexisting"`
	// UnseenNS is the part of CompletedNS from the trace start to the first
	// event of a syscall under way then, which go tool trace leaves out.
	UnseenNS int64 `json:"unseen_ns"`
	Dist     Dist  `json:"dist_ns"` // syscalls begun and ended in the trace
	// KeptP counts syscalls whose goroutine resumed on its P (Syscall ->
	// Running); LostP those whose P was handed off while blocked (Syscall ->
	// Runnable).
	KeptP int64 `json:"kept_p"`
	LostP int64 `json:"lost_p"`
	// LostPNS is the time of the completed syscalls that lost their P.
	LostPNS int64 `json:"lost_p_ns"`
	// Threads is the number of distinct OS threads (Ms) seen in the trace.
	Threads int64 `json:"threads"`
	// MaxConcurrent is the most goroutines in a syscall at once.
	MaxConcurrent int64       `json:"max_concurrent"`
	Top           []StackTime `json:"top_stacks,omitempty"` // user stacks first
	// Stacks is the number of distinct syscall stacks, of which Top lists
	// the first (at most Options.Top).
	Stacks int `json:"stacks"`
}

// GCStats covers garbage collection.
type GCStats struct {
	Cycles      int64       `json:"cycles"`                  // mark phases begun in the trace
	MarkNS      int64       `json:"mark_ns"`                 // total duration of completed mark phases
	STW         Dist        `json:"stw_ns"`                  // stop-the-world pauses of the GC (reasons "GC ...")
	OtherSTW    Dist        `json:"other_stw_ns"`            // the other stop-the-world pauses, except the tracer's own (start/stop trace)
	STWByReason []STWReason `json:"stw_by_reason,omitempty"` // every pause, the tracer's included
	AssistCount int64       `json:"assist_count"`            // mark assists completed
	AssistNS    int64       `json:"assist_ns"`               // time goroutines spent in mark assist, from its begin to its end
	// AssistRunningNS is the part of AssistNS the assisting goroutines ran
	// (the rest they waited for a P, or parked for work): the CPU the
	// assists took. Assists active since an earlier generation count from
	// that generation's start.
	AssistRunningNS int64 `json:"assist_running_ns"`
	// AssistTop is mark assist time by the stack the assist began with:
	// where goroutines were allocating when the GC made them help; user
	// stacks first.
	AssistTop []StackTime `json:"assist_top_stacks,omitempty"`
	// OtherSTWTop is the time of the non-GC pauses by the stack of the
	// goroutine that stopped the world (runtime.Stack, ReadMemStats, ...).
	OtherSTWTop   []StackTime `json:"other_stw_top_stacks,omitempty"`
	SweepNS       int64       `json:"sweep_ns"`       // time Ps spent in incremental sweep
	HeapMaxBytes  uint64      `json:"heap_max_bytes"` // peak of /memory/classes/heap/objects:bytes
	HeapLastBytes uint64      `json:"heap_last_bytes"`
	GoalMaxBytes  uint64      `json:"heap_goal_max_bytes"` // peak of /gc/heap/goal:bytes
	GoalLastBytes uint64      `json:"heap_goal_last_bytes"`
}

// STWReason is stop-the-world pauses of one kind.
type STWReason struct {
	Reason  string `json:"reason"`
	Kind    string `json:"kind"` // STWGC, STWOther or STWTracer
	Count   int64  `json:"count"`
	TotalNS int64  `json:"total_ns"`
	MaxNS   int64  `json:"max_ns"`
}

// Kinds of stop-the-world pauses (STWReason.Kind).
const (
	STWGC     = "gc"     // the GC's: counted in GCStats.STW
	STWOther  = "other"  // not the GC's (stack dumps, GOMAXPROCS, ReadMemStats, ...): GCStats.OtherSTW
	STWTracer = "tracer" // the tracer's own (start trace, stop trace): counted in neither
)

// LeakStats covers user goroutines still blocked at the end of the trace.
type LeakStats struct {
	// ThresholdNS is how long a goroutine must have been blocked at the end to
	// be a suspected leak.
	ThresholdNS int64 `json:"threshold_ns"`
	// Suspected counts goroutines blocked at least ThresholdNS, except those
	// waiting on network I/O (servers' listeners and idle connections) and
	// those of unknown identity (blocked since before the trace, no stack).
	Suspected int64 `json:"suspected"`
	// Blocked counts all user goroutines blocked at the end.
	Blocked int64 `json:"blocked"`
	// Groups are blocked goroutines grouped by reason and blocking stack,
	// suspected first, then most goroutines.
	Groups []LeakGroup `json:"groups"`
}

// LeakGroup is user goroutines blocked at the end on the same reason and stack.
type LeakGroup struct {
	Reason    string `json:"reason"`
	Start     string `json:"start"` // start function
	Count     int64  `json:"count"`
	Suspected bool   `json:"suspected"`
	// MinBlockedNS and MaxBlockedNS bound how long they had been blocked at
	// the end (at least: a goroutine blocked before the trace began counts
	// from the trace start).
	MinBlockedNS int64 `json:"min_blocked_ns"`
	MaxBlockedNS int64 `json:"max_blocked_ns"`
	// TotalBlockedNS is their blocked time summed (a lower bound likewise).
	TotalBlockedNS int64 `json:"total_blocked_ns"`
	// BeforeTrace: blocked since before the trace began. The trace records
	// no reason for such a wait, so Reason is read from the blocking stack
	// (or unknown), and the blocked times are lower bounds.
	BeforeTrace bool `json:"before_trace,omitempty"`
	// Diagnosis names a known pattern, e.g. a sync.WaitGroup deadlock.
	Diagnosis string  `json:"diagnosis,omitempty"`
	Stack     []Frame `json:"stack,omitempty"`
}

// AnnotationStats covers user annotations (runtime/trace tasks, regions, logs).
type AnnotationStats struct {
	Tasks   []AnnotationKind `json:"tasks,omitempty"`   // by task type
	Regions []AnnotationKind `json:"regions,omitempty"` // by region type
	// LogCount is the number of log events; Logs holds the first of them
	// (at most MaxLogs) in time order.
	LogCount int64     `json:"log_count"`
	Logs     []LogLine `json:"logs,omitempty"`
}

// AnnotationKind is completed tasks or regions of one type.
type AnnotationKind struct {
	Type       string `json:"type"`
	Count      int64  `json:"count"`      // completed
	Unfinished int64  `json:"unfinished"` // begun but not ended in the trace
	Duration   Dist   `json:"duration_ns"`
	// Breakdown is where the wall time of the instances went on the
	// goroutines that worked on them, completed and unfinished alike (an
	// unfinished one up to the end of the trace): each goroutine counts its
	// own time, so two goroutines busy through a 10ms task count 20ms.
	// Rows are in descending order of time; their shares add up to 1.
	Breakdown []TimeShare `json:"breakdown,omitempty"`
	// CriticalPath is the critical paths of the completed instances added
	// up by (function, state, reason, line), in descending order of time;
	// shares are of the instances' total latency and add up to 1.
	CriticalPath []PathRow `json:"critical_path,omitempty"`
	// Slowest is the slowest completed instances, slowest first (at most
	// MaxSlowest).
	Slowest []Instance `json:"slowest,omitempty"`
}

// MaxSlowest is the number of slowest instances a report keeps per task
// or region type.
const MaxSlowest = 10

// MaxPathRows is the number of rows a report keeps of a critical path;
// the time of the rest is one row with Function "(other)".
const MaxPathRows = 20

// Breakdown and critical-path states. A waiting state comes with its
// reason class (Reason: sync, chan, select, net, sleep, ...).
const (
	StateRunning      = "running"
	StateRunnable     = "runnable"
	StateWaiting      = "waiting"
	StateSyscall      = "syscall"
	StateAssist       = "gc_assist"    // running a GC mark assist
	StateSTW          = "stw"          // any state, while the world was stopped
	StateUnattributed = "unattributed" // no goroutine of the instance was known
	StateOther        = "other"        // a critical path's rows past MaxPathRows, as one (Function "(other)")
)

// TimeShare is one row of a breakdown: time in one state.
type TimeShare struct {
	State  string  `json:"state"`            // one of the State* constants
	Reason string  `json:"reason,omitempty"` // waiting: the reason class
	NS     int64   `json:"ns"`
	Share  float64 `json:"share"` // of the breakdown's total, 0..1
}

// PathRow is time on a critical path: a goroutine, known by its start
// function, in one state. File and Line are the user's frame where the
// state's stack shows one (a wait: where it waited).
type PathRow struct {
	Function string  `json:"function"`
	State    string  `json:"state"`            // running, runnable, waiting, syscall, unattributed
	Reason   string  `json:"reason,omitempty"` // waiting: the wait reason ("sync.Mutex.Lock", "sleep")
	File     string  `json:"file,omitempty"`
	Line     int     `json:"line,omitempty"`
	NS       int64   `json:"ns"`
	Share    float64 `json:"share"` // of the path's (or paths') total, 0..1
}

// Instance is one task or region: its id (tasks; regions have none), when
// it began and ended from the trace start, and its critical path.
type Instance struct {
	ID           uint64    `json:"id,omitempty"`
	Goroutine    int64     `json:"g,omitempty"` // regions: their goroutine
	StartNS      int64     `json:"start_ns"`
	EndNS        int64     `json:"end_ns"`
	LatencyNS    int64     `json:"latency_ns"`
	CriticalPath []PathRow `json:"critical_path,omitempty"`
}

// LogLine is one runtime/trace.Log event.
type LogLine struct {
	AtNS      int64  `json:"at_ns"` // from trace start
	Goroutine int64  `json:"g"`
	Task      uint64 `json:"task,omitempty"`
	Category  string `json:"category"`
	Message   string `json:"message"`
}

// Timeline is the trace window cut into equal buckets.
type Timeline struct {
	BucketNS int64 `json:"bucket_ns"`
	// Utilization of all Ps, GC share, per bucket (0..1).
	Utilization   []float64 `json:"utilization"`
	GCUtilization []float64 `json:"gc_utilization"`
	// PerP[p][i] is utilization of P p in bucket i, GCPerP the GC share.
	PerP   [][]float64 `json:"per_p"`
	GCPerP [][]float64 `json:"gc_per_p"`
	// IdleWhileRunnable is the share of each bucket's P time that was idle
	// while goroutines were runnable (see ProcStats.IdleWhileRunnableNS).
	IdleWhileRunnable []float64 `json:"idle_while_runnable"`
	// Switches per bucket.
	Switches []int64 `json:"switches"`
	// Goroutines alive at the end of each bucket, and the most alive within it.
	Alive    []int64 `json:"alive"`
	AliveMax []int64 `json:"alive_max"`
}

// ProfileKinds names the profiles of Profiles, as `go tool trace -pprof` does.
var ProfileKinds = []string{"sched", "sync", "syscall", "net"}

// Of returns the profile of a kind (one of ProfileKinds), or nil.
func (p *Profiles) Of(kind string) []StackTime {
	if p == nil {
		return nil
	}
	switch kind {
	case "sched":
		return p.Sched
	case "sync":
		return p.Sync
	case "syscall":
		return p.Syscall
	case "net":
		return p.Net
	}
	return nil
}

// Profiles is time by stack for the four pprof-style profiles.
type Profiles struct {
	Sched   []StackTime // Runnable intervals by the stack that made the goroutine runnable
	Sync    []StackTime // Waiting on chan/sync/select by blocking stack
	Syscall []StackTime // syscalls by entry stack
	Net     []StackTime // Waiting on the network by blocking stack
}

// Finding is a diagnosed problem: what is wrong, how much of the program's
// time it explains, the numbers behind it and where in the code to look.
// Package analyzer/findings computes findings from a Report; the analyzer
// itself leaves Report.Findings empty.
type Finding struct {
	// ID names the kind of finding, stable across releases ("lock-contention").
	ID string `json:"id"`
	// Title says what was found, in a few words.
	Title string `json:"title"`
	// Impact is the share of goroutine time, P time or wall time the finding
	// explains, 0..1 (how each id computes it is in README.md).
	Impact float64 `json:"impact"`
	// Detail explains the finding in a sentence or two, with its numbers.
	Detail string `json:"detail"`
	// Evidence holds the numbers behind the finding under metric-like names
	// (units in the names, as in Report.Metrics).
	Evidence map[string]float64 `json:"evidence"`
	// Where lists the code the finding points at, most important first:
	// the first frame of a stack outside the runtime and the standard
	// library (or, in a trace of the standard library's own tests, the
	// first frame of the package under test).
	Where []Location `json:"where,omitempty"`
	// Next says where to look next: a report section, a pprof profile, a
	// time range.
	Next []string `json:"next,omitempty"`
}

// Location is a place in the code a finding points at.
type Location struct {
	Function string `json:"function"`
	File     string `json:"file"`
	Line     int    `json:"line"`
	// Via is the library function the code was in when it waited or was
	// found (sync.(*Mutex).Lock, runtime.chansend1, syscall.read), if any.
	Via string `json:"via,omitempty"`
	// Count and TotalNS are the events and time attributed to this place.
	Count   int64 `json:"count,omitempty"`
	TotalNS int64 `json:"total_ns,omitempty"`
}
