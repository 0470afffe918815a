// Package gensplit cuts a Go execution trace into its generations.
//
// Since Go 1.22 the runtime writes a trace as a sequence of generations, each
// a self-contained set of batches (its own string, stack and clock tables)
// that golang.org/x/exp/trace can parse on its own once the 16-byte file
// header is put in front of it. The flight recorder relies on this property;
// gotrace relies on it to analyze generations independently (and
// concurrently), and to know exactly where a truncated trace stops being
// complete.
//
// The package reads only batch headers; batch bodies are skipped (with a
// seek when the input is an io.ReaderAt) or copied without being decoded.
// It checks the structure it sees: batch headers, sizes, and generation
// numbers that go up by one from each generation to the next.
package gensplit

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync/atomic"
)

// HeaderSize is the length in bytes of a trace file header ("go 1.NN trace\x00\x00\x00").
const HeaderSize = 16

// Wire-format constants of golang.org/x/exp/trace/internal/tracev2.
const (
	evEventBatch        = 1
	evExperimentalBatch = 49
	evEndOfGeneration   = 52
	maxBatchSize        = 64 << 10
)

// MinVersion and MaxVersion bound the trace format versions (the NN in
// "go 1.NN trace") that golang.org/x/exp/trace reads.
const (
	MinVersion = 11
	MaxVersion = 26
)

// knownVersions are the header versions x/exp/trace accepts.
var knownVersions = map[int]bool{11: true, 19: true, 21: true, 22: true, 23: true, 25: true, 26: true}

// ErrNotTrace reports input that does not start with a Go execution trace header.
var ErrNotTrace = errors.New("not a Go execution trace (bad header)")

// UnsupportedVersionError reports a trace header whose version the parser does not read.
type UnsupportedVersionError struct {
	Version int // the NN of "go 1.NN trace"
}

func (e *UnsupportedVersionError) Error() string {
	return fmt.Sprintf("unsupported trace version go 1.%d (this build reads go 1.%d through go 1.%d)", e.Version, MinVersion, MaxVersion)
}

// Header is a parsed trace file header.
type Header struct {
	Raw     [HeaderSize]byte // the header bytes, to prepend to each generation
	Version int              // NN of "go 1.NN trace"
}

// Generational reports whether the format is the generational one of Go 1.22+,
// which can be split. Older formats form a single piece.
func (h Header) Generational() bool { return h.Version >= 22 }

// ParseHeader parses the first HeaderSize bytes of a trace.
func ParseHeader(b []byte) (Header, error) {
	var h Header
	if len(b) < HeaderSize {
		return h, ErrNotTrace
	}
	copy(h.Raw[:], b[:HeaderSize])
	const prefix = "go 1."
	if !bytes.HasPrefix(b, []byte(prefix)) {
		return h, ErrNotTrace
	}
	rest := b[len(prefix):HeaderSize]
	i := bytes.IndexByte(rest, ' ')
	if i <= 0 || i > 3 || !bytes.HasPrefix(rest[i:], []byte(" trace")) {
		return h, ErrNotTrace
	}
	for _, c := range rest[i+len(" trace"):] {
		if c != 0 {
			return h, ErrNotTrace
		}
	}
	v, err := strconv.Atoi(string(rest[:i]))
	if err != nil {
		return h, ErrNotTrace
	}
	h.Version = v
	if !knownVersions[v] {
		return h, &UnsupportedVersionError{Version: v}
	}
	return h, nil
}

// Piece is one independently parseable part of a trace: one generation of a
// Go 1.22+ trace, or the whole body of an older trace.
type Piece struct {
	Index   int    // 0-based position in the trace
	Gen     uint64 // generation number in the batch headers (0 for old formats)
	Offset  int64  // offset of the first body byte in the input (after the header)
	Size    int64  // body bytes
	Batches int    // batches in the piece
	// Complete is false when the input ended inside the piece (a truncated
	// trace) or the piece could not be delimited (a corrupt batch header).
	Complete bool
	// Err says why the piece is not complete. It matches (errors.Is) one
	// of ErrTruncated, ErrCorrupt, ErrSecondTrace, ErrPieceTooLarge, or is
	// an error of the caller's reserve function or of the input.
	Err error
	// buf holds the body when the splitter buffers (stream input); nil
	// when the body is to be read from the io.ReaderAt at Offset.
	buf *chunks
}

