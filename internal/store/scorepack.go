package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// A score pack holds the rank, score, confidence, eligibility and failed gates of a few thousand
// customers of one run, in customer-id order, as one binary value (score_packs.data): a run of a
// million customers is a few hundred values instead of a million rows, which is what lets it be
// written in well under a second (issue 16). Layout, version 1:
//
//	version byte (1)
//	uvarint  number of entries
//	uvarint  number of distinct failed-gate lists, then each: uvarint count, each gate as
//	         uvarint length + bytes
//	entries, each:
//	  uvarint shared prefix length with the previous id, then the rest of the id: uvarint
//	          length<<1 | hex, then the bytes, or when hex is 1 the lowercase hex digits two to a
//	          byte (customer ids are "c_" and 16 hex digits: this halves them)
//	  varint  rank
//	  uvarint flags: bit 0 eligible, bit 1 score as the previous entry's, bit 2 confidence as the
//	          previous entry's, bits 3… index of the failed-gate list
//	  score, then confidence, as IEEE-754 bits (8 bytes little-endian) unless flagged as repeated
//
// Scores and confidences are their exact bits, so a reader gets back exactly what was saved;
// sorted ids share long prefixes; gate lists repeat across customers, so each entry keeps an index.

// packSize is how many customers a pack holds. One customer's history decodes one pack per run
// (ScoreHistory reads 60 runs for a customer page): 4096 entries decode in well under a
// millisecond, while bigger packs buy little on the write, whose cost is in the bytes.
const packSize = 4096

const packVersion = 1

const (
	packEligible  = 1 << 0
	packSameScore = 1 << 1
	packSameConf  = 1 << 2
	packFlagBits  = 3
)

// packEntry is one customer's line in a pack. While a pack is decoded, ID aliases the decoder's
// buffer and FailedGates is shared by every entry with the same list: copy what is kept.
type packEntry struct {
	ID          []byte
	Rank        int
	Score       float64
	Confidence  float64
	Eligible    bool
	FailedGates []string
}

// encodePack appends the pack of scores (sorted by customer id, at most a few thousand) to b.
func encodePack(b []byte, scores []*Score) []byte {
	b = append(b, packVersion)
	b = binary.AppendUvarint(b, uint64(len(scores)))
	lists, index := gateLists(scores)
	b = binary.AppendUvarint(b, uint64(len(lists)))
	for _, l := range lists {
		b = binary.AppendUvarint(b, uint64(len(l)))
		for _, g := range l {
			b = appendPackString(b, g)
		}
	}
	prev, prevScore, prevConf := "", uint64(0), uint64(0)
	for i, sc := range scores {
		shared := commonPrefix(prev, sc.CustomerID)
		b = binary.AppendUvarint(b, uint64(shared))
		b = appendIDSuffix(b, sc.CustomerID[shared:])
		prev = sc.CustomerID
		b = binary.AppendVarint(b, int64(sc.Rank))
		score, conf := math.Float64bits(sc.Score), math.Float64bits(sc.Confidence)
		flags := uint64(index[i]) << packFlagBits
		if sc.Eligible {
			flags |= packEligible
		}
		sameScore, sameConf := i > 0 && score == prevScore, i > 0 && conf == prevConf
		if sameScore {
			flags |= packSameScore
		}
		if sameConf {
			flags |= packSameConf
		}
		b = binary.AppendUvarint(b, flags)
		if !sameScore {
			b = binary.LittleEndian.AppendUint64(b, score)
		}
		if !sameConf {
			b = binary.LittleEndian.AppendUint64(b, conf)
		}
		prevScore, prevConf = score, conf
	}
	return b
}

// gateLists returns the pack's distinct failed-gate lists (nil and empty are the same list, as
// the row form stores both as []) and each score's index into them.
func gateLists(scores []*Score) ([][]string, []int) {
	var lists [][]string
	index := make([]int, len(scores))
	for i, sc := range scores {
		k := slices.IndexFunc(lists, func(l []string) bool { return slices.Equal(l, sc.FailedGates) })
		if k < 0 {
			k = len(lists)
			lists = append(lists, sc.FailedGates)
		}
		index[i] = k
	}
	return lists, index
}

