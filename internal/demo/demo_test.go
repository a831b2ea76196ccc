package demo

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"strings"
	"testing"

	_ "github.com/advocate-hq/advocate/connectors/all" // the csv connector loads the sample data
	"github.com/advocate-hq/advocate/internal/email"
)

// TestDemoInviteIsCustomerSafe: the demo's invite.eml is what the first candidate would
// receive, so it carries highlights, never the scoring reasons the shortlist prints.
func TestDemoInviteIsCustomerSafe(t *testing.T) {
	res, err := Run(context.Background(), Options{OutDir: t.TempDir(), Stdout: io.Discard, Top: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Shortlist.Entries) == 0 || len(res.Shortlist.Entries[0].Reasons) == 0 {
		t.Fatalf("no shortlist with reasons to leak: %+v", res.Shortlist)
	}
	f, err := os.Open(res.InviteEML)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	msg, err := mail.ReadMessage(f)
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	parts := []string{subject}
	_, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		parts = append(parts, string(b))
	}
	e := res.Shortlist.Entries[0]
	for _, body := range parts {
		body = strings.ReplaceAll(body, e.Customer.Name, "")
		if term := email.InternalTerm(body); term != "" {
			t.Errorf("invite.eml says %q", term)
		}
	}
	if !strings.Contains(parts[1], "What we have enjoyed seeing:") {
		t.Errorf("invite.eml has no highlights:\n%s", parts[1])
	}
}
