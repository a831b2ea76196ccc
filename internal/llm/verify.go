package llm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	openai "github.com/sashabaranov/go-openai"
)

// Verify checks the API key and base URL with GET /models, the cheapest authenticated call of
// an OpenAI-compatible API (it generates nothing and costs no tokens), and that the configured
// model is among those listed. `advocate doctor` calls it.
//
// A 401 reads "OpenAI rejected the API key (401)"; the key never appears in the error (the API
// masks it in its message, and we do not repeat the message).
func (w *Writer) Verify(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	list, err := w.client.ListModels(ctx)
	if err != nil {
		var api *openai.APIError
		var req *openai.RequestError
		switch {
		case errors.As(err, &api) && (api.HTTPStatusCode == http.StatusUnauthorized || api.HTTPStatusCode == http.StatusForbidden):
			return fmt.Errorf("%w (%d)", ErrKeyRejected, api.HTTPStatusCode)
		case errors.As(err, &api):
			return fmt.Errorf("OpenAI GET /models: HTTP %d", api.HTTPStatusCode)
		case errors.As(err, &req):
			return fmt.Errorf("OpenAI GET /models: HTTP %d (is base_url an OpenAI-compatible API ending in /v1?)", req.HTTPStatusCode)
		}
		return fmt.Errorf("OpenAI GET /models: %w", err)
	}
	if w.model != "" && !slices.ContainsFunc(list.Models, func(m openai.Model) bool { return m.ID == w.model }) {
		return fmt.Errorf("%w: the API key works, but the model %q is not among the %d models it can use", ErrUnknownModel, w.model, len(list.Models))
	}
	return nil
}

// ErrKeyRejected is an API key the API refused (401 or 403).
var ErrKeyRejected = errors.New("OpenAI rejected the API key")

// ErrUnknownModel is a working key whose model list lacks the configured model.
var ErrUnknownModel = errors.New("unknown model")
