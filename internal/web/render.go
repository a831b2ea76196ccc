package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
)

//go:embed templates/*.html
var templateFS embed.FS

// view is what the layout gets: the page's own data is in Page.
type view struct {
	Title string
	Nav   string // the nav entry to mark current: "week", "drip", "customers", "connectors", "program", "model"
	User  *User  // nil on /login
	CSRF  string // the token forms post as csrf_token
	Flash string
	Page  any
}

var (
	pagesOnce sync.Once
	pages     map[string]*template.Template
	pagesErr  error
)

// parsePages parses templates/layout.html once with each other template file; a page file
// defines "content" (and may define "head"). A broken template fails every page loudly.
func parsePages() (map[string]*template.Template, error) {
	pagesOnce.Do(func() {
		layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
		names, err := fs.Glob(templateFS, "templates/*.html")
		if err != nil {
			pagesErr = err
			return
		}
		pages = map[string]*template.Template{}
		for _, n := range names {
			base := path.Base(n)
			if base == "layout.html" {
				continue
			}
			t, err := template.Must(layout.Clone()).ParseFS(templateFS, n)
			if err != nil {
				pagesErr = err
				return
			}
			pages[strings.TrimSuffix(base, ".html")] = t
		}
	})
	return pages, pagesErr
}

// render writes page name inside the layout. It renders into a buffer first so a template
// error becomes a 500, not half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	ps, err := parsePages()
	t := ps[name]
	if err == nil && t == nil {
		err = errUnknownPage(name)
	}
	var buf bytes.Buffer
	if err == nil {
		v.User = userFrom(r.Context())
		v.CSRF = s.csrfToken(w, r)
		err = t.ExecuteTemplate(&buf, "layout", v)
	}
	if err != nil {
		s.log().Error("render page", "page", name, "err", err)
		http.Error(w, "internal error; see the server log", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

type errUnknownPage string

func (e errUnknownPage) Error() string { return "no template for page " + string(e) }

// funcs are the template helpers every page may use.
var funcs = template.FuncMap{}
