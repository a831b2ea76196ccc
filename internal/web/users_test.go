package web

import (
	"context"
	"strings"
	"testing"

	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// TestUsers is `advocate user add|list|remove`: bad input gets a specific error and stores
// nothing; the password comes from standard input, trailing newline trimmed, stored hashed.
func TestUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		cases := []struct {
			name, email, role, stdin string
			wantErr                  string
		}{
			{"not an email", "maya", "", testPassword, `"maya" is not an email address`},
			{"display name", "Maya <maya@vendor.io>", "", testPassword, "is not an email address"},
			{"no dot in domain", "maya@localhost", "", testPassword, "is not an email address"},
			{"unknown role", "maya@vendor.io", "owner", testPassword, `unknown role "owner": want admin, marketing or csm`},
			{"short password", "maya@vendor.io", "csm", "short\n", "at least 12 characters"},
			{"empty stdin", "maya@vendor.io", "csm", "", "at least 12 characters"},
			{"ok, default role csm", "Maya@Vendor.io", "", testPassword + "\r\n", ""},
			{"taken in another case", "MAYA@vendor.io", "admin", testPassword + "\n", "already exists"},
			{"admin", "ann@vendor.io", "Admin", testPassword + "\n", ""},
		}
		for _, c := range cases {
			_, err := AddUser(ctx, st, c.email, c.role, strings.NewReader(c.stdin))
			if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
				t.Errorf("%s: err = %v, want %q", c.name, err, c.wantErr)
			}
		}
		us, err := ListUsers(ctx, st)
		if err != nil || len(us) != 2 || us[0].Email != "ann@vendor.io" || us[0].Role != "admin" || us[1].Email != "maya@vendor.io" || us[1].Role != "csm" {
			t.Fatalf("users = %+v, %v", us, err)
		}
		if strings.Contains(us[1].PasswordHash, testPassword) || !strings.HasPrefix(us[1].PasswordHash, "$2") {
			t.Errorf("stored password is not a bcrypt hash: %q", us[1].PasswordHash)
		}
		// The \r\n was trimmed: the password signs in as typed.
		if _, err := authenticate(ctx, st, "maya@vendor.io", testPassword); err != nil {
			t.Errorf("sign in with the password read from stdin: %v", err)
		}
		if err := RemoveUser(ctx, st, "Maya@vendor.io"); err != nil {
			t.Fatal(err)
		}
		if err := RemoveUser(ctx, st, "maya@vendor.io"); err == nil || !strings.Contains(err.Error(), "no user maya@vendor.io") {
			t.Errorf("remove twice: %v", err)
		}
	})
}
