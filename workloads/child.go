package workloads

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ChildCommand is the hidden subcommand that runs a workload in a child
// process: `EXE __workload NAME --trace FILE [--set k=v]...`.
const ChildCommand = "__workload"

// ChildSpec describes one run of a workload in a child process.
type ChildSpec struct {
	// Exe is the program to run, which must route ChildCommand to ChildMain
	// (the gotrace binary); empty means this program (os.Executable).
	Exe      string
	Workload string
	Params   map[string]string // missing ones take their defaults
	// GOMAXPROCS is set in the child's environment; 0 inherits.
	GOMAXPROCS int
	// GODEBUG settings are added to the inherited GODEBUG (ChildGODEBUG).
	GODEBUG string
	// TraceFile receives the execution trace; required.
	TraceFile string
	// Timeout bounds the child's run (0: no bound besides ctx). A child that
	// runs longer is killed and RunChild returns an error.
	Timeout time.Duration
	// Env is added to the child's environment (after this process's).
	Env []string
}

// ChildGODEBUG is the GODEBUG a child run with ChildSpec.GODEBUG add gets:
// this process's GODEBUG followed by add, so that add's settings win.
func ChildGODEBUG(add string) string {
	inherited := os.Getenv("GODEBUG")
	switch {
	case add == "":
		return inherited
	case inherited == "":
		return add
	}
	return inherited + "," + add
}

// stderrTailLines is how many of the child's last stderr lines an error shows.
const stderrTailLines = 10

// RunChild runs a workload in a child process and returns the child's
// Result. The parameters are checked here first (errors wrap
// ErrUnknownWorkload or ErrBadParam). The child is killed when Timeout passes
// or ctx is done, and RunChild never waits for it much longer than that. A
// child that crashes, exits non-zero or times out is an error that ends with
// the child's last stderr lines, except a child that died of a panic its
// workload caught (Env.CatchPanic) after ending the trace: its Result, with
// Panic set, is returned without error, and its trace is complete.
func RunChild(ctx context.Context, s ChildSpec) (*Result, error) {
	w, err := Lookup(s.Workload)
	if err != nil {
		return nil, err
	}
	if _, err := w.values(s.Params); err != nil {
		return nil, err
	}
	if s.TraceFile == "" {
		return nil, fmt.Errorf("workload %s: no trace file given for the child", w.Name)
	}
	exe := s.Exe
	if exe == "" {
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("workload %s: cannot find this program to re-execute: %w", w.Name, err)
		}
	}
	args := []string{ChildCommand, w.Name, "--trace", s.TraceFile}
	keys := make([]string, 0, len(s.Params))
	for k := range s.Params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		args = append(args, "--set", k+"="+s.Params[k])
	}

	runCtx := ctx
	if s.Timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, s.Timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(runCtx, exe, args...)
	cmd.Env = append(os.Environ(), s.Env...)
	if s.GOMAXPROCS > 0 {
		cmd.Env = append(cmd.Env, "GOMAXPROCS="+strconv.Itoa(s.GOMAXPROCS))
	}
	if s.GODEBUG != "" {
		cmd.Env = append(cmd.Env, "GODEBUG="+ChildGODEBUG(s.GODEBUG))
	}
	stdout := &limitBuffer{max: 4 << 20}
	stderr := &tailBuffer{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	// Kill (the default Cancel) and do not wait for pipes held open by
	// anything the child left behind.
	cmd.WaitDelay = 2 * time.Second

	start := time.Now()
	runErr := cmd.Run()
	elapsed := time.Since(start).Round(time.Millisecond)
	tail := stderr.tail(stderrTailLines)
	switch {
	case s.Timeout > 0 && errors.Is(runCtx.Err(), context.DeadlineExceeded) && ctx.Err() == nil:
		return nil, fmt.Errorf("workload %s: child timed out after %v and was killed%s", w.Name, s.Timeout, tail)
	case ctx.Err() != nil:
		return nil, fmt.Errorf("workload %s: child stopped after %v: %w%s", w.Name, elapsed, ctx.Err(), tail)
	case runErr != nil:
		// A child that died of a workload's panic after ending its trace
		// still reports what it measured; the panic is its outcome.
		var res Result
		if json.Unmarshal(stdout.Bytes(), &res) == nil && res.Panic != nil {
			return &res, nil
		}
		return nil, fmt.Errorf("workload %s: child failed after %v (%v)%s", w.Name, elapsed, runErr, tail)
	}
	var res Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return nil, fmt.Errorf("workload %s: child printed no result (%v); is %s a gotrace binary?%s", w.Name, err, exe, tail)
	}
	return &res, nil
}