// appendIDSuffix appends the rest of an id: as nibbles when it is all lowercase hex digits.
func appendIDSuffix(b []byte, s string) []byte {
	hex := s != ""
	for i := 0; i < len(s) && hex; i++ {
		hex = nibbleOf[s[i]] != 0xff
	}
	if !hex {
		b = binary.AppendUvarint(b, uint64(len(s))<<1)
		return append(b, s...)
	}
	b = binary.AppendUvarint(b, uint64(len(s))<<1|1)
	for i := 0; i+1 < len(s); i += 2 {
		b = append(b, nibbleOf[s[i]]<<4|nibbleOf[s[i+1]])
	}
	if len(s)%2 == 1 {
		b = append(b, nibbleOf[s[len(s)-1]]<<4)
	}
	return b
}

// nibbleOf is a lowercase hex digit's value, 0xff for any other byte.
var nibbleOf = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range hexDigits {
		t[c] = byte(i)
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// idSuffix appends the rest of an id, as appendIDSuffix wrote it, to id.
func (r *packReader) idSuffix(id []byte) []byte {
	v := r.uvarint()
	n := v >> 1
	if v&1 == 0 {
		if n > uint64(len(r.b)) {
			r.fail()
			return id
		}
		id = append(id, r.b[:n]...)
		r.b = r.b[n:]
		return id
	}
	if (n+1)/2 > uint64(len(r.b)) {
		r.fail()
		return id
	}
	for i := range n {
		c := r.b[i/2]
		if i%2 == 0 {
			c >>= 4
		}
		id = append(id, hexDigits[c&15])
	}
	r.b = r.b[(n+1)/2:]
	return id
}

func appendPackString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

var errPackCorrupt = errors.New("corrupt score pack")

// packReader reads a pack's fields in order, remembering the first malformed one.
type packReader struct {
	b   []byte
	err error
}

func (r *packReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

// varint undoes binary.AppendVarint's zig-zag encoding.
func (r *packReader) varint() int64 {
	u := r.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

// bytes returns the next length-prefixed field, aliasing the pack.
func (r *packReader) bytes() []byte {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *packReader) float() float64 {
	if len(r.b) < 8 {
		r.fail()
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
	r.b = r.b[8:]
	return v
}

func (r *packReader) fail() {
	if r.err == nil {
		r.err = errPackCorrupt
	}
	r.b = nil
}

// decodePack calls visit with each entry of the pack data in customer-id order, until visit
// returns false. The entry is reused: its ID and FailedGates are only valid during the call.
func decodePack(data []byte, visit func(e *packEntry) bool) error {
	if len(data) == 0 || data[0] != packVersion {
		return fmt.Errorf("%w: unknown version", errPackCorrupt)
	}
	r := packReader{b: data[1:]}
	n := r.uvarint()
	lists := make([][]string, min(r.uvarint(), uint64(len(r.b))))
	for i := range lists {
		k := r.uvarint()
		if k > uint64(len(r.b)) { // each gate takes a byte at least
			r.fail()
			break
		}
		lists[i] = make([]string, 0, k) // empty, not nil: what the row form reads back for []
		for range k {
			lists[i] = append(lists[i], string(r.bytes()))
		}
	}
	var e packEntry
	for i := uint64(0); i < n && r.err == nil; i++ {
		shared := r.uvarint()
		if shared > uint64(len(e.ID)) {
			r.fail()
			break
		}
		e.ID = r.idSuffix(e.ID[:shared])
		e.Rank = int(r.varint())
		flags := r.uvarint()
		e.Eligible = flags&packEligible != 0
		if flags&packSameScore == 0 {
			e.Score = r.float()
		}
		if flags&packSameConf == 0 {
			e.Confidence = r.float()
		}
		k := flags >> packFlagBits
		if k >= uint64(len(lists)) {
			r.fail()
			break
		}
		e.FailedGates = lists[k]
		if r.err == nil && !visit(&e) {
			return nil
		}
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail()
	}
	return r.err
}

// packScore is the stored score of a pack entry, without the detail a pack does not hold
// (contributions, reasons) — what the row form reads back for a score stored without them.
func packScore(run *runShape, e *packEntry) Score {
	return Score{RunID: run.ID, CustomerID: string(e.ID), Rank: e.Rank, Score: e.Score, Confidence: e.Confidence,
		Eligible: e.Eligible, FailedGates: slices.Clip(e.FailedGates), Reasons: []string{}, CreatedAt: run.CreatedAt}
}

// packIndexOf returns the index of the pack, of those starting at firsts (sorted), that can
// hold id: the last one starting at or before it; -1 when id sorts before them all.
func packIndexOf(firsts []string, id string) int {
	i, found := slices.BinarySearchFunc(firsts, id, strings.Compare)
	if found {
		return i
	}
	return i - 1
}
