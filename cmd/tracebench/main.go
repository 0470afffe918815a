//go:build unix

// Command tracebench generates large traces and compares, on the same file,
// the time and peak memory of gotrace analyze, a bare golang.org/x/exp/trace
// ReadEvent loop, and go tool trace -pprof=sched.
//
//	go run ./cmd/tracebench gen -size 100MB /tmp/100.trace
//	go run ./cmd/tracebench compare /tmp/100.trace
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/bare"
	"github.com/gotrace/gotrace/analyzer/tracegen"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(os.Args[2:])
	case "craft":
		err = craft(os.Args[2:])
	case "bare":
		err = bareCmd(os.Args[2:])
	case "compare":
		err = compare(os.Args[2:])
	case "analyze":
		err = analyzeCmd(os.Args[2:])
	case "tasks":
		err = tasksCmd(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tracebench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, `usage:
  tracebench gen -size 100MB [-rate 8MB] FILE  record a trace of about that size, at that many bytes/s
  tracebench craft -shape alive|tiny|junk [-n N] [-gens G] [-size S] [-plausible] FILE  write a crafted trace (N goroutines alive over G generations, or G tiny generations)
  tracebench bare [-parallel] [-cpuprofile F] FILE  read every event with a bare x/exp/trace loop (or a loop per generation)
  tracebench compare [-runs N] FILE   time and peak RSS of the bare loops, gotrace -j1, gotrace, go tool trace
  tracebench analyze [-j N] [-notasks] [-cpuprofile F] [-memprofile F] FILE  analyze in this process (-notasks: without task and region paths), with profiles of it
  tracebench tasks [-runs N] FILE     time and peak RSS of the analysis with and without task and region paths, -j 1 and 2`)
	os.Exit(2)
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	u := strings.ToUpper(s)
	for _, suf := range []struct {
		s string
		m int64
	}{{"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}} {
		if strings.HasSuffix(u, suf.s) {
			mult = suf.m
			u = strings.TrimSuffix(u, suf.s)
			break
		}
	}
	n, err := strconv.ParseFloat(u, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad size %q (e.g. 100MB)", s)
	}
	return int64(n * float64(mult)), nil
}

func gen(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ExitOnError)
	size := fs.String("size", "100MB", "trace size")
	rate := fs.String("rate", "8MB", "trace bytes per second to aim at (0: as fast as possible)")
	fs.Parse(args)
	if fs.NArg() != 1 {
		usage()
	}
	n, err := parseSize(*size)
	if err != nil {
		return err
	}
	r := int64(-1)
	if *rate != "0" {
		if r, err = parseSize(*rate); err != nil {
			return err
		}
	}
	start := time.Now()
	got, err := tracegen.GenerateFile(context.Background(), fs.Arg(0), n, r)
	if err != nil {
		return err
	}
	fmt.Printf("%s: %d bytes in %v\n", fs.Arg(0), got, time.Since(start).Round(time.Millisecond))
	return nil
}

