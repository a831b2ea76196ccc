// Package slack is Advocate's one Slack adapter. It wraps slack-go (imported as slackapi) and
// owns everything that is about Slack rather than about advocates: the client and its
// rate-limit retries, the e-mail ⇄ user directory, mrkdwn escaping, the Block Kit rendering of
// the weekly shortlist and of a decision on it, the buttons' values, request signatures, the
// HTTP and Socket Mode interaction transports, and replies (ephemeral or through
// response_url).
//
// What the buttons mean and what a decision does live elsewhere (internal/review,
// internal/decide); they reach Slack only through this package.
package slack

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/http"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/advocate-hq/advocate/connectors"
)

// Defaults for Config.
const (
	DefaultMaxRetries = 5
	DefaultWorkers    = 2
	DefaultQueue      = 256
	// maxBackoff caps the wait when Slack says 429 without a Retry-After.
	maxBackoff = 30 * time.Second
)

// Config configures a Client. Only BotToken is needed to post; AppToken for Socket Mode.
type Config struct {
	BotToken   string       // xoxb-…
	AppToken   string       // xapp-…, Socket Mode only
	APIURL     string       // Web API base ending in "/"; "" = slack.com
	HTTPClient *http.Client // nil = a client with a 30 s timeout
	// Sleep waits out a rate limit; tests record the wait instead. nil = a timer that stops
	// early when ctx ends.
	Sleep      func(ctx context.Context, d time.Duration) error
	MaxRetries int // 429 retries per call; <= 0 = DefaultMaxRetries
	Workers    int // goroutines doing queued Slack calls (message updates, replies)
	Queue      int // pending calls per worker before new ones are dropped (logged)
	Log        *slog.Logger
}

// Client is every Slack call Advocate makes. It is safe for concurrent use; Close it on
// shutdown so queued updates and replies go out.
type Client struct {
	api   *slackapi.Client
	cfg   Config
	users *Directory
	log   *slog.Logger
	work  *pool
}

// New makes a Client and starts the workers for queued calls.
func New(cfg Config) *Client {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Sleep == nil {
		cfg.Sleep = connectors.SleepContext
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = DefaultMaxRetries
	}
	cfg.Workers = cmp.Or(max(cfg.Workers, 0), DefaultWorkers)
	cfg.Queue = cmp.Or(max(cfg.Queue, 0), DefaultQueue)
	// No slack-go built-in retries: 429s are waited out by Retry, with a sleep tests replace.
	opts := []slackapi.Option{slackapi.OptionHTTPClient(cfg.HTTPClient)}
	if cfg.APIURL != "" {
		opts = append(opts, slackapi.OptionAPIURL(cfg.APIURL))
	}
	if cfg.AppToken != "" {
		opts = append(opts, slackapi.OptionAppLevelToken(cfg.AppToken))
	}
	c := &Client{api: slackapi.New(cfg.BotToken, opts...), cfg: cfg, log: cmp.Or(cfg.Log, slog.Default()).With("component", "slack")}
	c.users = newDirectory(c)
	c.work = newPool(cfg.Workers, cfg.Queue)
	return c
}

// API is the underlying slack-go client, for the few calls this package does not wrap.
func (c *Client) API() *slackapi.Client { return c.api }

// Users is the cached e-mail ⇄ Slack user directory.
func (c *Client) Users() *Directory { return c.users }

// Close stops taking queued work and waits for what is queued until ctx ends; then in-flight
// calls are cancelled. Nothing durable is lost by this: decisions are recorded before a press
// is acknowledged, and a message left with stale buttons is brought up to date by the next
// decision on it.
func (c *Client) Close(ctx context.Context) error { return c.work.close(ctx) }

// Backoff is how long to wait before retry number attempt (0-based) of a call Slack answered
// with 429: what Retry-After said, at least a second; without one, 1 s doubling up to 30 s.
func Backoff(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return max(retryAfter, time.Second)
	}
	return min(time.Second<<min(attempt, 5), maxBackoff)
}

// Retry runs call, waiting out Slack 429 answers (slackapi.RateLimitedError) for Backoff, up to
// MaxRetries times. Other errors are returned at once, wrapped with what was called.
func (c *Client) Retry(ctx context.Context, what string, call func() error) error {
	for attempt := 0; ; attempt++ {
		err := call()
		var rl *slackapi.RateLimitedError
		if !errors.As(err, &rl) || attempt >= c.cfg.MaxRetries {
			if err != nil {
				return fmt.Errorf("slack %s: %w", what, err)
			}
			return nil
		}
		wait := Backoff(attempt, rl.RetryAfter)
		c.log.Info("slack rate limit: waiting", "call", what, "retry_after", wait, "attempt", attempt+1)
		if err := c.cfg.Sleep(ctx, wait); err != nil {
			return fmt.Errorf("slack %s: waiting out rate limit: %w", what, err)
		}
	}
}