// Errors of a piece that is not complete. ErrTruncated and ErrCorrupt tell
// a trace cut short apart from a damaged one.
var (
	// ErrTruncated: the input ends inside a generation (or inside a batch).
	ErrTruncated = errors.New("the input ends inside a generation")
	// ErrCorrupt: the structure of batches is broken: a bad batch header, a
	// size past the format's maximum, a generation number that does not
	// follow the previous one.
	ErrCorrupt = errors.New("corrupt trace structure")
	// ErrSecondTrace reports a trace header where a batch should start: the
	// input is several traces concatenated.
	ErrSecondTrace = errors.New("another trace starts here (concatenated traces)")
	// ErrPieceTooLarge reports a generation larger than the configured bound.
	ErrPieceTooLarge = errors.New("generation exceeds the size limit")
)

// kindErr is an error message of one of the kinds above.
type kindErr struct {
	kind error
	msg  string
}

func (e *kindErr) Error() string        { return e.msg }
func (e *kindErr) Is(target error) bool { return target == e.kind }

func truncated(format string, args ...any) error {
	return &kindErr{ErrTruncated, fmt.Sprintf(format, args...)}
}

func corrupt(format string, args ...any) error {
	return &kindErr{ErrCorrupt, fmt.Sprintf(format, args...)}
}

// batchHeader is the decoded header of one batch.
type batchHeader struct {
	gen  uint64
	eog  bool  // an end-of-generation marker (Go 1.26+)
	exp  bool  // an experimental batch (its body is free-form)
	hlen int   // header length in bytes
	size int64 // body length
	// first is the body's first byte, which says what the batch holds
	// (events, strings, stacks, the sync batch); 0 for an empty body.
	first byte
}

// Event types a batch body starts with, from golang.org/x/exp/trace's
// internal/tracev2: the lone frequency event of a sync batch before Go
// 1.25, the sync batch marker since, and the last event type.
const (
	evFrequency = 8
	evSync      = 50
	evLast      = evEndOfGeneration
)

// errShort reports a header cut off by the end of the bytes given.
var errShort = errors.New("short header")

// parseBatchHeader decodes a batch header from b, which holds at least the
// header (up to 2+4*10 bytes) or the rest of the input.
func parseBatchHeader(b []byte, ver int) (batchHeader, error) {
	var h batchHeader
	if len(b) == 0 {
		return h, io.EOF
	}
	switch b[0] {
	case evEndOfGeneration:
		if ver < 26 {
			return h, fmt.Errorf("unexpected batch type %d", b[0])
		}
		h.eog = true
		h.hlen = 1
		return h, nil
	case evEventBatch:
		h.hlen = 1
	case evExperimentalBatch:
		if ver < 23 {
			return h, fmt.Errorf("unexpected batch type %d", b[0])
		}
		h.hlen = 2
	default:
		if bytes.HasPrefix(b, []byte("go 1.")) {
			return h, errHeaderStart
		}
		return h, fmt.Errorf("expected a batch header, found byte 0x%02x", b[0])
	}
	if len(b) < h.hlen {
		return h, errShort
	}
	var vals [4]uint64
	for i := range vals {
		v, n := binary.Uvarint(b[h.hlen:])
		if n == 0 {
			return h, errShort
		}
		if n < 0 {
			return h, errors.New("malformed batch header varint")
		}
		vals[i] = v
		h.hlen += n
	}
	h.gen = vals[0]
	if vals[3] > maxBatchSize {
		return h, fmt.Errorf("batch size %d exceeds the format's maximum %d", vals[3], maxBatchSize)
	}
	if h.gen == 0 {
		return h, errors.New("batch with generation number 0")
	}
	h.size = int64(vals[3])
	h.exp = b[0] == evExperimentalBatch
	if h.size > 0 && len(b) > h.hlen {
		h.first = b[h.hlen]
		if !h.exp && (h.first == 0 || h.first > evLast) {
			// Every batch of the format starts with an event type; a body
			// of zeros (or of anything else) is not a batch.
			return h, fmt.Errorf("batch body starts with byte 0x%02x, not an event", h.first)
		}
	}
	return h, nil
}

