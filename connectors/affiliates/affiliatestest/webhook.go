package affiliatestest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/advocate-hq/advocate/connectors/affiliates"
)

// WebhookHarness describes one platform's webhook authentication for CheckWebhooks.
type WebhookHarness struct {
	Verifier affiliates.WebhookVerifier
	Secret   string
	// Fixture is a delivery body shaped like the vendor's documented example (testdata/).
	Fixture string
	// Delivered are the headers the platform sends with Fixture, worked out independently of
	// the client (e.g. `openssl dgst -sha256 -hmac SECRET`), so a client that signs wrongly
	// cannot agree with itself.
	Delivered http.Header
	// Authenticate sets the headers the platform would send with body under secret.
	Authenticate func(h http.Header, body []byte, secret string)
	// Header is the header authentication reads.
	Header string
	// BindsBody is true when the signature covers the body, so a changed body is refused.
	BindsBody bool
	// Want is the event Fixture announces.
	Want affiliates.WebhookEvent
}

// HexHMAC is the Authenticate of platforms that send the hex HMAC-SHA256 of the body in header.
func HexHMAC(header string) func(h http.Header, body []byte, secret string) {
	return func(h http.Header, body []byte, secret string) {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		h.Set(header, hex.EncodeToString(mac.Sum(nil)))
	}
}

// ReadFixture reads a testdata file byte for byte (a signature covers every byte).
func ReadFixture(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// CheckWebhooks runs the cases every webhook verifier must meet: the documented delivery is
// accepted and names its event; a missing, malformed or wrong signature, a wrong secret and
// (where the signature covers it) a changed body are refused with affiliates.ErrWebhookAuth and
// a message without the secret; an authenticated body that is not the platform's JSON is a
// different error; a body without an event id is identified by its digest.
func CheckWebhooks(t *testing.T, w WebhookHarness) {
	body := []byte(w.Fixture)
	t.Run("DocumentedDelivery", func(t *testing.T) {
		got, err := w.Verifier.VerifyWebhook(w.Delivered, body, w.Secret)
		if err != nil || got != w.Want {
			t.Errorf("VerifyWebhook = %+v, %v; want %+v", got, err, w.Want)
		}
	})
	signed := func(body []byte, secret string) http.Header {
		h := http.Header{}
		w.Authenticate(h, body, secret)
		return h
	}
	tampered := []byte(strings.Replace(w.Fixture, "dana@", "mallory@", 1))
	refused := []struct {
		name string
		h    http.Header
		body []byte
	}{
		{"MissingHeader", http.Header{}, body},
		{"WrongSecret", signed(body, "not-the-secret"), body},
		{"Malformed", http.Header{w.Header: {"zz-not-hex"}}, body},
		{"Empty", http.Header{w.Header: {" "}}, body},
	}
	if w.BindsBody {
		refused = append(refused, struct {
			name string
			h    http.Header
			body []byte
		}{"ChangedBody", w.Delivered, tampered})
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			_, err := w.Verifier.VerifyWebhook(c.h, c.body, w.Secret)
			if !errors.Is(err, affiliates.ErrWebhookAuth) {
				t.Fatalf("err = %v, want ErrWebhookAuth", err)
			}
			if strings.Contains(err.Error(), w.Secret) {
				t.Errorf("the error shows the secret: %v", err)
			}
		})
	}
	t.Run("NoSecretConfigured", func(t *testing.T) {
		if _, err := w.Verifier.VerifyWebhook(signed(body, ""), body, ""); !errors.Is(err, affiliates.ErrWebhookAuth) {
			t.Errorf("an empty secret verified a delivery: %v", err)
		}
	})
	t.Run("AuthenticatedButNotJSON", func(t *testing.T) {
		junk := []byte("<html>not json</html>")
		_, err := w.Verifier.VerifyWebhook(signed(junk, w.Secret), junk, w.Secret)
		if err == nil || errors.Is(err, affiliates.ErrWebhookAuth) {
			t.Errorf("err = %v, want a body error", err)
		}
	})
	t.Run("NoEventID", func(t *testing.T) {
		bare := []byte(`{"data":{}}`)
		got, err := w.Verifier.VerifyWebhook(signed(bare, w.Secret), bare, w.Secret)
		sum := sha256.Sum256(bare)
		if err != nil || got.ID != "sha256:"+hex.EncodeToString(sum[:]) {
			t.Errorf("VerifyWebhook = %+v, %v; want the body digest as id", got, err)
		}
	})
}
