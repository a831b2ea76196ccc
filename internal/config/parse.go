package config

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Parse parses a config file's contents. filename is only used in error messages. getenv
// looks up ${NAME} references (os.LookupEnv in production; nil means an empty environment).
//
// Every problem in the file is reported, as an Errors value in line order.
func Parse(filename string, data []byte, getenv func(string) (string, bool)) (*Config, error) {
	if getenv == nil {
		getenv = func(string) (string, bool) { return "", false }
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, Errors{syntaxError(filename, err)}
	}
	cfg := Default() // keys absent from the file keep these values
	cfg.Path = filename
	p := &parser{
		file:     filename,
		getenv:   getenv,
		lines:    map[string]int{},
		raw:      map[string]string{},
		bad:      map[string]bool{},
		expanded: map[*yaml.Node]bool{},
	}
	if root := docRoot(&doc); root != nil {
		p.walk(root, reflect.ValueOf(cfg).Elem(), "")
		// yaml's decoder goes on past type errors, so the rest of the file still decodes and is
		// validated below; the errors it reports are the ones walk already described better.
		if err := root.Decode(cfg); err != nil && len(p.errs) == 0 {
			p.decodeError(err)
		}
	}
	cfg.fillEmpty()
	p.validate(cfg)
	if len(p.errs) > 0 {
		// The config file's problems in line order, then those in files it names (templates).
		slices.SortStableFunc(p.errs, func(a, b *Error) int {
			if (a.File == p.file) != (b.File == p.file) {
				if a.File == p.file {
					return -1
				}
				return 1
			}
			return cmp.Or(strings.Compare(a.File, b.File), a.Line-b.Line)
		})
		return nil, p.errs
	}
	return cfg, nil
}

// docRoot returns the top node of the first document, or nil for an empty file.
func docRoot(doc *yaml.Node) *yaml.Node {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil
	}
	return doc.Content[0]
}

// yamlLine matches the location yaml.v3 puts in its messages.
var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// syntaxError turns "yaml: line 3: mapping values are not allowed…" into "file:3: mapping…".
func syntaxError(file string, err error) *Error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Msg: "YAML syntax: " + m[2]}
	}
	return &Error{File: file, Msg: "YAML syntax: " + strings.TrimPrefix(msg, "yaml: ")}
}

// parser walks the YAML tree against the Config type, collecting problems and remembering the
// line of every key path so later checks can point at it.
type parser struct {
	file   string
	getenv func(string) (string, bool)
	errs   Errors
	// lines maps a key path ("connectors[1].schedule") to the line of its value.
	lines map[string]int
	// raw holds the text before ${ENV} expansion of values that had any, so messages can name
	// the variable instead of showing a value that may be secret.
	raw map[string]string
	// bad marks paths already reported, so validation does not pile a second error on them.
	bad      map[string]bool
	expanded map[*yaml.Node]bool
}

