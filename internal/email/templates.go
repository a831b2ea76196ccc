package email

// This file owns the template set: the embedded templates (templates/email) and the overrides
// marketing keeps in email.templates_dir, checked once when they are loaded.

import (
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"github.com/advocate-hq/advocate/internal/advocate"
	"github.com/advocate-hq/advocate/templates"
)

// The three parts of a step's templates: <name>.subject.tmpl, <name>.txt.tmpl, <name>.html.tmpl.
var parts = []string{"subject", "txt", "html"}

// Templates is a set of email templates: the embedded ones, each file optionally replaced by a
// file of the same name in a folder (email.templates_dir). Safe for concurrent use.
type Templates struct {
	dir  string            // "" = embedded only
	over map[string]string // file name -> override path
	sets map[string]*stepSet
}

type stepSet struct {
	subject *texttemplate.Template
	text    *texttemplate.Template
	html    *htmltemplate.Template
}

var (
	embeddedOnce sync.Once
	embedded     *Templates
)

// Embedded returns the templates built into the binary.
func Embedded() *Templates {
	embeddedOnce.Do(func() {
		t, err := LoadTemplates("")
		if err != nil {
			panic("email: embedded templates do not load: " + err.Error()) // a build defect
		}
		embedded = t
	})
	return embedded
}

// TemplateFiles lists the file names a templates folder may hold (every embedded email
// template), sorted.
func TemplateFiles() []string {
	entries, err := fs.ReadDir(templates.FS, "email")
	if err != nil {
		panic("email: embedded templates missing: " + err.Error())
	}
	var out []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmpl") {
			out = append(out, e.Name())
		}
	}
	return out
}

// TemplateNames lists the step templates ("assets", "invite", …), sorted.
func TemplateNames() []string {
	var out []string
	for _, f := range TemplateFiles() {
		if name, ok := strings.CutSuffix(f, ".subject.tmpl"); ok {
			out = append(out, name)
		}
	}
	return out
}

// TemplateError is one problem with a template file, located by file and line (0 when the
// problem is the file as a whole).
type TemplateError struct {
	File string
	Line int
	Msg  string
}

