package findings

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/gotrace/gotrace/analyzer"
)

// The rules on reports built by hand: one table-driven test per finding,
// each case a change to a report that shows nothing (quiet) and whether the
// finding must follow, with its impact and first code location.

const ms = int64(1_000_000)

// quiet is a report of one second on 2 Ps, half busy, whose user
// goroutines ran 1s and were blocked 1s: no rule fires on it.
func quiet() *analyzer.Report {
	r := &analyzer.Report{Top: 10}
	r.Trace.DurationNS = 1000 * ms
	r.Procs = analyzer.ProcStats{GOMAXPROCS: 2, ExistNS: 2000 * ms, BusyNS: 1000 * ms, IdleNS: 1000 * ms, Utilization: 0.5}
	r.Goroutines.UserTime = analyzer.StateTimes{Exec: 1000 * ms, Blocked: 1000 * ms}
	r.Goroutines.CreationRate = 10
	r.Latency.Dist = analyzer.Dist{Count: 1000, P50: 10_000, P90: 50_000, P99: 100_000, Max: uint64(ms)}
	r.Switches.RunSlice = analyzer.Dist{Count: 1000, Max: uint64(5 * ms)}
	r.Switches.Long.ThresholdNS = analyzer.LongSliceNS
	r.Syscalls.Threads = 4
	return r
}

// fr builds a stack, innermost first, from "func file:line" strings.
func fr(frames ...string) []analyzer.Frame {
	var out []analyzer.Frame
	for _, s := range frames {
		fn, at, _ := strings.Cut(s, " ")
		file, line, _ := strings.Cut(at, ":")
		n := 0
		for _, c := range line {
			n = n*10 + int(c-'0')
		}
		out = append(out, analyzer.Frame{Func: fn, File: file, Line: n})
	}
	return out
}

type ruleCase struct {
	name   string
	change func(r *analyzer.Report)
	want   bool    // the finding is reported
	impact float64 // when want: its impact, within 0.01 (0: not checked)
	where  string  // when want: "func file:line" of Where[0] ("": not checked)
}

// runRule checks the cases of one finding id.
func runRule(t *testing.T, id string, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := quiet()
			tc.change(r)
			var got *analyzer.Finding
			fs := Of(r)
			for i := range fs {
				if fs[i].ID == id {
					got = &fs[i]
				}
			}
			if !tc.want {
				if got != nil {
					t.Fatalf("%s reported: %+v", id, *got)
				}
				return
			}
			if got == nil {
				t.Fatalf("%s not reported; findings: %+v", id, fs)
			}
			if tc.impact > 0 && math.Abs(got.Impact-tc.impact) > 0.01 {
				t.Errorf("impact %.3f, want %.3f", got.Impact, tc.impact)
			}
			if got.Impact <= 0 || got.Impact > 1 {
				t.Errorf("impact %v outside (0, 1]", got.Impact)
			}
			if got.Title == "" || got.Detail == "" || len(got.Evidence) == 0 || len(got.Next) == 0 {
				t.Errorf("finding lacks a title, detail, evidence or next: %+v", *got)
			}
			if tc.where != "" {
				if len(got.Where) == 0 {
					t.Fatalf("no code location, want %s", tc.where)
				}
				w := got.Where[0]
				if at := w.Function + " " + w.File + ":" + itoa(w.Line); at != tc.where {
					t.Errorf("where %s, want %s", at, tc.where)
				}
			}
		})
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestQuietReportHasNoFindings(t *testing.T) {
	if fs := Of(quiet()); len(fs) != 0 {
		t.Errorf("findings on a quiet report: %+v", fs)
	}
	if fs := Of(&analyzer.Report{}); fs == nil || len(fs) != 0 {
		t.Errorf("Of(empty report) = %#v, want an empty list", fs)
	}
}