// Post sends a message to a channel (name or id) and returns the channel id and ts Slack
// stored it under: the address a later Update needs.
func (c *Client) Post(ctx context.Context, channel, text string, blocks []slackapi.Block) (postedChannel, ts string, err error) {
	err = c.Retry(ctx, "chat.postMessage", func() error {
		var err error
		postedChannel, ts, err = c.api.PostMessageContext(ctx, channel, msgOptions(text, blocks)...)
		return err
	})
	return postedChannel, ts, err
}

// Update replaces the text and blocks of a posted message.
func (c *Client) Update(ctx context.Context, channel, ts, text string, blocks []slackapi.Block) error {
	return c.Retry(ctx, "chat.update", func() error {
		_, _, _, err := c.api.UpdateMessageContext(ctx, channel, ts, msgOptions(text, blocks)...)
		return err
	})
}

// OpenDM returns the id of the direct-message channel with a user.
func (c *Client) OpenDM(ctx context.Context, userID string) (string, error) {
	var id string
	err := c.Retry(ctx, "conversations.open", func() error {
		ch, _, _, err := c.api.OpenConversationContext(ctx, &slackapi.OpenConversationParameters{Users: []string{userID}})
		if err == nil {
			id = ch.ID
		}
		return err
	})
	return id, err
}

func msgOptions(text string, blocks []slackapi.Block) []slackapi.MsgOption {
	var opts []slackapi.MsgOption
	if text != "" {
		opts = append(opts, slackapi.MsgOptionText(text, false))
	}
	if len(blocks) > 0 {
		opts = append(opts, slackapi.MsgOptionBlocks(blocks...))
	}
	return opts
}

// Reply answers an interaction where only the clicker sees it (see Respond). The call is
// queued (see Go), so a slow Slack never delays an acknowledgement.
func (c *Client) Reply(cb slackapi.InteractionCallback, msg *slackapi.WebhookMessage) {
	c.Go(MessageKey(cb), func(ctx context.Context) {
		if err := c.Respond(ctx, cb, msg); err != nil {
			c.log.Warn("slack reply failed", "err", err)
		}
	})
}

// Respond answers an interaction now, where only the clicker sees it: through its
// response_url when it has one, else as an ephemeral message in its channel.
func (c *Client) Respond(ctx context.Context, cb slackapi.InteractionCallback, msg *slackapi.WebhookMessage) error {
	if msg.ResponseType == "" {
		msg.ResponseType = slackapi.ResponseTypeEphemeral
	}
	if cb.ResponseURL != "" {
		return c.Retry(ctx, "response_url", func() error {
			return slackapi.PostWebhookCustomHTTPContext(ctx, cb.ResponseURL, c.cfg.HTTPClient, msg)
		})
	}
	var blocks []slackapi.Block
	if msg.Blocks != nil {
		blocks = msg.Blocks.BlockSet
	}
	return c.Retry(ctx, "chat.postEphemeral", func() error {
		_, err := c.api.PostEphemeralContext(ctx, cb.Channel.ID, cb.User.ID, msgOptions(msg.Text, blocks)...)
		return err
	})
}

// ReplyText is Reply with a plain mrkdwn text.
func (c *Client) ReplyText(cb slackapi.InteractionCallback, text string) {
	c.Reply(cb, &slackapi.WebhookMessage{Text: text})
}

// MessageKey names the message an interaction came from, for Go: work on one message is
// done in order.
func MessageKey(cb slackapi.InteractionCallback) string {
	channel, ts := cb.Container.ChannelID, cb.Container.MessageTs
	if channel == "" {
		channel, ts = cb.Channel.ID, cb.Message.Timestamp
	}
	return channel + "/" + ts
}

// Go queues fn on the workers. Work with the same key (one Slack message) always runs on the
// same worker, so updates of one message are applied in the order they were queued. It
// reports false (and logs) when the client is closed or that worker's queue is full (Slack
// very slow or down): the work is skipped rather than blocking an acknowledgement.
func (c *Client) Go(key string, fn func(ctx context.Context)) bool {
	if !c.work.submit(key, fn) {
		c.log.Warn("slack call dropped (shutting down or queue full)", "key", key)
		return false
	}
	return true
}

// pool runs queued Slack work on a fixed number of goroutines, one queue each.
type pool struct {
	mu     sync.RWMutex
	closed bool
	queues []chan func(context.Context)
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
}

func newPool(workers, queue int) *pool {
	p := &pool{}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	for range workers {
		q := make(chan func(context.Context), queue)
		p.queues = append(p.queues, q)
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for fn := range q {
				fn(p.ctx)
			}
		}()
	}
	return p
}

func (p *pool) submit(key string, fn func(context.Context)) bool {
	h := fnv.New32a()
	h.Write([]byte(key))
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return false
	}
	select {
	case p.queues[int(h.Sum32()%uint32(len(p.queues)))] <- fn:
		return true
	default:
		return false
	}
}

func (p *pool) close(ctx context.Context) error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		for _, q := range p.queues {
			close(q)
		}
	}
	p.mu.Unlock()
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		p.cancel() // in-flight Slack calls give up; the queue drains quickly after that
		<-done
		return fmt.Errorf("slack: shutdown: %w (queued Slack calls abandoned)", ctx.Err())
	}
}
