package ranker

import (
	"fmt"

	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/scoring"
)

// Model compiles the scoring section of a config into a model.
func Model(cfg *config.Config) (*scoring.Model, error) {
	sc := scoring.Config{
		Weights:         cfg.Scoring.Weights,
		Gates:           cfg.Scoring.Gates,
		MinConfidence:   cfg.Scoring.MinConfidence,
		MissingGoodness: cfg.Scoring.MissingGoodness,
	}
	m, err := scoring.NewModel(sc)
	if err != nil {
		if cfg.Path != "" {
			return nil, fmt.Errorf("%s: scoring: %w", cfg.Path, err)
		}
		return nil, fmt.Errorf("scoring: %w", err)
	}
	return m, nil
}

// PrecedenceOf reads source precedence from a config: connectors in the order listed, with
// per-signal overrides from scoring.precedence.
func PrecedenceOf(cfg *config.Config) Precedence {
	p := Precedence{PerSignal: cfg.Scoring.Precedence}
	for _, c := range cfg.Connectors {
		p.Default = append(p.Default, c.Name)
	}
	return p
}
