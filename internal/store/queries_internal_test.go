package store

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

func TestParseQueries(t *testing.T) {
	got, err := parseQueries("x.sql", `-- A file comment.

-- name: One
-- What One does? A question mark in a comment must not become a placeholder.
SELECT 1
FROM t WHERE a = ?;

-- name: Two
	UPDATE t SET a = ? -- trailing comments stay
	WHERE b = ?
`)
	if err != nil {
		t.Fatal(err)
	}
	want := []namedQuery{
		{Name: "One", File: "x.sql", Raw: "SELECT 1\nFROM t WHERE a = ?"},
		{Name: "Two", File: "x.sql", Raw: "UPDATE t SET a = ? -- trailing comments stay\n\tWHERE b = ?"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parsed\n%#v\nwant\n%#v", got, want)
	}
	for _, bad := range []string{"SELECT 1", "-- name: Empty\n", "-- name:\nSELECT 1"} {
		if _, err := parseQueries("bad.sql", bad); err == nil {
			t.Errorf("parseQueries(%q) accepted it", bad)
		}
	}
}

func TestLoadQueriesOverridesByDialect(t *testing.T) {
	fsys := fstest.MapFS{
		"a.sql":          {Data: []byte("-- name: Shared\nSELECT ?\n-- name: Differs\nSELECT 'shared'")},
		"postgres/a.sql": {Data: []byte("-- name: Differs\nSELECT 'pg', ?\n-- name: OnlyPG\nSELECT 2")},
	}
	pg, err := loadQueries(fsys, Postgres)
	if err != nil {
		t.Fatal(err)
	}
	lite, err := loadQueries(fsys, SQLite)
	if err != nil {
		t.Fatal(err)
	}
	if pg["Shared"].SQL != "SELECT $1" || lite["Shared"].SQL != "SELECT ?" {
		t.Errorf("Shared: pg %q, sqlite %q", pg["Shared"].SQL, lite["Shared"].SQL)
	}
	if pg["Differs"].SQL != "SELECT 'pg', $1" || pg["Differs"].File != "postgres/a.sql" || lite["Differs"].SQL != "SELECT 'shared'" {
		t.Errorf("Differs: pg %+v, sqlite %+v", pg["Differs"], lite["Differs"])
	}
	if _, ok := lite["OnlyPG"]; ok || pg["OnlyPG"].SQL == "" {
		t.Error("a query in postgres/ must exist on Postgres only")
	}
	fsys["b.sql"] = &fstest.MapFile{Data: []byte("-- name: Shared\nSELECT 3")}
	if _, err := loadQueries(fsys, SQLite); err == nil || !strings.Contains(err.Error(), "a.sql and b.sql") {
		t.Errorf("a name defined twice at one level: err = %v", err)
	}
}

// TestQueryNamesExist: every name the Go code asks for (s.q("X"), s.in("X"), s.query("X"),
// s.execIn(ctx, db, "X", …), selectKeys(ctx, "X", …)) is defined for both engines (Postgres-only
// ones for Postgres), and every defined query is named somewhere in the Go code. A missing name
// would otherwise panic only when its code path first runs.
func TestQueryNamesExist(t *testing.T) {
	asked, literals := map[string]bool{}, map[string]bool{}
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				if s, err := strconv.Unquote(n.Value); err == nil && n.Kind == token.STRING {
					literals[s] = true
				}
			case *ast.CallExpr:
				if name, ok := queryNameArg(n); ok {
					asked[name] = true
				}
			}
			return true
		})
	}
	if len(asked) < 50 {
		t.Fatalf("found only %d query names in the Go code: is the scan broken?", len(asked))
	}
	pgOnly := map[string]bool{"TryAdvisoryLock": true, "AdvisoryUnlock": true, "OutboxStep": true, "ForceGenericPlans": true, "DefaultPlans": true, "OutboxChurn": true, "AnalyzeOutbox": true}
	for _, d := range []Dialect{Postgres, SQLite} {
		set, err := embeddedSets[d]()
		if err != nil {
			t.Fatal(err)
		}
		for name := range asked {
			if _, ok := set[name]; !ok && !(d == SQLite && pgOnly[name]) {
				t.Errorf("Go code asks for query %s, not defined for %s", name, d)
			}
		}
		for name, q := range set {
			if !literals[name] {
				t.Errorf("query %s (%s) is defined but no Go code names it", name, q.File)
			}
		}
	}
}

// queryNameArg returns the literal query name a call to q, in or selectKeys passes.
func queryNameArg(call *ast.CallExpr) (string, bool) {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return "", false
	}
	arg := map[string]int{"query": 0, "q": 0, "in": 0, "execIn": 2, "selectKeys": 1}
	i, ok := arg[sel.Sel.Name]
	if !ok || len(call.Args) <= i {
		return "", false
	}
	lit, ok := call.Args[i].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	name, err := strconv.Unquote(lit.Value)
	return name, err == nil
}
