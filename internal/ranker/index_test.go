package ranker

import (
	"fmt"
	"testing"
)

// The id index must find every id added, through growth from the smallest size, and nothing else.
func TestIDIndex(t *testing.T) {
	for _, tc := range []struct {
		name     string
		capacity int // the size hint; the index grows past it
		n        int
	}{
		{"empty", 0, 0},
		{"grows from nothing", 0, 10_000},
		{"sized up front", 10_000, 10_000},
		{"hint too small", 10, 5_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := newIDIndex(tc.capacity)
			var ids []string
			for i := range tc.n {
				ids = append(ids, fmt.Sprintf("c_%d", i))
				x.add(ids, i)
			}
			for i, id := range ids {
				if got, ok := x.get(ids, id); !ok || got != i {
					t.Fatalf("get(%s) = %d, %v, want %d", id, got, ok, i)
				}
			}
			for _, id := range []string{"", "c_", "c_-1", fmt.Sprintf("c_%d", tc.n)} {
				if got, ok := x.get(ids, id); ok {
					t.Errorf("get(%q) = %d, found an id never added", id, got)
				}
			}
		})
	}
}
