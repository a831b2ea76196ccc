// Package memlimit gives the Go runtime a soft memory limit below the container's, so the
// garbage collector works harder as the heap nears the container limit instead of the kernel
// killing the process. Without it the collector lets the heap grow to twice what is live
// between cycles: a daemon holding a 450 MB scoring table of a million customers peaks past
// 2 GB during a re-scoring, and a pod limited to 1 GiB is OOM-killed.
package memlimit

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
)

// Share is the part of the container's limit the Go heap may use: the rest is for stacks,
// the runtime's own structures and memory not yet returned to the kernel.
const Share = 0.9

// noLimit is what cgroup v1 reports when there is none (the largest page-aligned int64).
const noLimit = 1 << 60

// FromCgroup returns the memory limit of the cgroup whose files are under root (normally
// /sys/fs/cgroup: inside a container, the container's own), or 0 when there is none.
func FromCgroup(root string) (int64, error) {
	for _, name := range []string{"memory.max", filepath.Join("memory", "memory.limit_in_bytes")} { // cgroup v2, v1
		raw, err := os.ReadFile(filepath.Join(root, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("read cgroup memory limit: %w", err)
		}
		s := strings.TrimSpace(string(raw))
		if s == "max" {
			return 0, nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("read cgroup memory limit %s: %q is not a number of bytes", name, s)
		}
		if n >= noLimit {
			return 0, nil
		}
		return n, nil
	}
	return 0, nil
}

// Apply sets the runtime's soft memory limit to Share of the cgroup limit under root, unless
// GOMEMLIMIT is set (the runtime has applied it already: the operator's word wins) or there
// is no limit. It returns the limit now in force (0: none) and where it came from.
func Apply(root string, getenv func(string) string) (limit int64, source string, err error) {
	if v := getenv("GOMEMLIMIT"); v != "" {
		return debug.SetMemoryLimit(-1), "GOMEMLIMIT", nil
	}
	n, err := FromCgroup(root)
	if err != nil || n == 0 {
		return 0, "", err
	}
	limit = int64(float64(n) * Share)
	debug.SetMemoryLimit(limit)
	return limit, fmt.Sprintf("%.0f%% of the container's %d MiB", Share*100, n>>20), nil
}
