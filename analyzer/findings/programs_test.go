package findings

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/trace"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/internal/machinelock"
	"github.com/gotrace/gotrace/workloads"
)

// The findings on real traces: each bug program of bugs_test.go, and each
// built-in workload, runs in a child process (this test binary, re-executed)
// so that the trace holds nothing but the program; the test then checks the
// findings it must and must not produce.

// bugEnv makes the test binary run one bug program: "ID=TRACEFILE".
const bugEnv = "GOTRACE_FINDINGS_BUG"

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == workloads.ChildCommand {
		os.Exit(workloads.ChildMain(os.Args[2:], os.Stdout, os.Stderr))
	}
	if v := os.Getenv(bugEnv); v != "" {
		os.Exit(runBug(v))
	}
	os.Exit(m.Run())
}

// runBug runs a bug program under runtime/trace, in the child.
func runBug(v string) int {
	id, file, _ := strings.Cut(v, "=")
	bug := bugs[id]
	if bug == nil {
		fmt.Fprintf(os.Stderr, "no bug program %q\n", id)
		return 2
	}
	f, err := os.Create(file)
	if err == nil {
		err = trace.Start(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	bug()
	trace.Stop()
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	return 0
}

// traced is a child's trace, analyzed, with its findings.
type traced struct {
	r *analyzer.Report
	// overloaded: the child got less CPU time than its goroutines ran in the
	// trace, so the OS did not run its threads all the while the trace
	// says they ran (a loaded machine). Findings about time (scheduler
	// latency, run slices, idle Ps) then describe the machine too.
	overloaded bool
	note       string
}

func (tr *traced) find(id string) *analyzer.Finding {
	for i := range tr.r.Findings {
		if tr.r.Findings[i].ID == id {
			return &tr.r.Findings[i]
		}
	}
	return nil
}

func (tr *traced) ids() []string {
	var ids []string
	for _, f := range tr.r.Findings {
		ids = append(ids, fmt.Sprintf("%s %.3f", f.ID, f.Impact))
	}
	return ids
}

// analyzeChild analyzes a trace file and tells whether the child was
// starved of CPU, from the CPU time its run took (cpu) against the time
// its goroutines ran in the trace.
func analyzeChild(t *testing.T, file string, cpu time.Duration, known bool) *traced {
	t.Helper()
	r, err := analyzer.AnalyzeFile(file, analyzer.Options{})
	if err != nil {
		t.Fatalf("analyzing %s: %v", file, err)
	}
	Attach(r)
	tr := &traced{r: r}
	busy := time.Duration(r.Procs.BusyNS)
	if known && cpu < busy*8/10 {
		tr.overloaded = true
		tr.note = fmt.Sprintf("the child used %v of CPU while its goroutines ran %v in the trace: the machine is overloaded", cpu.Round(time.Millisecond), busy.Round(time.Millisecond))
	}
	if load, ok := loadAverage(); ok && load > 1.5*float64(runtime.NumCPU()) {
		tr.overloaded = true
		tr.note = fmt.Sprintf("the load average is %.1f on %d CPUs: the machine is overloaded", load, runtime.NumCPU())
	}
	t.Logf("findings: %v (utilization %.2f, sched p99 %v, CPU %v for %v running)", tr.ids(), r.Procs.Utilization,
		time.Duration(r.Latency.Dist.P99), cpu.Round(time.Millisecond), busy.Round(time.Millisecond))
	return tr
}

// runBugChild runs the bug program of id in a child with the given
// environment; wrap, if set, runs the child through another command
// (taskset).
func runBugChild(t *testing.T, id string, env []string, wrap ...string) *traced {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), id+".trace")
	machinelock.Hold(t)
	args := append(wrap, exe, "-test.run=^$")
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), append(env, bugEnv+"="+id+"="+file)...)
	before, known := childrenCPU()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bug program %s: %v\n%s", id, err, out)
	}
	after, _ := childrenCPU()
	return analyzeChild(t, file, after-before, known)
}

