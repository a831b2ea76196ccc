package config

import (
	"strings"
	"testing"
)

func TestDripDefaults(t *testing.T) {
	c, err := Parse("advocate.yaml", []byte("drip: {}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	d := c.Drip.WithDefaults()
	if d.Workers != DefaultDripWorkers || *d.RatePerSecond != DefaultDripRate || d.Schedule != DefaultDripSchedule {
		t.Errorf("defaults = %+v", d)
	}
	var days []int
	for _, s := range d.Sequences[0].Steps {
		days = append(days, s.Day)
	}
	if d.Sequences[0].Name != "default" || len(days) != 5 || days[0] != 0 || days[1] != 1 || days[2] != 3 || days[3] != 5 || days[4] != 10 {
		t.Errorf("default sequence days = %v", days)
	}
	zero := 0.0
	c2, err := Parse("advocate.yaml", []byte("drip: {rate_per_second: 0, unsubscribe_secret: s3cret-value-long}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if d2 := c2.Drip.WithDefaults(); *d2.RatePerSecond != zero {
		t.Errorf("rate_per_second: 0 must mean unlimited, got %v", *d2.RatePerSecond)
	}
	if r := c2.Drip.Redacted(); r.UnsubscribeSecret != Redaction {
		t.Errorf("Redacted kept the secret")
	}
}

func TestDripValidation(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"bad window", "drip: {send_window: '17:00-09:00'}\n", "advocate.yaml:1: drip.send_window: send window"},
		{"bad zone", "drip: {timezone: Mars/Base}\n", "drip.timezone: unknown time zone"},
		{"unknown template", "drip:\n  sequences:\n    - name: s\n      steps: [{day: 0, template: nosuch}]\n", "advocate.yaml:4: drip.sequences[0].steps[0].template: no templates/email/nosuch"},
		{"days out of order", "drip:\n  sequences:\n    - name: s\n      steps: [{day: 3, template: invite}, {day: 1, template: case_study}]\n", "steps must be in order of day"},
		{"no fallback", "drip:\n  sequences:\n    - name: s\n      when: 'plan == \"x\"'\n      steps: [{day: 0, template: invite}]\n", "one sequence must have no `when`"},
		{"bad expression", "drip: {stop_when: ['referrals_made >']}\n", "drip.stop_when[0]"},
		{"bad workers", "drip: {workers: 1000}\n", "drip.workers: must be between 1 and 256"},
		{"negative rate", "drip: {domain_rate_per_second: -1}\n", "drip.domain_rate_per_second: must not be negative"},
		{"bad duration", "drip: {lease: soon}\n", "drip.lease: bad duration"},
		{"duplicate step", "drip:\n  sequences:\n    - name: s\n      steps: [{day: 0, template: invite}, {day: 1, template: invite}]\n", "duplicate step \"invite\""},
		{"unknown key", "drip: {worker: 2}\n", `unknown key "worker" in drip`},
		{"lease shorter than a few SMTP timeouts", "drip:\n  lease: 1m\n", "advocate.yaml:2: drip.lease: drip.lease 1m0s is shorter than 4 × drip.smtp_timeout (30s)"},
		{"timeout too long for the lease", "drip:\n  smtp_timeout: 2m\n", "advocate.yaml:2: drip.smtp_timeout: drip.lease 5m0s is shorter than 4 × drip.smtp_timeout (2m0s)"},
		{"batch longer than a lease", "drip:\n  lease: 3m\n  rate_per_second: 1\n  batch_size: 100\n", "advocate.yaml:4: drip.batch_size: a batch of 100 emails takes 6m40s at drip.rate_per_second 1 shared by 4 workers, longer than drip.lease (3m0s); make drip.batch_size at most 45"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("advocate.yaml", []byte(tt.yaml), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse error = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParseWindow(t *testing.T) {
	for in, want := range map[string]Window{
		"09:00-17:00": {Start: 540, End: 1020}, "always": {Always: true}, "00:00-24:00": {Always: true}, "8:30 - 18:15": {Start: 510, End: 1095},
	} {
		if got, err := ParseWindow(in); err != nil || got != want {
			t.Errorf("ParseWindow(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"9-17", "17:00-09:00", "09:60-10:00", "25:00-26:00"} {
		if _, err := ParseWindow(bad); err == nil {
			t.Errorf("ParseWindow(%q) accepted", bad)
		}
	}
}

// TestSMTPPasswordInClear: go-mail never sends a password over an unencrypted connection, so
// tls: none with a username is a config error at load (it used to surface as an unclear
// "autodiscover" send error, retried as temporary).
func TestSMTPPasswordInClear(t *testing.T) {
	_, err := Parse("advocate.yaml", []byte("smtp:\n  host: mail.acme.io\n  tls: none\n  username: advocate\n  password: pw\n"), nil)
	want := "advocate.yaml:4: smtp.username: a password is never sent over an unencrypted connection (smtp.tls: none)"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Parse error = %v\nwant it to contain %q", err, want)
	}
	for _, ok := range []string{"smtp: {host: mail.acme.io, tls: none}\n", "smtp: {host: mail.acme.io, tls: starttls, username: a, password: b}\n"} {
		if _, err := Parse("advocate.yaml", []byte(ok), nil); err != nil {
			t.Errorf("Parse(%q) = %v", ok, err)
		}
	}
}
