package configdoc

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const root = "../../.."

// TestGeneratedFilesUpToDate: docs/config.md and docs/advocate.schema.json are what the code
// says; after changing a config field, run `go generate ./internal/config`.
func TestGeneratedFilesUpToDate(t *testing.T) {
	r, err := Build(root)
	if err != nil {
		t.Fatal(err)
	}
	files, err := r.Files()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatalf("%s: %v (run `go generate ./internal/config`)", name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is out of date: run `go generate ./internal/config` and commit it", name)
		}
	}
}

// TestEveryKeyDocumented: a key with neither a doc comment nor a note fails, so the reference
// never lists a bare name.
func TestEveryKeyDocumented(t *testing.T) {
	r, err := Build(root)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, k := range r.Keys {
		seen[k.Path] = true
		if k.Doc == "" {
			t.Errorf("%s has no doc comment: document the field in internal/config (or add a note in notes.go)", k.Path)
		}
	}
	for p := range notes {
		if !seen[p] {
			t.Errorf("notes.go documents %s, which is not a key", p)
		}
	}
}

// TestReference: the reference shows what a deployer looks up — a key's type, default and
// description, secrets marked — and the schema knows the same keys, refusing unknown ones.
func TestReference(t *testing.T) {
	r, err := Build(root)
	if err != nil {
		t.Fatal(err)
	}
	md := string(r.Markdown())
	for _, want := range []string{
		"| `server.listen` | string | `:8080` |",
		"| `server.metrics_token` | string |  | **secret.** MetricsToken",
		"| `connectors[].token` | string |  | **secret.**",
		"| `drip.workers` | integer | `4` |",
		"| `scoring.weights` | map of name to number | `{\"active_users\":1,",
		"| `scoring.transforms` | map of name to mapping | (long: see `advocate init`'s starter file) |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("config.md lacks %q", want)
		}
	}
	b, err := r.JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Props map[string]struct {
			Props map[string]json.RawMessage `json:"properties"`
			Extra *bool                      `json:"additionalProperties"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	srv := s.Props["server"]
	if _, ok := srv.Props["metrics_token"]; !ok || srv.Extra == nil || *srv.Extra {
		t.Errorf("schema server = %+v, want metrics_token and no other keys", srv)
	}
}

// TestSchemaAcceptsKnownFiles: every key of the starter file and of the full test fixture is
// known to the schema, so an editor using it flags no valid key.
func TestSchemaAcceptsKnownFiles(t *testing.T) {
	r, err := Build(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{"../starter.yaml", "../testdata/full.yaml"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		checkNode(t, file, doc.Content[0], r.schema, "")
	}
}

func checkNode(t *testing.T, file string, n *yaml.Node, s map[string]any, path string) {
	t.Helper()
	switch n.Kind {
	case yaml.MappingNode:
		props, _ := s["properties"].(map[string]any)
		extra, _ := s["additionalProperties"].(map[string]any)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i].Value, n.Content[i+1]
			child, ok := props[k].(map[string]any)
			if !ok {
				child = extra
			}
			if child == nil {
				t.Errorf("%s:%d: key %s.%s is not in the schema", file, n.Content[i].Line, path, k)
				continue
			}
			checkNode(t, file, v, child, path+"."+k)
		}
	case yaml.SequenceNode:
		items, _ := s["items"].(map[string]any)
		if items == nil {
			t.Errorf("%s:%d: %s is a list, the schema says otherwise", file, n.Line, path)
			return
		}
		for _, c := range n.Content {
			checkNode(t, file, c, items, path+"[]")
		}
	}
}
