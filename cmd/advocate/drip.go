package main

import (
	"context"
	"errors"
)

// cmdDrip sends the drip emails that are due now (and previews them).
func cmdDrip(ctx context.Context, a *app, args []string) error {
	return errors.New("drip: the onboarding drip is not available in this build yet")
}
