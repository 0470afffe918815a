package analyzer

import (
	"math/rand/v2"
	"testing"

	"golang.org/x/exp/trace"
)

// TestGoIndexMatchesMap drives goIndex and a map with the same operations on
// ids of every kind (dense runs, large, negative) and requires them to agree.
func TestGoIndexMatchesMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ids := func() trace.GoID {
		switch rng.IntN(4) {
		case 0:
			return trace.GoID(rng.IntN(2000)) // dense
		case 1:
			return trace.GoID(rng.Int64()) // far beyond any dense range
		case 2:
			return trace.GoID(-rng.IntN(3) - 1) // NoGoroutine and below
		default:
			return trace.GoID(rng.IntN(1 << 20))
		}
	}
	var x goIndex
	want := map[trace.GoID]int32{}
	for i := range 200000 {
		id := ids()
		switch rng.IntN(3) {
		case 0, 1:
			x.set(id, int32(i))
			want[id] = int32(i)
		case 2:
			x.del(id)
			delete(want, id)
		}
		if x.n != len(want) {
			t.Fatalf("after %d operations: %d entries, want %d", i+1, x.n, len(want))
		}
		probe := ids()
		got, ok := x.get(probe)
		w, wok := want[probe]
		if ok != wok || got != w {
			t.Fatalf("get(%d) = %d, %v; want %d, %v", probe, got, ok, w, wok)
		}
	}
	if len(x.dense) > max(denseMin, 4*200000) {
		t.Errorf("dense range %d grew past its bound", len(x.dense))
	}
}

// TestGTable: records survive other adds and deletes by id, free slots are
// reused, and all yields exactly the live records.
func TestGTable(t *testing.T) {
	var tb gTable
	for id := range trace.GoID(100) {
		tb.add(id).createdAt = int64(id)
	}
	for id := trace.GoID(0); id < 100; id += 2 {
		tb.del(id)
	}
	tb.add(1000).createdAt = 1000
	if tb.len() != 51 || tb.recs.len() != 100 {
		t.Errorf("len %d, %d slots; want 51 records in 100 slots (a free slot reused)", tb.len(), tb.recs.len())
	}
	n := 0
	for id, r := range tb.all() {
		if r.createdAt != int64(id) || id%2 == 0 && id != 1000 {
			t.Errorf("record %d holds %d", id, r.createdAt)
		}
		n++
	}
	if n != 51 || tb.get(4) != nil || tb.get(5).createdAt != 5 {
		t.Errorf("all yielded %d records; get(4) %v, get(5) %v", n, tb.get(4), tb.get(5))
	}
}