func TestGoroutineLeak(t *testing.T) {
	leak := func(suspected bool, count, total int64, stack []analyzer.Frame) func(r *analyzer.Report) {
		return func(r *analyzer.Report) {
			r.Leaks.ThresholdNS = 500 * ms
			r.Leaks.Blocked += count
			if suspected {
				r.Leaks.Suspected += count
			}
			r.Leaks.Groups = append(r.Leaks.Groups, analyzer.LeakGroup{
				Reason: "chan send", Start: "main.fetch.func1", Count: count, Suspected: suspected,
				MinBlockedNS: total / count, MaxBlockedNS: total / count, TotalBlockedNS: total, Stack: stack,
				Diagnosis: "goroutines sending on a channel that nobody receives from",
			})
		}
	}
	send := fr("runtime.chansend1 /go/src/runtime/chan.go:161", "main.fetch.func1 /src/app/main.go:34")
	runRule(t, GoroutineLeak, []ruleCase{
		{"none blocked", func(*analyzer.Report) {}, false, 0, ""},
		{"blocked but not suspected", leak(false, 3, 300*ms, send), false, 0, ""},
		{"suspected", leak(true, 10, 1000*ms, send), true, 0.5, "main.fetch.func1 /src/app/main.go:34"},
		{"impact is the leaked share of user time", func(r *analyzer.Report) {
			leak(true, 100, 6000*ms, send)(r)
			r.Goroutines.UserTime.Blocked += 6000 * ms
		}, true, 0.75, "main.fetch.func1 /src/app/main.go:34"},
		{"the main goroutine stuck: the whole program is", func(r *analyzer.Report) {
			leak(true, 1, 900*ms, fr("sync.(*WaitGroup).Wait /s/wg.go:3", "main.main /src/app/main.go:20"))(r)
			r.Leaks.Groups[0].Start = "main.main"
			r.Goroutines.UserTime.Blocked += 9000 * ms
		}, true, 0.9, "main.main /src/app/main.go:20"},
		{"the user frame, not the runtime's", leak(true, 1, 10*ms, fr("runtime.gopark /r/proc.go:1", "runtime.chanrecv /r/chan.go:2", "sync.(*WaitGroup).Wait /s/wg.go:3", "example.com/app.run /src/app/run.go:7")),
			true, 0, "example.com/app.run /src/app/run.go:7"},
	})
}

func TestLockContention(t *testing.T) {
	prim := func(p string, count, total int64, stacks ...analyzer.StackTime) func(r *analyzer.Report) {
		return func(r *analyzer.Report) {
			r.Blocking.SyncByPrimitive = append(r.Blocking.SyncByPrimitive, analyzer.BlockPrimitive{Primitive: p, Count: count, TotalNS: total, Top: stacks, Stacks: len(stacks)})
		}
	}
	lock := analyzer.StackTime{Stack: fr("sync.(*Mutex).Lock /go/src/sync/mutex.go:46", "main.(*cache).get /src/app/cache.go:34", "main.main /src/app/main.go:9"), Count: 900, TotalNS: 900 * ms}
	other := analyzer.StackTime{Stack: fr("sync.(*Mutex).Lock /go/src/sync/mutex.go:46", "main.(*cache).put /src/app/cache.go:51"), Count: 100, TotalNS: 100 * ms}
	rw := analyzer.StackTime{Stack: fr("sync.(*RWMutex).Lock /go/src/sync/rwmutex.go:1", "main.reload /src/app/conf.go:20"), Count: 50, TotalNS: 600 * ms}
	runRule(t, LockContention, []ruleCase{
		{"no sync waits", func(*analyzer.Report) {}, false, 0, ""},
		{"WaitGroup waits are not contention", prim(analyzer.PrimWaitGroup, 100, 1000*ms), false, 0, ""},
		{"too small a share", prim(analyzer.PrimMutex, 100, 90*ms, lock), false, 0, ""},
		{"too few waits", prim(analyzer.PrimMutex, 5, 1000*ms, lock), false, 0, ""},
		{"mutex", prim(analyzer.PrimMutex, 1000, 1000*ms, lock, other), true, 0.5, "main.(*cache).get /src/app/cache.go:34"},
		{"mutex and rwmutex add up; the heavier site first", func(r *analyzer.Report) {
			prim(analyzer.PrimMutex, 1000, 300*ms, other)(r)
			prim(analyzer.PrimRWMutex, 50, 600*ms, rw)(r)
		}, true, 0.45, "main.reload /src/app/conf.go:20"},
	})
}

