package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestServeAcceptsPushesAndStopsCleanly(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "advocate.yaml")
	os.WriteFile(cfg, []byte("connectors:\n  - {name: pushed, type: webhook, token: pushtok}\nserver: {listen: \"127.0.0.1:0\"}\n"), 0o644)

	ctx, stop := context.WithCancel(context.Background()) // what SIGTERM does via signal.NotifyContext
	addr := make(chan string, 1)
	var stderr bytes.Buffer
	a := &app{stdout: &bytes.Buffer{}, stderr: &stderr, now: func() time.Time { return fixedNow }, onListen: func(s string) { addr <- s }}
	done := make(chan error, 1)
	go func() { done <- a.dispatch(ctx, []string{"--config", cfg, "serve"}) }()
	var base string
	select {
	case s := <-addr:
		base = "http://" + s
	case err := <-done:
		t.Fatalf("serve exited early: %v\n%s", err, stderr.String())
	}

	resp, err := http.Get(base + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("readyz: %v %v", resp, err)
	}
	req, _ := http.NewRequest("POST", base+"/api/v1/signals", strings.NewReader(
		`{"signals":[{"customer":{"domain":"acme.io"},"name":"nps","value":10,"observed_at":"2026-11-16T08:00:00Z"}]}`))
	req.Header.Set("Authorization", "Bearer pushtok")
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("push: %v %v", resp.StatusCode, err)
	}

	stop()
	if err := <-done; err != nil {
		t.Fatalf("serve after shutdown: %v", err)
	}
	if !strings.Contains(stderr.String(), `"msg":"stopped"`) {
		t.Errorf("no clean-stop log line:\n%s", stderr.String())
	}
	// Off a terminal the daemon logs one JSON object per line, for log collectors.
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec["msg"] == nil || rec["level"] == nil {
			t.Errorf("log line is not a JSON record: %q", line)
		}
	}
	// The push survived the restart: it is in the database.
	r := cli(t, "--config", cfg, "export")
	if !strings.Contains(r.stdout, `"acme.io"`) {
		t.Errorf("pushed customer missing after shutdown:\n%s", r.stdout)
	}
}