// isSync reports whether the batch is a generation's sync batch (its clock
// frequency), which every generation has.
func (h batchHeader) isSync(ver int) bool {
	if h.exp {
		return false
	}
	if ver >= 25 {
		return h.first == evSync
	}
	return h.first == evFrequency
}

var errHeaderStart = errors.New("trace header")

// maxHeaderLen is the longest possible batch header, and the first byte
// of its body.
const maxHeaderLen = 2 + 4*binary.MaxVarintLen64 + 1

// windowSize is how much of a random-access input the splitter reads at
// once to find batch headers: one read serves the headers of many small
// batches (a generation of a few events costs one read, not one per batch).
const windowSize = 4 << 10

// Splitter yields the pieces of a trace body one at a time.
type Splitter struct {
	hdr Header
	// Exactly one of ra and br is set.
	ra   io.ReaderAt
	size int64 // input size for ra
	br   *bufio.Reader

	win    []byte // ra: input bytes at winOff, read ahead for headers
	winOff int64

	off      int64 // offset of the next unread byte (body-relative offsets are absolute input offsets)
	index    int
	done     bool
	pending  *pendingBatch // a batch of the next generation read while closing the previous one
	pendErr  error         // an error found while closing the previous piece
	consumed int64         // stream mode: body bytes read from the stream
	eof      bool          // stream mode: the stream has ended
	maxPiece int64
	reserve  func(n int64) error
	prevGen  uint64      // generation number of the previous piece, 0 before the first
	discard  atomic.Bool // stream mode: skip bodies instead of buffering them
}

type pendingBatch struct {
	h    batchHeader
	data []byte // header+body bytes (stream mode)
}

// DefaultMaxPiece bounds the bytes of one generation the splitter accepts.
const DefaultMaxPiece = 1 << 30

// NewAt returns a splitter over a random-access input of the given size whose
// first HeaderSize bytes are the header hdr. Pieces are located with reads of
// batch headers only.
func NewAt(ra io.ReaderAt, size int64, hdr Header) *Splitter {
	return &Splitter{hdr: hdr, ra: ra, size: size, off: HeaderSize, maxPiece: DefaultMaxPiece}
}

// OpenAt reads and parses the header of a random-access input of the given
// size and returns a splitter over it (NewAt) with the header.
func OpenAt(ra io.ReaderAt, size int64) (*Splitter, Header, error) {
	var b [HeaderSize]byte
	if _, err := ra.ReadAt(b[:], 0); err != nil {
		return nil, Header{}, fmt.Errorf("reading the header: %w", err)
	}
	hdr, err := ParseHeader(b[:])
	if err != nil {
		return nil, hdr, err
	}
	return NewAt(ra, size, hdr), hdr, nil
}

// NewStream returns a splitter over a stream positioned just after the
// header hdr. Each piece's body is buffered (exactly its size, no more) until
// its Reader has read it.
func NewStream(r io.Reader, hdr Header) *Splitter {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 1<<16)
	}
	return &Splitter{hdr: hdr, br: br, off: HeaderSize, maxPiece: DefaultMaxPiece}
}

// SetMaxPiece bounds the size of one piece; a larger generation is reported
// as an error as soon as it passes the bound, before more of it is read.
// Zero means DefaultMaxPiece. The bound applies to every format.
func (s *Splitter) SetMaxPiece(n int64) {
	if n <= 0 {
		n = DefaultMaxPiece
	}
	s.maxPiece = n
}

// SetReserve sets a function the splitter calls in stream mode before it
// buffers n more bytes of a piece; it may block until memory is available,
// and an error it returns ends the piece (Piece.Err) and the splitting.
func (s *Splitter) SetReserve(f func(n int64) error) { s.reserve = f }

// Discard makes the splitter skip the bodies of the batches it reads from a
// stream from now on, instead of buffering them: the caller only wants to
// know how the trace goes on (a piece's Reader then reads nothing). It may
// be called while another goroutine is in Next.
func (s *Splitter) Discard() { s.discard.Store(true) }

