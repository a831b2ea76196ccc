package config

// Alerts configures the Slack alerts `advocate serve` sends (connector failures and recoveries,
// health drops of enrolled advocates, finished onboardings, permanent delivery failures).
type Alerts struct{}

func (p *parser) validateAlerts(c *Config) {}
