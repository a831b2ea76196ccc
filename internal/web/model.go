package web

// The Model page (/model): the scoring weights and gates in force, and a form that previews
// other ones — who would enter and leave the top N — through the same what-if as
// `advocate score --what-if`. Nothing is saved: the page shows the YAML to paste into
// advocate.yaml instead, so the config file stays the one place the model is set.

import (
	"fmt"
	"maps"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/advocate-hq/advocate/internal/config"
	"github.com/advocate-hq/advocate/internal/coverage"
	"github.com/advocate-hq/advocate/internal/ranker"
	"github.com/advocate-hq/advocate/scoring"
)

const blankWeightRows = 3 // empty rows the form offers for adding a signal

type weightRow struct {
	Signal string
	Weight string // as typed, so a bad value is shown back as it was
}

type modelForm struct {
	Weights       []weightRow
	Gates         string // one per line
	MinConfidence string
	Top           string
}

type modelView struct {
	Current  scoring.Config
	Form     modelForm
	CanEdit  bool     // the user's role may preview (marketing, admin)
	Problems []string // why the form was refused (422)
	Warnings []string // allowed but probably a mistake (model.Warnings)
	WhatIf   *ranker.WhatIfReport
	YAML     string // the scoring keys to paste, after a preview
}

func (s *Server) modelPage(w http.ResponseWriter, r *http.Request) {
	cfg := s.pageConfig()
	model, err := ranker.Model(cfg)
	if err != nil {
		s.pageError(w, r, "model page", err)
		return
	}
	cur := model.Config()
	s.render(w, r, http.StatusOK, "model", view{Title: "Model", Nav: "model",
		Page: modelView{Current: cur, Form: formOf(cur, cfg.Shortlist.Size), CanEdit: canEditModel(r)}})
}

// canEditModel says whether to offer the form; POST /model is guarded by role either way.
func canEditModel(r *http.Request) bool {
	u := userFrom(r.Context())
	return u == nil || u.Role == RoleMarketing || u.Role == RoleAdmin // nil: auth not wired (tests of the skeleton)
}

// formOf fills the form with a model's settings, plus blank rows to add signals.
func formOf(c scoring.Config, top int) modelForm {
	f := modelForm{Gates: strings.Join(c.Gates, "\n"), MinConfidence: strconv.FormatFloat(c.MinConfidence, 'f', -1, 64),
		Top: strconv.Itoa(top)}
	for _, name := range slices.Sorted(maps.Keys(c.Weights)) {
		f.Weights = append(f.Weights, weightRow{name, strconv.FormatFloat(c.Weights[name], 'f', -1, 64)})
	}
	for range blankWeightRows {
		f.Weights = append(f.Weights, weightRow{})
	}
	return f
}

func (s *Server) modelPreview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cfg := s.pageConfig()
	base, err := ranker.Model(cfg)
	if err != nil {
		s.pageError(w, r, "model preview", err)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form: "+err.Error(), http.StatusBadRequest)
		return
	}
	form := modelForm{Gates: r.PostForm.Get("gates"), MinConfidence: strings.TrimSpace(r.PostForm.Get("min_confidence")),
		Top: strings.TrimSpace(r.PostForm.Get("top"))}
	signals, weights := r.PostForm["signal"], r.PostForm["weight"]
	for i := range max(len(signals), len(weights)) {
		row := weightRow{}
		if i < len(signals) {
			row.Signal = strings.TrimSpace(signals[i])
		}
		if i < len(weights) {
			row.Weight = strings.TrimSpace(weights[i])
		}
		form.Weights = append(form.Weights, row)
	}
	v := modelView{Current: base.Config(), Form: form, CanEdit: true}
	sc, top, problems := s.parseModelForm(r, cfg, base, form)
	var other *scoring.Model
	if len(problems) == 0 {
		if other, err = scoring.NewModel(sc.ModelConfig()); err != nil {
			problems = append(problems, modelProblems(err)...)
		}
	}
	if len(problems) > 0 {
		v.Problems = problems
		s.render(w, r, http.StatusUnprocessableEntity, "model", view{Title: "Model", Nav: "model", Page: v})
		return
	}
	v.Warnings = other.Warnings()
	rep, err := ranker.WhatIf(ctx, s.Store, cfg.Sources(), base, other, top, s.now())
	if err != nil {
		s.pageError(w, r, "model preview", err)
		return
	}
	v.WhatIf = &rep
	if v.YAML, err = scoringYAML(other.Config()); err != nil {
		s.pageError(w, r, "model preview", err)
		return
	}
	s.render(w, r, http.StatusOK, "model", view{Title: "Model", Nav: "model", Page: v})
}

