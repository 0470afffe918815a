// Package bare reads execution traces with golang.org/x/exp/trace and does
// nothing with the events. It is the reference gotrace's speed is measured
// against: an analysis built on the same decoder cannot go faster than Count
// with one reader, nor than CountParallel with a reader per generation.
package bare

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sync"

	"golang.org/x/exp/trace"

	"github.com/gotrace/gotrace/analyzer/internal/gensplit"
)

// Count reads every event of the trace r with one x/exp/trace reader, as a
// simple tool would, and returns the number of events (sync events, which
// separate generations, not counted).
func Count(r io.Reader) (int64, error) {
	tr, err := trace.NewReader(r)
	if err != nil {
		return 0, err
	}
	return count(tr)
}

func count(tr *trace.Reader) (int64, error) {
	var n int64
	for {
		ev, err := tr.ReadEvent()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if ev.Kind() != trace.EventSync {
			n++
		}
	}
}

// CountParallel splits the trace in ra (size bytes) at generation boundaries
// and decodes up to workers generations at once, each with its own reader,
// as gotrace analyze does. It returns the number of events, as Count. Old
// trace formats, which have no generations, are read by one reader.
func CountParallel(ra io.ReaderAt, size int64, workers int) (int64, error) {
	sp, h, err := gensplit.OpenAt(ra, size)
	if err != nil {
		return 0, err
	}
	if !h.Generational() {
		return Count(io.NewSectionReader(ra, 0, size))
	}
	pieces := make(chan gensplit.Piece)
	var (
		mu    sync.Mutex
		total int64
		errs  []error
		wg    sync.WaitGroup
	)
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range pieces {
				tr, err := trace.NewReader(bufio.NewReaderSize(sp.Reader(p), 1<<16))
				var n int64
				if err == nil {
					n, err = count(tr)
				}
				mu.Lock()
				total += n
				if err != nil {
					errs = append(errs, fmt.Errorf("generation at byte %d: %w", p.Offset, err))
				}
				mu.Unlock()
			}
		}()
	}
	for {
		p, err := sp.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
			break
		}
		pieces <- p
	}
	close(pieces)
	wg.Wait()
	return total, errors.Join(errs...)
}
