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
package gensplit

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
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
	Index   int   // 0-based position in the trace
	Offset  int64 // offset of the first body byte in the input (after the header)
	Size    int64 // body bytes
	Batches int   // batches in the piece
	// Complete is false when the input ended inside the piece (a truncated
	// trace) or the piece could not be delimited (a corrupt batch header).
	Complete bool
	// Err says why the piece is not complete.
	Err error
	// Data holds the body when the splitter buffers (stream input); nil when
	// the body is to be read from the io.ReaderAt at Offset.
	Data []byte
}

// batchHeader is the decoded header of one batch.
type batchHeader struct {
	gen  uint64
	eog  bool  // an end-of-generation marker (Go 1.26+)
	hlen int   // header length in bytes
	size int64 // body length
}

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
		return h, io.ErrUnexpectedEOF
	}
	var vals [4]uint64
	for i := range vals {
		v, n := binary.Uvarint(b[h.hlen:])
		if n == 0 {
			return h, io.ErrUnexpectedEOF
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
	return h, nil
}

var errHeaderStart = errors.New("trace header")

// maxHeaderLen is the longest possible batch header.
const maxHeaderLen = 2 + 4*binary.MaxVarintLen64

// Splitter yields the pieces of a trace body one at a time.
type Splitter struct {
	hdr Header
	// Exactly one of ra and br is set.
	ra   io.ReaderAt
	size int64 // input size for ra
	br   *bufio.Reader

	off      int64 // offset of the next unread byte (body-relative offsets are absolute input offsets)
	index    int
	done     bool
	pending  *pendingBatch // a batch of the next generation read while closing the previous one
	pendErr  error         // an error found while closing the previous piece
	consumed int64         // stream mode: body bytes read from the stream
	eof      bool          // stream mode: the stream has ended
	maxPiece int64
	hbuf     [maxHeaderLen]byte
}

type pendingBatch struct {
	h    batchHeader
	data []byte // header+body bytes (stream mode)
}

// DefaultMaxPiece bounds the bytes of one generation the splitter accepts.
const DefaultMaxPiece = 1 << 30

// NewAt returns a splitter over a random-access input of the given size whose
// first HeaderSize bytes are the header hdr. Pieces are located with reads of
// batch headers only; their Data is nil.
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
// header hdr. Each piece's body is buffered in Data.
func NewStream(r io.Reader, hdr Header) *Splitter {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 1<<16)
	}
	return &Splitter{hdr: hdr, br: br, off: HeaderSize, maxPiece: DefaultMaxPiece}
}

// SetMaxPiece bounds the size of one piece; a larger generation is reported
// as an error. Zero means DefaultMaxPiece.
func (s *Splitter) SetMaxPiece(n int64) {
	if n <= 0 {
		n = DefaultMaxPiece
	}
	s.maxPiece = n
}

// ErrSecondTrace reports a trace header where a batch should start: the
// input is several traces concatenated.
var ErrSecondTrace = errors.New("another trace starts here (concatenated traces)")

// ErrPieceTooLarge reports a generation larger than the configured bound.
var ErrPieceTooLarge = errors.New("generation exceeds the size limit")

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
		return s.finish(p, nil), nil
	}
	var buf *bytes.Buffer
	if s.br != nil {
		buf = new(bytes.Buffer)
	}
	var gen uint64
	first := true
	for {
		var h batchHeader
		var raw []byte
		var err error
		if s.pending != nil {
			h, raw = s.pending.h, s.pending.data
			s.pending = nil
		} else {
			h, raw, err = s.readBatch()
		}
		if err == io.EOF {
			s.done = true
			if first {
				return Piece{}, io.EOF
			}
			if s.hdr.Version >= 26 {
				// Go 1.26+ ends every generation with an explicit marker.
				p.Err = errors.New("trace ends inside a generation (no end-of-generation marker)")
			} else {
				p.Complete = true
			}
			return s.finish(p, buf), nil
		}
		if err != nil {
			if errors.Is(err, ErrSecondTrace) && !first && s.hdr.Version < 26 {
				// The generation ended where the next trace begins.
				s.pendErr = err
				p.Complete = true
				return s.finish(p, buf), nil
			}
			s.done = true
			p.Err = err
			return s.finish(p, buf), nil
		}
		if h.eog {
			if first {
				// A stray marker; skip it.
				s.off += int64(h.hlen)
				p.Offset = s.off
				continue
			}
			s.off += int64(h.hlen)
			if buf != nil {
				buf.Write(raw)
			}
			p.Size = s.off - p.Offset
			p.Batches++
			p.Complete = true
			return s.finish(p, buf), nil
		}
		if first {
			gen = h.gen
			first = false
		} else if h.gen != gen {
			if s.hdr.Version >= 26 {
				s.done = true
				p.Err = fmt.Errorf("generation %d starts before generation %d ended (missing end-of-generation marker)", h.gen, gen)
				return s.finish(p, buf), nil
			}
			// The first batch of the next generation closes this one.
			s.pending = &pendingBatch{h: h, data: raw}
			p.Complete = true
			return s.finish(p, buf), nil
		}
		s.off += int64(h.hlen) + h.size
		p.Size = s.off - p.Offset
		p.Batches++
		if buf != nil {
			buf.Write(raw)
		}
		if p.Size > s.maxPiece {
			s.done = true
			p.Err = fmt.Errorf("%w (%d bytes)", ErrPieceTooLarge, s.maxPiece)
			return s.finish(p, buf), nil
		}
	}
}

