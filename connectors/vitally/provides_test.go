package vitally

import (
	"testing"

	"github.com/advocate-hq/advocate/internal/providestest"
)

func TestProvidesMatchesWhatASyncPublishes(t *testing.T) {
	providestest.Check(t, settings(), newFake())
}
