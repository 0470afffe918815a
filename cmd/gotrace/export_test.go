package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/gotrace/gotrace/analyzer/perfetto"
)

// readTimeline decodes and checks an exported file.
func readTimeline(t *testing.T, path string) *perfetto.Trace {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr, err := perfetto.Read(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if _, _, err := tr.Check(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return tr
}

// TestExportInputs: good input (a file, gzip on stdin) gives a valid
// timeline; a truncated trace exports its complete generations, warns and
// still writes a valid file; bad input is a one-line error, exit code 2 or
// 3, and leaves no file behind (nor replaces an existing one).
func TestExportInputs(t *testing.T) {
	inputs := badInputs(t)
	dir := t.TempDir()
	cases := []struct {
		input  string
		code   int
		stderr string // regexp
		valid  bool
	}{
		{"gzip", 0, `^$`, true},
		{"truncated", 0, `warning: .*trace is truncated`, true},
		{"random", 2, `not a Go execution trace`, false},
		{"empty", 2, `empty`, false},
		{"nothing-done", 3, `truncated before its first generation`, false},
		{"v27", 2, `unsupported trace version go 1.27`, false},
	}
	for _, c := range cases {
		t.Run(c.input, func(t *testing.T) {
			in := filepath.Join(dir, c.input+".trace")
			if err := os.WriteFile(in, inputs[c.input], 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, c.input+".pftrace")
			for _, args := range [][]string{{"export", "-q", "-o", out, in}, {"export", "-q", "-o", out, "-"}} {
				os.Remove(out)
				code, stdout, stderr := gotrace(t, inputs[c.input], args...)
				if code != c.code {
					t.Fatalf("%v: exit %d, want %d; stderr: %s", args, code, c.code, stderr)
				}
				if stdout != "" {
					t.Errorf("%v: stdout %q, want nothing", args, stdout)
				}
				checkNoStackTrace(t, stderr)
				if !regexp.MustCompile(c.stderr).MatchString(strings.TrimSpace(stderr)) {
					t.Errorf("%v: stderr %q does not match %q", args, stderr, c.stderr)
				}
				if c.code != 0 && strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
					t.Errorf("%v: error takes more than one line: %q", args, stderr)
				}
				if c.valid {
					readTimeline(t, out)
				} else if _, err := os.Stat(out); err == nil {
					t.Errorf("%v: a failed export left %s", args, out)
				}
			}
			// No temporary file stays behind.
			left, _ := filepath.Glob(filepath.Join(dir, ".*"))
			if len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
	// A failure keeps an existing file as it was.
	keep := filepath.Join(dir, "keep.pftrace")
	os.WriteFile(keep, []byte("old"), 0o644)
	if code, _, _ := gotrace(t, nil, "export", "-o", keep, filepath.Join(dir, "random.trace")); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	if b, _ := os.ReadFile(keep); string(b) != "old" {
		t.Errorf("a failed export changed the existing file")
	}
}

func TestExportUsage(t *testing.T) {
	small := repoFile("traces", "small.trace")
	for _, c := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"export", small}, "needs -o FILE"},
		{[]string{"export", "--format", "chrome", "-o", "x", small}, `unknown --format "chrome"`},
		{[]string{"export", "-o", "x"}, "needs one trace file"},
		{[]string{"export", "-o", t.TempDir(), small}, "is a directory"},
	} {
		code, _, stderr := gotrace(t, nil, c.args...)
		if code != 2 || !strings.Contains(stderr, c.stderr) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.stderr)
		}
	}
}

