package slack

import (
	"context"
	"errors"
	"fmt"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// RunSocketMode receives interactions over Socket Mode (no public URL needed) until ctx
// ends, handling each with handle exactly as Interactions does. Socket Mode requests are
// authenticated by the app-level token that opened the connection, so no signature check is
// involved. It returns nil when ctx is cancelled.
func (c *Client) RunSocketMode(ctx context.Context, handle HandleFunc) error {
	if c.cfg.AppToken == "" {
		return errors.New("socket mode: no app token (slack.app_token, xapp-…)")
	}
	client := socketmode.New(c.api)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case evt, ok := <-client.Events:
				if !ok {
					return
				}
				c.HandleSocketEvent(ctx, evt, client.Ack, handle)
			}
		}
	}()
	err := client.RunContext(ctx)
	<-done
	if err != nil && !errors.Is(err, context.Canceled) && ctx.Err() == nil {
		return fmt.Errorf("socket mode: %w", err)
	}
	return nil
}

// HandleSocketEvent handles one Socket Mode event and acknowledges it once handle returned
// nil (the ack is Socket Mode's "HTTP 200"). A Rejection is answered privately and, like any
// failure, not acknowledged, so Slack marks the press as failed. Connection events are only
// logged.
func (c *Client) HandleSocketEvent(ctx context.Context, evt socketmode.Event, ack func(socketmode.Request, ...any) error, handle HandleFunc) {
	switch evt.Type {
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slackapi.InteractionCallback)
		if !ok || evt.Request == nil {
			c.log.Warn("socket mode: unexpected interactive event", "data", fmt.Sprintf("%T", evt.Data))
			return
		}
		dctx, cancel := context.WithTimeout(ctx, ackBudget)
		err := handle(dctx, cb)
		cancel()
		if _, rejected := c.rejected(cb, err); rejected {
			return
		}
		if err != nil {
			c.log.Error("slack action failed", "err", err)
			return
		}
		c.ack(ack, *evt.Request)
	case socketmode.EventTypeConnected:
		c.log.Info("socket mode connected")
	case socketmode.EventTypeConnectionError, socketmode.EventTypeInvalidAuth:
		c.log.Warn("socket mode connection problem", "type", evt.Type, "data", fmt.Sprint(evt.Data))
	default:
		if evt.Request != nil && evt.Request.EnvelopeID != "" {
			// Events we do not use (slash commands, events API) still need an ack or Slack retries.
			c.ack(ack, *evt.Request)
		}
	}
}

func (c *Client) ack(ack func(socketmode.Request, ...any) error, r socketmode.Request) {
	if err := ack(r); err != nil {
		c.log.Warn("socket mode: ack failed", "err", err)
	}
}