func (e *TemplateError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// TemplateErrors is every problem LoadTemplates found, so all can be fixed in one edit.
type TemplateErrors []*TemplateError

func (es TemplateErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// LoadTemplates parses the embedded templates, with the files in dir replacing the embedded
// ones of the same name ("" = none). Every step is then rendered against a sample customer —
// with and without its optional parts, sent by marketing and by the CSM — so a template that
// only fails when executed, or whose words mention an internal metric, is caught here and not
// when an email is due. Files in dir whose names are not template names are errors; dot
// files (editor backups) are ignored. Errors are TemplateErrors naming the file and line.
func LoadTemplates(dir string) (*Templates, error) {
	t := &Templates{dir: dir, over: map[string]string{}, sets: map[string]*stepSet{}}
	var errs TemplateErrors
	if dir != "" {
		errs = append(errs, t.findOverrides()...)
	}
	for _, name := range TemplateNames() {
		set, perrs := t.parse(name)
		errs = append(errs, perrs...)
		if len(perrs) == 0 {
			t.sets[name] = set
			errs = append(errs, t.check(name)...)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return t, nil
}

// findOverrides maps the folder's files to the templates they replace.
func (t *Templates) findOverrides() TemplateErrors {
	entries, err := os.ReadDir(t.dir)
	if err != nil {
		return TemplateErrors{{File: t.dir, Msg: "cannot read the templates folder: " + unwrapPath(err)}}
	}
	valid := TemplateFiles()
	var errs TemplateErrors
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		path := filepath.Join(t.dir, name)
		if e.IsDir() || !slices.Contains(valid, name) {
			errs = append(errs, &TemplateError{File: path, Msg: fmt.Sprintf("not an email template name; a templates folder holds only files named like the built-in ones: %s",
				strings.Join(valid, ", "))})
			continue
		}
		t.over[name] = path
	}
	return errs
}

func unwrapPath(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// source returns a template file's text and the path errors should name.
func (t *Templates) source(file string) (text, path string, err error) {
	if p, ok := t.over[file]; ok {
		b, err := os.ReadFile(p)
		return string(b), p, err
	}
	b, err := fs.ReadFile(templates.FS, "email/"+file)
	return string(b), "templates/email/" + file, err
}

// parse parses one step's three files. No FuncMap: templates see their data and nothing else
// (no environment, no files).
func (t *Templates) parse(name string) (*stepSet, TemplateErrors) {
	var set stepSet
	var errs TemplateErrors
	for _, part := range parts {
		file := name + "." + part + ".tmpl"
		src, path, err := t.source(file)
		if err != nil {
			errs = append(errs, &TemplateError{File: path, Msg: unwrapPath(err)})
			continue
		}
		switch part {
		case "subject":
			set.subject, err = texttemplate.New(file).Option("missingkey=error").Parse(src)
		case "txt":
			set.text, err = texttemplate.New(file).Option("missingkey=error").Parse(src)
		case "html":
			set.html, err = htmltemplate.New(file).Option("missingkey=error").Parse(src)
		}
		if err != nil {
			errs = append(errs, locate(path, err))
		}
	}
	return &set, errs
}

// Go's template errors read "template: invite.txt.tmpl:12:5: executing …"; html/template's
// "html/template:invite.html.tmpl:12:20: …".
var templateErrRE = regexp.MustCompile(`^(?:html/)?template: ?[^:]+:(\d+)(?::\d+)?: (.*)$`)

// locate turns a parse or execution error into file:line of path.
func locate(path string, err error) *TemplateError {
	var he *htmltemplate.Error
	if errors.As(err, &he) && he.Line > 0 {
		return &TemplateError{File: path, Line: he.Line, Msg: he.Description}
	}
	msg := err.Error()
	if m := templateErrRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &TemplateError{File: path, Line: line, Msg: m[2]}
	}
	return &TemplateError{File: path, Msg: msg}
}

// SampleInvite is the customer every template is rendered against when it is loaded.
func SampleInvite() InviteData {
	return InviteData{
		From: "Dana from Acme <dana@acme.io>", ProgramURL: "https://acme.io/partners", ReferralURL: "https://acme.io/r/priya",
		UnsubscribeURL: "https://advocate.acme.io/u/sample", CustomerName: "Northwind Traders Inc.",
		ContactName: "Priya Shah", ContactEmail: "priya@northwind.example", CSMName: "Sam Rivera", CSMEmail: "sam@acme.io",
		Highlights: []string{"You have been with us since March 2022", "48 people on your team use us"},
		Personal:   "Thank you for building with us.", Plan: "Scale", Industry: "logistics",
		MessageID: "sample@advocate.invalid", Date: time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC),
	}
}

// check renders a step against the sample customer in the shapes a real one comes in.
func (t *Templates) check(name string) TemplateErrors {
	full := SampleInvite()
	bare := full
	bare.ContactName, bare.ReferralURL, bare.UnsubscribeURL, bare.CSMName, bare.CSMEmail = "", "", "", "", ""
	bare.Highlights, bare.Personal, bare.Plan, bare.Industry = nil, "", "", ""
	csm := full
	csm.SendAsCSM()
	var errs TemplateErrors
	for _, d := range []InviteData{full, bare, csm} {
		c, err := t.Render(name, d)
		if err != nil {
			var te *TemplateError
			if errors.As(err, &te) {
				return append(errs, te)
			}
			return append(errs, &TemplateError{File: t.path(name, "subject"), Msg: err.Error()})
		}
		for _, p := range []struct{ part, body string }{{"subject", c.Subject}, {"txt", c.Text}, {"html", c.HTML}} {
			if term := InternalTerm(p.body); term != "" {
				path := t.path(name, p.part)
				src, _, _ := t.source(name + "." + p.part + ".tmpl")
				return append(errs, &TemplateError{File: path, Line: lineOf(src, term),
					Msg: fmt.Sprintf("%q is for CSMs, not customers: an email must not mention scores, NPS, health, tickets, revenue or other internal metrics", term)})
			}
		}
	}
	return errs
}

func (t *Templates) path(name, part string) string {
	_, path, _ := t.source(name + "." + part + ".tmpl")
	return path
}

// lineOf is the 1-based line of src that holds term (any case), or 0.
func lineOf(src, term string) int {
	for i, l := range strings.Split(strings.ToLower(src), "\n") {
		if strings.Contains(l, strings.ToLower(term)) {
			return i + 1
		}
	}
	return 0
}

// Has reports whether name is a step template.
func (t *Templates) Has(name string) bool { _, ok := t.sets[name]; return ok }

// Render renders subject, text and HTML of the step template name ("invite", "first_step", …)
// for d. The subject is one line of at most MaxSubject characters.
func (t *Templates) Render(name string, d InviteData) (InviteContent, error) {
	d, err := d.normalize()
	if err != nil {
		return InviteContent{}, err
	}
	set, ok := t.sets[name]
	if !ok {
		return InviteContent{}, fmt.Errorf("email: no template %q (templates: %s)", name, strings.Join(TemplateNames(), ", "))
	}
	var subject, text, html strings.Builder
	if err := set.subject.Execute(&subject, d); err != nil {
		return InviteContent{}, fmt.Errorf("email: render %s subject: %w", name, locate(t.path(name, "subject"), err))
	}
	if err := set.text.Execute(&text, d); err != nil {
		return InviteContent{}, fmt.Errorf("email: render %s text: %w", name, locate(t.path(name, "txt"), err))
	}
	if err := set.html.Execute(&html, d); err != nil {
		return InviteContent{}, fmt.Errorf("email: render %s HTML: %w", name, locate(t.path(name, "html"), err))
	}
	c := InviteContent{
		Subject: advocate.Clip(tidy(oneLine(subject.String())), MaxSubject),
		Text:    tidy(text.String()),
		HTML:    tidy(html.String()),
	}
	if c.Subject == "" {
		return InviteContent{}, fmt.Errorf("email: %s subject template rendered an empty subject", name)
	}
	return c, nil
}

// doublePeriod is a sentence's period after a name that already ends in one ("Cedarwave Inc."
// + "." ), not an ellipsis.
var doublePeriod = regexp.MustCompile(`([^.\s])\.\.(\s|$|<|")`)

// tidy fixes what filling words into sentences leaves behind.
func tidy(s string) string { return doublePeriod.ReplaceAllString(s, "$1.$2") }