// TestExportDecodeRaw decodes an exported file with protoc --decode_raw, a
// protobuf decoder gotrace did not write: the file must parse whole, and
// so must the packets inside its compressed_packets, inflated by the
// standard library, with as many packets as gotrace's reader counts.
func TestExportDecodeRaw(t *testing.T) {
	protoc, err := exec.LookPath("protoc")
	if err != nil {
		t.Skip("protoc not installed (apt-get install protobuf-compiler); the wire format is not checked by an independent decoder")
	}
	out := filepath.Join(t.TempDir(), "multigen.pftrace")
	if code, _, stderr := gotrace(t, nil, "export", "-q", "-o", out, repoFile("traces", "multigen.trace")); code != 0 {
		t.Fatal(stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	outer := decodeRaw(t, protoc, data)
	inflated, compressed := inflatePackets(t, data)
	if compressed == 0 {
		t.Fatalf("no packet holds compressed_packets")
	}
	if n := countPackets(outer); n <= compressed {
		t.Errorf("protoc sees %d packets in the file, %d of them compressed: the file has no plain packets", n, compressed)
	}
	dump := decodeRaw(t, protoc, inflated)
	tr := readTimeline(t, out)
	if n := countPackets(dump); n != tr.Packets {
		t.Errorf("protoc sees %d packets once inflated, gotrace's reader %d", n, tr.Packets)
	}
	// The strings gotrace wrote are where protoc sees them: names of
	// goroutine threads (ThreadDescriptor.thread_name, field 60.4.5).
	if !strings.Contains(dump, `5: "G1 main.main"`) {
		t.Errorf("protoc's dump lacks the thread name of G1")
	}
}

// decodeRaw runs protoc --decode_raw on data.
func decodeRaw(t *testing.T, protoc string, data []byte) string {
	t.Helper()
	cmd := exec.Command(protoc, "--decode_raw")
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	dump, err := cmd.Output()
	if err != nil {
		t.Fatalf("protoc --decode_raw: %v: %s", err, stderr.String())
	}
	return string(dump)
}

// countPackets counts the top-level messages of field 1 in protoc's dump.
func countPackets(dump string) int {
	n := 0
	for _, line := range strings.Split(dump, "\n") {
		if line == "1 {" {
			n++
		}
	}
	return n
}

// inflatePackets returns the trace with every packet that holds
// compressed_packets (TracePacket field 50) replaced by the packets it
// holds, and how many there were.
func inflatePackets(t *testing.T, data []byte) ([]byte, int) {
	t.Helper()
	var out []byte
	compressed := 0
	for len(data) > 0 {
		num, typ, n := protowire.ConsumeField(data)
		if n < 0 || num != 1 || typ != protowire.BytesType {
			t.Fatalf("top-level field %d of type %d (%d): not a packet", num, typ, n)
		}
		packet, _ := protowire.ConsumeBytes(data[protowire.SizeTag(1):n])
		inner := []byte(nil)
		for b := packet; len(b) > 0; {
			f, ft, m := protowire.ConsumeField(b)
			if m < 0 {
				t.Fatalf("bad packet: %v", protowire.ParseError(m))
			}
			if f == 50 && ft == protowire.BytesType {
				z, _ := protowire.ConsumeBytes(b[protowire.SizeTag(50):m])
				zr, err := gzip.NewReader(bytes.NewReader(z))
				if err != nil {
					t.Fatalf("compressed_packets: %v", err)
				}
				if inner, err = io.ReadAll(zr); err != nil {
					t.Fatalf("compressed_packets: %v", err)
				}
			}
			b = b[m:]
		}
		if inner != nil {
			out = append(out, inner...)
			compressed++
		} else {
			out = append(out, data[:n]...)
		}
		data = data[n:]
	}
	return out, compressed
}

// TestRunPerfetto: run --perfetto writes the report and the timeline of the
// same trace.
func TestRunPerfetto(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a workload")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "fanout.pftrace")
	code, stdout, stderr := gotrace(t, nil, "run", "fanout", "--set", "jobs=200", "-q", "--format", "json", "--top", "-1", "--perfetto", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	rep := report(t, stdout)
	tr := readTimeline(t, out)
	_, runs, _ := tr.Check()
	var exec int64
	for _, r := range runs {
		exec += r.End - r.Start
	}
	var want int64
	for _, g := range rep.Goroutines.Groups {
		want += g.Time.Exec
	}
	if exec != want || exec == 0 {
		t.Errorf("timeline runs %d ns, the report's groups %d ns", exec, want)
	}
}
