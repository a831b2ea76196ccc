// Package configdoc writes the configuration reference (docs/config.md) and a JSON Schema for
// editors (docs/advocate.schema.json) from the config schema itself: the key tree comes from
// config.Config's yaml tags, the text from the doc comments on its fields (read from the Go
// source), the defaults from a parsed empty file. `go generate ./internal/config` runs it, and
// a test fails when the committed files differ, so the reference cannot drift from the code.
package configdoc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/advocate-hq/advocate/internal/config"
)

// module is the import path the source directories are found under.
const module = "github.com/advocate-hq/advocate"

// Key is one setting of advocate.yaml.
type Key struct {
	Path    string // scoring.weights.<name>, connectors[].token
	Type    string // as a person reads it: "string", "list of strings", "mapping"…
	Default string // "" when none (or when it is a whole map or list, see Doc)
	Doc     string // the field's doc comment, one paragraph
	Secret  bool   // the doc calls it a secret: write it as ${ENV}

	t reflect.Type // the Go type, for the schema
}

// Reference is the key tree of advocate.yaml.
type Reference struct {
	Keys   []Key
	schema map[string]any
}

// Build reads the comments of the config packages under root (the module's directory).
func Build(root string) (*Reference, error) {
	docs := comments{root: root, parsed: map[string]map[string]map[string]string{}}
	defaults, err := config.Parse("advocate.yaml", []byte("{}\n"), nil)
	if err != nil {
		return nil, fmt.Errorf("defaults: %w", err)
	}
	r := &Reference{}
	root0 := reflect.ValueOf(defaults).Elem()
	schema, err := r.walk(&docs, root0.Type(), root0, "")
	if err != nil {
		return nil, err
	}
	schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	schema["$id"] = "https://github.com/advocate-hq/advocate/docs/advocate.schema.json"
	schema["title"] = "advocate.yaml"
	schema["description"] = "Advocate's configuration file. Generated from internal/config by `go generate ./internal/config`; see docs/config.md."
	schema["$defs"] = map[string]any{"env": map[string]any{"type": "string", "pattern": `^\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}$`,
		"description": "${NAME} or ${NAME:-fallback}: the value of an environment variable."}}
	r.schema = schema
	return r, nil
}

// walk adds the keys of struct type t (with its defaults in v, when valid) under prefix and
// returns the struct's JSON Schema.
func (r *Reference) walk(docs *comments, t reflect.Type, v reflect.Value, prefix string) (map[string]any, error) {
	if v.IsValid() {
		if m := v.MethodByName("WithDefaults"); m.IsValid() && m.Type().NumIn() == 0 && m.Type().NumOut() == 1 && m.Type().Out(0) == t {
			v = m.Call(nil)[0] // defaults resolved when read (drip), not stored by Parse
		}
	}
	fieldDocs, err := docs.of(t)
	if err != nil {
		return nil, err
	}
	props := map[string]any{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		path := join(prefix, name)
		var fv reflect.Value
		if v.IsValid() {
			fv = v.Field(i)
		}
		k := Key{Path: path, Doc: fieldDocs[f.Name], t: f.Type}
		if note, ok := notes[path]; ok {
			k.Doc = strings.TrimSpace(k.Doc + " " + note)
		}
		if k.Doc == "" {
			if et := elem(f.Type); et.Kind() == reflect.Struct {
				td, err := docs.of(et)
				if err != nil {
					return nil, err
				}
				k.Doc = td[typeDoc]
			}
		}
		k.Secret = secretWord.MatchString(k.Doc)
		k.Type, k.Default = describe(f.Type, fv)
		r.Keys = append(r.Keys, k)
		s, err := r.child(docs, f.Type, fv, path)
		if err != nil {
			return nil, err
		}
		if k.Doc != "" {
			s["description"] = k.Doc
		}
		props[name] = s
	}
	return map[string]any{"type": "object", "properties": props, "additionalProperties": false}, nil
}

