package analyzer

import "golang.org/x/exp/trace"

// The hook through which consumers other than the analyses (the Perfetto
// exporter; the critical-path walker) see what the one tracker sees, without
// keeping goroutine state of their own.
//
// A generation's tracker calls its observer, when it has one, for every
// goroutine state change and for every other event it reads, in event order.
// The ordered merge calls the global observer where it stitches generations
// together: states, ranges, tasks and regions begun in an earlier generation
// or before the trace, and what is still open at the end. Both are nil when
// nothing observes; the tracker then pays one nil check per event.

// goChange is one goroutine state change as the tracker decoded it.
type goChange struct {
	t      int64
	id     trace.GoID
	g      *gLocal     // the goroutine's record, still in the state being left
	prefix bool        // the state being left began before this generation
	tr     *transition // the transition: to, reason, stacks, P, waker
	by     trace.GoID  // creation, unblock: the goroutine that caused it; NoGoroutine when none
}

// genObserver observes one generation's tracker.
type genObserver interface {
	// goChange is called before the tracker leaves the old state: c.g
	// still holds it (since, P, reason, stack); c.tr says what comes.
	goChange(p *partial, c *goChange)
	// created is called after a goroutine was created in state g.state.
	created(p *partial, g *gLocal, tr *transition, t int64)
	// event is called for every event that is not a goroutine transition
	// (ranges, metrics, labels, tasks, regions, logs, CPU samples, P
	// transitions).
	event(p *partial, ev *trace.Event, k trace.EventKind, t int64)
	// finish is called once the generation's last event was tracked.
	finish(p *partial)
}

// mergeObserver observes the ordered merge.
type mergeObserver interface {
	// restated: goroutine id, known to the merge in state old (nil when
	// first seen: it existed before the trace), is announced by the
	// generation being merged in state now, since at.
	restated(id trace.GoID, old *openState, now *openState, at int64)
	// beforeTrace: a range, task or region ends in the generation being
	// merged and began before the trace.
	rangeBefore(e *rangeEnd)
	taskBefore(e *taskEnd)
	regionBefore(e *regionEnd)
	// merged is called after generation p was merged.
	merged(g *global, p *partial)
}
