package analyzer

import "testing"

func TestUserFrameIndex(t *testing.T) {
	fr := func(fns ...string) []Frame {
		var out []Frame
		for _, fn := range fns {
			out = append(out, Frame{Func: fn, File: "/src/" + fn + ".go"})
		}
		return out
	}
	testMain := Frame{Func: "main.main", File: "/tmp/go-build123/b001/_testmain.go", Line: 60}
	for _, tt := range []struct {
		frames []Frame
		want   int
	}{
		{fr("runtime.chanrecv1", "main.worker", "main.main"), 1},
		{fr("sync.(*Mutex).Lock", "github.com/x/y.(*C).get", "main.main"), 1},
		{fr("syscall.read", "os.(*File).Read", "golang.org/x/net/http2.(*Framer).ReadFrame"), 2},
		{fr("runtime.gopark", "net/http.(*conn).serve"), -1},
		// A module whose path has no dot passes for the standard library.
		{fr("runtime.chanrecv1", "example/app.run"), -1},
		{append(fr("runtime.ReadMemStats", "testing.(*B).run1", "net/http_test.TestMain"), testMain), -1},
		{nil, -1},
	} {
		if got := UserFrameIndex(tt.frames); got != tt.want {
			t.Errorf("UserFrameIndex(%v) = %d, want %d", tt.frames, got, tt.want)
		}
	}
	if !RuntimeStack(fr("runtime.chanrecv1", "runtime.(*wakeableSleep).sleep", "runtime.traceStartReadCPU.func1")) ||
		RuntimeStack(fr("runtime.chanrecv1", "main.main")) || RuntimeStack(nil) {
		t.Error("RuntimeStack")
	}
}
