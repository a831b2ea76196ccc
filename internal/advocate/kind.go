package advocate

// PastTense is how a decision reads after the fact ("approved by Maya"): the Slack message,
// the CLI and the web say it the same way.
func (k DecisionKind) PastTense() string {
	switch k {
	case Approve:
		return "approved"
	case Skip:
		return "skipped"
	case Snooze:
		return "snoozed"
	}
	return string(k)
}
