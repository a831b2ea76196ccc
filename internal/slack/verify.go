package slack

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	slackapi "github.com/slack-go/slack"
)

// Access is what VerifyAccess found out about the bot token.
type Access struct {
	Team    string // workspace name
	BotUser string // the bot's user name, for "/invite @…"
	// ChannelID is the shortlist channel's id when one was asked about.
	ChannelID string
	// Note says something worth knowing that is not a failure (e.g. the bot is not a member of
	// a public channel and posts there only with the chat:write.public scope).
	Note string
}

// Parts of VerifyAccess, named by an AccessError.
const (
	PartToken   = "token"   // slack.bot_token
	PartChannel = "channel" // shortlist.channel
	PartDM      = "dm"      // direct messages to CSMs (shortlist.dm)
)

// AccessError is a failed VerifyAccess: the part that failed, the message, and the scope the
// token lacks when Slack said so.
type AccessError struct {
	Part  string
	Scope string // e.g. "users:read.email"; "" when no scope is missing
	// Code is Slack's error code ("invalid_auth", "channel_not_found"); "" for a failure
	// that is not Slack's answer (network, a channel missing from the list).
	Code string
	Err  error
}

func (e *AccessError) Error() string { return e.Err.Error() }
func (e *AccessError) Unwrap() error { return e.Err }

// failed wraps err as the part's AccessError, picking up a missing scope.
func failed(part string, err error) *AccessError {
	ae := &AccessError{Part: part, Err: err, Code: errorCode(err)}
	if ae.Code == "missing_scope" {
		var se slackapi.SlackErrorResponse
		errors.As(err, &se)
		ae.Scope = se.Needed
	}
	return ae
}

// channelID is what a Slack conversation id looks like (channel, private group, DM).
var channelID = regexp.MustCompile(`^[CGD][A-Z0-9]{6,}$`)

// maxListPages bounds the conversations.list walk that finds a channel given by name.
const maxListPages = 20

// VerifyAccess checks what the shortlist needs of Slack without posting anything: the token
// (auth.test), the channel when one is configured (conversations.info for an id; for a
// #name, conversations.list until it is found), and with dm the e-mail lookup of CSMs
// (users.lookupByEmail with an address no workspace has: "users_not_found" proves the scope,
// "missing_scope" its absence). `advocate doctor` calls it.
//
// Errors are *AccessError naming the part, and read as one line a person can act on: "Slack
// rejected the bot token (invalid_auth)".
func (c *Client) VerifyAccess(ctx context.Context, channel string, dm bool) (Access, error) {
	var a Access
	var auth *slackapi.AuthTestResponse
	err := c.Retry(ctx, "auth.test", func() error {
		var err error
		auth, err = c.api.AuthTestContext(ctx)
		return err
	})
	if err != nil {
		switch code := errorCode(err); code {
		case "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired":
			ae := failed(PartToken, err)
			ae.Err = fmt.Errorf("Slack rejected the bot token (%s)", code)
			return a, ae
		}
		return a, failed(PartToken, err)
	}
	a.Team, a.BotUser = auth.Team, auth.User
	if channel = strings.TrimSpace(channel); channel != "" {
		if err := c.verifyChannel(ctx, channel, &a); err != nil {
			return a, failed(PartChannel, err)
		}
	}
	if dm {
		err := c.Retry(ctx, "users.lookupByEmail", func() error {
			_, err := c.api.GetUserByEmailContext(ctx, "advocate-doctor@example.invalid")
			return err
		})
		if err != nil && errorCode(err) != "users_not_found" {
			return a, failed(PartDM, fmt.Errorf("cannot look CSMs up by e-mail for direct messages: %w", scopeHint(err)))
		}
	}
	return a, nil
}

// verifyChannel finds the channel and checks the bot can post there.
func (c *Client) verifyChannel(ctx context.Context, channel string, a *Access) error {
	var ch *slackapi.Channel
	if channelID.MatchString(channel) {
		err := c.Retry(ctx, "conversations.info", func() error {
			var err error
			ch, err = c.api.GetConversationInfoContext(ctx, &slackapi.GetConversationInfoInput{ChannelID: channel})
			return err
		})
		if errorCode(err) == "channel_not_found" {
			return fmt.Errorf("channel %s not found: it does not exist, or it is private and the bot is not in it", channel)
		}
		if err != nil {
			return fmt.Errorf("channel %s: %w", channel, scopeHint(err))
		}
	} else {
		var err error
		if ch, err = c.findChannel(ctx, strings.TrimPrefix(channel, "#")); err != nil {
			return err
		}
	}
	a.ChannelID = ch.ID
	switch {
	case ch.IsArchived:
		return fmt.Errorf("channel %s is archived", channel)
	case !ch.IsMember && ch.IsPrivate:
		return fmt.Errorf("the bot is not a member of the private channel %s", channel)
	case !ch.IsMember:
		a.Note = fmt.Sprintf("the bot is not a member of %s: it can post there only with the chat:write.public scope", channel)
	}
	return nil
}

// findChannel walks conversations.list for a channel called name.
func (c *Client) findChannel(ctx context.Context, name string) (*slackapi.Channel, error) {
	cursor := ""
	for range maxListPages {
		var chans []slackapi.Channel
		err := c.Retry(ctx, "conversations.list", func() error {
			var err error
			chans, cursor, err = c.api.GetConversationsContext(ctx, &slackapi.GetConversationsParameters{
				Cursor: cursor, ExcludeArchived: true, Limit: 1000, Types: []string{"public_channel", "private_channel"}})
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("looking up channel #%s: %w (or configure the channel's id, C…, which needs no list)", name, scopeHint(err))
		}
		for i := range chans {
			if strings.EqualFold(chans[i].Name, name) {
				return &chans[i], nil
			}
		}
		if cursor == "" {
			break
		}
	}
	return nil, fmt.Errorf("no channel #%s the bot can see: check the name, or invite the bot if it is private", name)
}

// errorCode is Slack's error code in err ("invalid_auth"), or "".
func errorCode(err error) string {
	var se slackapi.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

// scopeHint adds the scope Slack said is needed to a missing_scope error.
func scopeHint(err error) error {
	var se slackapi.SlackErrorResponse
	if errors.As(err, &se) && se.Err == "missing_scope" && se.Needed != "" {
		return fmt.Errorf("the bot token lacks the %s scope (%w)", se.Needed, err)
	}
	return err
}
