package llm_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/advocate-hq/advocate/internal/llm"
)

// TestVerify checks the key against an OpenAI-compatible GET /v1/models that answers as
// OpenAI does: the list for the right key, 401 with the masked key quoted back otherwise.
func TestVerify(t *testing.T) {
	const key = "sk-proj-right-key-123456"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/v1/models" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		if auth := r.Header.Get("Authorization"); auth != "Bearer "+key {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":{"message":"Incorrect API key provided: %s. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","code":"invalid_api_key"}}`, strings.TrimPrefix(auth, "Bearer "))
			return
		}
		fmt.Fprint(w, `{"object":"list","data":[{"id":"gpt-4o-mini","object":"model","owned_by":"system"},{"id":"gpt-4o","object":"model","owned_by":"system"}]}`)
	}))
	defer srv.Close()
	tests := []struct {
		name, key, model, base, want string
	}{
		{"key and model", key, "gpt-4o-mini", srv.URL + "/v1", ""},
		{"wrong key", "sk-proj-wrong-key-987654", "gpt-4o-mini", srv.URL + "/v1", "OpenAI rejected the API key (401)"},
		{"model not available", key, "gpt-9", srv.URL + "/v1", `the model "gpt-9" is not among the 2 models`},
		{"base_url without /v1", key, "gpt-4o-mini", srv.URL, "HTTP 404"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := llm.New(tc.key, tc.base, tc.model, 5*time.Second, nil).Verify(context.Background())
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("err = %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), tc.key) {
				t.Errorf("error shows the key: %v", err)
			}
			if tc.model == "gpt-9" && !errors.Is(err, llm.ErrUnknownModel) {
				t.Errorf("err = %v, want ErrUnknownModel", err)
			}
		})
	}
}