var signalName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// parseModelForm reads the form into a scoring section (the current one with the weights,
// gates and min_confidence replaced) and says, one sentence each, what is wrong with it.
func (s *Server) parseModelForm(r *http.Request, cfg *config.Config, base *scoring.Model, f modelForm) (config.Scoring, int, []string) {
	var problems []string
	sc := cfg.Scoring
	sc.Weights = map[string]float64{}
	for _, row := range f.Weights {
		switch {
		case row.Signal == "" && row.Weight == "":
			continue
		case row.Signal == "":
			problems = append(problems, fmt.Sprintf("weight %s has no signal name", row.Weight))
			continue
		case !signalName.MatchString(row.Signal):
			problems = append(problems, fmt.Sprintf("signal name %q: use lower-case letters, digits and _, starting with a letter", row.Signal))
			continue
		}
		x, err := strconv.ParseFloat(row.Weight, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			problems = append(problems, fmt.Sprintf("weight of %s: %q is not a number", row.Signal, row.Weight))
			continue
		}
		if _, dup := sc.Weights[row.Signal]; dup {
			problems = append(problems, fmt.Sprintf("signal %s is listed twice", row.Signal))
			continue
		}
		sc.Weights[row.Signal] = x
	}
	if len(problems) == 0 {
		problems = append(problems, s.unknownSignals(r, cfg, base, sc.Weights)...)
	}
	sc.Gates = nil
	for _, line := range strings.Split(f.Gates, "\n") {
		if g := strings.TrimSpace(line); g != "" {
			sc.Gates = append(sc.Gates, g)
		}
	}
	mc, err := strconv.ParseFloat(f.MinConfidence, 64)
	if f.MinConfidence == "" {
		mc, err = 0, nil
	}
	if err != nil || !(mc >= 0 && mc <= 1) {
		problems = append(problems, fmt.Sprintf("min_confidence must be a number from 0 to 1, got %q", f.MinConfidence))
	}
	sc.MinConfidence = mc
	top, err := strconv.Atoi(f.Top)
	if err != nil || top < 1 || top > 500 {
		problems = append(problems, fmt.Sprintf("top N must be a whole number from 1 to 500, got %q", f.Top))
	}
	return sc, top, problems
}

// unknownSignals names the weighted signals nothing knows: not a canonical signal, not in the
// model in force, published by name by no configured connector (the coverage check's
// providers), and held by no customer. Scoring would accept them and count them missing for everyone — most
// often a typo.
func (s *Server) unknownSignals(r *http.Request, cfg *config.Config, base *scoring.Model, weights map[string]float64) []string {
	var suspects []string
	for _, name := range slices.Sorted(maps.Keys(weights)) {
		_, inForce := base.Config().Weights[name]
		if !inForce && !slices.Contains(scoring.CanonicalSignals, name) {
			suspects = append(suspects, name)
		}
	}
	if len(suspects) == 0 {
		return nil
	}
	probe, err := scoring.NewModel(scoring.Config{Weights: maps.Clone(weights)})
	if err != nil {
		return nil // NewModel reports it in its own words next
	}
	provided := map[string]bool{}
	for _, in := range coverage.Check(probe, coverage.Sources(cfg), coverage.Held{}).Inputs {
		// A connector that publishes whatever its data names (a long CSV, the push API) is no
		// evidence on its own: then the data must hold the signal.
		provided[in.Name] = len(in.Providers) > 0
	}
	var out []string
	var held coverage.Held
	for _, name := range suspects {
		if provided[name] {
			continue
		}
		if held.Signals == nil { // only now read the data: a custom signal pushed through the API counts
			t, err := ranker.LoadTable(r.Context(), s.Store, cfg.Sources(), s.now())
			if err != nil {
				return []string{"could not read the data to check signal " + name + ": " + err.Error()}
			}
			held = coverage.FromTable(t)
		}
		if held.Signals[name] > 0 {
			continue
		}
		out = append(out, fmt.Sprintf("unknown signal %s: it is not a built-in signal, no configured connector names it and no customer has it (built-in: %s)",
			name, strings.Join(scoring.CanonicalSignals, ", ")))
	}
	return out
}

// modelProblems splits scoring.NewModel's error into one sentence per problem.
func modelProblems(err error) []string {
	var out []string
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		msg := e.Error()
		if inner, ok := e.(interface{ Unwrap() error }); ok && strings.HasPrefix(msg, "scoring config: ") && inner.Unwrap() != nil {
			walk(inner.Unwrap())
			return
		}
		out = append(out, strings.TrimPrefix(msg, "scoring config: "))
	}
	walk(err)
	return out
}

// scoringYAML is the part of the scoring section the form sets, to paste under scoring: in
// advocate.yaml (weights replace the whole map there too).
func scoringYAML(c scoring.Config) (string, error) {
	doc := map[string]any{"scoring": map[string]any{
		"weights":        c.Weights,
		"gates":          nonNilStrings(c.Gates),
		"min_confidence": c.MinConfidence,
	}}
	b, err := yaml.Marshal(doc)
	return string(b), err
}

func nonNilStrings(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}
