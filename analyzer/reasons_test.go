package analyzer

import "testing"

func TestUserFrame(t *testing.T) {
	fr := func(fn string) Frame { return Frame{Func: fn, File: fn + ".go", Line: 1} }
	tests := []struct {
		stack []string
		want  string // "" for none
	}{
		{[]string{"sync.(*Mutex).Lock", "github.com/gotrace/gotrace/workloads.runMutex.func1.1", "runtime/trace.WithRegion"}, "github.com/gotrace/gotrace/workloads.runMutex.func1.1"},
		{[]string{"runtime.chanrecv1", "main.worker"}, "main.worker"},
		{[]string{"internal/sync.runtime_SemacquireMutex", "sync.(*WaitGroup).Wait", "example.com/m.(*S[...]).Run"}, "example.com/m.(*S[...]).Run"},
		{[]string{"runtime.gopark", "runtime.goexit"}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		var stack []Frame
		for _, fn := range tt.stack {
			stack = append(stack, fr(fn))
		}
		f, ok := UserFrame(stack)
		if ok != (tt.want != "") || f.Func != tt.want {
			t.Errorf("UserFrame(%v) = %q, %v; want %q", tt.stack, f.Func, ok, tt.want)
		}
	}
}

func TestReasonClass(t *testing.T) {
	for reason, want := range map[string]string{
		"sync": "sync", "sync.(*Cond).Wait": "sync", "chan receive": "chan", "chan send": "chan",
		"select": "select", "network": "network", "sleep": "sleep", "GC mark assist wait for work": "gc",
		"system goroutine wait": "system", "forever": "other", unknownReason: "unknown",
	} {
		if got := ReasonClass(reason); got != want {
			t.Errorf("ReasonClass(%q) = %q, want %q", reason, got, want)
		}
	}
}