// marker finds the line of bugs*_test.go marked "// finding: ID".
func marker(t *testing.T, id string) (file string, line int) {
	t.Helper()
	names, _ := filepath.Glob("bugs*_test.go")
	for _, name := range names {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for n := 1; sc.Scan(); n++ {
			if strings.HasSuffix(sc.Text(), "// finding: "+id) {
				f.Close()
				return name, n
			}
		}
		f.Close()
	}
	return "", 0
}

func TestBugPrograms(t *testing.T) {
	tests := []struct {
		id   string
		env  []string
		wrap []string
		// function the finding must point at (Where[0]); its line is the
		// marked one when the id has a marker.
		function string
		skip     string
	}{
		{id: GoroutineLeak, function: "bugLeak.func1"},
		{id: LockContention, function: "bugLock.func1"},
		{id: ChannelWait, function: "bugChannel.func1"},
		{id: CPUSaturation, function: "burnFor"},
		{id: GCPressure, function: "bugGC.func1"},
		{id: SyscallThreads, function: "blockingSleep"},
		{id: GoroutineChurn, function: "bugChurn"}, // the go statement
		{id: LongRunSlices, env: []string{"GODEBUG=asyncpreemptoff=1"}},
		{id: NonGCSTW, function: "bugStackDumps"},
		{id: IdleProcs, env: []string{"GOMAXPROCS=4"}, wrap: []string{"taskset", "-c", "0"}},
	}
	if !blockingSyscalls {
		tests[5].skip = "no blocking syscall helper on this OS"
	}
	if _, err := exec.LookPath("taskset"); err != nil {
		tests[9].skip = "needs taskset to run the child on one CPU"
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			if tc.skip != "" {
				t.Skip(tc.skip)
			}
			env := append([]string{"GOMAXPROCS=2"}, tc.env...)
			tr := runBugChild(t, tc.id, env, tc.wrap...)
			f := tr.find(tc.id)
			if f == nil && tr.overloaded && slices.Contains(timing, tc.id) {
				t.Skipf("the %s program does not produce %s (findings %v), but the machine cannot show it: %s", tc.id, tc.id, tr.ids(), tr.note)
			}
			if f == nil {
				t.Fatalf("the %s program does not produce %s; findings %v", tc.id, tc.id, tr.ids())
			}
			if tr.r.Findings[0].ID != tc.id {
				t.Logf("note: %s is not the first finding: %v", tc.id, tr.ids())
			}
			if tc.function == "" {
				return
			}
			if len(f.Where) == 0 {
				t.Fatalf("%s has no code location: %+v", tc.id, *f)
			}
			w := f.Where[0]
			if !strings.HasSuffix(w.Function, "findings."+tc.function) {
				t.Errorf("%s points at %s (%s:%d), want findings.%s", tc.id, w.Function, w.File, w.Line, tc.function)
			}
			if file, line := marker(t, tc.id); file != "" && (filepath.Base(w.File) != file || w.Line != line) {
				t.Errorf("%s points at %s:%d, want the marked line %s:%d", tc.id, filepath.Base(w.File), w.Line, file, line)
			}
		})
	}
}

// timing are the findings about how long things waited or ran (GC workers
// too): on an overloaded machine they describe the machine as much as the
// program.
var timing = []string{CPUSaturation, LongRunSlices, IdleProcs, ChannelWait, SyscallThreads, GCPressure}

