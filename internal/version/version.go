// Package version says which build of Advocate is running. `make build` and the Dockerfile set
// Version, Commit and Date with -ldflags "-X github.com/advocate-hq/advocate/internal/version.Version=…";
// a plain `go build` or `go install` falls back to what the Go toolchain recorded in the binary
// (module version, VCS revision and time), so `advocate --version` never says only "(devel)".
package version

import (
	"runtime"
	"runtime/debug"
	"sync"
)

// Set at link time; empty means "ask the build info".
var (
	Version string
	Commit  string
	Date    string
)

// Info is one build's identity.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Date      string `json:"date"`
	GoVersion string `json:"go"`
	Modified  bool   `json:"modified,omitempty"` // built from a work tree with uncommitted changes
}

var (
	once sync.Once
	info Info
)

// Get returns this binary's build info: the -ldflags values where set, else the toolchain's.
func Get() Info {
	once.Do(func() { info = read(Version, Commit, Date, debug.ReadBuildInfo) })
	return info
}

func read(v, c, d string, buildInfo func() (*debug.BuildInfo, bool)) Info {
	i := Info{Version: v, Commit: c, Date: d, GoVersion: runtime.Version()}
	if bi, ok := buildInfo(); ok {
		if i.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			i.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if i.Commit == "" {
					i.Commit = s.Value
				}
			case "vcs.time":
				if i.Date == "" {
					i.Date = s.Value
				}
			case "vcs.modified":
				i.Modified = s.Value == "true"
			}
		}
	}
	if i.Version == "" {
		i.Version = "dev"
	}
	if i.Commit == "" {
		i.Commit = "unknown"
	}
	if i.Date == "" {
		i.Date = "unknown"
	}
	return i
}

// String is the one line `advocate --version` prints.
func (i Info) String() string {
	c := i.Commit
	if len(c) > 12 {
		c = c[:12]
	}
	if i.Modified {
		c += "-dirty"
	}
	return "advocate " + i.Version + " (commit " + c + ", built " + i.Date + ", " + i.GoVersion + ")"
}
