// Package deploy holds no code: its tests are CI's checks of the deploy pack (there is no
// Docker engine or cluster here). They build the binary exactly as the Dockerfile does and
// check it is static, parse compose.yaml and the Kubernetes manifests for what a deploy relies
// on, and check the Grafana dashboard and alert rules reference only metrics Advocate exports.
package deploy

import (
	"bufio"
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/metrics"
)

const root = ".."

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// dockerfile is the Dockerfile's instructions, continuation lines joined.
func dockerfile(t *testing.T) [][2]string {
	t.Helper()
	var out [][2]string
	sc := bufio.NewScanner(bytes.NewReader(read(t, "Dockerfile")))
	var cur string
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if cur == "" && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if s, ok := strings.CutSuffix(line, "\\"); ok {
			cur += s + " "
			continue
		}
		cur += line
		op, args, _ := strings.Cut(cur, " ")
		out = append(out, [2]string{strings.ToUpper(op), strings.TrimSpace(args)})
		cur = ""
	}
	return out
}

// TestDockerfile: multi-stage, non-root, a HEALTHCHECK the binary answers itself, version
// build args passed to the one build script.
func TestDockerfile(t *testing.T) {
	var from, args []string
	var user, health, run string
	for _, in := range dockerfile(t) {
		switch in[0] {
		case "FROM":
			from = append(from, in[1])
		case "ARG":
			args = append(args, in[1])
		case "USER":
			user = in[1]
		case "HEALTHCHECK":
			health = in[1]
		case "RUN":
			if strings.Contains(in[1], "deploy/build.sh") {
				run = in[1]
			}
		}
	}
	if len(from) < 2 || !strings.Contains(from[len(from)-1], "distroless/static") {
		t.Errorf("FROM %v: want a build stage, then distroless/static", from)
	}
	if u, _, _ := strings.Cut(user, ":"); u == "" || u == "0" || u == "root" {
		t.Errorf("USER %q: want a non-root user", user)
	}
	if !strings.Contains(health, "/healthz") && !strings.Contains(health, "healthcheck") {
		t.Errorf("HEALTHCHECK %q: want the binary's own probe of /healthz", health)
	}
	for _, a := range []string{"VERSION", "COMMIT", "DATE"} {
		if !slices.Contains(args, a) || !strings.Contains(run, a+`="${`+a+`}"`) {
			t.Errorf("build arg %s is not declared and passed to deploy/build.sh (RUN %q)", a, run)
		}
	}
}

// TestStaticBinary runs the Dockerfile's build command (its RUN line's variables, with the
// build args set) and checks the result: no ELF interpreter or dynamic section, so it runs on
// distroless/static; cgo off, paths trimmed, the version linked in.
func TestStaticBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary (about a minute cold)")
	}
	var run string
	for _, in := range dockerfile(t) {
		if in[0] == "RUN" && strings.Contains(in[1], "deploy/build.sh") {
			run = in[1]
		}
	}
	out := filepath.Join(t.TempDir(), "advocate")
	buildArgs := map[string]string{"VERSION": "v9.8.7-test", "COMMIT": "0123456789abcdef", "DATE": "2026-12-01T00:00:00Z"}
	env := os.Environ()
	fields := strings.Fields(run)
	if len(fields) < 2 || fields[len(fields)-2] != "sh" || fields[len(fields)-1] != "deploy/build.sh" {
		t.Fatalf("RUN %q: want VAR=value ... sh deploy/build.sh", run)
	}
	for _, f := range fields[:len(fields)-2] {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			t.Fatalf("RUN %q: %q is not VAR=value", run, f)
		}
		v = strings.Trim(v, `"`)
		if a, ok := strings.CutPrefix(v, "${"); ok {
			v = buildArgs[strings.TrimSuffix(a, "}")]
		}
		if k == "OUT" {
			v = out
		}
		env = append(env, k+"="+v)
	}
	cmd := exec.Command("sh", filepath.Join(root, "deploy", "build.sh"))
	cmd.Env = env
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("deploy/build.sh: %v\n%s", err, b)
	}

	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("the binary has a %v program header: it is dynamically linked", p.Type)
		}
	}
	if f.Section(".dynamic") != nil {
		t.Error("the binary has a .dynamic section")
	}
	bi, err := buildinfo.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if settings["CGO_ENABLED"] != "0" || settings["-trimpath"] != "true" {
		t.Errorf("build settings %v: want CGO_ENABLED=0 and -trimpath", settings)
	}
	// -trimpath leaves -ldflags out of the build info, so look for the linked values.
	bin, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range buildArgs {
		if !bytes.Contains(bin, []byte(v)) {
			t.Errorf("build arg %s=%s is not linked into the binary", k, v)
		}
	}
	// The Dockerfile copies what the build wrote.
	var copied bool
	for _, in := range dockerfile(t) {
		copied = copied || (in[0] == "COPY" && strings.Contains(in[1], "--from=build /out/advocate "))
	}
	if !strings.Contains(run, "OUT=/out/advocate") || !copied {
		t.Error("the final stage does not copy the binary the build stage writes (/out/advocate)")
	}
}