func (p *parser) errorf(line int, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// report records a problem about path, on the line of path or of its nearest ancestor in the
// file, unless that path already has one.
func (p *parser) report(path, format string, args ...any) {
	if p.bad[path] {
		return
	}
	p.bad[path] = true
	p.errorf(p.line(path), format, args...)
}

// line returns the line of path's value, or of its nearest ancestor present in the file.
func (p *parser) line(path string) int {
	for path != "" {
		if l, ok := p.lines[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

// show quotes a value for a message. A value that came from the environment is not shown, only
// the reference it came from: it may be a secret in the wrong place.
func (p *parser) show(path, value string) string {
	if raw, ok := p.raw[path]; ok {
		return fmt.Sprintf("%q (from the environment; value not shown)", raw)
	}
	return strconv.Quote(value)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// walk checks n against the Go value v (part of the Config being filled) at the key path:
// unknown keys, duplicate keys, kinds and scalar types; it expands ${ENV} in scalars in place
// so the decoder sees the final values. Lists and maps the file sets are cleared in v first, so
// the decoder replaces the defaults rather than merging into them.
func (p *parser) walk(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if path != "" {
		p.lines[path] = n.Line
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		if k := v.Kind(); k == reflect.Map || k == reflect.Slice {
			v.SetZero()
		}
		return // the decoder leaves other kinds at their default
	}
	switch v.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			p.typeError(n, v.Type(), path)
			return
		}
		p.walkStruct(n, v, path)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			p.typeError(n, v.Type(), path)
			return
		}
		v.SetZero()
		p.walkMap(n, v.Type(), path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			p.typeError(n, v.Type(), path)
			return
		}
		v.SetZero()
		for i, item := range n.Content {
			if item.Kind == yaml.ScalarNode && item.ShortTag() == "!!null" {
				// The decoder drops null items, which would shift every later index away from
				// the file; make them empty values so "connectors[3]" stays the fourth entry.
				switch v.Type().Elem().Kind() {
				case reflect.Struct:
					item.Kind, item.Tag, item.Value = yaml.MappingNode, "!!map", ""
				case reflect.String:
					item.Tag, item.Value, item.Style = "!!str", "", 0
				}
			}
			p.walk(item, reflect.New(v.Type().Elem()).Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	default:
		p.walkScalar(n, v.Type(), path)
	}
}

// isMerge reports whether a mapping key is YAML's "<<" merge key.
func isMerge(key *yaml.Node) bool {
	return key.Kind == yaml.ScalarNode && key.Value == "<<" && key.ShortTag() == "!!merge"
}

// merged returns the mappings a "<<" value brings in: one mapping or a list of them.
func merged(n *yaml.Node) []*yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.SequenceNode {
		var out []*yaml.Node
		for _, item := range n.Content {
			out = append(out, merged(item)...)
		}
		return out
	}
	if n.Kind == yaml.MappingNode {
		return []*yaml.Node{n}
	}
	return nil
}

// keyName returns a mapping key's text, reporting keys that are not plain scalars.
func (p *parser) keyName(key *yaml.Node, path string) (string, bool) {
	if key.Kind != yaml.ScalarNode {
		where := ""
		if path != "" {
			where = " in " + path
		}
		p.errorf(key.Line, "keys must be plain names%s", where)
		return "", false
	}
	return key.Value, true
}

// duplicate reports a key already seen in this mapping; seen maps keys to their first line.
func (p *parser) duplicate(key *yaml.Node, name, path string, seen map[string]int) bool {
	if first, dup := seen[name]; dup {
		p.errorf(key.Line, "duplicate key %q in %s (first at line %d)", name, cmp.Or(path, "the top level"), first)
		return true
	}
	seen[name] = key.Line
	return false
}

func (p *parser) walkStruct(n *yaml.Node, v reflect.Value, path string) {
	fields := yamlFields(v.Type())
	p.pairs(n, path, nil, func(key, val *yaml.Node, name string) {
		idx, known := fields.index[name]
		if !known {
			where := ""
			if path != "" {
				where = " in " + path
			}
			p.errorf(key.Line, "unknown key %q%s (known: %s)", name, where, strings.Join(fields.names, ", "))
			return
		}
		p.walk(val, v.Field(idx), join(path, name))
	})
}

func (p *parser) walkMap(n *yaml.Node, t reflect.Type, path string) {
	p.pairs(n, path, nil, func(_, val *yaml.Node, name string) {
		p.walk(val, reflect.New(t.Elem()).Elem(), join(path, name))
	})
}

// pairs calls each for a mapping's entries: its own keys first, reporting duplicates, then the
// keys merged in with "<<" that nothing before overrides (YAML's merge rule), skipping shadow.
func (p *parser) pairs(n *yaml.Node, path string, shadow map[string]bool, each func(key, val *yaml.Node, name string)) {
	seen := map[string]int{}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		if isMerge(key) {
			merges = append(merges, merged(val)...)
			continue
		}
		name, ok := p.keyName(key, path)
		if !ok || p.duplicate(key, name, path, seen) || shadow[name] {
			continue
		}
		each(key, val, name)
	}
	if len(merges) == 0 {
		return
	}
	inner := maps.Clone(shadow)
	if inner == nil {
		inner = map[string]bool{}
	}
	for name := range seen {
		inner[name] = true
	}
	for _, m := range merges {
		p.pairs(m, path, inner, each)
		for i := 0; i+1 < len(m.Content); i += 2 {
			inner[m.Content[i].Value] = true
		}
	}
}

// walkScalar expands ${ENV} references in n and checks that it decodes into type t.
func (p *parser) walkScalar(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind != yaml.ScalarNode {
		p.typeError(n, t, path)
		return
	}
	if strings.Contains(n.Value, "$") && !p.expanded[n] {
		p.expanded[n] = true
		value, fromEnv, problems := expand(n.Value, p.getenv)
		if len(problems) > 0 {
			for _, msg := range problems {
				p.errorf(n.Line, "%s: %s", path, msg)
			}
			p.bad[path] = true
			n.Kind, n.Tag, n.Value, n.Style = yaml.ScalarNode, "!!null", "", 0 // decode as unset
			return
		}
		if value != n.Value {
			if fromEnv {
				p.raw[path] = n.Value
			}
			n.Value = value
			n.Tag, n.Style = "", 0 // re-resolve: `port: ${SMTP_PORT}` becomes an int
			if t.Kind() == reflect.String {
				n.Tag = "!!str" // but a string stays a string, even "" or "true"
			}
		}
	}
	if t.Kind() == reflect.String {
		return // any scalar reads as its text
	}
	if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0 && n.Style&yaml.TaggedStyle == 0 {
		n.Tag, n.Style = "", 0 // `port: "587"` is a number to anyone reading it
	}
	if err := n.Decode(reflect.New(t).Interface()); err != nil {
		p.typeError(n, t, path)
	}
}

func (p *parser) typeError(n *yaml.Node, t reflect.Type, path string) {
	var got string
	switch n.Kind {
	case yaml.MappingNode:
		got = "a mapping"
	case yaml.SequenceNode:
		got = "a list"
	default:
		got = p.show(path, redactURL(n.Value)) // `database: postgres://u:pw@…` is an easy slip
	}
	p.bad[path] = true
	p.errorf(n.Line, "%s: expected %s, got %s", cmp.Or(path, "top level"), describe(t), got)
}

func describe(t reflect.Type) string {
	if t.Kind() == reflect.Pointer { // optional numbers (transform min/max) read as numbers
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list"
	default:
		return "a mapping"
	}
}

// decodeError reports what yaml's decoder found that walk did not (there should be nothing).
func (p *parser) decodeError(err error) {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		p.errorf(0, "%v", err)
		return
	}
	for _, msg := range te.Errors {
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			p.errorf(line, "%s", m[2])
		} else {
			p.errorf(0, "%s", msg)
		}
	}
}

