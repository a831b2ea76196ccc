package server_test

import (
	"encoding/json"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/advocate-hq/advocate/internal/server"
)

type openAPIDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]json.RawMessage `json:"schemas"`
	} `json:"components"`
}

type operation struct {
	OperationID string                     `json:"operationId"`
	Responses   map[string]json.RawMessage `json:"responses"`
}

var methods = []string{"get", "put", "post", "delete", "patch", "head", "options"}

func loadDoc(t *testing.T) openAPIDoc {
	t.Helper()
	var d openAPIDoc
	if err := json.Unmarshal(server.OpenAPI(), &d); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if d.OpenAPI != "3.1.0" {
		t.Fatalf("openapi = %q, want 3.1.0", d.OpenAPI)
	}
	return d
}

// ops lists the document's operations as "METHOD /path".
func ops(t *testing.T, d openAPIDoc) map[string]operation {
	t.Helper()
	out := map[string]operation{}
	for path, item := range d.Paths {
		for key, raw := range item {
			if !slices.Contains(methods, key) {
				continue // parameters, summary…
			}
			var op operation
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", key, path, err)
			}
			if op.OperationID == "" || len(op.Responses) == 0 {
				t.Errorf("%s %s: needs an operationId and responses", key, path)
			}
			out[strings.ToUpper(key)+" "+path] = op
		}
	}
	return out
}

// covers says whether a mux pattern serves a documented operation: same method (a pattern
// without one serves all) and the same path, a pattern ending in / covering the paths under it.
func covers(pattern, op string) bool {
	pm, pp, ok := strings.Cut(pattern, " ")
	if !ok {
		pm, pp = "", pattern
	}
	om, opath, _ := strings.Cut(op, " ")
	if pm != "" && pm != om {
		return false
	}
	if strings.HasSuffix(pp, "/") {
		return strings.HasPrefix(opath, pp) && len(opath) > len(pp)
	}
	return opath == pp
}

// TestOpenAPICoversRoutes: every route `advocate serve` registers is in the document, every
// operation in the document is a registered route, and the push API's answers a client must
// handle (401, 413, 422) are documented.
func TestOpenAPICoversRoutes(t *testing.T) {
	d := loadDoc(t)
	all := ops(t, d)
	for _, r := range server.Routes {
		n := 0
		for op := range all {
			if covers(r, op) {
				n++
			}
		}
		if n == 0 {
			t.Errorf("route %q is not in openapi.json", r)
		}
	}
	for op := range all {
		if !slices.ContainsFunc(server.Routes, func(r string) bool { return covers(r, op) }) {
			t.Errorf("openapi.json documents %q, which no route serves", op)
		}
	}
	push := all["POST /api/v1/signals"]
	for _, code := range []string{"200", "401", "413", "422"} {
		if _, ok := push.Responses[code]; !ok {
			t.Errorf("POST /api/v1/signals: response %s is not documented", code)
		}
	}
	// Every $ref points at a schema that exists.
	refs := strings.Split(string(server.OpenAPI()), `"$ref": "#/components/schemas/`)
	for _, r := range refs[1:] {
		name, _, _ := strings.Cut(r, `"`)
		if _, ok := d.Components.Schemas[name]; !ok {
			t.Errorf("$ref to missing schema %q", name)
		}
	}
}

// TestRoutesAreListed: the mux.Handle and HandleFunc calls of Server.Handler and of the
// service's routes name a Route constant, and routes.go lists every Route constant in Routes —
// so a route added with a literal pattern, or a constant left out of Routes, fails here.
func TestRoutesAreListed(t *testing.T) {
	fset := token.NewFileSet()
	consts := map[string]string{} // Route constant name -> pattern
	f, err := parser.ParseFile(fset, "routes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, decl := range f.Decls {
		g, ok := decl.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, n := range vs.Names {
				lit := vs.Values[i].(*ast.BasicLit)
				consts[n.Name] = constant.StringVal(constant.MakeFromLiteral(lit.Value, lit.Kind, 0))
			}
		}
	}
	var listed []string
	for _, p := range consts {
		listed = append(listed, p)
	}
	sort.Strings(listed)
	routes := slices.Sorted(slices.Values(server.Routes))
	if !slices.Equal(listed, routes) {
		t.Errorf("Routes = %v, want every Route constant: %v", routes, listed)
	}

	for _, file := range []string{"server.go", "../service/service.go"} {
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 2 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") {
				return true
			}
			var name string
			switch a := call.Args[0].(type) {
			case *ast.Ident:
				name = a.Name
			case *ast.SelectorExpr:
				name = a.Sel.Name
			case *ast.BasicLit:
				if s, _ := strconv.Unquote(a.Value); s == "/" {
					return true // mounts Server.Handler, whose routes are checked here too
				}
			}
			if _, ok := consts[name]; !ok {
				t.Errorf("%s: %s registers a pattern that is not a Route constant of routes.go (so not checked against openapi.json)",
					fset.Position(call.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
}

// TestHandlerServesOpenAPI: the document is served as JSON at GET /api/openapi.json, and each
// route Handler owns reaches its handler rather than a 404.
func TestHandlerServesOpenAPI(t *testing.T) {
	s := &server.Server{Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		AffiliateWebhooks: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})}
	h := s.Handler()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || string(body) != string(server.OpenAPI()) {
		t.Fatalf("GET /api/openapi.json = %d %q, %d bytes; want 200 application/json, the document", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
	mux := h.(*http.ServeMux)
	for _, r := range []string{server.RouteHealthz, server.RouteReadyz, server.RouteSignals, server.RouteAffiliateWebhooks, server.RouteOpenAPI} {
		method, path, _ := strings.Cut(r, " ")
		if _, pattern := mux.Handler(httptest.NewRequest(method, path, nil)); pattern != r {
			t.Errorf("%s %s reaches pattern %q, want %q", method, path, pattern, r)
		}
	}
}