func TestChannelWait(t *testing.T) {
	reason := func(name string, stacks ...analyzer.StackTime) func(r *analyzer.Report) {
		return func(r *analyzer.Report) {
			br := analyzer.BlockReason{Reason: name, Top: stacks, Stacks: len(stacks)}
			for _, s := range stacks {
				br.Count += s.Count
				br.TotalNS += s.TotalNS
			}
			r.Blocking.ByReason = append(r.Blocking.ByReason, br)
		}
	}
	hot := analyzer.StackTime{Stack: fr("runtime.chansend1 /go/src/runtime/chan.go:161", "main.produce /src/app/pipe.go:21"), Count: 5000, TotalNS: 800 * ms}
	idle := analyzer.StackTime{Stack: fr("runtime.chanrecv2 /go/src/runtime/chan.go:1", "main.worker /src/app/pool.go:12"), Count: 40, TotalNS: 1500 * ms}
	tracer := analyzer.StackTime{Stack: fr("runtime.chanrecv1 /r/chan.go:1", "runtime.(*wakeableSleep).sleep /r/trace.go:2"), Count: 5000, TotalNS: 900 * ms, Runtime: true}
	runRule(t, ChannelWait, []ruleCase{
		{"none", func(*analyzer.Report) {}, false, 0, ""},
		{"long idle waits are not a hot spot", reason("chan receive", idle), false, 0, ""},
		{"the runtime's own waits do not count", reason("chan receive", tracer), false, 0, ""},
		{"one wait per goroutine: parked until released", func(r *analyzer.Report) {
			r.Goroutines.Groups = []analyzer.GoroutineGroup{{Name: "main.unit", Count: 400}}
			reason("chan receive", analyzer.StackTime{Stack: fr("runtime.chanrecv1 /r/chan.go:1", "main.unit /src/app/unit.go:8"), Count: 400, TotalNS: 800 * ms})(r)
		}, false, 0, ""},
		{"many waits per goroutine: a hand-off", func(r *analyzer.Report) {
			r.Goroutines.Groups = []analyzer.GoroutineGroup{{Name: "main.produce", Count: 4}}
			reason("chan send", hot)(r)
		}, true, 0.4, "main.produce /src/app/pipe.go:21"},
		{"frequent short waits with idle Ps", reason("chan send", hot), true, 0.4, "main.produce /src/app/pipe.go:21"},
		{"select counts", reason("select", analyzer.StackTime{Stack: fr("runtime.selectgo /r/select.go:1", "main.loop /src/app/loop.go:5"), Count: 300, TotalNS: 300 * ms}), true, 0.15, "main.loop /src/app/loop.go:5"},
		{"busy Ps: CPU-bound, not channel-bound", func(r *analyzer.Report) {
			reason("chan send", hot)(r)
			r.Procs.Utilization = 0.95
		}, false, 0, ""},
	})
}

func TestCPUSaturation(t *testing.T) {
	saturated := func(r *analyzer.Report) {
		r.Procs.Utilization = 0.97
		r.Procs.RunnableWhileBusyNS = 800 * ms
		r.Goroutines.UserTime.SchedWait = 900 * ms
		r.Latency.Dist.P99 = uint64(5 * ms)
		r.Latency.Top = []analyzer.StackTime{{Stack: fr("main.hash /src/app/hash.go:88", "main.worker /src/app/pool.go:30"), Count: 300, TotalNS: 700 * ms}}
	}
	runRule(t, CPUSaturation, []ruleCase{
		{"none", func(*analyzer.Report) {}, false, 0, ""},
		{"saturated", saturated, true, 0.276, "main.hash /src/app/hash.go:88"},
		{"short waits are not noticed", func(r *analyzer.Report) { saturated(r); r.Latency.Dist.P99 = 500_000 }, false, 0, ""},
		{"Ps not busy", func(r *analyzer.Report) { saturated(r); r.Procs.Utilization = 0.6 }, false, 0, ""},
		{"little runnable time", func(r *analyzer.Report) { saturated(r); r.Procs.RunnableWhileBusyNS = 100 * ms }, false, 0, ""},
	})
}