func (s *Splitter) finish(p Piece, buf *bytes.Buffer) Piece {
	if buf != nil {
		p.Data = buf.Bytes()
	}
	if !p.Complete {
		s.done = true
	}
	s.index++
	return p
}

// readBatch reads the header of the batch at s.off and, in stream mode, its
// body. It does not advance s.off. io.EOF means a clean end of input.
func (s *Splitter) readBatch() (batchHeader, []byte, error) {
	if s.ra != nil {
		n := int64(len(s.hbuf))
		if rem := s.size - s.off; rem < n {
			n = rem
		}
		if n <= 0 {
			return batchHeader{}, nil, io.EOF
		}
		m, err := s.ra.ReadAt(s.hbuf[:n], s.off)
		if m < int(n) && err != nil {
			return batchHeader{}, nil, fmt.Errorf("reading batch header at offset %d: %w", s.off, err)
		}
		h, err := parseBatchHeader(s.hbuf[:n], s.hdr.Version)
		if err != nil {
			return h, nil, s.headerErr(err)
		}
		if s.off+int64(h.hlen)+h.size > s.size {
			return h, nil, fmt.Errorf("batch at offset %d is cut off: %w", s.off, io.ErrUnexpectedEOF)
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
	raw := make([]byte, int64(h.hlen)+h.size)
	n, err := io.ReadFull(s.br, raw)
	s.consumed += int64(n)
	if err != nil {
		s.eof = true
		return h, nil, fmt.Errorf("batch at offset %d is cut off after %d of %d bytes: %w", s.off, n, len(raw), io.ErrUnexpectedEOF)
	}
	return h, raw, nil
}

func (s *Splitter) headerErr(err error) error {
	if errors.Is(err, errHeaderStart) {
		return fmt.Errorf("at offset %d: %w", s.off, ErrSecondTrace)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("batch header at offset %d is cut off: %w", s.off, err)
	}
	return fmt.Errorf("bad batch header at offset %d: %w", s.off, err)
}

// wholeBody returns the entire body of an old-format trace as one piece.
func (s *Splitter) wholeBody() (Piece, error) {
	s.done = true
	p := Piece{Index: 0, Offset: s.off, Complete: true}
	if s.ra != nil {
		p.Size = s.size - s.off
	} else {
		data, err := io.ReadAll(io.LimitReader(s.br, s.maxPiece+1))
		s.consumed += int64(len(data))
		s.eof = err == nil && int64(len(data)) <= s.maxPiece
		if err != nil {
			p.Err = err
			p.Complete = false
		}
		if int64(len(data)) > s.maxPiece {
			p.Err = fmt.Errorf("%w (%d bytes)", ErrPieceTooLarge, s.maxPiece)
			p.Complete = false
			data = nil
		}
		p.Data = data
		p.Size = int64(len(data))
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
// followed by the piece's body.
func (s *Splitter) Reader(p Piece) io.Reader {
	hdr := bytes.NewReader(s.hdr.Raw[:])
	if p.Data != nil || s.ra == nil {
		return io.MultiReader(hdr, bytes.NewReader(p.Data))
	}
	return io.MultiReader(hdr, io.NewSectionReader(s.ra, p.Offset, p.Size))
}