func TestWorkloadFindings(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every workload in a child process")
	}
	all := IDs()
	except := func(ids ...string) []string {
		var out []string
		for _, id := range all {
			if !slices.Contains(ids, id) {
				out = append(out, id)
			}
		}
		return out
	}
	tests := []struct {
		workload string
		sets     []string
		must     []string
		where    string // function Where[0] of the first must names
		mustNot  []string
	}{
		{"fanout", []string{"jobs=2000"}, []string{CPUSaturation}, "", except(CPUSaturation)},
		{"mutex", []string{"iterations=500"}, []string{LockContention}, "workloads.runMutex.func1.1", except(LockContention)},
		{"net", []string{"rounds=1000"}, nil, "", all},
		// many creates n goroutines in a loop and later wakes them all at
		// once: on 2 Ps they queue for a P in both bursts, a true burst of
		// saturation that crosses cpu-saturation's 70% utilization or not
		// with the machine's speed; and their stacks (100 MB for 50,000)
		// start 3 to 4 GC cycles in a trace of a few hundred ms, near
		// gc-pressure's 15% (measured 14-17%). Nothing else may show.
		{"many", []string{"n=50000"}, nil, "", except(CPUSaturation, GCPressure)},
		{"gc", []string{"alloc_mb=384"}, []string{GCPressure}, "", except(GCPressure)},
		{"leak", []string{"n=50", "ok=50", "hold=1s"}, []string{GoroutineLeak}, "workloads.waitForever", except(GoroutineLeak)},
		{"deadlock", []string{"hold=1s"}, []string{GoroutineLeak}, "workloads.runDeadlock", except(GoroutineLeak)},
		// threads' ping-pong is two goroutines waiting on each other
		// through channels by design: channel-wait may show when it
		// outweighs the parked units; nothing else may.
		{"threads", []string{"units=64", "switches=5000"}, nil, "", except(ChannelWait)},
		{"syscall", []string{"block=50ms", "baseline=100ms"}, []string{SyscallThreads}, "workloads.", except(SyscallThreads)},
		// mainexit and waitgroup run more CPU-bound goroutines than Ps:
		// CPU saturation is what they are; what they exist to show (work
		// cut off at the end, a Done past the count) is no finding's.
		{"mainexit", []string{"work=300ms", "after=100ms"}, nil, "", except(CPUSaturation)},
		{"waitgroup", []string{"after=100ms"}, nil, "", except(CPUSaturation)},
		// oversub bounces a token between pairs of goroutines through
		// channels, by design, and keeps more of them runnable than Ps; its
		// thread variant raises GOMAXPROCS, a stop-the-world pause of its
		// own (a true non-GC pause).
		{"oversub", []string{"duration=100ms"}, nil, "", except(ChannelWait, CPUSaturation, NonGCSTW)},
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.workload, func(t *testing.T) {
			w, err := workloads.Lookup(tc.workload)
			if err != nil {
				t.Fatal(err)
			}
			params, err := w.Resolve(tc.sets)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), tc.workload+".trace")
			machinelock.Hold(t)
			before, known := childrenCPU()
			_, err = workloads.RunChild(context.Background(), workloads.ChildSpec{
				Exe: exe, Workload: tc.workload, Params: params, GOMAXPROCS: 2, TraceFile: file, Timeout: 2 * time.Minute,
			})
			if err != nil {
				t.Fatal(err)
			}
			after, _ := childrenCPU()
			tr := analyzeChild(t, file, after-before, known)
			for _, id := range tc.must {
				switch {
				case tr.find(id) != nil:
				case tr.overloaded && slices.Contains(timing, id):
					t.Logf("%s does not produce %s, not checked: %s", tc.workload, id, tr.note)
				default:
					t.Errorf("%s does not produce %s; findings %v", tc.workload, id, tr.ids())
				}
			}
			if tc.where != "" && len(tc.must) > 0 {
				if f := tr.find(tc.must[0]); f != nil && (len(f.Where) == 0 || !strings.Contains(f.Where[0].Function, tc.where)) {
					t.Errorf("%s: %s points at %+v, want %s", tc.workload, tc.must[0], f.Where, tc.where)
				}
			}
			for _, id := range tc.mustNot {
				f := tr.find(id)
				if f == nil {
					continue
				}
				if tr.overloaded && slices.Contains(timing, id) {
					t.Logf("%s produced %s, not checked: %s", tc.workload, id, tr.note)
					continue
				}
				t.Errorf("%s produces %s (a false positive): %s", tc.workload, id, f.Detail)
			}
		})
	}
}
