package demo

import (
	"context"
	"io"
	"strings"
	"testing"

	_ "github.com/advocate-hq/advocate/connectors/all" // the csv connector loads the sample data
	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/email"
	"github.com/advocate-hq/advocate/internal/store"
)

// TestDemoInviteIsCustomerSafe: the demo's invite.eml is what the first candidate would
// receive, so it carries highlights, never the scoring reasons the shortlist prints.
func TestDemoInviteIsCustomerSafe(t *testing.T) {
	ctx := context.Background()
	res, err := Run(ctx, Options{OutDir: t.TempDir(), Stdout: io.Discard, Top: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.InviteEML == "" || len(res.Shortlist.Entries[0].Reasons) == 0 {
		t.Fatalf("no invitation, or no reasons that could leak: %+v", res)
	}
	cfg, err := config.Load(res.Config)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, res.Database)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e := res.Shortlist.Entries[0]
	d, err := inviteData(ctx, e, cfg, st)
	if err != nil {
		t.Fatal(err)
	}
	c, err := email.RenderInviteContent(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{c.Subject, c.Text, c.HTML} {
		if term := email.InternalTerm(strings.ReplaceAll(body, e.Customer.Name, "")); term != "" {
			t.Errorf("the demo invitation says %q", term)
		}
	}
	if len(d.Highlights) == 0 || !strings.Contains(c.Text, d.Highlights[0]) || !d.FromCSM {
		t.Errorf("want highlights, sent as the CSM; got %+v:\n%s", d, c.Text)
	}
}
