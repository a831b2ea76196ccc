package service

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// TestAffiliateRetryJob: with `affiliates:` configured, serve runs the retry job, which asks
// the platform for an approved contact still without an affiliate and records the failure
// while it fails; without the section there is no such job.
func TestAffiliateRetryJob(t *testing.T) {
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":{"code":"unauthorized"}}`, http.StatusUnauthorized) // not retried inside the request: the test needs no waiting
	}))
	defer failing.Close()
	now := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, affiliates string
	}{
		{"configured", fmt.Sprintf("affiliates: {platform: dub, base_url: %q, api_key: dub_test}\n", failing.URL)},
		{"not configured", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := storetest.SQLite(t)
			st.Now = func() time.Time { return now }
			ctx := context.Background()
			ref := connectors.Ref{Domain: "p1.io"}
			run, _, _ := st.BeginSyncRun(ctx, "crm")
			if _, err := st.CommitPage(ctx, "crm", run, connectors.Page{Customers: []connectors.Customer{{Ref: ref, Name: "P1"}},
				Contacts: []connectors.Contact{{Customer: ref, Email: "pat@p1.io", Champion: true}}}); err != nil {
				t.Fatal(err)
			}
			c, _ := st.FindCustomer(ctx, "p1.io")
			if _, _, err := st.Enroll(ctx, c.ID, "pat@p1.io", "default"); err != nil {
				t.Fatal(err)
			}
			path := writeConfig(t, "server: {listen: \"127.0.0.1:0\"}\nshortlist: {schedule: \"\"}\n"+tc.affiliates)
			svc, err := New(ctx, Options{ConfigPath: path, Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			defer svc.Stop(ctx)
			_, err = svc.sched.RunNow(AffiliateRetryJob)
			if tc.affiliates == "" {
				if err == nil {
					t.Error("an affiliate retry job without an affiliate platform")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			ps, err := st.PendingAffiliates(ctx, "dub")
			if err != nil || len(ps) != 1 || ps[0].Attempt == nil || ps[0].Attempt.Attempts != 1 || ps[0].Attempt.LastError == "" {
				t.Errorf("after the job with the platform failing: %+v, %v; want one recorded failure", ps, err)
			}
		})
	}
}
