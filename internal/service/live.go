package service

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"sync"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/ranker"
	"github.com/advocate-hq/advocate/scoring"
)

// Live holds the config and scoring model a running daemon uses, and swaps them for a new
// version only once the new file has been validated and compiled: an invalid edit keeps the old
// model running and reports why.
type Live struct {
	path string
	log  *slog.Logger

	mu    sync.RWMutex
	cfg   *config.Config
	model *scoring.Model
	stamp fileStamp
}

type fileStamp struct {
	mod  time.Time
	size int64
}

func stampOf(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{fi.ModTime(), fi.Size()}, nil
}

// NewLive loads path and compiles its model.
func NewLive(path string, log *slog.Logger) (*Live, error) {
	l := &Live{path: path, log: log}
	if _, err := l.Reload(); err != nil {
		return nil, err
	}
	return l, nil
}

// Current returns the config and model in force.
func (l *Live) Current() (*config.Config, *scoring.Model) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.cfg, l.model
}

// Reload reads the file again. On success the new config and model take over and changed is
// true when the model's hash differs; on failure nothing changes and the error says why.
func (l *Live) Reload() (changed bool, err error) {
	stamp, _ := stampOf(l.path)
	cfg, err := config.Load(l.path)
	if err != nil {
		return false, err
	}
	model, err := ranker.Model(cfg)
	if err != nil {
		return false, err
	}
	l.mu.Lock()
	old, oldCfg := l.model, l.cfg
	l.cfg, l.model, l.stamp = cfg, model, stamp
	l.mu.Unlock()
	if oldCfg != nil && l.log != nil {
		if sections := NeedRestart(oldCfg, cfg); len(sections) > 0 {
			l.log.Warn("config sections changed that take effect only when advocate serve restarts", "config", l.path, "sections", sections)
		}
	}
	return old == nil || old.Hash() != model.Hash(), nil
}

// What a reload changes in a running daemon. Every job reads the live config at each run for:
//   - scoring: weights, gates, transforms, segments, precedence, freshness (the score job);
//   - the shortlist policy: size, cooldown_weeks, snooze_days, ask_fatigue_days (the weekly
//     shortlist job and the decide service);
//   - each connector's freshness (part of the current-value rule).
//
// Everything else is wired once at start and needs a restart; NeedRestart names the sections
// that changed so the reload log says so instead of pretending.

// NeedRestart lists the config sections that differ between old and cfg and that a running
// daemon only reads at start.
func NeedRestart(old, cfg *config.Config) []string {
	var out []string
	add := func(name string, a, b any) {
		if !reflect.DeepEqual(a, b) {
			out = append(out, name)
		}
	}
	add("connectors", connectorWiring(old), connectorWiring(cfg))
	add("database", old.Database, cfg.Database)
	add("shortlist.schedule/timezone/channel/dm", shortlistWiring(old), shortlistWiring(cfg))
	add("slack", old.Slack, cfg.Slack)
	add("alerts", old.Alerts, cfg.Alerts)
	add("smtp", old.SMTP, cfg.SMTP)
	add("email", old.Email, cfg.Email)
	add("openai", old.OpenAI, cfg.OpenAI)
	add("server", old.Server, cfg.Server)
	add("drip", old.Drip, cfg.Drip)
	return out
}

// connectorWiring is every connector setting except freshness, which is read live.
func connectorWiring(c *config.Config) []connectors.Settings {
	out := make([]connectors.Settings, len(c.Connectors))
	for i, s := range c.Connectors {
		s.Freshness = ""
		out[i] = s
	}
	return out
}

func shortlistWiring(c *config.Config) [4]string {
	return [4]string{c.Shortlist.Schedule, c.Shortlist.Timezone, c.Shortlist.Channel, fmt.Sprint(c.Shortlist.DM)}
}

// Watch reloads on every value from hup (SIGHUP) and when the file's modification time or size
// changes, checked every poll, until ctx ends. Each outcome is logged.
func (l *Live) Watch(ctx context.Context, hup <-chan os.Signal, poll time.Duration) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			l.reloadAndLog("SIGHUP")
		case <-t.C:
			st, err := stampOf(l.path)
			l.mu.RLock()
			same := st == l.stamp
			l.mu.RUnlock()
			if err == nil && !same {
				l.reloadAndLog("file changed")
			}
		}
	}
}

func (l *Live) reloadAndLog(why string) {
	changed, err := l.Reload()
	switch {
	case err != nil:
		// Remember the stamp of the bad file so it is reported once, not every poll.
		if st, serr := stampOf(l.path); serr == nil {
			l.mu.Lock()
			l.stamp = st
			l.mu.Unlock()
		}
		l.log.Error("config reload rejected; keeping the previous model", "trigger", why, "err", err)
	case changed:
		_, m := l.Current()
		l.log.Info("config reloaded; new scoring model in force", "trigger", why, "model", m.Hash())
	default:
		l.log.Info("config reloaded; scoring model unchanged", "trigger", why)
	}
}

// String names the live config for logs.
func (l *Live) String() string { return fmt.Sprintf("live config %s", l.path) }