type compose struct {
	Services map[string]struct {
		Image     string                    `yaml:"image"`
		Build     *struct{ Context string } `yaml:"build"`
		EnvFile   any                       `yaml:"env_file"`
		Env       map[string]string         `yaml:"environment"`
		Volumes   []string                  `yaml:"volumes"`
		DependsOn map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Healthcheck *struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

// TestCompose: Postgres 15 with its data on a named volume and a healthcheck; Advocate built
// here, started once Postgres is healthy, pointed at it, reading .env, with a healthcheck;
// every variable compose requires is in .env.example.
func TestCompose(t *testing.T) {
	raw := read(t, "compose.yaml")
	var c compose
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	pg, app := c.Services["postgres"], c.Services["advocate"]
	if !strings.HasPrefix(pg.Image, "postgres:15") {
		t.Errorf("postgres image %q, want postgres:15", pg.Image)
	}
	if !slices.ContainsFunc(pg.Volumes, func(v string) bool {
		name, path, _ := strings.Cut(v, ":")
		_, declared := c.Volumes[name]
		return declared && path == "/var/lib/postgresql/data"
	}) {
		t.Errorf("postgres volumes %v: want a declared named volume at /var/lib/postgresql/data", pg.Volumes)
	}
	if pg.Healthcheck == nil || !strings.Contains(strings.Join(pg.Healthcheck.Test, " "), "pg_isready") {
		t.Error("postgres has no pg_isready healthcheck")
	}
	if app.Build == nil || app.Build.Context != "." {
		t.Error("advocate is not built from this directory's Dockerfile")
	}
	if app.EnvFile != ".env" {
		t.Errorf("advocate env_file = %v, want .env", app.EnvFile)
	}
	if app.DependsOn["postgres"].Condition != "service_healthy" {
		t.Error("advocate does not wait for a healthy postgres")
	}
	if app.Healthcheck == nil || !strings.Contains(strings.Join(app.Healthcheck.Test, " "), "healthcheck") {
		t.Error("advocate has no healthcheck")
	}
	if u := app.Env["ADVOCATE_DATABASE_URL"]; !strings.HasPrefix(u, "postgres://") || !strings.Contains(u, "@postgres:5432/") {
		t.Errorf("ADVOCATE_DATABASE_URL = %q, want the postgres service", u)
	}
	example := string(read(t, ".env.example"))
	for _, m := range regexp.MustCompile(`\$\{([A-Z_]+)(:?\?[^}]*)?\}`).FindAllStringSubmatch(string(raw), -1) {
		if m[2] != "" && !regexp.MustCompile(`(?m)^`+m[1]+`=`).MatchString(example) {
			t.Errorf("compose.yaml requires %s, which .env.example does not set", m[1])
		}
	}
}

// k8s reads every document of deploy/kubernetes/*.yaml, by kind.
func k8s(t *testing.T) map[string][]map[string]any {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(root, "deploy", "kubernetes", "*.yaml"))
	out := map[string][]map[string]any{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var doc map[string]any
			if err := dec.Decode(&doc); err != nil {
				if err.Error() == "EOF" {
					break
				}
				t.Fatalf("%s: %v", f, err)
			}
			if doc == nil {
				continue
			}
			if doc["apiVersion"] == nil || doc["kind"] == nil {
				t.Errorf("%s: a document without apiVersion and kind", f)
			}
			kind, _ := doc["kind"].(string)
			out[kind] = append(out[kind], doc)
		}
	}
	return out
}