func TestGCPressure(t *testing.T) {
	gc := func(r *analyzer.Report) {
		r.GC.Cycles = 20
		r.GC.MarkNS = 800 * ms
		r.Procs.GCNS = 600 * ms  // more than 25% of 2 Ps during mark: 400ms counts
		r.GC.AssistNS = 300 * ms // of it 100ms running
		r.GC.AssistRunningNS = 100 * ms
		r.GC.STW = analyzer.Dist{Count: 40, Sum: uint64(10 * ms)}
		r.GC.AssistTop = []analyzer.StackTime{{Stack: fr("runtime.mallocgc /r/malloc.go:1", "runtime.growslice /r/slice.go:2", "main.decode /src/app/json.go:77"), Count: 30, TotalNS: 90 * ms}}
	}
	runRule(t, GCPressure, []ruleCase{
		{"none", func(*analyzer.Report) {}, false, 0, ""},
		{"pressure", gc, true, 0.26, "main.decode /src/app/json.go:77"},
		{"idle-time GC workers are free", func(r *analyzer.Report) {
			gc(r)
			r.GC.MarkNS = 100 * ms // only 50ms of the 600ms of workers count
			r.GC.AssistNS, r.GC.AssistRunningNS = 0, 0
		}, false, 0, ""},
		{"one cycle is not pressure", func(r *analyzer.Report) { gc(r); r.GC.Cycles = 1 }, false, 0, ""},
		{"assists that mostly waited for a P", func(r *analyzer.Report) {
			gc(r)
			r.GC.MarkNS = 100 * ms
			r.GC.AssistNS, r.GC.AssistRunningNS = 90_000*ms, 10*ms // thousands of goroutines runnable mid-assist
		}, false, 0, ""},
	})
}

func TestSyscallThreads(t *testing.T) {
	blocking := func(r *analyzer.Report) {
		r.Syscalls.Count = 100
		r.Syscalls.LostP = 20
		r.Syscalls.LostPNS = 1000 * ms
		r.Syscalls.Threads = 12
		r.Syscalls.MaxConcurrent = 8
		r.Syscalls.Top = []analyzer.StackTime{{Stack: fr("syscall.read /go/src/syscall/z.go:1", "os.(*File).Read /go/src/os/file.go:2", "main.load /src/app/load.go:40"), Count: 20, TotalNS: 1000 * ms}}
	}
	runRule(t, SyscallThreads, []ruleCase{
		{"none", func(*analyzer.Report) {}, false, 0, ""},
		{"blocking syscalls and threads", blocking, true, 0.5, "main.load /src/app/load.go:40"},
		{"no thread growth", func(r *analyzer.Report) { blocking(r); r.Syscalls.Threads = 4 }, false, 0, ""},
		{"short syscalls stretched by a busy machine", func(r *analyzer.Report) {
			blocking(r)
			r.Syscalls.Count = 100_000 // 20 of 100,000 lost their P
		}, false, 0, ""},
		{"lost P but short", func(r *analyzer.Report) { blocking(r); r.Syscalls.LostPNS = 10 * ms }, false, 0, ""},
	})
}

