package tune

import (
	"math"

	"gonum.org/v1/gonum/optimize"
)

// lambda is the pull toward the current weights: λ·Σ(β−β_current)² against the *summed*
// log-likelihood, so its weight per affiliate is λ/n — with 50 affiliates the current weights
// dominate, with 10,000 the data does. That is the "shrink harder when data is thin" rule in
// one number.
const lambda = 2.0

// problem is a design matrix of goodness features (row-major, n×k, each in 0..1) with labels.
type problem struct {
	x []float64
	y []float64 // 1 positive, 0 negative
	n int
	k int
}

// rows returns the sub-problem of the listed rows.
func (p problem) rows(idx []int) problem {
	out := problem{x: make([]float64, 0, len(idx)*p.k), y: make([]float64, 0, len(idx)), n: len(idx), k: p.k}
	for _, i := range idx {
		out.x = append(out.x, p.x[i*p.k:(i+1)*p.k]...)
		out.y = append(out.y, p.y[i])
	}
	return out
}

// softplus keeps a coefficient ≥ 0 while LBFGS works on an unconstrained θ: β = log(1+e^θ).
// Every feature is a goodness (a friction signal's goodness already falls as it grows), so
// β ≥ 0 is exactly "each signal keeps its configured direction".
func softplus(t float64) float64 {
	if t > 30 {
		return t
	}
	return math.Log1p(math.Exp(t))
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// invSoftplus is θ with softplus(θ) = β (β floored so θ stays finite).
func invSoftplus(b float64) float64 {
	b = max(b, 1e-4)
	if b > 30 {
		return b
	}
	return math.Log(math.Expm1(b))
}

// fit is the penalised logistic regression: it minimises
//
//	Σ_i [log(1+e^{z_i}) − y_i z_i] + lam·Σ_j (β_j − prior_j)²,  z_i = b + Σ_j β_j x_ij,  β_j ≥ 0
//
// with gonum's LBFGS over (b, θ), β = softplus(θ). It returns the intercept and β.
func fit(p problem, prior []float64, lam float64) (float64, []float64) {
	k := p.k
	init := make([]float64, k+1)
	for j := range k {
		init[j+1] = invSoftplus(prior[j])
	}
	beta := make([]float64, k)
	z := make([]float64, p.n)
	eval := func(v []float64) {
		for j := range k {
			beta[j] = softplus(v[j+1])
		}
		for i := range p.n {
			s := v[0]
			row := p.x[i*k : (i+1)*k]
			for j, xj := range row {
				s += beta[j] * xj
			}
			z[i] = s
		}
	}
	prob := optimize.Problem{
		Func: func(v []float64) float64 {
			eval(v)
			f := 0.0
			for i, zi := range z {
				// log(1+e^z) without overflow
				if zi > 0 {
					f += zi + math.Log1p(math.Exp(-zi)) - p.y[i]*zi
				} else {
					f += math.Log1p(math.Exp(zi)) - p.y[i]*zi
				}
			}
			for j := range k {
				d := beta[j] - prior[j]
				f += lam * d * d
			}
			return f
		},
		Grad: func(g, v []float64) {
			eval(v)
			clear(g)
			for i, zi := range z {
				r := sigmoid(zi) - p.y[i]
				g[0] += r
				row := p.x[i*k : (i+1)*k]
				for j, xj := range row {
					g[j+1] += r * xj
				}
			}
			for j := range k {
				g[j+1] = (g[j+1] + 2*lam*(beta[j]-prior[j])) * sigmoid(v[j+1]) // dβ/dθ = σ(θ)
			}
		},
	}
	res, err := optimize.Minimize(prob, init, &optimize.Settings{GradientThreshold: 1e-6, MajorIterations: 1000}, &optimize.LBFGS{})
	x := init
	if res != nil && len(res.X) == len(init) {
		// A line-search failure near the optimum still leaves the best point found in res.X.
		x = res.X
	}
	_ = err
	out := make([]float64, k)
	for j := range k {
		out[j] = softplus(x[j+1])
	}
	return x[0], out
}

// calibratedPrior expresses the current weights on the logit scale of this data: it fits
// logit p = a + c·s, s = Σ|w_j|x_j / Σ|w| (the current score over 100), with c ≥ 0, and
// returns β_j = c·|w_j|/Σ|w|. Shrinking toward it keeps the current weights' *shape* while
// letting the data set how strongly the score predicts at all.
func calibratedPrior(p problem, absW []float64) []float64 {
	sum := 0.0
	for _, w := range absW {
		sum += w
	}
	s := problem{x: make([]float64, p.n), y: p.y, n: p.n, k: 1}
	for i := range p.n {
		row := p.x[i*p.k : (i+1)*p.k]
		for j, xj := range row {
			s.x[i] += absW[j] * xj / sum
		}
	}
	// A tiny ridge toward 0 keeps c finite when the score separates the data perfectly.
	_, c := fit(s, []float64{0}, 1e-3)
	out := make([]float64, p.k)
	for j := range out {
		out[j] = c[0] * absW[j] / sum
	}
	return out
}