func craft(args []string) error {
	fs := flag.NewFlagSet("craft", flag.ExitOnError)
	shape := fs.String("shape", "alive", "alive: goroutine 1 creates N goroutines that stay runnable, re-announced in each of G generations; tiny: G generations of ~100 bytes; junk: G generations of -size bytes of zeros (valid batch headers)")
	size := fs.String("size", "1000MB", "bytes per generation (junk)")
	plausible := fs.Bool("plausible", false, "junk: a real sync batch per generation and event types where batch bodies start")
	n := fs.Int("n", 1_000_000, "goroutines (alive)")
	gens := fs.Int("gens", 1, "generations")
	fs.Parse(args)
	if fs.NArg() != 1 {
		usage()
	}
	f, err := os.Create(fs.Arg(0))
	if err != nil {
		return err
	}
	switch *shape {
	case "alive":
		err = tracegen.ManyAlive(f, *n, *gens)
	case "tiny":
		err = tracegen.TinyGenerations(f, *gens)
	case "junk":
		var n int64
		if n, err = parseSize(*size); err == nil {
			err = tracegen.Junk(f, *gens, n, *plausible)
		}
	default:
		err = fmt.Errorf("unknown -shape %q (alive, tiny)", *shape)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	st, err := os.Stat(fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Printf("%s: %d bytes\n", fs.Arg(0), st.Size())
	return nil
}

func bareCmd(args []string) error {
	fs := flag.NewFlagSet("bare", flag.ExitOnError)
	parallel := fs.Bool("parallel", false, "a reader per generation, GOMAXPROCS generations at once (the decoders' ceiling)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile to `FILE` (compare builds a PGO bare loop from it)")
	fs.Parse(args)
	if fs.NArg() != 1 {
		usage()
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	if *cpuprofile != "" {
		pf, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer func() {
			pprof.StopCPUProfile()
			pf.Close()
		}()
	}
	var n int64
	if *parallel {
		st, err := f.Stat()
		if err != nil {
			return err
		}
		n, err = bare.CountParallel(f, st.Size(), runtime.GOMAXPROCS(0))
		if err != nil {
			return err
		}
	} else if n, err = bare.Count(f); err != nil {
		return err
	}
	fmt.Println(n, "events")
	return nil
}

type result struct {
	name   string
	wall   time.Duration
	maxRSS int64 // KiB
	err    error
}

func measure(name string, argv ...string) result {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout = io.Discard
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{name: name, wall: time.Since(start), err: err}
	if err != nil {
		r.err = fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.maxRSS = ru.Maxrss
	}
	return r
}

func compare(args []string) error {
	fs := flag.NewFlagSet("compare", flag.ExitOnError)
	runs := fs.Int("runs", 3, "runs of each tool; the median is reported")
	skipGoTool := fs.Bool("skip-go-tool", false, "do not run go tool trace (slow and memory hungry on big traces)")
	fs.Parse(args)
	if fs.NArg() != 1 {
		usage()
	}
	file := fs.Arg(0)
	st, err := os.Stat(file)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "tracebench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	// gotrace is built as go build and go install build it: with the
	// profile-guided optimization of cmd/gotrace/default.pgo. For a like for
	// like reference, the bare loop is also built with a profile of itself.
	gotrace := filepath.Join(dir, "gotrace")
	if out, err := exec.Command("go", "build", "-o", gotrace, "github.com/gotrace/gotrace/cmd/gotrace").CombinedOutput(); err != nil {
		return fmt.Errorf("building gotrace: %v: %s", err, out)
	}
	prof := filepath.Join(dir, "bare.pprof")
	if r := measure("profiling the bare loop", self, "bare", "-cpuprofile", prof, file); r.err != nil {
		return r.err
	}
	barePGO := filepath.Join(dir, "tracebench-pgo")
	if out, err := exec.Command("go", "build", "-pgo="+prof, "-o", barePGO, "github.com/gotrace/gotrace/cmd/tracebench").CombinedOutput(); err != nil {
		return fmt.Errorf("building the PGO bare loop: %v: %s", err, out)
	}
	tools := []struct {
		name string
		argv []string
	}{
		{"bare x/exp/trace loop", []string{self, "bare", file}},
		{"bare loop, PGO build", []string{barePGO, "bare", file}},
		{"bare, a loop per generation", []string{self, "bare", "-parallel", file}},
		{"same, PGO build", []string{barePGO, "bare", "-parallel", file}},
		{"gotrace analyze -j 1", []string{gotrace, "analyze", "-q", "-j", "1", "--format", "json", file}},
		{"gotrace analyze", []string{gotrace, "analyze", "-q", "--format", "json", file}},
	}
	if !*skipGoTool {
		tools = append(tools, struct {
			name string
			argv []string
		}{"go tool trace -pprof=sched", []string{"go", "tool", "trace", "-pprof=sched", file}})
	}
	// Runs go round-robin, so that a change of machine load during the
	// comparison weighs on every tool alike.
	rs := make([][]result, len(tools))
	for range *runs {
		for i, tool := range tools {
			rs[i] = append(rs[i], measure(tool.name, tool.argv...))
		}
	}
	var res []result
	for _, r := range rs {
		res = append(res, median(r))
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	mb := float64(st.Size()) / 1e6
	fmt.Fprintf(w, "tool\ttime\tMB/s\tpeak RSS\tspeed vs bare\tvs PGO bare\tRSS vs bare\t\n")
	base, basePGO := res[0], res[1]
	for _, r := range res {
		if r.err != nil {
			fmt.Fprintf(w, "%s\tfailed: %v\t\t\t\t\t\t\n", r.name, r.err)
			continue
		}
		fmt.Fprintf(w, "%s\t%.2fs\t%.1f\t%.0f MiB\t%.2fx\t%.2fx\t%.2fx\t\n", r.name, r.wall.Seconds(), mb/r.wall.Seconds(),
			float64(r.maxRSS)/1024, base.wall.Seconds()/r.wall.Seconds(), basePGO.wall.Seconds()/r.wall.Seconds(),
			float64(r.maxRSS)/float64(base.maxRSS))
	}
	fmt.Printf("%s: %.1f MB, median of %d runs\n", file, mb, *runs)
	return errors.Join(w.Flush())
}

// median returns the run with the median wall time.
func median(rs []result) result {
	for i := range rs {
		for j := i + 1; j < len(rs); j++ {
			if rs[j].wall < rs[i].wall {
				rs[i], rs[j] = rs[j], rs[i]
			}
		}
	}
	return rs[len(rs)/2]
}

func analyzeCmd(args []string) error {
	fs := flag.NewFlagSet("analyze", flag.ExitOnError)
	workers := fs.Int("j", 0, "generations decoded at once (0: GOMAXPROCS)")
	noTasks := fs.Bool("notasks", false, "leave out task and region breakdowns and critical paths")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile to this file")
	memprofile := fs.String("memprofile", "", "write an allocation profile to this file")
	fs.Parse(args)
	if fs.NArg() != 1 {
		usage()
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if *memprofile != "" {
		runtime.MemProfileRate = 64 << 10
	}
	r, err := analyzer.AnalyzeFile(fs.Arg(0), analyzer.Options{Workers: *workers, NoTaskPaths: *noTasks})
	if err != nil {
		return err
	}
	if *memprofile != "" {
		f, err := os.Create(*memprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			return err
		}
	}
	var tasks int64
	for _, k := range r.Annotations.Tasks {
		tasks += k.Count
	}
	fmt.Printf("%d events, %d tasks\n", r.Trace.Events, tasks)
	return nil
}

// tasksCmd measures what task and region paths cost: the analysis with and
// without them, taking turns.
func tasksCmd(args []string) error {
	fs := flag.NewFlagSet("tasks", flag.ExitOnError)
	runs := fs.Int("runs", 5, "runs of each; the median is reported")
	fs.Parse(args)
	if fs.NArg() != 1 {
		usage()
	}
	file := fs.Arg(0)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	type tool struct {
		name string
		argv []string
	}
	var tools []tool
	for _, j := range []string{"1", "2"} {
		tools = append(tools,
			tool{"-j " + j + " without task paths", []string{self, "analyze", "-j", j, "-notasks", file}},
			tool{"-j " + j + " with task paths", []string{self, "analyze", "-j", j, file}})
	}
	rs := make([][]result, len(tools))
	for range *runs {
		for i, t := range tools {
			rs[i] = append(rs[i], measure(t.name, t.argv...))
		}
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "analysis\ttime\tpeak RSS\ttime vs without\tRSS vs without\t\n")
	var base result
	for i, r := range rs {
		m := median(r)
		if m.err != nil {
			return m.err
		}
		if i%2 == 0 {
			base = m
		}
		fmt.Fprintf(w, "%s\t%.2fs\t%.0f MiB\t%.3fx\t%.3fx\t\n", m.name, m.wall.Seconds(), float64(m.maxRSS)/1024,
			m.wall.Seconds()/base.wall.Seconds(), float64(m.maxRSS)/float64(base.maxRSS))
	}
	fmt.Printf("%s: median of %d runs\n", file, *runs)
	return w.Flush()
}