func TestGoroutineChurn(t *testing.T) {
	churn := func(r *analyzer.Report) {
		r.Goroutines.CreationRate = 200_000
		r.Goroutines.Groups = []analyzer.GoroutineGroup{
			{Name: "main.handle.func1", Count: 200_000, Created: 200_000, Ended: 200_000, Time: analyzer.StateTimes{Exec: 200 * ms},
				CreatedAt: fr("main.handle /src/app/h.go:30", "main.main /src/app/main.go:9")},
			{Name: "main.main", Count: 1, Time: analyzer.StateTimes{Exec: 500 * ms}},
		}
	}
	runRule(t, GoroutineChurn, []ruleCase{
		{"none", func(*analyzer.Report) {}, false, 0, ""},
		// 200,000 × 1µs of overhead in 1s of running: 20%, at the go statement.
		{"1µs of work per goroutine", churn, true, 0.2, "main.handle /src/app/h.go:30"},
		{"the function when the creation is not known", func(r *analyzer.Report) {
			churn(r)
			r.Goroutines.Groups[0].CreatedAt = nil
			r.Blocking.ByReason = []analyzer.BlockReason{{Reason: "sync", Top: []analyzer.StackTime{{Stack: fr("sync.(*WaitGroup).Wait /s/wg.go:1", "main.handle.func1 /src/app/h.go:17"), Count: 1, TotalNS: 1}}}}
		}, true, 0.2, "main.handle.func1 /src/app/h.go:17"},
		{"goroutines that work", func(r *analyzer.Report) { churn(r); r.Goroutines.Groups[0].Time.Exec = 20_000 * ms }, false, 0, ""},
		{"a few goroutines, however short", func(r *analyzer.Report) {
			churn(r)
			r.Goroutines.Groups[0].Count, r.Goroutines.Groups[0].Created, r.Goroutines.Groups[0].Time.Exec = 2000, 2000, 2*ms
		}, false, 0, ""},
		{"long-lived goroutines (parked, as many parks them)", func(r *analyzer.Report) { churn(r); r.Goroutines.Groups[0].Time.Blocked = 200_000 * 200 * ms }, false, 0, ""},
		{"time waiting for a P does not make them long-lived", func(r *analyzer.Report) { churn(r); r.Goroutines.Groups[0].Time.SchedWait = 200_000 * 200 * ms }, true, 0.2, ""},
		{"a low creation rate", func(r *analyzer.Report) { churn(r); r.Goroutines.CreationRate = 500 }, false, 0, ""},
	})
}

func TestLongRunSlices(t *testing.T) {
	long := func(r *analyzer.Report) {
		r.Switches.Long = analyzer.LongSlices{ThresholdNS: analyzer.LongSliceNS, Count: 5, TotalNS: 500 * ms}
		r.Switches.RunSlice.Max = uint64(200 * ms) // 5 slices of 50ms or more
		r.Latency.Dist.Max = uint64(180 * ms)
	}
	runRule(t, LongRunSlices, []ruleCase{
		{"none", func(*analyzer.Report) {}, false, 0, ""},
		{"long slices while others waited", long, true, 0.25, ""},
		{"nobody waited", func(r *analyzer.Report) { long(r); r.Latency.Dist.Max = uint64(2 * ms) }, false, 0, ""},
		{"a small share of P time", func(r *analyzer.Report) { long(r); r.Switches.Long.TotalNS = 150 * ms }, false, 0, ""},
		{"two slices are a hiccup", func(r *analyzer.Report) { long(r); r.Switches.Long.Count = 2 }, false, 0, ""},
	})
}

func TestNonGCSTW(t *testing.T) {
	stw := func(r *analyzer.Report) {
		r.GC.OtherSTW = analyzer.Dist{Count: 200, Sum: uint64(50 * ms), Max: uint64(2 * ms)}
		r.GC.STWByReason = []analyzer.STWReason{
			{Reason: "all goroutines stack trace", Kind: analyzer.STWOther, Count: 195, TotalNS: 48 * ms, MaxNS: 2 * ms},
			{Reason: "GC mark termination", Kind: analyzer.STWGC, Count: 3, TotalNS: ms, MaxNS: ms / 2},
			{Reason: "read mem stats", Kind: analyzer.STWOther, Count: 5, TotalNS: 2 * ms, MaxNS: ms / 2},
		}
		r.GC.OtherSTWTop = []analyzer.StackTime{{Stack: fr("runtime.Stack /r/mprof.go:1", "main.dump /src/app/debug.go:12"), Count: 195, TotalNS: 48 * ms}}
	}
	runRule(t, NonGCSTW, []ruleCase{
		{"none", func(*analyzer.Report) {}, false, 0, ""},
		{"stack dumps", stw, true, 0.05, "main.dump /src/app/debug.go:12"},
		{"too little to matter", func(r *analyzer.Report) {
			r.GC.OtherSTW = analyzer.Dist{Count: 3, Sum: uint64(ms / 2), Max: uint64(ms / 4)}
		}, false, 0, ""},
		{"0.5% of the trace in short pauses", func(r *analyzer.Report) {
			r.GC.OtherSTW = analyzer.Dist{Count: 30, Sum: uint64(5 * ms), Max: uint64(ms / 4)}
		}, false, 0, ""},
		{"one pause a latency-sensitive program notices", func(r *analyzer.Report) {
			r.GC.OtherSTW = analyzer.Dist{Count: 3, Sum: uint64(3 * ms), Max: uint64(2 * ms)}
		}, true, 0.003, ""},
	})
	r := quiet()
	stw(r)
	f := Of(r)[0]
	if !strings.Contains(f.Title, "all goroutines stack trace") || !strings.Contains(strings.Join(f.Next, " "), "runtime.Stack") {
		t.Errorf("the finding does not name the biggest reason and its cause: %+v", f)
	}
}