// Release frees what a piece holds (a buffered body, a spool file); its
// Reader must not be used afterwards. Pieces not released are freed by the
// garbage collector.
func (s *Splitter) Release(p Piece) { p.buf.release() }

// Next returns the next piece, or io.EOF when there are no more. A piece with
// Complete == false is always the last one.
func (s *Splitter) Next() (Piece, error) {
	if s.done {
		return Piece{}, io.EOF
	}
	if !s.hdr.Generational() {
		return s.wholeBody()
	}
	p := Piece{Index: s.index, Offset: s.off}
	if s.pendErr != nil {
		p.Err = s.pendErr
		s.done = true
		return s.finish(p), nil
	}
	if s.br != nil {
		p.buf = new(chunks)
	}
	first := true
	sawSync := false
	// complete ends the piece as complete, if it has the sync batch every
	// generation has (a generation of anything else is not one).
	complete := func() Piece {
		if !sawSync {
			s.pending, s.pendErr = nil, nil
			p.Err = corrupt("generation %d at offset %d has no sync batch (no clock frequency): not a generation the runtime wrote", p.Gen, p.Offset)
			return s.finish(p)
		}
		p.Complete = true
		return s.finish(p)
	}
	for {
		var h batchHeader
		var raw []byte
		var err error
		if s.pending != nil {
			h, raw = s.pending.h, s.pending.data
			s.pending = nil
		} else {
			h, raw, err = s.readBatch(&p)
		}
		if err == io.EOF {
			s.done = true
			if first {
				return Piece{}, io.EOF
			}
			if s.hdr.Version >= 26 {
				// Go 1.26+ ends every generation with an explicit marker.
				p.Err = truncated("trace ends inside generation %d (no end-of-generation marker)", p.Gen)
				return s.finish(p), nil
			}
			return complete(), nil
		}
		if err != nil {
			if errors.Is(err, ErrSecondTrace) && !first && s.hdr.Version < 26 {
				// The generation ended where the next trace begins.
				s.pendErr = err
				return complete(), nil
			}
			s.done = true
			p.Err = err
			return s.finish(p), nil
		}
		if h.eog {
			if first {
				// A stray marker; skip it.
				s.off += int64(h.hlen)
				p.Offset = s.off
				continue
			}
			s.off += int64(h.hlen)
			if err := p.buf.append(raw, s.reserve); err != nil {
				s.done, p.Err = true, err
				return s.finish(p), nil
			}
			p.Size = s.off - p.Offset
			p.Batches++
			return complete(), nil
		}
		if first {
			if s.prevGen != 0 && h.gen != s.prevGen+1 {
				s.done = true
				p.Err = genOrderErr(h.gen, s.prevGen, s.off)
				return s.finish(p), nil
			}
			p.Gen = h.gen
			first = false
		} else if h.gen != p.Gen {
			if s.hdr.Version >= 26 {
				s.done = true
				p.Err = corrupt("generation %d starts at offset %d before generation %d ended (missing end-of-generation marker)", h.gen, s.off, p.Gen)
				return s.finish(p), nil
			}
			if h.gen != p.Gen+1 {
				// This generation is complete; the next one is out of order.
				s.pendErr = genOrderErr(h.gen, p.Gen, s.off)
			} else {
				// The first batch of the next generation closes this one.
				s.pending = &pendingBatch{h: h, data: raw}
			}
			return complete(), nil
		}
		if p.Size+int64(h.hlen)+h.size > s.maxPiece {
			// Refuse before reading the batch: the bound holds memory too.
			s.done = true
			p.Err = fmt.Errorf("%w (%d bytes)", ErrPieceTooLarge, s.maxPiece)
			return s.finish(p), nil
		}
		if err := p.buf.append(raw, s.reserve); err != nil {
			s.done, p.Err = true, err
			return s.finish(p), nil
		}
		s.off += int64(h.hlen) + h.size
		p.Size = s.off - p.Offset
		p.Batches++
		sawSync = sawSync || h.isSync(s.hdr.Version)
	}
}

