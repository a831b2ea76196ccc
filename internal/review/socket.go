package review

import (
	"context"
	"errors"
	"fmt"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// RunSocketMode receives interactions over Socket Mode (no public URL needed) until ctx
// ends, handling each exactly as the HTTP handler does (Dispatch). Socket Mode requests are
// authenticated by the app-level token that opened the connection, so no signature check is
// involved. It returns nil when ctx is cancelled.
func (s *Service) RunSocketMode(ctx context.Context) error {
	if s.o.AppToken == "" {
		return errors.New("socket mode: no app token (slack.app_token, xapp-…)")
	}
	client := socketmode.New(s.api)
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
				s.handleSocketEvent(ctx, evt, client.Ack)
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

// handleSocketEvent dispatches one Socket Mode event and acknowledges it once the decision
// is recorded (the ack is Socket Mode's "HTTP 200"). Connection events are only logged.
func (s *Service) handleSocketEvent(ctx context.Context, evt socketmode.Event, ack func(socketmode.Request, ...any) error) {
	switch evt.Type {
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok || evt.Request == nil {
			s.log.Warn("socket mode: unexpected interactive event", "data", fmt.Sprintf("%T", evt.Data))
			return
		}
		dctx, cancel := context.WithTimeout(ctx, ackBudget)
		err := s.Dispatch(dctx, cb)
		cancel()
		if err != nil {
			// Not acknowledging makes Slack show the clicker an error; pressing again is safe.
			s.log.Error("slack action failed", "err", err)
			return
		}
		if err := ack(*evt.Request); err != nil {
			s.log.Warn("socket mode: ack failed", "err", err)
		}
	case socketmode.EventTypeConnected:
		s.log.Info("socket mode connected")
	case socketmode.EventTypeConnectionError, socketmode.EventTypeInvalidAuth:
		s.log.Warn("socket mode connection problem", "type", evt.Type, "data", fmt.Sprint(evt.Data))
	default:
		if evt.Request != nil && evt.Request.EnvelopeID != "" {
			// Events we do not use (slash commands, events API) still need an ack or Slack retries.
			if err := ack(*evt.Request); err != nil {
				s.log.Warn("socket mode: ack failed", "err", err)
			}
		}
	}
}
