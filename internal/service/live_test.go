package service

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLiveReloadKeepsOldModelOnInvalidFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "advocate.yaml")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("scoring:\n  weights: {nps: 3}\n  gates: [\"nps >= 9\"]\n")
	var logs bytes.Buffer
	l, err := NewLive(path, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	_, first := l.Current()

	write("scoring:\n  weights: {nps: 3, health_score: 2}\n")
	if changed, err := l.Reload(); err != nil || !changed {
		t.Fatalf("valid edit: changed=%v err=%v", changed, err)
	}
	_, second := l.Current()
	if second.Hash() == first.Hash() {
		t.Error("the new weights did not take effect")
	}

	for _, bad := range []string{
		"scoring:\n  weigths: {nps: 3}\n",      // unknown key
		"scoring:\n  gates: [\"nps >= \"]\n",   // gate does not compile
		"scoring:\n  weights: {nps: [1, 2]}\n", // wrong type
	} {
		write(bad)
		l.reloadAndLog("test")
		if _, m := l.Current(); m.Hash() != second.Hash() {
			t.Errorf("invalid file %q replaced the model", bad)
		}
	}
	if !strings.Contains(logs.String(), "config reload rejected; keeping the previous model") || !strings.Contains(logs.String(), "advocate.yaml:2") {
		t.Errorf("rejection not reported with file:line:\n%s", logs.String())
	}
}
