package review

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/advocate-hq/advocate/internal/shortlist"
)

// lookupTimeout bounds one directory call made while a button press waits for its ack.
const lookupTimeout = time.Second

// Directory maps CSM emails to Slack user ids (users.lookupByEmail) and back (users.info),
// caching every answer, including "no such user", for the life of the process: a weekly post
// to 20 CSMs costs 20 lookups once, not one per message.
type Directory struct {
	api   *slack.Client
	retry func(ctx context.Context, what string, call func() error) error

	mu      sync.Mutex
	byEmail map[string]string // email -> user id ("" = not in Slack)
	byID    map[string]string // user id -> email ("" = unknown)
}

// NewDirectory makes a directory over api; retry wraps each call (rate limits). nil retry
// calls once.
func NewDirectory(api *slack.Client, retry func(ctx context.Context, what string, call func() error) error) *Directory {
	if retry == nil {
		retry = func(_ context.Context, _ string, call func() error) error { return call() }
	}
	return &Directory{api: api, retry: retry, byEmail: map[string]string{}, byID: map[string]string{}}
}

// UserID returns the Slack user id for email; "" with a nil error when Slack has no such user.
// Errors other than users_not_found are returned and not cached.
func (d *Directory) UserID(ctx context.Context, email string) (string, error) {
	key := strings.ToLower(strings.TrimSpace(email))
	if key == "" {
		return "", nil
	}
	d.mu.Lock()
	id, ok := d.byEmail[key]
	d.mu.Unlock()
	if ok {
		return id, nil
	}
	var u *slack.User
	err := d.retry(ctx, "users.lookupByEmail", func() error {
		var err error
		u, err = d.api.GetUserByEmailContext(ctx, key)
		return err
	})
	switch {
	case err == nil:
		id = u.ID
	case isSlackError(err, "users_not_found"):
		id = ""
	default:
		return "", err
	}
	d.mu.Lock()
	d.byEmail[key] = id
	if id != "" {
		d.byID[id] = key
	}
	d.mu.Unlock()
	return id, nil
}

// Mention is "<@U123>" for a CSM Slack knows, else the escaped email: a CSM who is not in the
// workspace (or a lookup failing) still gets named.
func (d *Directory) Mention(ctx context.Context, email string) string {
	if id, err := d.UserID(ctx, email); err == nil && id != "" {
		return "<@" + id + ">"
	}
	return shortlist.EscapeMrkdwn(email)
}

// Email returns the email of a Slack user (users.info, needs users:read.email), or "" when
// Slack does not say.
func (d *Directory) Email(ctx context.Context, userID string) (string, error) {
	if userID == "" {
		return "", nil
	}
	d.mu.Lock()
	email, ok := d.byID[userID]
	d.mu.Unlock()
	if ok {
		return email, nil
	}
	var u *slack.User
	err := d.retry(ctx, "users.info", func() error {
		var err error
		u, err = d.api.GetUserInfoContext(ctx, userID)
		return err
	})
	if err != nil && !isSlackError(err, "user_not_found") {
		return "", err
	}
	if u != nil {
		email = strings.ToLower(u.Profile.Email)
	}
	d.mu.Lock()
	d.byID[userID] = email
	if email != "" {
		d.byEmail[email] = userID
	}
	d.mu.Unlock()
	return email, nil
}

// isSlackError reports whether err is Slack's {"ok": false, "error": code}.
func isSlackError(err error, code string) bool {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err == code
	}
	return strings.Contains(err.Error(), code)
}
