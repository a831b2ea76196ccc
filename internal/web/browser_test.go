package web

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/advocate-hq/advocate/internal/store/storetest"
)

// chromium finds Debian's headless-capable Chromium. Without it the browser test skips loudly,
// except in CI (CI=true), where .ci/run installs it and a missing browser is a failure.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium on PATH; CI must install it (apt-get install -y chromium)")
	}
	t.Skip("SKIPPING BROWSER TEST: no Chromium on PATH (apt-get install -y chromium)")
	return ""
}

// screenshotDir is where the browser test leaves its screenshots: $ADVOCATE_SCREENSHOTS, else
// the test's temp dir (logged).
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("ADVOCATE_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// TestBrowser drives the dashboard in headless Chromium as a CSM would: sign in, approve the
// top candidate on This week, see the decision on the page and on the Slack message, open the
// customer's page and the Drip page. Each page is saved as a screenshot.
func TestBrowser(t *testing.T) {
	exe := chromium(t)
	st := storetest.SQLite(t)
	s := newSite(t, st, nil)
	ids := s.seedWeek(t, 4)
	s.addUser(t, "maya@vendor.io", RoleCSM)
	dir := screenshotDir(t)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(1280, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	// run is one step; the test stops at the first that fails.
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return v
	}
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100 = PNG
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		p := filepath.Join(dir, name+".png")
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot %s", p)
	}
	// submit clicks a submit button and waits for the page it leads to.
	submit := func(sel string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel)))); err != nil {
			t.Fatalf("click %s: %v", sel, err)
		}
	}

	approve := `#c-` + ids[0] + ` button[value=approve]`
	run("open /", chromedp.Navigate(s.URL+"/"), chromedp.WaitVisible(chromedp.ID("email")))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasPrefix(loc, s.URL+"/login?next=") {
		t.Errorf("an anonymous visit landed on %s, want /login", loc)
	}
	shot("login")
	run("fill the login form", chromedp.SendKeys(chromedp.ID("email"), "maya@vendor.io"), chromedp.SendKeys(chromedp.ID("password"), testPassword))
	submit(`form[action="/login"] button[type=submit]`)
	run("This week", chromedp.WaitVisible(chromedp.CSS(approve)))
	shot("week")
	submit(approve)
	run("after approve", chromedp.WaitVisible(chromedp.CSS(".flash")))
	flash, decided := text(".flash"), text(`#c-`+ids[0]+` td:last-child`)
	shot("week-approved")
	if !strings.Contains(flash, "approved by maya@vendor.io") || !strings.Contains(decided, "approved by maya@vendor.io") {
		t.Errorf("after Approve: flash %q, decision cell %q", flash, decided)
	}
	s.flushSlack(t)
	if _, updates, _ := s.Slack.Snapshot(); len(updates) != 1 || !strings.Contains(updates[0].RawJSON, "*Approved* by") {
		t.Errorf("Slack chat.update calls after a web approve: %d, want 1 showing the approval", len(updates))
	}

	// The customer page shows the decision just made and draws its chart.
	run("customer page", chromedp.Navigate(s.URL+"/customers/"+ids[0]), chromedp.WaitVisible(chromedp.CSS("h1")))
	h1, body := text("h1"), text("main")
	svg, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const c = document.querySelector("main svg"); return c !== null && c.getBoundingClientRect().width > 100 && c.querySelectorAll("polyline, path, circle").length > 0 })()`))
	if err != nil {
		t.Fatal(err)
	}
	shot("customer")
	if !svg {
		t.Errorf("customer page %q has no rendered chart (svg with a drawn series)", h1)
	}
	if !strings.Contains(body, "maya@vendor.io") || !strings.Contains(body, "approve") {
		t.Errorf("customer page does not show the web approval in its decisions:\n%s", body)
	}
	// Every other page renders inside the layout, for the screenshots.
	for _, p := range []struct{ path, name string }{{"/drip", "drip"}, {"/connectors", "sources"}, {"/program", "program"}, {"/model", "model"}} {
		run(p.name+" page", chromedp.Navigate(s.URL+p.path), chromedp.WaitVisible(chromedp.CSS("main h1")))
		if h := text("main h1"); h == "" || strings.Contains(h, "Not Found") || strings.Contains(h, "error") {
			t.Errorf("%s: heading %q", p.path, h)
		}
		shot(p.name)
	}
}
