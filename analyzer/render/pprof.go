package render

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/google/pprof/profile"

	"github.com/gotrace/gotrace/analyzer"
)

// PprofKinds lists the profiles of the pprof export, in the order WritePprof
// writes them. Each is written to KIND.pb.gz.
var PprofKinds = analyzer.ProfileKinds

// pprofWhat says what each profile holds, for its comment.
var pprofWhat = map[string]string{
	"sched":   "scheduler wait: completed Runnable intervals by the stack of the event that made the goroutine runnable, including each goroutine's wait from creation to its first run (go tool trace -pprof=sched leaves that out)",
	"sync":    "synchronization blocking: completed Waiting intervals on channels, select and sync primitives, by blocking stack (as go tool trace -pprof=sync)",
	"syscall": "syscalls: completed syscalls by entry stack (as go tool trace -pprof=syscall)",
	"net":     "network blocking: completed Waiting intervals on the network poller, by blocking stack (as go tool trace -pprof=net)",
}

// WritePprof writes the report's time-by-stack profiles to dir (created if
// missing) as gzipped pprof protos, sched.pb.gz, sync.pb.gz, syscall.pb.gz and
// net.pb.gz, readable by `go tool pprof`, and returns the paths written.
// The output depends on the report only: the same report gives byte-identical
// files.
func WritePprof(dir string, r *analyzer.Report) ([]string, error) {
	if r == nil {
		return nil, fmt.Errorf("pprof: no report")
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, err
	}
	var paths []string
	var buf bytes.Buffer
	for _, kind := range PprofKinds {
		buf.Reset()
		if err := Pprof(&buf, r, kind); err != nil {
			return paths, err
		}
		path := filepath.Join(dir, kind+".pb.gz")
		if err := os.WriteFile(path, buf.Bytes(), 0o666); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// Pprof writes one profile of the report (kind is one of PprofKinds) to w as a
// gzipped pprof proto.
func Pprof(w io.Writer, r *analyzer.Report, kind string) error {
	p, err := PprofProfile(r, kind)
	if err != nil {
		return err
	}
	return p.Write(w)
}

// PprofProfile builds one profile of the report (kind is one of PprofKinds),
// shaped like the profiles of `go tool trace -pprof=KIND`: sample types
// contentions/count and delay/nanoseconds, one sample per stack with values
// {Count, TotalNS}. The trace has no program counters left by the time it is
// a report, so location addresses are synthesized from function, file and line:
// the same frame gets the same address in every profile.
//
// TimeNanos is left zero (the trace clock is not wall time, and pprof would
// print it as a date in 1970); DurationNanos is the trace's span.
func PprofProfile(r *analyzer.Report, kind string) (*profile.Profile, error) {
	if r == nil {
		return nil, fmt.Errorf("pprof %s profile: no report", kind)
	}
	what, ok := pprofWhat[kind]
	if !ok {
		return nil, fmt.Errorf("unknown pprof profile %q (want one of sched, sync, syscall, net)", kind)
	}
	stacks := r.Profiles.Of(kind)
	name := r.Source.Name
	if name == "" {
		name = "(unnamed)"
	}
	p := &profile.Profile{
		SampleType: []*profile.ValueType{
			{Type: "contentions", Unit: "count"},
			{Type: "delay", Unit: "nanoseconds"},
		},
		DefaultSampleType: "delay",
		PeriodType:        &profile.ValueType{Type: "trace", Unit: "count"},
		Period:            1,
		DurationNanos:     r.Trace.DurationNS,
		Comments: []string{
			"gotrace " + kind + " profile of trace " + strconv.Quote(name),
			what,
		},
	}
	// One mapping covering every synthesized address, marked symbolized so
	// that pprof neither looks for a binary nor complains that it has none.
	m := &profile.Mapping{
		ID:              1,
		Start:           0,
		Limit:           1 << 63,
		HasFunctions:    true,
		HasFilenames:    true,
		HasLineNumbers:  true,
		HasInlineFrames: true, // trace stacks list inlined calls as frames
	}
	p.Mapping = []*profile.Mapping{m}
	b := pprofBuilder{
		p:     p,
		m:     m,
		funcs: map[funcKey]*profile.Function{},
		locs:  map[analyzer.Frame]*profile.Location{},
		addrs: map[uint64]bool{},
	}
	for _, st := range stacks {
		s := &profile.Sample{
			Value:    []int64{st.Count, st.TotalNS},
			Location: make([]*profile.Location, 0, len(st.Stack)),
		}
		for _, f := range st.Stack { // innermost first, as pprof wants
			s.Location = append(s.Location, b.location(f))
		}
		p.Sample = append(p.Sample, s)
	}
	if err := p.CheckValid(); err != nil {
		return nil, fmt.Errorf("pprof %s profile: %v", kind, err)
	}
	return p, nil
}

type funcKey struct{ name, file string }

// pprofBuilder deduplicates functions and locations. IDs follow the order of
// first use, which the report's stable sample order fixes.
type pprofBuilder struct {
	p     *profile.Profile
	m     *profile.Mapping
	funcs map[funcKey]*profile.Function
	locs  map[analyzer.Frame]*profile.Location
	addrs map[uint64]bool
}

func (b *pprofBuilder) location(f analyzer.Frame) *profile.Location {
	if l := b.locs[f]; l != nil {
		return l
	}
	fk := funcKey{f.Func, f.File}
	fn := b.funcs[fk]
	if fn == nil {
		fn = &profile.Function{
			ID:         uint64(len(b.p.Function) + 1),
			Name:       f.Func,
			SystemName: f.Func,
			Filename:   f.File,
		}
		b.p.Function = append(b.p.Function, fn)
		b.funcs[fk] = fn
	}
	l := &profile.Location{
		ID:      uint64(len(b.p.Location) + 1),
		Mapping: b.m,
		Address: b.address(f),
		Line:    []profile.Line{{Function: fn, Line: int64(f.Line)}},
	}
	b.p.Location = append(b.p.Location, l)
	b.locs[f] = l
	return l
}

// address synthesizes a program counter for a frame: a hash of its function,
// file and line, unique within the profile, never 0 and below the mapping's
// limit.
func (b *pprofBuilder) address(f analyzer.Frame) uint64 {
	h := fnv.New64a()
	io.WriteString(h, f.Func)
	h.Write([]byte{0})
	io.WriteString(h, f.File)
	h.Write([]byte{0})
	io.WriteString(h, strconv.Itoa(f.Line))
	a := h.Sum64() &^ (1 << 63) // keep it positive for tools that print it signed
	for a == 0 || b.addrs[a] {
		a = (a + 1) &^ (1 << 63)
	}
	b.addrs[a] = true
	return a
}
