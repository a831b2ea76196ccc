package ranker

import (
	"fmt"

	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/scoring"
)

// Model compiles the scoring section of a config into a model: weights, gates, thresholds,
// transforms and segments. config.Parse already compiled the same section to report problems
// by line, so an error here means a config built in code rather than read from a file.
func Model(cfg *config.Config) (*scoring.Model, error) {
	m, err := scoring.NewModel(cfg.Scoring.ModelConfig())
	if err != nil {
		if cfg.Path != "" {
			return nil, fmt.Errorf("%s: scoring: %w", cfg.Path, err)
		}
		return nil, fmt.Errorf("scoring: %w", err)
	}
	return m, nil
}
