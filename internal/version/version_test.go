package version

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	vcs := func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}, true
	}
	none := func() (*debug.BuildInfo, bool) { return nil, false }
	tests := []struct {
		name          string
		v, c, d       string
		bi            func() (*debug.BuildInfo, bool)
		want, wantCom string
	}{
		{"ldflags win", "v1.2.0", "abc", "2026-12-03", vcs, "v1.2.0", "abc"},
		{"build info fills the rest, never (devel)", "", "", "", vcs, "dev", "0123456789abcdef0123"},
		{"nothing known", "", "", "", none, "dev", "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := read(tt.v, tt.c, tt.d, tt.bi)
			if i.Version != tt.want || i.Commit != tt.wantCom {
				t.Fatalf("got %+v", i)
			}
			if s := i.String(); !strings.HasPrefix(s, "advocate "+tt.want+" (commit ") || strings.Contains(s, "(devel)") {
				t.Fatalf("String() = %q", s)
			}
		})
	}
}
