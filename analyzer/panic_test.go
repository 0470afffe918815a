package analyzer

import (
	"strings"
	"testing"

	"golang.org/x/exp/trace"
)

// TestPanicError: a panic raised inside x/exp/trace (as on malformed input)
// is the input's fault; one raised in gotrace's own code is a bug, and the
// message says which.
func TestPanicError(t *testing.T) {
	catch := func(f func()) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = panicError(r)
			}
		}()
		f()
		return nil
	}
	err := catch(func() { trace.Event{}.Range() }) // a getter on the wrong kind of event
	if err == nil || !strings.HasPrefix(err.Error(), "the trace parser failed on malformed data: ") {
		t.Errorf("x/exp panic: %v", err)
	}
	err = catch(func() {
		var s []int
		_ = s[3]
	})
	if err == nil || !strings.HasPrefix(err.Error(), "internal error in github.com/gotrace/gotrace/analyzer.") {
		t.Errorf("own panic: %v", err)
	}
}
