package connectors_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/advocate-hq/advocate/connectors"
	_ "github.com/advocate-hq/advocate/connectors/all"
)

// TestVerify checks each vendor connector's credential check against a server that behaves
// like the vendor: the documented cheap call with the right credential answers 200, a wrong
// one 401 with the vendor's error body (Stripe's quotes the masked key back). The error must
// name the vendor and the setting, and never show the credential.
func TestVerify(t *testing.T) {
	const good, bad = "sk_test_GOODGOODGOOD1234", "sk_test_BADBADBADBAD2345"
	bearer := func(tok string) string { return "Bearer " + tok }
	basic := func(user, pass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}
	tests := []struct {
		typ        string
		settings   func(url, cred string) connectors.Settings
		call       string // method and path the check makes
		auth       func(cred string) string
		ok, denied string // 200 and 401 bodies
		vendor     string
		setting    string
	}{
		{"hubspot", func(u, c string) connectors.Settings { return connectors.Settings{BaseURL: u, Token: c} },
			"GET /crm/v3/objects/companies", bearer, `{"results":[]}`,
			`{"status":"error","message":"Authentication credentials not found.","category":"INVALID_AUTHENTICATION"}`, "HubSpot", "token"},
		{"salesforce", func(u, c string) connectors.Settings { return connectors.Settings{InstanceURL: u, AccessToken: c} },
			"GET /services/data/v60.0/limits/", bearer, `{"DailyApiRequests":{"Max":15000,"Remaining":14998}}`,
			`[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]`, "Salesforce", "access_token"},
		{"zendesk", func(u, c string) connectors.Settings {
			return connectors.Settings{BaseURL: u, Email: "ops@acme.io", Token: c}
		}, "GET /api/v2/users/me.json", func(c string) string { return basic("ops@acme.io/token", c) },
			`{"user":{"id":42,"name":"Ops"}}`, `{"error":"Couldn't authenticate you"}`, "Zendesk", "token"},
		{"intercom", func(u, c string) connectors.Settings { return connectors.Settings{BaseURL: u, Token: c} },
			"GET /me", bearer, `{"type":"admin","id":"1"}`,
			`{"type":"error.list","errors":[{"code":"unauthorized","message":"Access Token Invalid"}]}`, "Intercom", "token"},
		{"stripe", func(u, c string) connectors.Settings { return connectors.Settings{BaseURL: u, APIKey: c} },
			"GET /v1/customers", bearer, `{"object":"list","data":[],"has_more":false}`,
			`{"error":{"message":"Invalid API Key provided: sk_test_****2345","type":"invalid_request_error"}}`, "Stripe", "api_key"},
		{"delighted", func(u, c string) connectors.Settings { return connectors.Settings{BaseURL: u, APIKey: c} },
			"GET /v1/metrics.json", func(c string) string { return basic(c, "") }, `{"nps":42,"response_count":10}`,
			`{"status":401,"message":"Invalid API key"}`, "Delighted", "api_key"},
		{"posthog", func(u, c string) connectors.Settings {
			return connectors.Settings{BaseURL: u, APIKey: c, ProjectID: "123"}
		},
			"POST /api/projects/123/query/", bearer, `{"results":[[1]],"columns":["1"]}`,
			`{"type":"authentication_error","code":"authentication_failed","detail":"Personal API key found in request Authorization header is invalid."}`, "PostHog", "api_key"},
		{"vitally", func(u, c string) connectors.Settings { return connectors.Settings{BaseURL: u, Token: c} },
			"GET /resources/accounts", func(c string) string { return basic(c, "") }, `{"results":[],"next":null}`,
			`{"error":"Unauthorized"}`, "Vitally", "token"},
		{"custify", func(u, c string) connectors.Settings { return connectors.Settings{BaseURL: u, Token: c} },
			"GET /company/all", bearer, `{"companies":[],"total":0}`, `{"message":"Unauthenticated."}`, "Custify", "token"},
	}
	for _, tc := range tests {
		t.Run(tc.typ, func(t *testing.T) {
			var calls []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls = append(calls, r.Method+" "+r.URL.Path)
				w.Header().Set("Content-Type", "application/json")
				if r.Header.Get("Authorization") != tc.auth(good) {
					w.WriteHeader(http.StatusUnauthorized)
					fmt.Fprint(w, tc.denied)
					return
				}
				fmt.Fprint(w, tc.ok)
			}))
			defer srv.Close()
			verify := func(cred string) error {
				s := tc.settings(srv.URL, cred)
				s.Name, s.Type = "src", tc.typ
				c, err := connectors.New(s)
				if err != nil {
					t.Fatal(err)
				}
				v, ok := c.(interface{ Verify(context.Context) error })
				if !ok {
					t.Fatalf("%s has no Verify", tc.typ)
				}
				return v.Verify(context.Background())
			}
			if err := verify(good); err != nil {
				t.Fatalf("good credential: %v", err)
			}
			if len(calls) != 1 || calls[0] != tc.call {
				t.Errorf("calls = %q, want one %q", calls, tc.call)
			}
			err := verify(bad)
			var ce *connectors.CredentialError
			if !errors.As(err, &ce) || ce.Status != http.StatusUnauthorized {
				t.Fatalf("bad credential: %v, want a 401 CredentialError", err)
			}
			want := tc.vendor + " rejected the " + tc.setting + " (401"
			if !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q does not start %q", err, want)
			}
			if strings.Contains(err.Error(), bad) || strings.Contains(err.Error(), "****2345") {
				t.Errorf("error shows the credential: %q", err)
			}
		})
	}
}

// TestVerifyZendeskAnonymous: Zendesk may answer users/me with the anonymous user instead of a
// 401; that is a rejected credential too.
func TestVerifyZendeskAnonymous(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"user":{"id":null,"name":"Anonymous user","role":"end-user"}}`)
	}))
	defer srv.Close()
	c, err := connectors.New(connectors.Settings{Name: "support", Type: "zendesk", BaseURL: srv.URL, Email: "a@b.io", Token: "tok-123456"})
	if err != nil {
		t.Fatal(err)
	}
	err = c.(interface{ Verify(context.Context) error }).Verify(context.Background())
	var ce *connectors.CredentialError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "anonymous") {
		t.Fatalf("err = %v, want a CredentialError about the anonymous user", err)
	}
}

// TestVerifyForbidden: a 403 is a credential that works but lacks a permission, worded so.
func TestVerifyForbidden(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"status":"error","message":"This app hasn't been granted all required scopes","category":"MISSING_SCOPES"}`)
	}))
	defer srv.Close()
	c, err := connectors.New(connectors.Settings{Name: "crm", Type: "hubspot", BaseURL: srv.URL, Token: "pat-na1-x"})
	if err != nil {
		t.Fatal(err)
	}
	err = c.(interface{ Verify(context.Context) error }).Verify(context.Background())
	if err == nil || !strings.HasPrefix(err.Error(), "HubSpot accepted the token but refused the call (403") || !strings.Contains(err.Error(), "scope") {
		t.Fatalf("err = %v", err)
	}
}