// genOrderErr reports a generation number that does not follow the
// previous generation's.
func genOrderErr(gen, prev uint64, off int64) error {
	what := "skips generations"
	switch {
	case gen == prev:
		what = "repeats it"
	case gen < prev:
		what = "goes backwards"
	}
	return corrupt("generation number %d at offset %d follows generation %d (want %d): the trace %s", gen, off, prev, prev+1, what)
}

func (s *Splitter) finish(p Piece) Piece {
	if !p.Complete {
		s.done = true
	} else if p.Gen != 0 {
		s.prevGen = p.Gen
	}
	s.index++
	return p
}

// header returns the bytes at s.off available for a batch header: up to
// maxHeaderLen, fewer at the end of the input.
func (s *Splitter) header() ([]byte, error) {
	end := min(s.off+maxHeaderLen, s.size)
	if s.off >= s.winOff && end <= s.winOff+int64(len(s.win)) {
		return s.win[s.off-s.winOff : end-s.winOff], nil
	}
	if s.win == nil {
		s.win = make([]byte, windowSize)
	}
	n := min(int64(windowSize), s.size-s.off)
	s.win = s.win[:cap(s.win)]
	m, err := s.ra.ReadAt(s.win[:n], s.off)
	if int64(m) < n && err != nil {
		s.win = s.win[:0]
		return nil, fmt.Errorf("reading batch header at offset %d: %w", s.off, err)
	}
	s.win, s.winOff = s.win[:n], s.off
	return s.win[:end-s.off], nil
}

// readBatch reads the header of the batch at s.off and, in stream mode, its
// body: into p's buffer when it belongs to p and fits under the size bound,
// else (the first batch of the next generation) into raw. A batch that
// would pass the bound is not read. readBatch does not advance s.off.
// io.EOF means a clean end of input.
func (s *Splitter) readBatch(p *Piece) (batchHeader, []byte, error) {
	if s.ra != nil {
		if s.off >= s.size {
			return batchHeader{}, nil, io.EOF
		}
		b, err := s.header()
		if err != nil {
			return batchHeader{}, nil, err
		}
		h, err := parseBatchHeader(b, s.hdr.Version)
		if err != nil {
			return h, nil, s.headerErr(err)
		}
		if s.off+int64(h.hlen)+h.size > s.size {
			return h, nil, truncated("batch at offset %d is cut off: %v", s.off, io.ErrUnexpectedEOF)
		}
		return h, nil, nil
	}
	// Stream mode.
	peek, err := s.br.Peek(maxHeaderLen)
	if err == io.EOF {
		s.eof = true
	}
	if len(peek) == 0 {
		if err == io.EOF {
			return batchHeader{}, nil, io.EOF
		}
		return batchHeader{}, nil, fmt.Errorf("reading batch header at offset %d: %w", s.off, err)
	}
	h, herr := parseBatchHeader(peek, s.hdr.Version)
	if herr != nil {
		if s.eof {
			s.consumed += int64(len(peek)) // a header cut off by the end of input
		}
		return h, nil, s.headerErr(herr)
	}
	if h.eog {
		s.br.Discard(1)
		s.consumed++
		return h, eogBytes, nil
	}
	n := int64(h.hlen) + h.size
	var raw []byte
	switch {
	case p.Batches > 0 && h.gen != p.Gen:
		// The next generation's first batch (or a stray one Next refuses):
		// read it apart from this piece.
		raw = make([]byte, n)
	case p.Size+n > s.maxPiece:
		return h, nil, nil // Next refuses the piece; nothing is read
	default:
		// A batch of this piece: read it in place (or skip it when
		// discarding).
		m, err := p.buf.readFrom(s.br, n, s.reserve, s.discard.Load())
		s.consumed += m
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			return h, nil, err
		}
		if err != nil {
			s.eof = true
			return h, nil, truncated("batch at offset %d is cut off after %d of %d bytes: %v", s.off, m, n, io.ErrUnexpectedEOF)
		}
		return h, nil, nil
	}
	m, err := io.ReadFull(s.br, raw)
	s.consumed += int64(m)
	if err != nil {
		s.eof = true
		return h, nil, truncated("batch at offset %d is cut off after %d of %d bytes: %v", s.off, m, n, io.ErrUnexpectedEOF)
	}
	return h, raw, nil
}

