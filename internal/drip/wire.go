package drip

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/llm"
	"github.com/advocate-hq/advocate/internal/metrics"
	"github.com/advocate-hq/advocate/internal/outbox"
	"github.com/advocate-hq/advocate/internal/store"
	"github.com/advocate-hq/advocate/internal/unsubscribe"
)

// Runtime is what FromConfig takes besides the config and the store: the process's clock,
// logger and metrics, and who hears about alerts. Every field is optional.
type Runtime struct {
	Now      func() time.Time // default time.Now
	Log      *slog.Logger     // default slog.Default()
	Metrics  *metrics.Metrics
	Alerter  Alerter
	Mentions Mentioner
}

// FromConfig is the one place that builds the drip and its collaborators from the config: the
// unsubscribe signer (drip.unsubscribe_secret, else a secret generated once and kept in the
// database), the LLM writer (when openai.api_key is set), and the outbox that sends over SMTP
// (when smtp.host is set), whose permanent failures the drip alerts on. `advocate drip …` and
// `serve` both call it.
func FromConfig(ctx context.Context, cfg *config.Config, st *store.Store, rt Runtime) (*Drip, error) {
	if cfg == nil || st == nil {
		return nil, errors.New("drip: a config and a store are required")
	}
	if rt.Now == nil {
		rt.Now = time.Now
	}
	if rt.Log == nil {
		rt.Log = slog.Default()
	}
	dc := cfg.Drip.WithDefaults()
	signer, err := unsubscribeSigner(ctx, st, dc.UnsubscribeSecret)
	if err != nil {
		return nil, err
	}
	o := Options{Store: st, Config: cfg, Signer: signer, Now: rt.Now, Log: rt.Log, Alerter: rt.Alerter, Mentions: rt.Mentions}
	if cfg.OpenAI.APIKey != "" {
		o.LLM = llm.New(cfg.OpenAI.APIKey, cfg.OpenAI.BaseURL, cfg.OpenAI.Model, dc.Duration(dc.LLMTimeout), nil)
	}
	var ob *outbox.Outbox
	if cfg.SMTP.Host != "" {
		ob = newOutbox(cfg.SMTP, dc, st, rt)
		o.Sender = ob
	}
	d, err := New(o)
	if err != nil {
		return nil, err
	}
	if ob != nil {
		ob.OnFailed = d.DeliveryFailed
	}
	return d, nil
}

// newOutbox is the sender for smtp and the drip's sending settings.
func newOutbox(s config.SMTP, dc config.Drip, st *store.Store, rt Runtime) *outbox.Outbox {
	ob := outbox.New(st, outbox.SMTP{Host: s.Host, Port: s.Port, Username: s.Username, Password: s.Password, TLS: s.TLS,
		Timeout: dc.Duration(dc.SMTPTimeout)}, outbox.Config{
		Workers: dc.Workers, BatchSize: dc.BatchSize, Rate: *dc.RatePerSecond, DomainRate: *dc.DomainRatePerSecond,
		Lease: dc.Duration(dc.Lease), SynchronousCommit: dc.SynchronousCommit,
		Retry: outbox.RetryPolicy{Base: dc.Duration(dc.RetryBase), Max: dc.Duration(dc.RetryMax), MaxAttempts: dc.MaxAttempts},
	}, rt.Now, rt.Log)
	ob.Metrics = rt.Metrics
	return ob
}

// unsubscribeSigner signs unsubscribe links with secret, else with the one kept in the
// database (generated on first use, so every replica and restart agrees).
func unsubscribeSigner(ctx context.Context, st *store.Store, secret string) (*unsubscribe.Signer, error) {
	if secret == "" {
		var err error
		secret, err = st.AppSecret(ctx, "unsubscribe", func() (string, error) {
			b := make([]byte, 32)
			if _, err := rand.Read(b); err != nil {
				return "", err
			}
			return hex.EncodeToString(b), nil
		})
		if err != nil {
			return nil, fmt.Errorf("drip: unsubscribe secret: %w", err)
		}
	}
	signer, err := unsubscribe.NewSigner([]byte(secret))
	if err != nil {
		return nil, fmt.Errorf("drip: drip.unsubscribe_secret: %w", err)
	}
	return signer, nil
}
