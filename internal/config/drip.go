package config

// Drip configures the onboarding email sequences and how they are sent.
type Drip struct{}

func (p *parser) validateDrip(c *Config) {}
