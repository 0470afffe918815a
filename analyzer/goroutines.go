package analyzer

import (
	"cmp"
	"slices"

	"github.com/gotrace/gotrace/analyzer/sketch"
)

// gAcc is time a goroutine spent in each category (ns), and its longest
// single scheduler wait. It is kept per goroutine while the goroutine lives
// and folded into its group when it ends.
type gAcc struct {
	t        [numCats]int64
	maxSched int64
}

func (a *gAcc) merge(o *gAcc) {
	for i, v := range o.t {
		a.t[i] += v
	}
	a.maxSched = max(a.maxSched, o.maxSched)
}

// goroutineAgg counts goroutine creation and ends.
type goroutineAgg struct {
	created, ended         int64 // all goroutines
	userCreated, userEnded int64
	lifetime               sketch.Hist // user goroutines created and ended in the trace

	// net is created-ended since the aggregate began; maxNet its highest
	// value (never below 0) and maxNetAt when that was first reached.
	net, maxNet, maxNetAt int64
}

func (a *goroutineAgg) reset() {
	h := a.lifetime
	h.Reset()
	*a = goroutineAgg{lifetime: h, maxNetAt: -1}
}

func (a *goroutineAgg) addNet(t, d int64) {
	a.net += d
	if a.net > a.maxNet {
		a.maxNet = a.net
		a.maxNetAt = t
	}
}

// merge adds o, the aggregate of a later generation.
func (a *goroutineAgg) merge(o *goroutineAgg) {
	a.created += o.created
	a.ended += o.ended
	a.userCreated += o.userCreated
	a.userEnded += o.userEnded
	a.lifetime.Merge(&o.lifetime)
	if a.net+o.maxNet > a.maxNet {
		a.maxNet = a.net + o.maxNet
		a.maxNetAt = o.maxNetAt
	}
	a.net += o.net
}

// groupAcc accumulates the goroutines of one start function.
type groupAcc struct {
	count, created, ended, alive int64
	acc                          gAcc
	// createStk is the creator's stack of the first goroutine of the group
	// created in the trace: where its goroutines are started.
	createStk stackID
}

// noteCreated records the creation stack of a goroutine of the group,
// keeping the first.
func (a *groupAcc) noteCreated(stk stackID) {
	if a.createStk == 0 {
		a.createStk = stk
	}
}

// add counts one goroutine of the group: created in the trace or not, alive
// at the end or ended, with its time by category not yet in the group (acc,
// or nil).
func (a *groupAcc) add(created, alive bool, acc *gAcc) {
	a.count++
	if created {
		a.created++
	}
	if alive {
		a.alive++
	} else {
		a.ended++
	}
	if acc != nil {
		a.acc.merge(acc)
	}
}

func (a *groupAcc) merge(o *groupAcc, m *remap) {
	if o.createStk != 0 {
		a.noteCreated(m.k(o.createStk))
	}
	a.count += o.count
	a.created += o.created
	a.ended += o.ended
	a.alive += o.alive
	a.acc.merge(&o.acc)
}

// goroutineStats builds the goroutine section from the global state.
func (g *global) goroutineStats(top int) GoroutineStats {
	a := &g.aggs.goroutines
	s := GoroutineStats{
		Created:     a.created,
		Ended:       a.ended,
		PreExisting: g.preExisting,
		AliveAtEnd:  g.preExisting + a.net,
		Peak:        g.preExisting + a.maxNet,
		UserCreated: a.userCreated,
		UserEnded:   a.userEnded,
		Lifetime:    dist(&a.lifetime),
	}
	if a.maxNetAt >= 0 {
		s.PeakAtNS = max(a.maxNetAt-g.start, 0)
	}
	if dur := g.end - g.start; dur > 0 {
		s.CreationRate = float64(a.userCreated) / (float64(dur) / 1e9)
	}
	for _, r := range g.gs.all() {
		if !isSystemFunc(g.strs.str(r.name)) {
			s.UserAliveAtEnd++
		}
	}
	var user, sys []GoroutineGroup
	for name, gr := range g.groups {
		fn := g.strs.str(name)
		isSys := isSystemFunc(fn)
		if fn == "" {
			fn = "(unknown)"
		}
		grp := GoroutineGroup{
			Name: fn, System: isSys, Count: gr.count, Created: gr.created, Ended: gr.ended,
			AliveAtEnd: gr.alive, Time: stateTimes(&gr.acc), MaxSchedWaitNS: gr.acc.maxSched,
			CreatedAt: g.stacks.stacks[gr.createStk].frames,
		}
		if isSys {
			s.System += gr.count
			addStateTimes(&s.RuntimeTime, &grp.Time)
			sys = append(sys, grp)
		} else {
			addStateTimes(&s.UserTime, &grp.Time)
			user = append(user, grp)
		}
	}
	s.UserGroups, s.RuntimeGroups = len(user), len(sys)
	s.GroupCount = len(user) + len(sys)
	byTime := func(x, y GoroutineGroup) int {
		if c := cmp.Compare(totalTime(&y.Time), totalTime(&x.Time)); c != 0 {
			return c
		}
		if c := cmp.Compare(y.Count, x.Count); c != 0 {
			return c
		}
		return cmp.Compare(x.Name, y.Name)
	}
	slices.SortFunc(user, byTime)
	slices.SortFunc(sys, byTime)
	if top >= 0 {
		user = user[:min(len(user), top)]
		sys = sys[:min(len(sys), top)]
	}
	s.Groups = append(user, sys...)
	return s
}

// addStateTimes adds o to t.
func addStateTimes(t, o *StateTimes) {
	t.Exec += o.Exec
	t.SchedWait += o.SchedWait
	t.Syscall += o.Syscall
	t.Blocked += o.Blocked
	for k, v := range o.BlockedBy {
		if t.BlockedBy == nil {
			t.BlockedBy = map[string]int64{}
		}
		t.BlockedBy[k] += v
	}
}

func totalTime(t *StateTimes) int64 { return t.Exec + t.SchedWait + t.Syscall + t.Blocked }

func stateTimes(a *gAcc) StateTimes {
	st := StateTimes{Exec: a.t[catExec], SchedWait: a.t[catSched], Syscall: a.t[catSyscall]}
	for c := catSync; c < numCats; c++ {
		if v := a.t[c]; v != 0 {
			if st.BlockedBy == nil {
				st.BlockedBy = map[string]int64{}
			}
			st.BlockedBy[catNames[c]] = v
			st.Blocked += v
		}
	}
	return st
}
