package connectors

import (
	"regexp"
	"strings"
)

// secretPattern matches credentials vendors quote back in error messages, masked or not:
// Stripe's "Invalid API Key provided: sk_test_****1234", Slack tokens, bearer tokens, HubSpot
// private-app tokens. A masked key still names the account's key and is not for status pages.
var secretPattern = regexp.MustCompile(`\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9*]+|\bxox[abeprs]-[A-Za-z0-9-]+|(?i:\bbearer\s+)[A-Za-z0-9._~+/=-]{8,}|\bpat-[a-z0-9]{2,4}-[a-f0-9-]{8,}`)

// RedactSecrets hides credentials in msg: every value in secrets (the connector's own token,
// API key, access token) and anything shaped like a vendor credential.
func RedactSecrets(msg string, secrets ...string) string {
	for _, s := range secrets {
		if len(s) >= 6 { // short values would blank ordinary words
			msg = strings.ReplaceAll(msg, s, "[REDACTED]")
		}
	}
	return secretPattern.ReplaceAllString(msg, "[REDACTED]")
}

// RedactError is err with RedactSecrets applied to its message; errors.Is/As still reach err
// (a 429's Retry-After, a StatusError), only the text changes. nil stays nil.
func RedactError(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := RedactSecrets(err.Error(), secrets...)
	if msg == err.Error() {
		return err
	}
	return redacted{err: err, msg: msg}
}

type redacted struct {
	err error
	msg string
}

func (r redacted) Error() string { return r.msg }
func (r redacted) Unwrap() error { return r.err }