// child returns the schema of a value of type t and adds the keys under it.
func (r *Reference) child(docs *comments, t reflect.Type, v reflect.Value, path string) (map[string]any, error) {
	t, v = deref(t, v)
	switch t.Kind() {
	case reflect.Struct:
		return r.walk(docs, t, v, path)
	case reflect.Slice:
		items, err := r.child(docs, t.Elem(), reflect.Value{}, path+"[]")
		if err != nil {
			return nil, err
		}
		return map[string]any{"type": "array", "items": items}, nil
	case reflect.Map:
		vals, err := r.child(docs, t.Elem(), reflect.Value{}, path+".<name>")
		if err != nil {
			return nil, err
		}
		return map[string]any{"type": "object", "additionalProperties": vals}, nil
	}
	s := map[string]any{}
	switch t.Kind() {
	case reflect.String:
		s["type"] = "string"
	case reflect.Bool:
		s["anyOf"] = []any{map[string]any{"type": "boolean"}, map[string]any{"$ref": "#/$defs/env"}}
	case reflect.Int, reflect.Int64, reflect.Int32:
		s["anyOf"] = []any{map[string]any{"type": "integer"}, map[string]any{"$ref": "#/$defs/env"}}
	case reflect.Float64, reflect.Float32:
		s["anyOf"] = []any{map[string]any{"type": "number"}, map[string]any{"$ref": "#/$defs/env"}}
	default:
		return nil, fmt.Errorf("%s: no schema for Go type %s", path, t)
	}
	if v.IsValid() && !v.IsZero() {
		s["default"] = v.Interface()
	}
	return s, nil
}

// A default longer than maxDefault is not inlined in the table (the nps transform's buckets).
const (
	maxDefault  = 240
	longDefault = "(long: see `advocate init`'s starter file)"
)

// describe names a type for people and renders a default worth showing.
func describe(t reflect.Type, v reflect.Value) (typ, def string) {
	t, v = deref(t, v)
	switch t.Kind() {
	case reflect.Struct:
		return "mapping", ""
	case reflect.Slice:
		typ = "list of " + plural(t.Elem())
	case reflect.Map:
		typ = "map of name to " + single(t.Elem())
	default:
		typ = single(t)
	}
	if !v.IsValid() || v.IsZero() {
		return typ, ""
	}
	if t.Kind() == reflect.String {
		return typ, v.String()
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	// JSON of scalars is YAML flow syntax; of structs it would show Go field names.
	if elem(t).Kind() == reflect.Struct || enc.Encode(v.Interface()) != nil || b.Len() > maxDefault {
		return typ, longDefault
	}
	return typ, strings.TrimSpace(b.String())
}

func single(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		return "mapping"
	case reflect.Slice:
		return "list of " + plural(t.Elem())
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "integer"
	case reflect.Float64, reflect.Float32:
		return "number"
	case reflect.Bool:
		return "boolean"
	}
	return t.Kind().String()
}

func plural(t reflect.Type) string {
	s := single(t)
	if strings.HasPrefix(s, "list of") {
		return "lists"
	}
	return s + "s"
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// secretWord finds a doc comment that calls its field a secret.
var secretWord = regexp.MustCompile(`(?i)\bsecrets?\b`)

// elem is the struct (or scalar) a field's type holds: through pointers, lists and maps.
func elem(t reflect.Type) reflect.Type {
	for {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map:
			t = t.Elem()
		default:
			return t
		}
	}
}

// typeDoc is the key, among a type's field docs, of the type's own doc comment.
const typeDoc = ""

// comments reads field doc comments from Go source, per package directory.
type comments struct {
	root   string
	parsed map[string]map[string]map[string]string // package path -> type -> field -> doc
}

