// Package archtest checks the module's architecture from its source: which packages may import
// which, where SQL and database drivers may live, and how complex a function may get. It has
// only tests; it reads the Go files with go/parser, so it needs no build and no go command.
package archtest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// file is one parsed Go file of the module.
type file struct {
	path string // slash-separated, relative to the module root
	dir  string // the package directory, relative to the root ("." for the root)
	test bool   // a _test.go file
	ast  *ast.File
	fset *token.FileSet
}

var (
	loadOnce sync.Once
	module   string
	files    []file
	loadErr  error
)

// load parses every Go file under the module root once (testdata, vendor and hidden
// directories excepted).
func load(t *testing.T) (string, []file) {
	t.Helper()
	loadOnce.Do(func() { module, files, loadErr = parseModule() })
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	return module, files
}

func parseModule() (string, []file, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", nil, err
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", nil, err
	}
	m := regexp.MustCompile(`(?m)^module\s+(\S+)`).FindSubmatch(gomod)
	if m == nil {
		return "", nil, fmt.Errorf("%s/go.mod names no module", root)
	}
	var out []file
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		out = append(out, file{path: rel, dir: filepath.ToSlash(filepath.Dir(rel)), test: strings.HasSuffix(name, "_test.go"), ast: f, fset: fset})
		return nil
	})
	return string(m[1]), out, err
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
		dir = parent
	}
}

// pos is a position in f as path:line:col, the path relative to the module root.
func (f file) pos(p token.Pos) string {
	at := f.fset.Position(p)
	return fmt.Sprintf("%s:%d:%d", f.path, at.Line, at.Column)
}

// under reports whether dir is d or inside it.
func under(dir, d string) bool { return dir == d || strings.HasPrefix(dir, d+"/") }

// imports lists a file's import paths with their positions.
func imports(f file) map[string]string {
	out := map[string]string{}
	for _, imp := range f.ast.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		out[p] = f.pos(imp.Pos())
	}
	return out
}

// Database drivers and SQL toolkits: only the store may use them.
var drivers = []string{"database/sql", "github.com/lib/pq", "github.com/jmoiron/sqlx", "modernc.org/sqlite",
	"github.com/jackc/pgx", "github.com/mattn/go-sqlite3", "github.com/pressly/goose"}

// storeDirs may hold SQL and import drivers: the store and its test helpers.
var storeDirs = []string{"internal/store", "migrations"}

func isDriver(p string) bool {
	return slices.ContainsFunc(drivers, func(d string) bool { return p == d || strings.HasPrefix(p, d+"/") })
}

// testHelper matches the directories of test-only packages: platform fakes (rewardfulfake,
// slackfake, affiliatestest/fakes) and kits (storetest, affiliatestest, smtptest). They import
// testing and play vendors, so they must stay out of the binary that ships.
var testHelper = regexp.MustCompile(`(fake|fakes|test)$`)

// isTestHelper reports whether the package in dir (relative to the module root) is test-only.
// archtest itself holds only tests and is never imported.
func isTestHelper(dir string) bool { return testHelper.MatchString(path.Base(dir)) }

// TestImports enforces the dependency rules of DESIGN.md ("Dependencies point inward"), for
// every Go file, tests included unless a rule says otherwise.
func TestImports(t *testing.T) {
	mod, all := load(t)
	internal, cmd := mod+"/internal/", mod+"/cmd/"
	rules := []struct {
		name    string
		applies func(f file) bool
		bad     func(imp string) bool
	}{
		// Tests of connectors use the conformance kit and store helpers, so the rule is for
		// the code that ships.
		{"scoring and connectors import nothing from internal/ (non-test files)",
			func(f file) bool { return !f.test && (under(f.dir, "scoring") || under(f.dir, "connectors")) },
			func(imp string) bool { return strings.HasPrefix(imp, internal) }},
		{"the domain core internal/advocate imports nothing from the module",
			func(f file) bool { return f.dir == "internal/advocate" },
			func(imp string) bool { return imp == mod || strings.HasPrefix(imp, mod+"/") }},
		{"no package imports cmd/",
			func(f file) bool { return true },
			func(imp string) bool { return strings.HasPrefix(imp, cmd) }},
		{"test helpers (fakes, kits: packages named *fake, *fakes, *test) are imported only by tests and other test helpers",
			func(f file) bool { return !f.test && !isTestHelper(f.dir) },
			func(imp string) bool {
				return strings.HasPrefix(imp, mod+"/") && isTestHelper(strings.TrimPrefix(imp, mod+"/"))
			}},
		{"only internal/store (and internal/store/storetest) imports a database driver",
			func(f file) bool {
				return !slices.ContainsFunc(storeDirs, func(d string) bool { return under(f.dir, d) })
			},
			isDriver},
	}
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			for _, f := range all {
				if !r.applies(f) {
					continue
				}
				for imp, at := range imports(f) {
					if r.bad(imp) {
						t.Errorf("%s: imports %s", at, imp)
					}
				}
			}
		})
	}
}

// sqlStatement matches string literals that read as SQL statements. Keywords are upper case,
// as all SQL in this module is written; prose such as "select the rows from" does not match.
var sqlStatement = regexp.MustCompile(`\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b|\bCREATE\s+(TABLE|(UNIQUE\s+)?INDEX|SCHEMA)\b|\bALTER\s+TABLE\b|\bDROP\s+(TABLE|SCHEMA)\b`)

