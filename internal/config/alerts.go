package config

import "github.com/robfig/cron/v3"

// Alert defaults.
const (
	DefaultAlertConnectorFailures = 3
	DefaultAlertHealthBelow       = 50
	DefaultAlertSchedule          = "@every 5m"
)

// Alerts configures the Slack alerts `advocate serve` sends (connector failures and recoveries,
// health drops of enrolled advocates, finished onboardings, permanent delivery failures).
type Alerts struct {
	// Channel receives the alerts. Default "": shortlist.channel. Without a channel and a
	// bot token, alerts are logged only.
	Channel string `yaml:"channel"`
	// ConnectorFailures is how many runs in a row a connector must fail before an alert; its
	// recovery is alerted too. Default DefaultAlertConnectorFailures.
	ConnectorFailures int `yaml:"connector_failures"`
	// HealthBelow pauses an active enrollment whose customer's health_score falls below it and
	// alerts the CSM; 0 turns the check off. Default DefaultAlertHealthBelow.
	HealthBelow float64 `yaml:"health_below"`
	// Schedule is when the alert checks run and queued alerts are sent (cron spec).
	// Default DefaultAlertSchedule.
	Schedule string `yaml:"schedule"`
}

func defaultAlerts() Alerts {
	return Alerts{ConnectorFailures: DefaultAlertConnectorFailures, HealthBelow: DefaultAlertHealthBelow, Schedule: DefaultAlertSchedule}
}

// AlertChannel is where alerts go: alerts.channel, else the shortlist channel.
func (c *Config) AlertChannel() string {
	if c.Alerts.Channel != "" {
		return c.Alerts.Channel
	}
	return c.Shortlist.Channel
}

func (p *parser) validateAlerts(c *Config) {
	a := &c.Alerts
	if a.ConnectorFailures < 1 {
		p.report("alerts.connector_failures", "alerts.connector_failures: must be at least 1, got %d", a.ConnectorFailures)
	}
	if !(a.HealthBelow >= 0 && a.HealthBelow <= 100) {
		p.report("alerts.health_below", "alerts.health_below: must be between 0 and 100 (0 turns the check off), got %v", a.HealthBelow)
	}
	if a.Schedule == "" {
		a.Schedule = DefaultAlertSchedule
	}
	if _, err := cron.ParseStandard(a.Schedule); err != nil {
		p.report("alerts.schedule", "alerts.schedule: bad cron spec %s: %v", p.show("alerts.schedule", a.Schedule), err)
	}
}
