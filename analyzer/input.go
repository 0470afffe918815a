package analyzer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"unicode/utf8"

	"github.com/google/pprof/profile"

	"github.com/gotrace/gotrace/analyzer/internal/gensplit"
)

// The trace formats this build reads: "go 1.MinTraceVersion trace" through
// "go 1.MaxTraceVersion trace" (what golang.org/x/exp/trace reads).
const (
	MinTraceVersion = gensplit.MinVersion
	MaxTraceVersion = gensplit.MaxVersion
)

// Errors a caller can test for with errors.Is. Every error returned by
// Analyze and AnalyzeFile is an *Error wrapping one of these or a more
// specific cause.
var (
	// ErrNotTrace: the input is not a Go execution trace (empty, text, random
	// bytes, a pprof profile, an unsupported version).
	ErrNotTrace = errors.New("not a Go execution trace")
	// ErrUnreadable: the input could not be read (missing, a directory, no
	// permission, an I/O error).
	ErrUnreadable = errors.New("cannot read input")
	// ErrCorrupt: the trace is malformed before any complete generation.
	ErrCorrupt = errors.New("corrupt trace")
	// ErrIncomplete: the trace ends before its first generation is complete,
	// so there is nothing to analyze.
	ErrIncomplete = errors.New("no complete generation")
	// ErrLimit: the trace exceeds a configured limit (events, generation size).
	ErrLimit = errors.New("limit exceeded")
)

// Error is an error about one input. Its message is one line: the input's
// name, what is wrong, and what to do.
type Error struct {
	Name string // file name, or "-" for standard input
	Kind error  // one of ErrNotTrace, ErrUnreadable, ErrCorrupt, ErrIncomplete, ErrLimit
	Msg  string // what is wrong, lower case
	Err  error  // underlying cause, if any
}

func (e *Error) Error() string {
	name := e.Name
	if name == "" {
		name = "<input>"
	}
	return displayName(name) + ": " + e.Msg
}

// displayName is a file name as an error shows it: Go-quoted when it holds
// anything but printable text (a newline, a control character, invalid
// UTF-8), so that the message stays one line and shows the name exactly.
func displayName(s string) string {
	if !utf8.ValidString(s) {
		return strconv.Quote(s)
	}
	for _, r := range s {
		if !strconv.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// Is matches the error's Kind.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

func inputErr(name string, kind error, err error, format string, args ...any) *Error {
	return &Error{Name: name, Kind: kind, Msg: fmt.Sprintf(format, args...), Err: err}
}

const expectHint = "expected the output of runtime/trace (go test -trace, trace.Start, /debug/pprof/trace)"

// input is an opened trace, ready to be split into generations.
type input struct {
	name  string
	hdr   gensplit.Header
	sp    *gensplit.Splitter
	size  int64 // total bytes, -1 when unknown (a stream)
	gzip  bool
	count *countingReader // bytes consumed, for stream input
	close func() error
}

// countingReader counts bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// openFile opens a trace file. Regular uncompressed files are read at
// random (generations located by their headers and decoded in place);
// compressed files are streamed.
func openFile(path string, maxPiece int64) (*input, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, inputErr(path, ErrUnreadable, err, "cannot open: %v", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, inputErr(path, ErrUnreadable, err, "cannot stat: %v", err)
	}
	if st.IsDir() {
		f.Close()
		return nil, inputErr(path, ErrUnreadable, nil, "is a directory, not a trace file")
	}
	if !st.Mode().IsRegular() {
		in, err := openStream(f, path, maxPiece)
		if err != nil {
			f.Close()
			return nil, err
		}
		in.close = f.Close
		return in, nil
	}
	head := make([]byte, 64)
	n, err := f.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		f.Close()
		return nil, inputErr(path, ErrUnreadable, err, "cannot read: %v", err)
	}
	head = head[:n]
	if n >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			f.Close()
			return nil, inputErr(path, ErrUnreadable, err, "cannot read: %v", err)
		}
		in, err := openStream(f, path, maxPiece)
		if err != nil {
			f.Close()
			return nil, err
		}
		in.close = f.Close
		return in, nil
	}
	hdr, err := parseHeader(path, head, func() []byte {
		if st.Size() > 256<<20 {
			return nil
		}
		b, _ := io.ReadAll(io.NewSectionReader(f, 0, st.Size()))
		return b
	})
	if err != nil {
		f.Close()
		return nil, err
	}
	sp := gensplit.NewAt(f, st.Size(), hdr)
	sp.SetMaxPiece(maxPiece)
	return &input{name: path, hdr: hdr, sp: sp, size: st.Size(), close: f.Close}, nil
}