func TestIdleProcs(t *testing.T) {
	idle := func(r *analyzer.Report) {
		r.Procs.Utilization = 0.3
		r.Procs.IdleWhileRunnableNS = 600 * ms
		r.Procs.OverlapBinNS = 1 << 20
		r.Latency.Dist.P90 = uint64(2 * ms)
		r.Timeline = analyzer.Timeline{BucketNS: 100 * ms, IdleWhileRunnable: []float64{0, 0.1, 0.9, 0.2}}
	}
	runRule(t, IdleProcs, []ruleCase{
		{"none", func(*analyzer.Report) {}, false, 0, ""},
		{"idle Ps next to runnable goroutines", idle, true, 0.3, ""},
		{"ordinary wake-ups", func(r *analyzer.Report) { idle(r); r.Latency.Dist.P90 = 40_000 }, false, 0, ""},
		{"busy Ps", func(r *analyzer.Report) { idle(r); r.Procs.Utilization = 0.9 }, false, 0, ""},
	})
	r := quiet()
	idle(r)
	if f := Of(r)[0]; !strings.Contains(strings.Join(f.Next, " "), "200ms-300ms") {
		t.Errorf("next does not name the worst time range: %q", f.Next)
	}
}

// TestStdlibTestTrace: in a go test trace of a standard-library package,
// whose code is all "std", findings point at the package under test.
func TestStdlibTestTrace(t *testing.T) {
	r := quiet()
	test := fr("testing.tRunner /go/src/testing/testing.go:1")
	r.Blocking.ByReason = []analyzer.BlockReason{{Reason: "chan receive", Count: 1, TotalNS: 1, Top: []analyzer.StackTime{
		{Stack: append(fr("runtime.chanrecv1 /r/chan.go:1", "net/http_test.TestServe /go/src/net/http/serve_test.go:10"), test...), Count: 1, TotalNS: 1},
	}}}
	r.Blocking.SyncByPrimitive = []analyzer.BlockPrimitive{{Primitive: analyzer.PrimMutex, Count: 100, TotalNS: 500 * ms, Top: []analyzer.StackTime{
		{Stack: append(fr("sync.(*Mutex).Lock /go/src/sync/mutex.go:1", "net/http.(*Transport).getConn /go/src/net/http/transport.go:77", "net/http_test.TestServe /go/src/net/http/serve_test.go:12"), test...), Count: 100, TotalNS: 500 * ms},
	}}}
	f := Of(r)
	if len(f) != 1 || f[0].ID != LockContention || len(f[0].Where) == 0 {
		t.Fatalf("findings %+v", f)
	}
	if w := f[0].Where[0]; w.Function != "net/http.(*Transport).getConn" || w.Via != "sync.(*Mutex).Lock" {
		t.Errorf("where %+v, want the package under test's frame", w)
	}
}

