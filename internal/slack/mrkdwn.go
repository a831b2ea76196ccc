package slack

import "strings"

// Escape escapes the three characters Slack's mrkdwn treats as control characters, so a
// company called "<!channel>" or "A&B" is shown as written instead of pinging or breaking
// links. Everything that came from a customer, a CRM or an error message goes through it
// before it is put into a Slack message.
func Escape(s string) string { return mrkdwnEscaper.Replace(s) }

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
