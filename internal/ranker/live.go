package ranker

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/advocate-hq/advocate/connectors"
	"github.com/advocate-hq/advocate/internal/config"
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
	model, err := Model(cfg)
	if err != nil {
		return false, err
	}
	l.mu.Lock()
	old, oldCfg := l.model, l.cfg
	l.cfg, l.model, l.stamp = cfg, model, stamp
	l.mu.Unlock()
	if oldCfg != nil && !sameConnectors(oldCfg.Connectors, cfg.Connectors) && l.log != nil {
		l.log.Warn("connector settings changed; they take effect when advocate serve restarts", "config", l.path)
	}
	return old == nil || old.Hash() != model.Hash(), nil
}

// sameConnectors compares what scheduling depends on.
func sameConnectors(a, b []connectors.Settings) bool {
	return slices.EqualFunc(a, b, func(x, y connectors.Settings) bool {
		return x.Name == y.Name && x.Type == y.Type && x.Schedule == y.Schedule
	})
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
