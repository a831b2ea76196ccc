package ranker

import "hash/maphash"

// idIndex maps customer ids to table rows. Whole-base scoring looks up a million ids, one per
// signal row; in a Go map each lookup misses the cache on the map's group and again on the
// key's bytes, and profiling showed those lookups as the largest single cost of reading the
// table. This open-addressing table keeps each slot's full 64-bit hash beside its row, so a
// lookup reads one slot and compares the id itself only on a hash match. The ids live in
// the table's IDs; the index holds no strings of its own, so the garbage collector has
// nothing in it to trace.
type idIndex struct {
	slots []idSlot // a power of two long, at most half full
	n     int
	seed  maphash.Seed
}

type idSlot struct {
	hash uint64
	row  int32 // row + 1; 0 marks an empty slot
}

func newIDIndex(capacity int) *idIndex {
	size := 16
	for size < 2*capacity {
		size *= 2
	}
	return &idIndex{slots: make([]idSlot, size), seed: maphash.MakeSeed()}
}

// get returns the row of id among ids (the table's IDs).
func (x *idIndex) get(ids []string, id string) (int, bool) {
	h := maphash.String(x.seed, id)
	mask := uint64(len(x.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := x.slots[i]
		if s.row == 0 {
			return 0, false
		}
		if s.hash == h && ids[s.row-1] == id {
			return int(s.row - 1), true
		}
	}
}

// add records that ids[row] is at row; the id must not be in the index yet.
func (x *idIndex) add(ids []string, row int) {
	if 2*(x.n+1) > len(x.slots) {
		x.grow()
	}
	x.put(maphash.String(x.seed, ids[row]), int32(row+1))
	x.n++
}

func (x *idIndex) put(h uint64, row int32) {
	mask := uint64(len(x.slots) - 1)
	i := h & mask
	for x.slots[i].row != 0 {
		i = (i + 1) & mask
	}
	x.slots[i] = idSlot{h, row}
}

func (x *idIndex) grow() {
	old := x.slots
	x.slots = make([]idSlot, 2*len(old))
	for _, s := range old {
		if s.row != 0 {
			x.put(s.hash, s.row)
		}
	}
}
