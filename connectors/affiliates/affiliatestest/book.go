package affiliatestest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Book is the affiliate registry fakes share: what the platform holds, keyed by email the way
// platforms compare them (case-insensitive), with the CreateElsewhere race built in. Fakes
// embed it and add their platform's wire format.
type Book struct {
	Prefix string // id prefix, e.g. "aff_"
	// KeepNonCash keeps seeded non-cash commissions, for platforms that have them.
	KeepNonCash bool

	mu        sync.Mutex
	records   []*Record
	elsewhere map[string]bool
	refs      []SeedReferral
	coms      []SeedCommission
}

// Seed implements Fake: it stores the outcomes and creates the affiliates they name.
func (b *Book) Seed(refs []SeedReferral, coms []SeedCommission) {
	for _, r := range refs {
		b.Ensure(r.AffiliateEmail)
	}
	for _, c := range coms {
		b.Ensure(c.AffiliateEmail)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refs = append(b.refs, refs...)
	for _, c := range coms {
		if b.KeepNonCash || !c.NonCash {
			b.coms = append(b.coms, c)
		}
	}
}

// Seeds returns copies of the seeded outcomes, in seeding order.
func (b *Book) Seeds() ([]SeedReferral, []SeedCommission) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.refs), slices.Clone(b.coms)
}

// SetExternalID records our id on an affiliate (Dub's upsert sets tenantId on an existing one).
func (b *Book) SetExternalID(id, ext string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range b.records {
		if r.ID == id {
			r.ExternalID = ext
		}
	}
}

// Record is one affiliate on a fake platform.
type Record struct {
	ID, Email, FirstName, LastName, ExternalID string
	// CreatedAt is when the platform created the affiliate: the n-th record JoinEpoch plus n
	// days, so a listing's join dates are known to the test.
	CreatedAt time.Time
}

// JoinEpoch is when a fake's first affiliate was created.
var JoinEpoch = time.Date(2025, 1, 6, 8, 15, 0, 0, time.UTC)

// JoinedAt is when the platform created email's affiliate; zero when it holds none.
func (b *Book) JoinedAt(email string) time.Time {
	if rec := b.Find(email); rec != nil {
		return rec.CreatedAt
	}
	return time.Time{}
}

// Records returns copies of every affiliate, in creation order.
func (b *Book) Records() []Record {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]Record, len(b.records))
	for i, r := range b.records {
		out[i] = *r
	}
	return out
}

// Count implements Fake.
func (b *Book) Count(email string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, r := range b.records {
		if strings.EqualFold(r.Email, email) {
			n++
		}
	}
	return n
}

// Total implements Fake.
func (b *Book) Total() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.records)
}

// CreateElsewhere implements Fake.
func (b *Book) CreateElsewhere(email string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.elsewhere == nil {
		b.elsewhere = map[string]bool{}
	}
	b.elsewhere[strings.ToLower(email)] = true
}

// Find returns the affiliate with email, or nil.
func (b *Book) Find(email string) *Record {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.find(func(r *Record) bool { return strings.EqualFold(r.Email, email) })
}

// FindBy returns the first affiliate match accepts, or nil.
func (b *Book) FindBy(match func(*Record) bool) *Record {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.find(match)
}

func (b *Book) find(match func(*Record) bool) *Record {
	for _, r := range b.records {
		if match(r) {
			c := *r
			return &c
		}
	}
	return nil
}

// Create adds r unless its email is taken, in which case it returns the holder and taken. A
// pending CreateElsewhere for the email lands first, so this create meets it.
func (b *Book) Create(r Record) (rec Record, taken bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	key := strings.ToLower(r.Email)
	if b.elsewhere[key] {
		delete(b.elsewhere, key)
		b.add(Record{Email: r.Email, FirstName: "Other", LastName: "Replica"})
	}
	if old := b.find(func(x *Record) bool { return strings.EqualFold(x.Email, r.Email) }); old != nil {
		return *old, true
	}
	return b.add(r), false
}

// Ensure returns the affiliate with email, creating it (for seeds).
func (b *Book) Ensure(email string) Record {
	b.mu.Lock()
	defer b.mu.Unlock()
	if old := b.find(func(x *Record) bool { return strings.EqualFold(x.Email, email) }); old != nil {
		return *old
	}
	return b.add(Record{Email: email})
}

func (b *Book) add(r Record) Record {
	r.ID = fmt.Sprintf("%s%d", b.Prefix, len(b.records)+1)
	r.CreatedAt = JoinEpoch.AddDate(0, 0, len(b.records))
	b.records = append(b.records, &r)
	return r
}

// Atoi reads a query number, def when absent or unreadable.
func Atoi(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}

// WriteJSON answers with status and v as JSON, with a Content-Length as real APIs send.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// Window returns items[offset:offset+n] clamped to the slice, for fakes' paging.
func Window[T any](items []T, offset, n int) []T {
	if offset >= len(items) || offset < 0 {
		return nil
	}
	return items[offset:min(offset+n, len(items))]
}
