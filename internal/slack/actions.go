package slack

import (
	"fmt"
	"strings"

	"github.com/advocate-hq/advocate/internal/advocate"
)

// Action IDs of the buttons under each candidate. The interaction handler dispatches on these;
// each button's value is ActionValue(week, customer ID).
const (
	ActionApprove = "advocate_approve"
	ActionSkip    = "advocate_skip"
	ActionSnooze  = "advocate_snooze"
	ActionPreview = "advocate_preview"
)

// ActionKind is the decision a button records; ok is false for Preview and foreign buttons.
func ActionKind(actionID string) (kind advocate.DecisionKind, ok bool) {
	switch actionID {
	case ActionApprove:
		return advocate.Approve, true
	case ActionSkip:
		return advocate.Skip, true
	case ActionSnooze:
		return advocate.Snooze, true
	}
	return "", false
}

// ActionValue is the value carried by every button of one candidate: the week it was shown in
// and the customer's ID, so a click on last week's message can be told apart from this week's.
func ActionValue(week, customerID string) string { return week + "|" + customerID }

// ParseActionValue splits a button value made by ActionValue. A week never contains "|", so a
// customer ID that does is still recovered whole. A week that does not exist ("9999-W99") is
// refused here, before anything is looked up or recorded.
func ParseActionValue(v string) (week, customerID string, err error) {
	week, customerID, ok := strings.Cut(v, "|")
	if !ok || week == "" || customerID == "" {
		return "", "", fmt.Errorf("malformed button value %q: want \"<week>|<customer id>\"", v)
	}
	if _, err := advocate.ParseWeek(week); err != nil {
		return "", "", fmt.Errorf("malformed button value %q: %w", v, err)
	}
	return week, customerID, nil
}
