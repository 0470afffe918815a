package analyzer

import (
	"encoding/binary"
	"unsafe"

	"golang.org/x/exp/trace"
)

// Interned identifiers. Zero means "none" or "unknown" for both.
type (
	strID   uint32
	stackID uint32
)

// strTable interns strings. Local tables live for one generation; the
// global table lives for the whole analysis.
type strTable struct {
	ids  map[string]strID
	strs []string // strs[0] == ""
}

func newStrTable() strTable {
	return strTable{ids: map[string]strID{"": 0}, strs: []string{""}}
}

// reset empties the table, keeping allocations.
func (t *strTable) reset() {
	clear(t.ids)
	t.ids[""] = 0
	clear(t.strs)
	t.strs = t.strs[:1]
}

func (t *strTable) intern(s string) strID {
	if id, ok := t.ids[s]; ok {
		return id
	}
	id := strID(len(t.strs))
	t.strs = append(t.strs, s)
	t.ids[s] = id
	return id
}

func (t *strTable) str(id strID) string { return t.strs[id] }

// stackInfo is an interned stack.
type stackInfo struct {
	key    string  // PCs, 8 bytes each, as the identity of the stack
	frames []Frame // innermost first
}

// root returns the outermost frame's function: the goroutine's start
// function for stacks of the goroutine itself.
func (s *stackInfo) root() string {
	if len(s.frames) == 0 {
		return ""
	}
	return s.frames[len(s.frames)-1].Func
}

// localStacks interns the stack handles of one generation. Handles are only
// meaningful within their generation; identity across generations is the
// sequence of PCs.
type localStacks struct {
	byHandle map[trace.Stack]stackID
	// byID maps the trace's own stack id to a local id plus one, for handles
	// of the generation's table (table); a fast path in front of byHandle.
	byID    []stackID
	table   unsafe.Pointer
	stacks  []stackInfo // stacks[0] is the empty stack
	scratch []byte
}

// stackHandle mirrors the layout of trace.Stack: a table pointer and an id.
// handleLayoutOK says the mirror matches; otherwise only the map is used.
type stackHandle struct {
	table unsafe.Pointer
	id    uint64
}

var handleLayoutOK = unsafe.Sizeof(trace.Stack{}) == unsafe.Sizeof(stackHandle{})

// maxStackIDSlot bounds the fast path's slice.
const maxStackIDSlot = 1 << 20

func newLocalStacks() localStacks {
	return localStacks{byHandle: map[trace.Stack]stackID{trace.NoStack: 0}, stacks: []stackInfo{{}}}
}

// reset empties the table for a new generation, keeping allocations.
func (t *localStacks) reset() {
	clear(t.byHandle)
	t.byHandle[trace.NoStack] = 0
	clear(t.byID)
	t.byID = t.byID[:0]
	t.table = nil
	clear(t.stacks)
	t.stacks = t.stacks[:1]
}

// intern returns the local id of a stack handle, decoding its frames the
// first time the handle is seen.
func (t *localStacks) intern(s trace.Stack) stackID {
	if s == trace.NoStack {
		return 0
	}
	var h *stackHandle
	if handleLayoutOK {
		h = (*stackHandle)(unsafe.Pointer(&s))
		if t.table == nil {
			t.table = h.table
		}
		if h.table == t.table && h.id < uint64(len(t.byID)) {
			if id := t.byID[h.id]; id > 0 {
				return id - 1
			}
		}
	}
	id := t.internSlow(s)
	if h != nil && h.table == t.table && h.id < maxStackIDSlot {
		for uint64(len(t.byID)) <= h.id {
			t.byID = append(t.byID, 0)
		}
		t.byID[h.id] = id + 1
	}
	return id
}

// internSlow looks a handle up in the map, decoding its frames when new.
func (t *localStacks) internSlow(s trace.Stack) stackID {
	if id, ok := t.byHandle[s]; ok {
		return id
	}
	key := t.scratch[:0]
	var frames []Frame
	for f := range s.Frames() {
		key = binary.LittleEndian.AppendUint64(key, f.PC)
		frames = append(frames, Frame{Func: f.Func, File: f.File, Line: int(f.Line)})
	}
	t.scratch = key
	if len(frames) == 0 {
		t.byHandle[s] = 0
		return 0
	}
	id := stackID(len(t.stacks))
	t.stacks = append(t.stacks, stackInfo{key: string(key), frames: frames})
	t.byHandle[s] = id
	return id
}

// globalStacks interns stacks by their PCs across generations.
type globalStacks struct {
	byKey  map[string]stackID
	stacks []stackInfo
}

func newGlobalStacks() globalStacks {
	return globalStacks{byKey: map[string]stackID{"": 0}, stacks: []stackInfo{{}}}
}

func (t *globalStacks) add(s *stackInfo) stackID {
	if s.key == "" {
		return 0
	}
	if id, ok := t.byKey[s.key]; ok {
		return id
	}
	id := stackID(len(t.stacks))
	t.stacks = append(t.stacks, *s)
	t.byKey[s.key] = id
	return id
}