// ChildMain is the body of the hidden subcommand; args are what follows
// ChildCommand: NAME --trace FILE [--set key=value]... [--timeout D]. It runs
// the workload on the calling (main) goroutine under runtime/trace, writes
// the trace to FILE and the Result as JSON on stdout. It returns the exit
// code: 0 ok, 1 the workload failed, 2 usage error, or a panic of the
// workload (as a Go program that panics exits 2): then the trace is complete
// up to the panic, the Result is on stdout and the panic on stderr.
func ChildMain(args []string, stdout, stderr io.Writer) int {
	const usage = "usage: " + ChildCommand + " WORKLOAD --trace FILE [--set key=value]... [--timeout D]"
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	name := args[0]
	fs := flag.NewFlagSet(ChildCommand, flag.ContinueOnError)
	fs.SetOutput(stderr)
	traceFile := fs.String("trace", "", "write the execution trace to `FILE`")
	timeout := fs.Duration("timeout", 0, "stop the workload after `D` (0: no limit)")
	var sets setFlag
	fs.Var(&sets, "set", "set a parameter, `key=value` (repeatable)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() > 0 || *traceFile == "" {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	w, err := Lookup(name)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	params, err := w.Resolve(sets)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}

	f, err := os.Create(*traceFile)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	ctx := context.Background()
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}
	res, runErr := Trace(ctx, bw, w, params)
	if err := bw.Flush(); err != nil && runErr == nil {
		runErr = err
	}
	if err := f.Close(); err != nil && runErr == nil {
		runErr = err
	}
	if res != nil && res.Panic != nil {
		// The program dies of the panic, as Go would (exit 2, the panic on
		// stderr), but its trace is complete: say what the run measured.
		if err := json.NewEncoder(stdout).Encode(res); err != nil {
			fmt.Fprintln(stderr, err)
		}
		fmt.Fprintf(stderr, "panic: %s\n\n%s", res.Panic.Value, res.Panic.Stack)
		return 2
	}
	if runErr != nil {
		fmt.Fprintln(stderr, runErr)
		if pe := (*PanicError)(nil); errors.As(runErr, &pe) {
			stderr.Write(pe.Stack)
		}
		return 1
	}
	enc := json.NewEncoder(stdout)
	if err := enc.Encode(res); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

// setFlag collects repeated --set flags.
type setFlag []string

func (s *setFlag) String() string { return strings.Join(*s, " ") }

func (s *setFlag) Set(v string) error {
	*s = append(*s, v)
	return nil
}

// limitBuffer keeps the first max bytes written to it.
type limitBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// tailBuffer keeps the last max bytes written to it, and the first line that
// looks like the cause of a crash.
type tailBuffer struct {
	buf   []byte
	max   int
	cause string
	line  []byte // partial line, while looking for the cause
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	if b.cause == "" {
		b.line = append(b.line, p...)
		for {
			i := bytes.IndexByte(b.line, '\n')
			if i < 0 {
				break
			}
			l := string(b.line[:i])
			b.line = b.line[i+1:]
			if strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "fatal error: ") {
				b.cause = l
				b.line = nil
				break
			}
		}
		if len(b.line) > 4096 {
			b.line = b.line[len(b.line)-4096:]
		}
	}
	b.buf = append(b.buf, p...)
	if len(b.buf) > 2*b.max {
		b.buf = append(b.buf[:0], b.buf[len(b.buf)-b.max:]...)
	}
	return len(p), nil
}

// tail formats the last n non-empty lines (and the crash cause, when it is
// not among them) as "; last stderr lines:\n\t..." or "" when there are none.
func (b *tailBuffer) tail(n int) string {
	var lines []string
	for _, l := range strings.Split(string(b.buf), "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if len(lines) == 0 {
		return "; the child wrote nothing on stderr"
	}
	if b.cause != "" && !slices.Contains(lines, b.cause) {
		lines = append([]string{b.cause, "..."}, lines...)
	}
	return "; last stderr lines:\n\t" + strings.Join(lines, "\n\t")
}
