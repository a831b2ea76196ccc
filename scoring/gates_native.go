package scoring

import (
	"github.com/expr-lang/expr/ast"
)

// nativeFn evaluates a compiled gate for customer i without the expression VM.
type nativeFn func(i int, f *frame) bool

// flipOp maps each comparison operator a gate can run natively to the one that holds with the
// operands swapped: 3 < nps is nps > 3.
var flipOp = map[string]string{"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}

// numberLit reads an integer or float literal.
func numberLit(n ast.Node) (float64, bool) {
	switch v := n.(type) {
	case *ast.IntegerNode:
		return float64(v.Value), true
	case *ast.FloatNode:
		return v.Value, true
	}
	return 0, false
}

// compileNative turns the common shapes of gate — comparisons of a signal with a number, of a
// known attribute with a string or a list of strings, opted_out/is_partner, combined with
// and/or/not — into closures over the columns. The VM costs about 1µs a customer, most of it
// filling its environment map; over a million customers that was a third of the run. Returns
// nil for anything else, which keeps using the VM. Signals are checked for missing values
// before either runs, so a native gate only ever sees present values.
func compileNative(n ast.Node, vars []gateVar) nativeFn {
	c := nativeCompiler{byName: make(map[string]*gateVar, len(vars))}
	for i := range vars {
		c.byName[vars[i].name] = &vars[i]
	}
	return c.walk(n)
}

// nativeCompiler compiles one gate's tree, one method per node shape; each returns nil for a
// shape it cannot run natively, and a nil anywhere makes the whole gate fall back to the VM.
type nativeCompiler struct {
	byName map[string]*gateVar
}

func (c *nativeCompiler) walk(n ast.Node) nativeFn {
	switch node := n.(type) {
	case *ast.BoolNode:
		v := node.Value
		return func(int, *frame) bool { return v }
	case *ast.IdentifierNode:
		return c.flag(node)
	case *ast.UnaryNode:
		return c.not(node)
	case *ast.BinaryNode:
		switch node.Operator {
		case "&&", "and", "||", "or":
			return c.logical(node)
		case "in":
			return c.in(node)
		}
		return c.comparison(node)
	}
	return nil
}

// ident is the gate variable n names, or nil when n is not an identifier of one.
func (c *nativeCompiler) ident(n ast.Node) *gateVar {
	if id, ok := n.(*ast.IdentifierNode); ok {
		return c.byName[id.Value]
	}
	return nil
}

// flag compiles a bare opted_out or is_partner.
func (c *nativeCompiler) flag(node *ast.IdentifierNode) nativeFn {
	gv := c.byName[node.Value]
	if gv == nil || gv.kind != kindBool {
		return nil
	}
	if gv.name == VarOptedOut {
		return func(i int, f *frame) bool { return f.optedOut != nil && f.optedOut[i] }
	}
	return func(i int, f *frame) bool { return f.isPartner != nil && f.isPartner[i] }
}

func (c *nativeCompiler) not(node *ast.UnaryNode) nativeFn {
	if node.Operator != "!" && node.Operator != "not" {
		return nil
	}
	inner := c.walk(node.Node)
	if inner == nil {
		return nil
	}
	return func(i int, f *frame) bool { return !inner(i, f) }
}

// logical compiles and/or (short-circuiting, as the VM does).
func (c *nativeCompiler) logical(node *ast.BinaryNode) nativeFn {
	l, r := c.walk(node.Left), c.walk(node.Right)
	if l == nil || r == nil {
		return nil
	}
	if node.Operator == "&&" || node.Operator == "and" {
		return func(i int, f *frame) bool { return l(i, f) && r(i, f) }
	}
	return func(i int, f *frame) bool { return l(i, f) || r(i, f) }
}

// in compiles "attribute in [strings]", which expr has already folded into a constant set.
func (c *nativeCompiler) in(node *ast.BinaryNode) nativeFn {
	gv := c.ident(node.Left)
	k, ok := node.Right.(*ast.ConstantNode)
	if gv == nil || gv.kind != kindAttr || !ok {
		return nil
	}
	set, ok := k.Value.(map[string]struct{})
	if !ok {
		return nil
	}
	a := gv.attr
	return func(i int, f *frame) bool { _, in := set[f.attr(a, i)]; return in }
}

// comparison compiles "signal OP number" and "attribute ==/!= string", either way round.
func (c *nativeCompiler) comparison(node *ast.BinaryNode) nativeFn {
	if _, known := flipOp[node.Operator]; !known {
		return nil
	}
	gv, other, op := c.ident(node.Left), node.Right, node.Operator
	if gv == nil {
		gv, other, op = c.ident(node.Right), node.Left, flipOp[node.Operator]
	}
	if gv == nil {
		return nil
	}
	switch gv.kind {
	case kindSignal:
		k, ok := numberLit(other)
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
	return nil
}
