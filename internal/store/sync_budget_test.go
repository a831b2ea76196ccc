package store_test

import (
	"context"
	"testing"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// A run's API calls and the vendor's remaining limit are kept with the run, for status; a run
// whose vendor reports no limit keeps its calls and no limit.
func TestSyncRunKeepsItsAPIBudget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tests := []struct {
			calls int
			limit *connectors.Limit
		}{
			{11, &connectors.Limit{Remaining: 1234, Limit: 10000, Window: "day"}},
			{3, nil},
		}
		for _, tt := range tests {
			run, _, err := s.BeginSyncRun(ctx, "crm")
			if err != nil {
				t.Fatal(err)
			}
			if err := s.RecordSyncBudget(ctx, run, tt.calls, tt.limit); err != nil {
				t.Fatal(err)
			}
			if err := s.FinishSyncRun(ctx, run, "crm", 0, nil); err != nil {
				t.Fatal(err)
			}
			last, err := s.LastSyncRun(ctx, "crm")
			if err != nil {
				t.Fatal(err)
			}
			if last.APICalls != tt.calls || (last.APILimit == nil) != (tt.limit == nil) || (tt.limit != nil && *last.APILimit != *tt.limit) {
				t.Errorf("last run budget = %d calls, %v; want %d, %v", last.APICalls, last.APILimit, tt.calls, tt.limit)
			}
		}
		runs, err := s.SyncRuns(ctx, "crm", 5)
		if err != nil || len(runs) != 2 || runs[1].APICalls != 11 || runs[1].APILimit == nil || runs[1].APILimit.Remaining != 1234 {
			t.Errorf("runs = %+v (%v), want the older run's 11 calls and 1234 left", runs, err)
		}
	})
}