// TestFindingsArePure: findings of a report and of its JSON read back are
// the same, and Of does not change the report.
func TestFindingsArePure(t *testing.T) {
	r := quiet()
	r.Leaks = analyzer.LeakStats{ThresholdNS: ms, Suspected: 1, Blocked: 1, Groups: []analyzer.LeakGroup{{Reason: "chan receive", Count: 1, Suspected: true, MaxBlockedNS: 900 * ms, TotalBlockedNS: 900 * ms, Stack: fr("runtime.chanrecv1 /r/c.go:1", "main.wait /src/w.go:3")}}}
	before, _ := json.Marshal(r)
	first := Of(r)
	after, _ := json.Marshal(r)
	if string(before) != string(after) {
		t.Errorf("Of changed the report")
	}
	var back analyzer.Report
	if err := json.Unmarshal(before, &back); err != nil {
		t.Fatal(err)
	}
	if again := Of(&back); !reflect.DeepEqual(first, again) {
		t.Errorf("findings differ after a JSON round trip:\n%+v\n%+v", first, again)
	}
	Attach(r)
	if !reflect.DeepEqual(r.Findings, first) || r.Metrics[MetricName(GoroutineLeak)] != first[0].Impact || r.Metrics[MetricName(IdleProcs)] != 0 {
		t.Errorf("Attach: findings %+v, metrics %v", r.Findings, r.Metrics)
	}
}

func TestIDsAreDocumentedNames(t *testing.T) {
	seen := map[string]bool{}
	for _, id := range IDs() {
		if seen[id] || id != strings.ToLower(id) || strings.ContainsAny(id, " ._") {
			t.Errorf("bad or repeated id %q", id)
		}
		seen[id] = true
	}
	if len(seen) != 11 {
		t.Errorf("%d ids, want the 10 of issue 13 and slow-requests", len(seen))
	}
}

func TestSlowRequests(t *testing.T) {
	tasks := func(r *analyzer.Report) {
		r.Annotations.Tasks = []analyzer.AnnotationKind{
			{Type: "server", Count: 1, Duration: analyzer.Dist{Count: 1, Sum: uint64(900 * ms)},
				CriticalPath: []analyzer.PathRow{{State: analyzer.StateUnattributed, Share: 1}}},
			{Type: "request", Count: 100, Duration: analyzer.Dist{Count: 100, Sum: uint64(200 * ms), P50: uint64(ms), P99: uint64(5 * ms)},
				CriticalPath: []analyzer.PathRow{
					{Function: "main.handler", State: analyzer.StateWaiting, Reason: "sleep", File: "/src/db.go", Line: 41, NS: 124 * ms, Share: 0.62},
					{Function: "main.worker", State: analyzer.StateRunning, NS: 76 * ms, Share: 0.38},
				},
				Slowest: []analyzer.Instance{{ID: 7, StartNS: 10 * ms, EndNS: 15 * ms, LatencyNS: 5 * ms}}},
		}
	}
	runRule(t, SlowRequests, []ruleCase{
		{"none", func(*analyzer.Report) {}, false, 0, ""},
		{"requests waiting in db.go", tasks, true, 0.62, ""},
		{"too few tasks", func(r *analyzer.Report) { tasks(r); r.Annotations.Tasks[1].Count = 5 }, false, 0, ""},
		{"no row dominates", func(r *analyzer.Report) {
			tasks(r)
			p := r.Annotations.Tasks[1].CriticalPath
			p[0].Share, p[1].Share = 0.2, 0.2
		}, false, 0, ""},
		{"unattributed does not count", func(r *analyzer.Report) {
			tasks(r)
			r.Annotations.Tasks[1].CriticalPath[0].State = analyzer.StateUnattributed
		}, true, 0.38, ""},
	})
	r := quiet()
	tasks(r)
	var f *analyzer.Finding
	for i, x := range Of(r) {
		if x.ID == SlowRequests {
			f = &Of(r)[i]
		}
	}
	if f == nil || len(f.Where) != 1 || f.Where[0].Line != 41 || !strings.Contains(f.Title, `"request"`) || !strings.Contains(strings.Join(f.Next, " "), "task 7") {
		t.Errorf("finding does not name the type, the line and the slowest task: %+v", f)
	}
}