// eogBytes is the end-of-generation marker, as read.
var eogBytes = []byte{evEndOfGeneration}

func (s *Splitter) headerErr(err error) error {
	switch {
	case errors.Is(err, errHeaderStart):
		return &kindErr{ErrSecondTrace, fmt.Sprintf("at offset %d: %v", s.off, ErrSecondTrace)}
	case errors.Is(err, errShort):
		return truncated("batch header at offset %d is cut off: %v", s.off, io.ErrUnexpectedEOF)
	}
	return corrupt("bad batch header at offset %d: %v", s.off, err)
}

// wholeBody returns the entire body of an old-format trace as one piece.
func (s *Splitter) wholeBody() (Piece, error) {
	s.done = true
	p := Piece{Index: 0, Offset: s.off, Complete: true}
	if s.ra != nil {
		p.Size = s.size - s.off
		if p.Size > s.maxPiece {
			p.Complete = false
			p.Err = fmt.Errorf("%w (%d bytes; in this format the whole trace is one generation)", ErrPieceTooLarge, s.maxPiece)
		}
	} else {
		p.buf = new(chunks)
		for {
			n := int64(64 << 10)
			if p.Size+n > s.maxPiece {
				n = s.maxPiece - p.Size + 1 // one byte more tells a larger trace
			}
			m, err := p.buf.readFrom(s.br, n, s.reserve, false)
			p.Size += m
			s.consumed += m
			if p.Size > s.maxPiece {
				p.Err = fmt.Errorf("%w (%d bytes; in this format the whole trace is one generation)", ErrPieceTooLarge, s.maxPiece)
				p.Complete, p.Size = false, s.maxPiece
				p.buf.release()
				p.buf = nil
				break
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				s.eof = true
				break
			}
			if err != nil {
				p.Err, p.Complete = err, false
				break
			}
		}
	}
	if p.Size == 0 && p.Err == nil {
		return Piece{}, io.EOF
	}
	return p, nil
}

// Size returns the input's size in bytes, header included, and whether it
// is known: always for a random-access input; for a stream once it has been
// read to its end (otherwise the bytes read so far).
func (s *Splitter) Size() (int64, bool) {
	if s.ra != nil {
		return s.size, true
	}
	return HeaderSize + s.consumed, s.eof
}

// Reader returns a reader of the piece as a standalone trace: the header
// followed by the piece's body. A buffered piece (stream input) can be read
// once: its reader frees the bytes it has read.
func (s *Splitter) Reader(p Piece) io.Reader {
	hdr := bytes.NewReader(s.hdr.Raw[:])
	if p.buf != nil || s.ra == nil {
		return io.MultiReader(hdr, p.buf.reader())
	}
	return io.MultiReader(hdr, io.NewSectionReader(s.ra, p.Offset, p.Size))
}

// Bytes returns a buffered piece's body (stream input) before its Reader
// has read it, or nil.
func (p Piece) Bytes() []byte {
	if p.buf == nil {
		return nil
	}
	if p.buf.spool != nil {
		b := make([]byte, p.buf.spoolN)
		p.buf.spool.ReadAt(b, 0)
		return b
	}
	var b []byte
	for _, c := range p.buf.c {
		b = append(b, c...)
	}
	return b
}

// chunks holds the bytes of one piece of a stream. It grows by chunks,
// never copying what it holds and never holding more than a chunk beyond
// what was written (a doubling buffer would hold up to twice a
// generation's size). Past spoolAt bytes, the bytes move to an unlinked
// temporary file: the parser will copy the piece into memory anyway, and
// a generation held twice in memory is what a cap must prevent.
type chunks struct {
	c       [][]byte
	spool   *os.File // nil until the piece passes spoolAt
	spoolN  int64
	scratch []byte
}

const (
	firstChunk = 4 << 10
	maxChunk   = 1 << 20
)

// spoolAt is the size past which a buffered piece moves to a temporary
// file; a variable for tests.
var spoolAt int64 = 16 << 20

func (b *chunks) size() int64 {
	if b.spool != nil {
		return b.spoolN
	}
	var n int64
	for _, c := range b.c {
		n += int64(len(c))
	}
	return n
}