// fieldSet is a struct's YAML keys in declaration order, and their field indexes.
type fieldSet struct {
	names []string
	index map[string]int
}

func yamlFields(t reflect.Type) fieldSet {
	fs := fieldSet{index: map[string]int{}}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fs.names = append(fs.names, name)
		fs.index[name] = i
	}
	return fs
}

// envName is what may appear between ${ and } (or before :-).
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// expand replaces ${NAME} with the variable's value and ${NAME:-fallback} with the value, or
// fallback when the variable is unset or empty. "$${" is a literal "${"; any other "$" is kept
// as is, so passwords containing "$" need no escaping. It reports whether any variable was
// read, and returns one message per problem; messages never contain values.
func expand(s string, getenv func(string) (string, bool)) (_ string, fromEnv bool, problems []string) {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			break
		}
		if i > 0 && s[i-1] == '$' { // escaped: "$${" -> "${"
			b.WriteString(s[:i])
			b.WriteString("{")
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			problems = append(problems, `unterminated "${" (write "$${" for a literal "${")`)
			break
		}
		ref := s[i+2 : i+end]
		s = s[i+end+1:]
		name, fallback, hasFallback := strings.Cut(ref, ":-")
		if !envName.MatchString(name) {
			problems = append(problems, fmt.Sprintf("bad variable name in ${%s}", ref))
			continue
		}
		value, set := getenv(name)
		fromEnv = fromEnv || value != ""
		switch {
		case hasFallback && value == "":
			b.WriteString(fallback)
		case !set:
			problems = append(problems, fmt.Sprintf("${%s} is not set", name))
		default:
			b.WriteString(value)
		}
	}
	return b.String(), fromEnv, problems
}
