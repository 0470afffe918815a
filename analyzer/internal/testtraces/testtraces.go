// Package testtraces finds the traces tests run on: the ones committed in
// testdata/traces, the Go distribution's own, and the optional real traces a
// developer may keep in ../shared/traces beside the checkout.
//
// The shared traces are an extra. A clone of the repository alone does not
// have them, so every test must pass without them: Shared logs and returns
// nothing when they are absent, and SharedFile skips the test.
package testtraces

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Root returns the module root: the nearest directory above the working
// directory that holds go.mod, or "" when there is none.
var Root = sync.OnceValue(func() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
})

// GoRoot returns the GOROOT of the go command on PATH, or "" without one.
var GoRoot = sync.OnceValue(func() string {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
})

// Committed returns the traces committed in testdata/traces. It fails the
// test when there are none: they are part of the repository.
func Committed(t testing.TB) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(Root(), "testdata", "traces", "*.trace"))
	if len(files) == 0 {
		t.Fatalf("no committed traces in %s", filepath.Join(Root(), "testdata", "traces"))
	}
	return files
}

// SharedDir returns ../shared/traces beside the module root, and whether it
// exists.
func SharedDir() (string, bool) {
	if Root() == "" {
		return "", false
	}
	dir := filepath.Join(filepath.Dir(Root()), "shared", "traces")
	fi, err := os.Stat(dir)
	return dir, err == nil && fi.IsDir()
}

// Shared returns the optional shared traces (*.trace), or nil with a log
// line when the folder is absent. A test must not depend on how many it gets.
func Shared(t testing.TB) []string {
	t.Helper()
	dir, ok := SharedDir()
	if !ok {
		t.Logf("optional shared traces not found beside the checkout (%s); testing the committed ones only", dir)
		return nil
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.trace"))
	return files
}

// SharedFile returns the path of one shared trace, or skips the test when
// it is absent.
func SharedFile(t testing.TB, name string) string {
	t.Helper()
	dir, _ := SharedDir()
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("optional shared trace %s is absent (it lives beside the checkout, in ../shared/traces)", path)
	}
	return path
}

// GoV1 returns the Go distribution's old-format (Go 1.11-1.21) test
// traces, or nil with a log line when GOROOT has none.
func GoV1(t testing.TB) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(GoRoot(), "src", "internal", "trace", "internal", "tracev1", "testdata", "*_good"))
	if len(files) == 0 {
		t.Logf("no old-format traces in the Go distribution at %q", GoRoot())
	}
	return files
}
