package scoring

import (
	"slices"
	"strings"
	"testing"
)

func TestEligibility(t *testing.T) {
	cfg := Config{
		Weights:       map[string]float64{NPS: 3, HealthScore: 1},
		Gates:         []string{"tenure_days >= 90", `nps >= 9`, `plan != "free"`},
		MinConfidence: 0.6,
	}
	m := mustModel(t, cfg)
	good := func() map[string]float64 { return map[string]float64{NPS: 10, HealthScore: 80, TenureDays: 400} }
	pro := map[string]string{"plan": "pro"}
	tests := []struct {
		name   string
		c      Customer
		failed []string
	}{
		{"all gates pass", Customer{Signals: good(), Attributes: pro}, nil},
		{"opted out", Customer{Signals: good(), Attributes: pro, OptedOut: true}, []string{"opted out"}},
		{"partner", Customer{Signals: good(), Attributes: pro, IsPartner: true}, []string{"already a partner"}},
		{"gate fails", Customer{Signals: map[string]float64{NPS: 8, HealthScore: 80, TenureDays: 400}, Attributes: pro}, []string{"nps >= 9"}},
		{"missing signal fails the gate", Customer{Signals: map[string]float64{HealthScore: 80, TenureDays: 400}, Attributes: pro},
			[]string{"nps >= 9 (nps missing)", "confidence 0.25 below minimum 0.60"}},
		{"missing known attribute reads as empty", Customer{Signals: good()}, nil},
		{"attribute gate", Customer{Signals: good(), Attributes: map[string]string{"plan": "free"}}, []string{`plan != "free"`}},
		{"tenure derived from customer_since", Customer{Signals: map[string]float64{NPS: 10, HealthScore: 80},
			Attributes: map[string]string{"plan": "pro", AttrCustomerSince: "2026-10-01"}}, []string{"tenure_days >= 90"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.ID = "x"
			// A second customer so percentile ranks are not trivially 1.
			other := Customer{ID: "y", Signals: map[string]float64{NPS: 5, HealthScore: 10}}
			res := byID(m.Score(testNow, []Customer{tt.c, other}))["x"]
			if !slices.Equal(res.FailedGates, tt.failed) {
				t.Errorf("FailedGates = %q, want %q", res.FailedGates, tt.failed)
			}
			if res.Eligible != (len(tt.failed) == 0) {
				t.Errorf("Eligible = %v with FailedGates %q", res.Eligible, res.FailedGates)
			}
		})
	}
}

// Hard rules win over any gate, including a gate that would let everyone through.
func TestOptedOutAndPartnersNeverEligible(t *testing.T) {
	m := mustModel(t, Config{Weights: map[string]float64{NPS: 1}, Gates: []string{"true"}})
	cs := syntheticCustomers(2000, 9)
	for _, r := range m.Score(testNow, cs) {
		var c Customer
		for _, x := range cs {
			if x.ID == r.ID {
				c = x
			}
		}
		if (c.OptedOut || c.IsPartner) && r.Eligible {
			t.Fatalf("%s is opted out or a partner but eligible", r.ID)
		}
	}
}

func TestGatesCustomNamesAndRuntimeErrors(t *testing.T) {
	m := mustModel(t, Config{
		Weights: map[string]float64{NPS: 1},
		Gates:   []string{"seats_used >= 5", `region in ["eu", "uk"]`, "opted_out == false && is_partner == false"},
	})
	tests := []struct {
		name   string
		c      Customer
		failed []string
	}{
		{"custom signal and attribute", Customer{Signals: map[string]float64{NPS: 9, "seats_used": 7}, Attributes: map[string]string{"region": "eu"}}, nil},
		{"custom names missing", Customer{Signals: map[string]float64{NPS: 9}},
			[]string{"seats_used >= 5 (seats_used missing)", `region in ["eu", "uk"] (region missing)`}},
		{"string where a number is compared fails, no panic", Customer{Signals: map[string]float64{NPS: 9}, Attributes: map[string]string{"seats_used": "many", "region": "uk"}},
			[]string{"seats_used >= 5 (error: invalid operation: string >= int (1:12))"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.ID = "x"
			res := m.Score(testNow, []Customer{tt.c})[0]
			if !slices.Equal(res.FailedGates, tt.failed) {
				t.Errorf("FailedGates = %q, want %q", res.FailedGates, tt.failed)
			}
		})
	}
	gates := m.Gates()
	if len(gates) != 3 || !slices.Equal(gates[0].Unknown, []string{"seats_used"}) || len(gates[2].Unknown) != 0 {
		t.Errorf("Gates() = %+v", gates)
	}
}

// The fast path for "signal OP number" must agree with the expression VM.
func TestSimpleGateFastPathMatchesVM(t *testing.T) {
	for _, op := range []string{"<", "<=", ">", ">=", "==", "!="} {
		for _, text := range []string{"nps " + op + " 7", "7 " + op + " nps", "nps " + op + " 7.5"} {
			fast := mustModel(t, Config{Weights: map[string]float64{NPS: 1}, Gates: []string{text}})
			slow := mustModel(t, Config{Weights: map[string]float64{NPS: 1}, Gates: []string{"(" + text + ") && !opted_out"}})
			if !fast.gates[0].simple || slow.gates[0].simple {
				t.Fatalf("%q: fast path detection wrong", text)
			}
			var cs []Customer
			for v := range 11 {
				cs = append(cs, Customer{ID: strings.Repeat("x", v+1), Signals: map[string]float64{NPS: float64(v)}})
			}
			a, b := byID(fast.Score(testNow, cs)), byID(slow.Score(testNow, cs))
			for id := range a {
				if a[id].Eligible != b[id].Eligible {
					t.Errorf("%q at nps %d: fast %v, vm %v", text, len(id)-1, a[id].Eligible, b[id].Eligible)
				}
			}
		}
	}
}

// Compiled closures for and/or/not gates must agree with the expression VM, missing values
// and absent attributes included.
func TestNativeGatesMatchVM(t *testing.T) {
	texts := []string{
		`plan != "free" || nps >= 9`,
		`plan in ["pro", "enterprise"] && !(tickets_90d > 10)`,
		`not (plan == "starter") and health_score >= 50.5 or is_partner`,
		`plan not in ["free"] && !opted_out`,
		`7 < nps && 3 >= escalations_90d || false`,
		`industry == ""`,
	}
	cs := syntheticCustomers(3000, 21)
	for i := range cs {
		if i%9 == 0 {
			delete(cs[i].Attributes, "plan")
		}
	}
	for _, text := range texts {
		fast := mustModel(t, Config{Weights: map[string]float64{NPS: 1}, Gates: []string{text}})
		if fast.gates[0].native == nil {
			t.Fatalf("%q: expected a compiled gate", text)
		}
		slow := mustModel(t, Config{Weights: map[string]float64{NPS: 1}, Gates: []string{text}})
		slow.gates[0].native = nil
		a, b := fast.Score(testNow, cs), slow.Score(testNow, cs)
		for i := range a {
			if !slices.Equal(a[i].FailedGates, b[i].FailedGates) {
				t.Fatalf("%q, %s: closures %q, VM %q", text, a[i].ID, a[i].FailedGates, b[i].FailedGates)
			}
		}
	}
	// Shapes outside the compiled subset keep using the VM.
	for _, text := range []string{`len(plan) > 3`, `nps + tickets_90d > 5`, `seats_used > 3`} {
		if m := mustModel(t, Config{Weights: map[string]float64{NPS: 1}, Gates: []string{text}}); m.gates[0].native != nil {
			t.Errorf("%q compiled to closures", text)
		}
	}
}