// sqlAllowed lists the directories outside the store whose non-test files may hold
// statements that read as SQL, and why.
var sqlAllowed = map[string]string{
	"connectors/salesforce": "SOQL queries sent to Salesforce's REST API, not SQL against our database",
}

// TestSQLLivesInTheStore: outside internal/store and migrations/, non-test Go files hold no
// SQL. Tests and benchmarks may (they set up fixtures), and the store's test helpers
// (internal/store/storetest) are part of the store.
func TestSQLLivesInTheStore(t *testing.T) {
	_, all := load(t)
	for _, f := range all {
		if f.test || slices.ContainsFunc(storeDirs, func(d string) bool { return under(f.dir, d) }) || sqlAllowed[f.dir] != "" {
			continue
		}
		ast.Inspect(f.ast, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				s = lit.Value
			}
			if m := sqlStatement.FindString(s); m != "" {
				t.Errorf("%s: SQL outside internal/store: %q", f.pos(lit.Pos()), firstLine(m))
			}
			return true
		})
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// The SQL pattern finds statements and leaves prose alone.
func TestSQLStatementPattern(t *testing.T) {
	tests := []struct {
		text string
		sql  bool
	}{
		{"SELECT id, name FROM customers WHERE id = $1", true},
		{"SELECT id,\n\tname\nFROM customers", true},
		{"INSERT INTO outbox (id) VALUES (?)", true},
		{"UPDATE customers SET name = ?", true},
		{"DELETE FROM signals", true},
		{"CREATE TABLE t (id TEXT)", true},
		{"CREATE UNIQUE INDEX i ON t (id)", true},
		{"select the customers from the shortlist", false},
		{"Update the weights, then set a gate", false},
		{"SELECT", false},
		{"press Approve to insert into the program", false},
	}
	for _, tt := range tests {
		if got := sqlStatement.MatchString(tt.text); got != tt.sql {
			t.Errorf("%q: matched %v, want %v", tt.text, got, tt.sql)
		}
	}
}

// maxComplexity is the most cyclomatic complexity a function may have without a place in
// complexityAllowed.
const maxComplexity = 20

// complexityAllowed are the non-test functions allowed over maxComplexity, keyed by package
// directory and function name as gocyclo names it, each with why. Parsers whose shape is one
// case per input form may stay; everything else is to be split.
// complexityAllowed names functions allowed over 20, each with why. Empty: every function is
// at 20 or below; a parser whose complexity is inherent may be added with its reason.
var complexityAllowed = map[string]string{}

// complexity is gocyclo's cyclomatic complexity of a function: 1, plus one per if, for,
// range, non-default case or select clause, && and ||, closures included.
func complexity(fn *ast.FuncDecl) int {
	c := 1
	ast.Inspect(fn, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.IfStmt, *ast.ForStmt, *ast.RangeStmt:
			c++
		case *ast.CaseClause:
			if n.List != nil {
				c++
			}
		case *ast.CommClause:
			if n.Comm != nil {
				c++
			}
		case *ast.BinaryExpr:
			if n.Op == token.LAND || n.Op == token.LOR {
				c++
			}
		}
		return true
	})
	return c
}

// funcName names a function as gocyclo does: F, (T).M or (*T).M.
func funcName(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return fn.Name.Name
	}
	typ := fn.Recv.List[0].Type
	star := ""
	if s, ok := typ.(*ast.StarExpr); ok {
		typ, star = s.X, "*"
	}
	switch x := typ.(type) {
	case *ast.IndexExpr:
		typ = x.X
	case *ast.IndexListExpr:
		typ = x.X
	}
	name := "?"
	if id, ok := typ.(*ast.Ident); ok {
		name = id.Name
	}
	return "(" + star + name + ")." + fn.Name.Name
}

// TestComplexity fails for every non-test function over maxComplexity that is not allowed,
// and for every allowance no longer needed, and logs all functions over the limit, most
// complex first.
func TestComplexity(t *testing.T) {
	_, all := load(t)
	type over struct {
		key, at string
		n       int
	}
	var found []over
	for _, f := range all {
		if f.test {
			continue
		}
		for _, d := range f.ast.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			if n := complexity(fn); n > maxComplexity {
				found = append(found, over{f.dir + "." + funcName(fn), f.pos(fn.Pos()), n})
			}
		}
	}
	slices.SortFunc(found, func(a, b over) int {
		if a.n != b.n {
			return b.n - a.n
		}
		return strings.Compare(a.key, b.key)
	})
	var list strings.Builder
	seen := map[string]bool{}
	for _, o := range found {
		seen[o.key] = true
		why, ok := complexityAllowed[o.key]
		if !ok {
			why = "NOT ALLOWED"
			t.Errorf("%s: %s has cyclomatic complexity %d (over %d): split it, or add it to complexityAllowed with a reason", o.at, o.key, o.n, maxComplexity)
		}
		fmt.Fprintf(&list, "\n%4d  %-48s %s  (%s)", o.n, o.key, o.at, why)
	}
	t.Logf("functions over cyclomatic complexity %d:%s", maxComplexity, list.String())
	for _, key := range slices.Sorted(maps.Keys(complexityAllowed)) {
		if !seen[key] {
			t.Errorf("complexityAllowed[%q]: no such function over %d any more; remove the entry", key, maxComplexity)
		}
	}
}