// get walks a parsed document: strings index maps, ints index lists.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// TestKubernetes: two replicas (they coordinate through Postgres), probes on /healthz and
// /readyz, secrets by reference, a Service that selects the pods, and an advocate.yaml in the
// ConfigMap that Advocate accepts with the example Secret's values.
func TestKubernetes(t *testing.T) {
	docs := k8s(t)
	if len(docs["Deployment"]) != 1 || len(docs["Service"]) != 1 || len(docs["ConfigMap"]) != 1 || len(docs["Secret"]) != 1 {
		t.Fatalf("want one Deployment, Service, ConfigMap and example Secret; got %v", slices.Collect(maps.Keys(docs)))
	}
	d, svc, cm, sec := docs["Deployment"][0], docs["Service"][0], docs["ConfigMap"][0], docs["Secret"][0]
	if r := get(d, "spec", "replicas"); r != 2 {
		t.Errorf("replicas = %v, want 2", r)
	}
	pod := get(d, "spec", "template", "spec")
	c := get(pod, "containers", 0)
	for probe, path := range map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz"} {
		if p := get(c, probe, "httpGet", "path"); p != path {
			t.Errorf("%s path = %v, want %s", probe, p, path)
		}
		if port := get(c, probe, "httpGet", "port"); port != get(c, "ports", 0, "name") {
			t.Errorf("%s port %v is not the container's port", probe, port)
		}
	}
	if get(pod, "securityContext", "runAsNonRoot") != true {
		t.Error("pods may run as root")
	}
	if ref := get(c, "envFrom", 0, "secretRef", "name"); ref != get(sec, "metadata", "name") {
		t.Errorf("envFrom secretRef %v is not the Secret %v", ref, get(sec, "metadata", "name"))
	}
	if cmRef := get(pod, "volumes", 0, "configMap", "name"); cmRef != get(cm, "metadata", "name") {
		t.Errorf("config volume %v is not the ConfigMap %v", cmRef, get(cm, "metadata", "name"))
	}
	labels, _ := get(d, "spec", "template", "metadata", "labels").(map[string]any)
	sel, _ := get(svc, "spec", "selector").(map[string]any)
	for k, v := range sel {
		if labels[k] != v {
			t.Errorf("the Service selects %s=%v, which the pods lack", k, v)
		}
	}
	if get(svc, "spec", "ports", 0, "targetPort") != get(c, "ports", 0, "name") {
		t.Error("the Service does not target the container's port")
	}

	env := map[string]string{}
	data, _ := get(sec, "stringData").(map[string]any)
	for k, v := range data {
		env[k] = v.(string)
	}
	yml, _ := get(cm, "data", "advocate.yaml").(string)
	cfg, err := config.Parse("configmap.yaml", []byte(yml), func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("the ConfigMap's advocate.yaml with the example Secret: %v", err)
	}
	if _, port, _ := strings.Cut(cfg.Server.Listen, ":"); port != "8080" || get(c, "ports", 0, "containerPort") != 8080 {
		t.Errorf("server.listen %q and containerPort %v disagree", cfg.Server.Listen, get(c, "ports", 0, "containerPort"))
	}
	if _, ok := data["ADVOCATE_DATABASE_URL"]; !ok {
		t.Error("the Secret does not set ADVOCATE_DATABASE_URL (the replicas need one Postgres)")
	}
}

// metricRef finds metric names in PromQL.
var metricRef = regexp.MustCompile(`\b(?:advocate|go|process)_[a-z0-9_]+`)

// checkMetrics reports each metric an expression uses that Advocate does not export.
func checkMetrics(t *testing.T, where string, exprs []string) {
	t.Helper()
	names := metrics.Names()
	known := func(n string) bool {
		if slices.Contains(names, n) {
			return true
		}
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if base, ok := strings.CutSuffix(n, suffix); ok && slices.Contains(names, base) {
				return true
			}
		}
		return false
	}
	n := 0
	for _, e := range exprs {
		for _, m := range metricRef.FindAllString(e, -1) {
			n++
			if !known(m) {
				t.Errorf("%s uses %s, which Advocate does not export (expr %q)", where, m, e)
			}
		}
	}
	if n == 0 {
		t.Errorf("%s references no metric at all", where)
	}
}

// TestGrafanaDashboard: valid JSON whose queries reference only metrics that exist.
func TestGrafanaDashboard(t *testing.T) {
	var d any
	if err := json.Unmarshal(read(t, "deploy/grafana/advocate.json"), &d); err != nil {
		t.Fatalf("advocate.json: %v", err)
	}
	var exprs []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				if s, ok := c.(string); ok && (k == "expr" || k == "query") {
					exprs = append(exprs, s)
				}
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(d)
	checkMetrics(t, "deploy/grafana/advocate.json", exprs)
}

// TestAlertRules: the rule file parses, each rule has a name, an expression and a summary, and
// the expressions reference only metrics that exist.
func TestAlertRules(t *testing.T) {
	var f struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Expr        string            `yaml:"expr"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(read(t, "deploy/prometheus/alerts.yaml"), &f); err != nil {
		t.Fatal(err)
	}
	var exprs []string
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" || r.Expr == "" || r.Annotations["summary"] == "" {
				t.Errorf("group %s: rule %+v needs alert, expr and a summary", g.Name, r)
			}
			exprs = append(exprs, r.Expr)
		}
	}
	checkMetrics(t, "deploy/prometheus/alerts.yaml", exprs)
}

// TestSystemdUnit: a dedicated user, restarts on failure, the hardening options.
func TestSystemdUnit(t *testing.T) {
	unit := string(read(t, "deploy/advocate.service"))
	for _, want := range []string{"User=advocate", "Restart=on-failure", "ExecStart=/usr/local/bin/advocate serve",
		"NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "StateDirectory=advocate", "CapabilityBoundingSet="} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(want) + `\s*$`).MatchString(unit) {
			t.Errorf("advocate.service lacks the line %q", want)
		}
	}
	if path, err := exec.LookPath("systemd-analyze"); err == nil {
		out, _ := exec.Command(path, "verify", filepath.Join(root, "deploy", "advocate.service")).CombinedOutput()
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			// The binary is not installed on the test machine; anything else is a unit error.
			if l != "" && !strings.Contains(l, "/usr/local/bin/advocate") {
				t.Errorf("systemd-analyze verify: %s", l)
			}
		}
	}
}
