package review

import (
	"log/slog"
	"time"

	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/metrics"
	"github.com/advocate-hq/advocate/internal/store"
)

// OptionsFromConfig fills Options from advocate.yaml. The caller sets what only it knows:
// the Slack client, the Decider, and (tests) the clock.
func OptionsFromConfig(cfg *config.Config, st *store.Store, log *slog.Logger, m *metrics.Metrics, now func() time.Time) (Options, error) {
	loc, err := time.LoadLocation(cfg.Shortlist.Timezone)
	if err != nil {
		return Options{}, err
	}
	o := Options{
		Store: st, SigningSecret: cfg.Slack.SigningSecret, Channel: cfg.Shortlist.Channel, DM: cfg.Shortlist.DM,
		Policy: cfg.Policy(), Sources: cfg.Sources(), Location: loc,
		Log: log, Metrics: m, Now: now,
	}
	if cfg.Email.From != "" && cfg.Email.ProgramURL != "" {
		if now == nil {
			now = time.Now
		}
		o.Preview = InvitePreview(cfg.Email.From, cfg.Email.ProgramURL, now)
	}
	return o, nil
}