// of returns the doc of each field of struct type t.
func (c *comments) of(t reflect.Type) (map[string]string, error) {
	pkg := t.PkgPath()
	if _, ok := c.parsed[pkg]; !ok {
		rel, ok := strings.CutPrefix(pkg, module)
		if !ok {
			return nil, fmt.Errorf("type %s is outside module %s", t, module)
		}
		types, err := parseDir(filepath.Join(c.root, filepath.FromSlash(rel)))
		if err != nil {
			return nil, err
		}
		c.parsed[pkg] = types
	}
	return c.parsed[pkg][t.Name()], nil
}

func parseDir(dir string) (map[string]map[string]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]string{}
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		for _, decl := range f.Decls {
			g, ok := decl.(*ast.GenDecl)
			if !ok || g.Tok != token.TYPE {
				continue
			}
			for _, spec := range g.Specs {
				ts := spec.(*ast.TypeSpec)
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				fields := map[string]string{}
				doc := ts.Doc
				if doc == nil {
					doc = g.Doc
				}
				fields[typeDoc] = strings.Join(strings.Fields(doc.Text()), " ")
				for _, fl := range st.Fields.List {
					text := strings.TrimSpace(fl.Doc.Text() + " " + fl.Comment.Text())
					for _, n := range fl.Names {
						fields[n.Name] = strings.Join(strings.Fields(text), " ")
					}
				}
				out[ts.Name.Name] = fields
			}
		}
	}
	return out, nil
}

// Markdown renders the reference as docs/config.md.
func (r *Reference) Markdown() []byte {
	var b bytes.Buffer
	b.WriteString("<!-- Generated by `go generate ./internal/config` from internal/config; do not edit. -->\n\n")
	b.WriteString("# advocate.yaml reference\n\n")
	b.WriteString("Every key Advocate reads, from the code that reads it. `advocate init` writes a commented starter\n")
	b.WriteString("file; `docs/advocate.schema.json` gives editors completion and checks (YAML language server:\n")
	b.WriteString("`# yaml-language-server: $schema=docs/advocate.schema.json` on the first line).\n\n")
	b.WriteString("- Any value may be written `${NAME}` or `${NAME:-fallback}` to read it from the environment; keys\n")
	b.WriteString("  marked **secret** should be (they are never logged or printed).\n")
	b.WriteString("- Unknown keys and invalid values are errors naming the file and line.\n")
	b.WriteString("- A key the file leaves out keeps its default; a list or map the file sets replaces the default\n")
	b.WriteString("  one as a whole. `[]` marks a list item, `<name>` a map key of your choosing.\n")
	section := ""
	for _, k := range r.Keys {
		top, _, _ := strings.Cut(k.Path, ".")
		top, _, _ = strings.Cut(top, "[")
		if top != section {
			section = top
			fmt.Fprintf(&b, "\n## %s\n\n| key | type | default | description |\n| --- | --- | --- | --- |\n", section)
		}
		doc := k.Doc
		if k.Secret {
			doc = "**secret.** " + doc
		}
		def := k.Default
		if def != "" && def != longDefault {
			def = "`" + def + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", k.Path, k.Type, def, cell(doc))
	}
	return b.Bytes()
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}

// JSONSchema renders docs/advocate.schema.json (draft 2020-12).
func (r *Reference) JSONSchema() ([]byte, error) {
	b, err := json.MarshalIndent(r.schema, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Files maps each generated file, relative to the module root, to its content.
func (r *Reference) Files() (map[string][]byte, error) {
	schema, err := r.JSONSchema()
	if err != nil {
		return nil, err
	}
	return map[string][]byte{"docs/config.md": r.Markdown(), "docs/advocate.schema.json": schema}, nil
}

// Write writes Files under root.
func (r *Reference) Write(root string) error {
	files, err := r.Files()
	if err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// deref sees through a pointer type (and its value, when set): a *T key documents as a T.
func deref(t reflect.Type, v reflect.Value) (reflect.Type, reflect.Value) {
	if t.Kind() != reflect.Pointer {
		return t, v
	}
	if v.IsValid() && !v.IsNil() {
		return t.Elem(), v.Elem()
	}
	return t.Elem(), reflect.Value{}
}
