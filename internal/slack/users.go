package slack

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"
)

// lookupTimeout bounds one directory call made while a button press waits for its ack.
const lookupTimeout = time.Second

// Directory maps CSM emails to Slack user ids (users.lookupByEmail) and back (users.info),
// caching every answer, including "no such user", for the life of the process: a weekly post
// to 20 CSMs costs 20 lookups once, not one per message.
type Directory struct {
	c *Client

	mu      sync.Mutex
	byEmail map[string]string // email -> user id ("" = not in Slack)
	byID    map[string]string // user id -> email ("" = unknown)
}

func newDirectory(c *Client) *Directory {
	return &Directory{c: c, byEmail: map[string]string{}, byID: map[string]string{}}
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
	var u *slackapi.User
	err := d.c.Retry(ctx, "users.lookupByEmail", func() error {
		var err error
		u, err = d.c.api.GetUserByEmailContext(ctx, key)
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
	return Escape(email)
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
	var u *slackapi.User
	err := d.c.Retry(ctx, "users.info", func() error {
		var err error
		u, err = d.c.api.GetUserInfoContext(ctx, userID)
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
	var se slackapi.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err == code
	}
	return strings.Contains(err.Error(), code)
}

// MentionBy names whoever a decision records (decided_by): "slack:U…" as a mention, an email
// as a mention when Slack knows it, anything else (a CLI user name) escaped as text.
func (d *Directory) MentionBy(ctx context.Context, by string) string {
	if id, ok := strings.CutPrefix(by, "slack:"); ok {
		return "<@" + id + ">"
	}
	if !strings.Contains(by, "@") {
		return Escape(by)
	}
	return d.Mention(ctx, by)
}

// Who names the Slack user who pressed a button for the decision record: their email when
// Slack tells us (users:read.email), else "slack:U…". The lookup is bounded, since the press
// waits for it.
func (d *Directory) Who(ctx context.Context, userID string) string {
	lctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	email, err := d.Email(lctx, userID)
	if err != nil {
		d.c.log.Warn("slack users.info failed; recording the user id", "user", userID, "err", err)
	}
	if email != "" {
		return email
	}
	return "slack:" + userID
}
