package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gotrace/gotrace/analyzer"
	"github.com/gotrace/gotrace/analyzer/buildinfo"
)

func TestFormatters(t *testing.T) {
	durs := []struct {
		ns   int64
		want string
	}{
		{0, "0ns"}, {999, "999ns"}, {1000, "1.00µs"}, {12345, "12.3µs"}, {999_499, "999µs"},
		{20_100_000, "20.1ms"}, {1_270_000_000, "1.27s"}, {99_400_000_000, "99.4s"},
		{125_000_000_000, "2m5s"}, {12_273_000_000_000, "3h25m"}, {-1500, "-1.50µs"},
	}
	for _, d := range durs {
		if got := Dur(d.ns); got != d.want {
			t.Errorf("Dur(%d) = %q, want %q", d.ns, got, d.want)
		}
	}
	bytes := []struct {
		b    uint64
		want string
	}{{0, "0 B"}, {1023, "1023 B"}, {1024, "1.00 KiB"}, {1536, "1.50 KiB"}, {13 << 20, "13.0 MiB"}, {5 << 40, "5.00 TiB"}}
	for _, c := range bytes {
		if got := Bytes(c.b); got != c.want {
			t.Errorf("Bytes(%d) = %q, want %q", c.b, got, c.want)
		}
	}
	counts := map[int64]string{0: "0", 999: "999", 1000: "1,000", -1234567: "-1,234,567"}
	for n, want := range counts {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
	if got := Rate(13300); got != "13.3k/s" {
		t.Errorf("Rate = %q", got)
	}
	if got := Pct(0.4567); got != "45.7%" {
		t.Errorf("Pct = %q", got)
	}
	for _, tt := range []struct {
		v          float64
		unit, want string
	}{
		{13240.4, "jobs/s", "13.2k jobs/s"},
		{467581, "goroutines/s", "468k goroutines/s"},
		{12.5, "ops/s", "12.5 ops/s"},
		{2503022555, "bytes/s", "2.33 GiB/s"},
		{3.5e6, "bytes", "3.34 MiB"},
		{42, "count", "42 count"},
	} {
		if got := MeasureValue(tt.v, tt.unit); got != tt.want {
			t.Errorf("MeasureValue(%v, %q) = %q, want %q", tt.v, tt.unit, got, tt.want)
		}
	}
}

func TestStackShortSkipsSchedulerFrames(t *testing.T) {
	fr := func(names ...string) []analyzer.Frame {
		var out []analyzer.Frame
		for _, n := range names {
			out = append(out, analyzer.Frame{Func: n, File: "/x/f.go", Line: 1})
		}
		return out
	}
	tests := []struct {
		frames []analyzer.Frame
		want   string
	}{
		// A status stack of a goroutine blocked before the trace.
		{fr("runtime.gopark", "runtime.chanrecv", "runtime.chanrecv1", "main.leaker"), "runtime.chanrecv1 < main.leaker (f.go:1)"},
		// A blocking event's stack already starts there.
		{fr("runtime.chanrecv1", "main.leaker"), "runtime.chanrecv1 < main.leaker (f.go:1)"},
		{fr("time.Sleep", "main.sleeper"), "time.Sleep < main.sleeper (f.go:1)"},
		// Only runtime frames: kept.
		{fr("runtime.gopark", "runtime.forcegchelper"), "runtime.gopark (f.go:1) < runtime.forcegchelper"},
		// The same wait begun before the trace and in it reads the same.
		{fr("runtime.gopark", "runtime.semacquire1", "sync.runtime_SemacquireWaitGroup", "sync.(*WaitGroup).Wait", "main.main"), "sync.(*WaitGroup).Wait < main.main (f.go:1)"},
		{fr("sync.(*WaitGroup).Wait", "main.main"), "sync.(*WaitGroup).Wait < main.main (f.go:1)"},
		{fr("runtime.gopark", "runtime.semacquire1", "internal/sync.runtime_SemacquireMutex", "internal/sync.(*Mutex).lockSlow", "internal/sync.(*Mutex).Lock", "sync.(*Mutex).Lock", "main.main.func1"), "sync.(*Mutex).Lock < main.main.func1 (f.go:1)"},
		{fr("sync.(*Mutex).Lock", "main.main.func1"), "sync.(*Mutex).Lock < main.main.func1 (f.go:1)"},
		// The user's frame past the first n is shown, with its line.
		{fr("syscall.fcntl", "syscall.SetNonblock", "os.newFile", "os.OpenFile", "main.small", "main.main"), "syscall.fcntl < syscall.SetNonblock < … < main.small (f.go:1) < …"},
		// No user frame: the first frame has the line.
		{fr("syscall.read", "os.(*File).Read", "io.ReadAll", "net/http.readBody"), "syscall.read (f.go:1) < os.(*File).Read < …"},
		{nil, "(no stack)"},
	}
	for _, tt := range tests {
		if got := stackShort(tt.frames, 2); got != tt.want {
			t.Errorf("stackShort(%v) = %q, want %q", tt.frames, got, tt.want)
		}
	}
}

func TestStackTextsTellRowsApart(t *testing.T) {
	fr := func(fnLines ...any) []analyzer.Frame {
		var out []analyzer.Frame
		for i := 0; i < len(fnLines); i += 2 {
			out = append(out, analyzer.Frame{Func: fnLines[i].(string), File: "/x/f.go", Line: fnLines[i+1].(int)})
		}
		return out
	}
	stacks := [][]analyzer.Frame{
		fr("syscall.fcntl", 1, "syscall.SetNonblock", 2, "os.newFile", 3, "os.NewFile", 4, "internal/x.a", 5),
		fr("syscall.fcntl", 1, "syscall.SetNonblock", 2, "os.newFile", 3, "os.OpenFile", 4, "internal/x.b", 5),
		fr("syscall.fcntl", 1, "syscall.SetNonblock", 2, "os.newFile", 3, "os.OpenFile", 9),
		fr("syscall.fcntl", 1, "syscall.SetNonblock", 2, "os.newFile", 3, "os.OpenFile", 8),
		fr("syscall.write", 1),
	}
	got := stackTexts(stacks, 3)
	for i := range got {
		for j := range i {
			if got[i] == got[j] {
				t.Errorf("rows %d and %d read the same: %q", j, i, got[i])
			}
		}
	}
	if got[4] != "syscall.write (f.go:1)" {
		t.Errorf("a row that was distinct changed: %q", got[4])
	}
	if !strings.Contains(got[2], "os.OpenFile (f.go:9)") {
		t.Errorf("rows that differ only in a line show the lines: %q", got[2])
	}
}

// TestJSONNeedsAKind: every JSON output says what it is.
func TestJSONNeedsAKind(t *testing.T) {
	var b bytes.Buffer
	for _, v := range []any{map[string]int{"a": 1}, &analyzer.Report{}, struct{ buildinfo.Header }{}} {
		b.Reset()
		if err := JSON(&b, v); err == nil || b.Len() != 0 {
			t.Errorf("JSON(%T) = %v, wrote %q; want it refused", v, err, b.String())
		}
	}
	doc := struct {
		buildinfo.Header
		N int `json:"n"`
	}{Header: buildinfo.Header{Schema: 1, Kind: "gotrace.test"}, N: 2}
	b.Reset()
	if err := JSON(&b, doc); err != nil || !strings.HasPrefix(b.String(), "{\n  \"schema\": 1,\n  \"kind\": \"gotrace.test\",") {
		t.Errorf("JSON = %v, %q", err, b.String())
	}
}
