package scoring

import (
	"github.com/expr-lang/expr/ast"
)

// nativeFn evaluates a compiled gate for customer i without the expression VM.
type nativeFn func(i int, f *frame) bool

// compileNative turns the common shapes of gate — comparisons of a signal with a number, of a
// known attribute with a string or a list of strings, opted_out/is_partner, combined with
// and/or/not — into closures over the columns. The VM costs about 1µs a customer, most of it
// filling its environment map; over a million customers that was a third of the run. Returns
// nil for anything else, which keeps using the VM. Signals are checked for missing values
// before either runs, so a native gate only ever sees present values.
func compileNative(n ast.Node, vars []gateVar) nativeFn {
	byName := make(map[string]*gateVar, len(vars))
	for i := range vars {
		byName[vars[i].name] = &vars[i]
	}
	ident := func(n ast.Node) *gateVar {
		if id, ok := n.(*ast.IdentifierNode); ok {
			return byName[id.Value]
		}
		return nil
	}
	number := func(n ast.Node) (float64, bool) {
		switch v := n.(type) {
		case *ast.IntegerNode:
			return float64(v.Value), true
		case *ast.FloatNode:
			return v.Value, true
		}
		return 0, false
	}
	flip := map[string]string{"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
	var walk func(n ast.Node) nativeFn
	walk = func(n ast.Node) nativeFn {
		switch node := n.(type) {
		case *ast.BoolNode:
			v := node.Value
			return func(int, *frame) bool { return v }
		case *ast.IdentifierNode:
			gv := byName[node.Value]
			if gv == nil || gv.kind != kindBool {
				return nil
			}
			if gv.name == VarOptedOut {
				return func(i int, f *frame) bool { return f.optedOut != nil && f.optedOut[i] }
			}
			return func(i int, f *frame) bool { return f.isPartner != nil && f.isPartner[i] }
		case *ast.UnaryNode:
			if node.Operator != "!" && node.Operator != "not" {
				return nil
			}
			inner := walk(node.Node)
			if inner == nil {
				return nil
			}
			return func(i int, f *frame) bool { return !inner(i, f) }
		case *ast.BinaryNode:
			switch node.Operator {
			case "&&", "and", "||", "or":
				l, r := walk(node.Left), walk(node.Right)
				if l == nil || r == nil {
					return nil
				}
				if node.Operator == "&&" || node.Operator == "and" {
					return func(i int, f *frame) bool { return l(i, f) && r(i, f) }
				}
				return func(i int, f *frame) bool { return l(i, f) || r(i, f) }
			case "in":
				gv := ident(node.Left)
				c, ok := node.Right.(*ast.ConstantNode)
				if gv == nil || gv.kind != kindAttr || !ok {
					return nil
				}
				set, ok := c.Value.(map[string]struct{})
				if !ok {
					return nil
				}
				a := gv.attr
				return func(i int, f *frame) bool { _, in := set[f.attr(a, i)]; return in }
			}
			op, known := flip[node.Operator]
			if !known {
				return nil
			}
			gv, other := ident(node.Left), node.Right
			op = node.Operator
			if gv == nil {
				gv, other = ident(node.Right), node.Left
				op = flip[node.Operator]
			}
			if gv == nil {
				return nil
			}
			switch gv.kind {
			case kindSignal:
				k, ok := number(other)
				if !ok {
					return nil
				}
				col := gv.col
				return func(i int, f *frame) bool { return compare(f.vals[col][i], op, k) }
			case kindAttr:
				s, ok := other.(*ast.StringNode)
				if !ok || (op != "==" && op != "!=") {
					return nil
				}
				a, want, eq := gv.attr, s.Value, op == "=="
				return func(i int, f *frame) bool { return (f.attr(a, i) == want) == eq }
			}
		}
		return nil
	}
	return walk(n)
}