// room returns space for n more bytes at the end of the in-memory chunks.
func (b *chunks) room(n int64) []byte {
	if k := len(b.c); k > 0 {
		last := b.c[k-1]
		if int64(cap(last)-len(last)) >= n {
			b.c[k-1] = last[:len(last)+int(n)]
			return b.c[k-1][len(last):]
		}
	}
	size := int64(firstChunk)
	if k := len(b.c); k > 0 {
		size = min(2*int64(cap(b.c[k-1])), maxChunk)
	}
	c := make([]byte, n, max(size, n))
	b.c = append(b.c, c)
	return c
}

// shrink drops the last n bytes of the in-memory chunks.
func (b *chunks) shrink(n int64) {
	if k := len(b.c); k > 0 && n > 0 {
		last := b.c[k-1]
		b.c[k-1] = last[:len(last)-int(n)]
	}
}

// toSpool moves the bytes to a temporary file once they pass spoolAt. A
// file that cannot be made leaves them in memory.
func (b *chunks) toSpool() {
	if b.spool != nil || b.size() < spoolAt {
		return
	}
	f, err := os.CreateTemp("", "gotrace-spool-")
	if err != nil {
		return
	}
	os.Remove(f.Name()) // gone when closed, whatever happens to the process
	var n int64
	for _, c := range b.c {
		m, err := f.Write(c)
		n += int64(m)
		if err != nil {
			f.Close()
			return
		}
	}
	b.spool, b.spoolN, b.c = f, n, nil
}

// readFrom reads n bytes of r into the buffer, after reserve(n) (if set)
// allowed them, or skips them (discard). It returns the bytes read, and
// io.ErrUnexpectedEOF when r ended first.
func (b *chunks) readFrom(r io.Reader, n int64, reserve func(int64) error, discard bool) (int64, error) {
	if discard || b == nil {
		m, err := io.CopyN(io.Discard, r, n)
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return m, err
	}
	if reserve != nil {
		if err := reserve(n); err != nil {
			return 0, err
		}
	}
	if b.spool == nil {
		dst := b.room(n)
		m, err := io.ReadFull(r, dst)
		b.shrink(n - int64(m))
		b.toSpool()
		return int64(m), err
	}
	if b.scratch == nil {
		b.scratch = make([]byte, 64<<10)
	}
	var done int64
	for done < n {
		k := min(n-done, int64(len(b.scratch)))
		m, err := io.ReadFull(r, b.scratch[:k])
		if _, werr := b.spool.Write(b.scratch[:m]); werr != nil {
			return done, fmt.Errorf("writing the spool file of a large generation: %w", werr)
		}
		b.spoolN += int64(m)
		done += int64(m)
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// append copies raw (batch bytes read apart: a marker, or the first batch
// of a generation read while closing the previous one) into the buffer. It
// does nothing in random-access mode (b nil) or when raw is nil.
func (b *chunks) append(raw []byte, reserve func(int64) error) error {
	if b == nil || raw == nil {
		return nil
	}
	_, err := b.readFrom(bytes.NewReader(raw), int64(len(raw)), reserve, false)
	return err
}

// release frees the buffer: its chunks, its spool file.
func (b *chunks) release() {
	if b == nil {
		return
	}
	b.c = nil
	if b.spool != nil {
		b.spool.Close()
		b.spool = nil
	}
}

// reader returns a reader of the buffered bytes. In memory, it drops each
// chunk once read, so that the memory goes back as the parser copies the
// bytes in.
func (b *chunks) reader() io.Reader {
	if b == nil {
		return bytes.NewReader(nil)
	}
	if b.spool != nil {
		return io.NewSectionReader(b.spool, 0, b.spoolN)
	}
	return &chunkReader{b: b}
}

type chunkReader struct {
	b   *chunks
	off int // in b.c[0]
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.b.c) > 0 && r.off >= len(r.b.c[0]) {
		r.b.c[0] = nil
		r.b.c = r.b.c[1:]
		r.off = 0
	}
	if len(r.b.c) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b.c[0][r.off:])
	r.off += n
	return n, nil
}
