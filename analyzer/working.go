package analyzer

import (
	"cmp"
	"slices"
)

// workingKey groups user goroutines still working at the end.
type workingKey struct {
	name  strID
	state uint8
}

// workingStats lists the user goroutines alive at the end of the trace and
// not blocked: running, runnable or in a syscall. They are work the program
// had not finished; when main returns (or the program exits) they are cut
// off and never end. Blocked goroutines are the leak table's. At most top
// groups are kept (top < 0: all).
func (g *global) workingStats(top int) (groups []WorkingGroup, total int64) {
	type acc struct{ count, created, maxAge int64 }
	accs := map[workingKey]*acc{}
	for _, r := range g.gs.all() {
		var st uint8
		switch r.state {
		case goRunning, goRunnable, goSyscall:
			st = uint8(r.state)
		default:
			continue
		}
		// A goroutine whose start function the trace never showed (it
		// existed before the trace, in a format without its stack) cannot
		// be named; it is most likely the runtime's.
		if r.name == 0 || isSystemFunc(g.strs.str(r.name)) {
			continue
		}
		k := workingKey{name: r.name, state: st}
		a := accs[k]
		if a == nil {
			a = new(acc)
			accs[k] = a
		}
		a.count++
		born := g.start
		if r.created {
			a.created++
			born = max(r.createdAt, g.start)
		}
		a.maxAge = max(a.maxAge, g.end-born)
		total++
	}
	for k, a := range accs {
		start := g.strs.str(k.name)
		groups = append(groups, WorkingGroup{
			Start: start, State: workingStateName(k.state), Count: a.count, Created: a.created, MaxAgeNS: a.maxAge,
		})
	}
	slices.SortFunc(groups, func(x, y WorkingGroup) int {
		if c := cmp.Compare(y.Count, x.Count); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Start, y.Start); c != 0 {
			return c
		}
		return cmp.Compare(x.State, y.State)
	})
	if top >= 0 && len(groups) > top {
		groups = groups[:top]
	}
	return groups, total
}

func workingStateName(st uint8) string {
	switch st {
	case uint8(goRunning):
		return "running"
	case uint8(goRunnable):
		return "runnable"
	case uint8(goSyscall):
		return "syscall"
	}
	return "?"
}
