// Package review is the Slack side of the weekly shortlist: it posts the week's candidates to
// a channel or as one DM per CSM, receives the Approve / Skip / Snooze / Preview buttons over
// HTTP (/slack/actions) or Socket Mode, records each decision once, enrolls approved
// customers, and updates the message to show who decided.
//
// Everything that must not happen twice is anchored in the store: the messages of a week are
// planned (frozen) before the first is sent and each sent one is recorded with its ts, so a
// restarted or crashed poster sends only what is missing; a Slack decision is unique per
// customer and week, so a double click is one decision and one enrollment.
package review

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

	"github.com/slack-go/slack"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/internal/email"
	"github.com/advocate-hq/advocate/internal/metrics"
	"github.com/advocate-hq/advocate/internal/shortlist"
	"github.com/advocate-hq/advocate/internal/store"
)

// Defaults for Options.
const (
	DefaultWorkers    = 2
	DefaultQueue      = 256
	DefaultSequence   = "default"
	DefaultMaxRetries = 5
	// ackBudget bounds the synchronous part of handling a button press; Slack wants an answer
	// within 3 s.
	ackBudget = 2500 * time.Millisecond
)

// PreviewFunc renders the email a shortlisted customer would get, for the Preview button.
type PreviewFunc func(ctx context.Context, e shortlist.Entry) (email.InviteContent, error)

// Options configure a Service. Store and BotToken are required for posting; SigningSecret for
// the HTTP handler; AppToken for Socket Mode.
type Options struct {
	Store         *store.Store
	BotToken      string // xoxb-…
	AppToken      string // xapp-…, Socket Mode only
	APIURL        string // Slack Web API base ending in "/"; "" = slack.com
	SigningSecret string
	HTTPClient    *http.Client // for Slack calls; nil = a client with a 30 s timeout

	Channel  string           // where the shortlist goes (and what DM mode falls back to)
	DM       bool             // one direct message per CSM instead of one channel post
	Policy   advocate.Policy  // who may be listed, and how long Snooze holds (the button says so)
	Sources  advocate.Sources // the current-value rule the caution line reads with
	Location *time.Location   // the week of "now" is taken here; nil = UTC
	Sequence string           // drip sequence Approve enrolls into; "" = DefaultSequence

	Preview PreviewFunc // nil: Preview answers that previews are not configured

	Log     *slog.Logger
	Metrics *metrics.Metrics
	Now     func() time.Time
	// Sleep waits out a Slack rate limit; tests record the wait instead. nil = a timer that
	// stops early when ctx ends.
	Sleep      func(ctx context.Context, d time.Duration) error
	MaxRetries int // 429 retries per call; <= 0 = DefaultMaxRetries
	Workers    int // goroutines doing the asynchronous Slack calls after a button press
	Queue      int // pending asynchronous calls per worker before new ones are dropped (logged)
}

// Service posts shortlists and handles the buttons. Create it with New; call Close on shutdown.
type Service struct {
	o     Options
	api   *slack.Client
	users *Directory
	log   *slog.Logger
	work  *pool
	seen  *replayCache
}

// New checks the options and starts the worker pool for asynchronous Slack calls.
func New(o Options) (*Service, error) {
	if o.Store == nil {
		return nil, errors.New("review: no store")
	}
	o.Log = cmp.Or(o.Log, slog.Default())
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = SleepContext
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	o.Policy = o.Policy.WithDefaults()
	o.Sequence = cmp.Or(o.Sequence, DefaultSequence)
	if o.MaxRetries <= 0 {
		o.MaxRetries = DefaultMaxRetries
	}
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.Queue <= 0 {
		o.Queue = DefaultQueue
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	s := &Service{o: o, log: o.Log.With("component", "slack"), seen: newReplayCache()}
	s.api = NewClient(o.BotToken, o.APIURL, o.AppToken, o.HTTPClient)
	s.users = NewDirectory(s.api, s.retry)
	s.work = newPool(o.Workers, o.Queue, s.log)
	return s, nil
}

// NewClient makes the slack-go client every Slack call goes through: the configured API base,
// our HTTP client, and no built-in retries (429s are waited out by the caller, with a clock
// tests can replace).
func NewClient(botToken, apiURL, appToken string, hc *http.Client) *slack.Client {
	opts := []slack.Option{slack.OptionHTTPClient(hc)}
	if apiURL != "" {
		opts = append(opts, slack.OptionAPIURL(apiURL))
	}
	if appToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(appToken))
	}
	return slack.New(botToken, opts...)
}

// Users exposes the cached e-mail ⇄ Slack user directory (alerts use it to mention CSMs).
func (s *Service) Users() *Directory { return s.users }

// Close stops taking asynchronous work and waits for what is queued (message updates,
// previews) until ctx ends; then in-flight calls are cancelled. Decisions are never lost by
// this: they were recorded before the button press was acknowledged, and a message left with
// stale buttons is brought up to date by the next press on it.
func (s *Service) Close(ctx context.Context) error { return s.work.close(ctx) }

// SleepContext waits for d or until ctx ends; the default wait between Slack retries.
func SleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// retry runs a Slack call, waiting out 429 responses for as long as Slack's Retry-After says
// (at least a second), up to MaxRetries times.
func (s *Service) retry(ctx context.Context, what string, call func() error) error {
	return RetryRateLimited(ctx, s.o.Sleep, s.o.MaxRetries, s.log, what, call)
}

// RetryRateLimited runs call, waiting out Slack 429 answers (slack.RateLimitedError) with
// sleep for as long as Retry-After says, at least a second, up to maxRetries times.
func RetryRateLimited(ctx context.Context, sleep func(context.Context, time.Duration) error, maxRetries int, log *slog.Logger, what string, call func() error) error {
	for attempt := 0; ; attempt++ {
		err := call()
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) || attempt >= maxRetries {
			if err != nil {
				return fmt.Errorf("slack %s: %w", what, err)
			}
			return nil
		}
		wait := max1s(rl.RetryAfter)
		log.Info("slack rate limit: waiting", "call", what, "retry_after", wait, "attempt", attempt+1)
		if err := sleep(ctx, wait); err != nil {
			return fmt.Errorf("slack %s: waiting out rate limit: %w", what, err)
		}
	}
}

func max1s(d time.Duration) time.Duration { return max(d, time.Second) }

// pool runs asynchronous Slack work on a fixed number of goroutines. Work with the same key
// (one Slack message) always lands on the same goroutine, so updates of one message are
// applied in the order the decisions were recorded.
type pool struct {
	mu     sync.RWMutex
	closed bool
	queues []chan func(context.Context)
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
	log    *slog.Logger
}

func newPool(workers, queue int, log *slog.Logger) *pool {
	p := &pool{log: log}
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

// submit queues fn; it reports false when the pool is closed or that worker's queue is full
// (Slack is very slow or down): the caller's work is then skipped, never blocking an ack.
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
		return fmt.Errorf("review: shutdown: %w (pending Slack updates abandoned)", ctx.Err())
	}
}