// openStream reads a trace from a stream, decompressing gzip transparently.
func openStream(r io.Reader, name string, maxPiece int64) (*input, error) {
	cr := &countingReader{r: r}
	br := bufio.NewReaderSize(cr, 1<<16)
	in := &input{name: name, size: -1, count: cr, close: func() error { return nil }}
	head, err := br.Peek(64)
	if len(head) == 0 {
		if err == nil || err == io.EOF {
			return nil, inputErr(name, ErrNotTrace, nil, "empty input; %s", expectHint)
		}
		return nil, inputErr(name, ErrUnreadable, err, "cannot read: %v", err)
	}
	var src *bufio.Reader = br
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, inputErr(name, ErrNotTrace, err, "gzip data is corrupt: %v", err)
		}
		zr.Multistream(false)
		in.gzip = true
		src = bufio.NewReaderSize(zr, 1<<16)
		head, err = src.Peek(64)
		if len(head) == 0 {
			if err == nil || err == io.EOF {
				return nil, inputErr(name, ErrNotTrace, nil, "empty gzip-compressed input; %s", expectHint)
			}
			return nil, inputErr(name, ErrNotTrace, err, "gzip data is corrupt: %v", err)
		}
	}
	rest := func() []byte {
		// Only to tell a pprof profile apart; bounded.
		b, _ := io.ReadAll(io.LimitReader(src, 256<<20))
		return b
	}
	hdr, err := parseHeader(name, head, rest)
	if err != nil {
		return nil, err
	}
	if _, err := src.Discard(gensplit.HeaderSize); err != nil {
		return nil, inputErr(name, ErrUnreadable, err, "cannot read: %v", err)
	}
	in.hdr = hdr
	in.sp = gensplit.NewStream(src, hdr)
	in.sp.SetMaxPiece(maxPiece)
	return in, nil
}

// parseHeader checks the trace header in head and explains what the input
// is when it is not a trace. all returns the whole input (or nil) for the
// pprof check.
func parseHeader(name string, head []byte, all func() []byte) (gensplit.Header, error) {
	if len(head) == 0 {
		return gensplit.Header{}, inputErr(name, ErrNotTrace, nil, "empty file; %s", expectHint)
	}
	hdr, err := gensplit.ParseHeader(head)
	if err == nil {
		return hdr, nil
	}
	var uv *gensplit.UnsupportedVersionError
	if errors.As(err, &uv) {
		if uv.Version < gensplit.MinVersion {
			return hdr, inputErr(name, ErrNotTrace, err, "%v; traces older than go 1.%d are not readable by golang.org/x/exp/trace; go tool trace of that Go release reads them", err, gensplit.MinVersion)
		}
		return hdr, inputErr(name, ErrNotTrace, err, "%v; a newer gotrace (golang.org/x/exp/trace) may read it", err)
	}
	if bytes.HasPrefix(head, []byte("go 1.")) && len(head) < gensplit.HeaderSize {
		return hdr, inputErr(name, ErrIncomplete, nil, "trace ends inside its 16-byte header; nothing to analyze")
	}
	if isPprof(head, all) {
		return hdr, inputErr(name, ErrNotTrace, nil, "this is a pprof profile, not an execution trace; open it with go tool pprof, or record a trace with go test -trace")
	}
	if looksText(head) {
		return hdr, inputErr(name, ErrNotTrace, nil, "not a Go execution trace (text starting %s); %s", quoteStart(head), expectHint)
	}
	return hdr, inputErr(name, ErrNotTrace, nil, "not a Go execution trace (bad header); %s", expectHint)
}

// isPprof reports whether the input parses as a pprof profile.
func isPprof(head []byte, all func() []byte) bool {
	// A profile is a protobuf: its first tag byte has wire type 2
	// (length-delimited, e.g. sample_type, 0x0a, first in heap profiles) or
	// 0 (a varint, e.g. time_nanos, 0x48, first in CPU profiles).
	// gzip-compressed profiles were decompressed before we get here.
	if len(head) == 0 || head[0]&0x7 != 2 && head[0]&0x7 != 0 || head[0]>>3 == 0 {
		return false
	}
	b := all()
	if len(b) == 0 {
		return false
	}
	p, err := profile.ParseData(b)
	return err == nil && p != nil && len(p.SampleType) > 0
}

func looksText(b []byte) bool {
	if !utf8.Valid(b[:min(len(b), 48)]) {
		// A multi-byte rune may be cut at the end; check a shorter prefix.
		if !utf8.Valid(b[:min(len(b), 40)]) {
			return false
		}
	}
	for _, c := range b[:min(len(b), 40)] {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			return false
		}
	}
	return true
}

func quoteStart(b []byte) string {
	s := string(b[:min(len(b), 24)])
	if i := bytes.IndexAny([]byte(s), "\r\n"); i >= 0 {
		s = s[:i]
	}
	for !utf8.ValidString(s) && len(s) > 0 {
		s = s[:len(s)-1]
	}
	return strconv.Quote(s)
}

// versionRange names the Go releases that write a trace format version.
func versionRange(v int) string {
	switch v {
	case 11:
		return "1.11-1.18"
	case 19:
		return "1.19-1.20"
	case 21:
		return "1.21"
	case 22:
		return "1.22"
	case 23:
		return "1.23-1.24"
	case 25:
		return "1.25"
	case 26:
		return "1.26+"
	}
	return "1." + strconv.Itoa(v)
}
