"""Exact derivatives of formula trees: the rules of calculus applied node by node.

``differentiate(tree, seeds)`` returns a new tree for d(tree)/dz, where ``seeds`` gives the
derivative of each variable with respect to z (for a regression formula, z is the residual
r and also the prediction: d r/dz = d yhat/dz = 1 and d y/dz = 0). Nothing is approximated:
no finite differences anywhere. Trivial terms are removed as the tree is built (0 * x -> 0,
1 * x -> x, x + 0 -> x, numbers folded), so ``r**2`` gives ``2*r`` and
``r**2/2`` gives ``r``.

Conventions at kinks follow the built-in losses:

- ``abs'(u) = sign(u) u'`` (so 0 at u = 0, as for MAE); ``sign'`` = 0;
- ``where(c, a, b)' = where(c, a', b')``: the derivative of the chosen branch;
- ``maximum``/``minimum``: the derivative of the chosen argument; at a tie the smaller of
  the two slopes in size, and 0 when they have opposite signs (so ``maximum(0, 1 - m)``
  has slope 0 at m = 1, like the hinge loss);
- ``clip(u, lo, hi)' = u'`` for lo <= u <= hi, and the bound's derivative outside.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from lossviz.custom.expr import ONE, ZERO, Node, num


# -- constructors that simplify ----------------------------------------------------------------
def _short(value: float) -> bool:
    """A number worth folding into a product: it prints in a few characters."""
    return math.isfinite(value) and len(f"{value:.12g}") <= 8


def neg(a: Node) -> Node:
    if a.op == "num":
        return num(-a.value) if a.value != 0 else ZERO
    if a.op == "neg":
        return a.args[0]
    return Node("neg", (a,))


def add(a: Node, b: Node) -> Node:
    if a.is_num(0):
        return b
    if b.is_num(0):
        return a
    if a.op == "num" and b.op == "num" and math.isfinite(a.value + b.value):
        return num(a.value + b.value)
    if b.op == "neg":
        return sub(a, b.args[0])
    if a.op == "neg":
        return sub(b, a.args[0])
    if a == b:
        return mul(num(2), a)
    return Node("add", (a, b))


def sub(a: Node, b: Node) -> Node:
    if b.is_num(0):
        return a
    if a.is_num(0):
        return neg(b)
    if a == b:
        return ZERO
    if a.op == "num" and b.op == "num" and math.isfinite(a.value - b.value):
        return num(a.value - b.value)
    if b.op == "neg":
        return add(a, b.args[0])
    return Node("sub", (a, b))


def mul(a: Node, b: Node) -> Node:
    if a.is_num(0) or b.is_num(0):
        return ZERO
    if a.is_num(1):
        return b
    if b.is_num(1):
        return a
    if a.is_num(-1):
        return neg(b)
    if b.is_num(-1):
        return neg(a)
    # Numbers fold only into finite ones: no formula (nor its LaTeX) can spell inf, so
    # 1e308*2 stays the product it was written as.
    if a.op == "num" and b.op == "num":
        return num(a.value * b.value) if math.isfinite(a.value * b.value) else Node("mul", (a, b))
    if b.op == "num":  # numbers first: 2*r, not r*2
        return mul(b, a)
    if a.op == "neg":
        return neg(mul(a.args[0], b))
    if b.op == "neg":
        return neg(mul(a, b.args[0]))
    if a.op != "num" and b.op == "mul" and b.args[0].op == "num":  # x*(2*y) -> 2*(x*y)
        return mul(b.args[0], mul(a, b.args[1]))
    if b.op == "div" and b.args[0].is_num(1):  # a * (1/c) -> a/c
        return div(a, b.args[1])
    if a.op == "div" and a.args[0].is_num(1):
        return div(b, a.args[1])
    if a.op == "num" and b.op == "mul" and b.args[0].op == "num":
        folded = a.value * b.args[0].value
        if _short(folded):
            return mul(num(folded), b.args[1])
    if b.op == "div":  # one fraction: a * (x/y) -> (a*x)/y
        return div(mul(a, b.args[0]), b.args[1])
    if a.op == "div":
        return div(mul(a.args[0], b), a.args[1])
    if a == b:
        return power(a, num(2))
    return Node("mul", (a, b))


def div(a: Node, b: Node) -> Node:
    if a.is_num(0):
        return ZERO
    if b.is_num(1):
        return a
    if a.op == "num" and b.op == "num" and b.value != 0 and _short(a.value / b.value):
        return num(a.value / b.value)
    if a.op == "neg":
        return neg(div(a.args[0], b))
    if a == b:
        return ONE  # u'/u with u' == u: the derivative of log(exp(x)) and the like
    top, bottom = _factors(a), _factors(b)
    common = [f for f in top if f in bottom and f.op != "num"]
    if common:  # cancel a factor written the same way above and below the line
        top.remove(common[0])
        bottom.remove(common[0])
        return div(_product(top), _product(bottom))
    if a.op == "div":  # (x/y)/b -> x/(y*b)
        return div(a.args[0], mul(a.args[1], b))
    if b.op == "div":  # a/(x/y) -> (a*y)/x
        return div(mul(a, b.args[1]), b.args[0])
    if b.op == "num" and a.op == "mul" and a.args[0].op == "num" and b.value != 0:
        folded = a.args[0].value / b.value
        if _short(folded):
            return mul(num(folded), a.args[1])
    if a.op == "mul" and a.args[0].op == "num" and b.op == "mul" and b.args[0].op == "num" \
            and b.args[0].value != 0:
        folded = a.args[0].value / b.args[0].value
        if _short(folded):  # (2*x)/(2*y) -> x/y
            return mul(num(folded), div(a.args[1], b.args[1]))
    return Node("div", (a, b))


def _factors(node: Node) -> list[Node]:
    if node.op == "mul":
        return _factors(node.args[0]) + _factors(node.args[1])
    return [node]


def _product(factors: list[Node]) -> Node:
    out = ONE
    for factor in factors:
        out = mul(out, factor)
    return out


def power(a: Node, b: Node) -> Node:
    if b.is_num(1):
        return a
    if b.is_num(0):
        return ONE
    return Node("pow", (a, b))


def call(name: str, *args: Node) -> Node:
    return Node(name, args)


def where(cond: Node, a: Node, b: Node) -> Node:
    if a == b:
        return a
    return Node("where", (cond, a, b))


# -- the rules -----------------------------------------------------------------------------
def differentiate(tree: Node, seeds: Mapping[str, float]) -> Node:
    """The exact derivative of ``tree`` as a tree, simplified.

    ``seeds`` maps each variable name to its derivative with respect to the variable of
    differentiation (1.0 for itself, 0.0 for variables held fixed).

    Example: ``differentiate(parse_formula("r**2").tree, {"r": 1.0})  # Node for 2*r``
    """
    memo: dict[Node, Node] = {}
    for node in tree.walk():  # children first, so every argument's derivative is ready
        if node not in memo:
            memo[node] = _rule(node, memo, seeds)
    return memo[tree]


def _rule(node: Node, d: Mapping[Node, Node], seeds: Mapping[str, float]) -> Node:
    op, args = node.op, node.args
    if op in ("num", "par"):
        return ZERO
    if op == "var":
        return num(seeds.get(node.name, 0.0))
    if op in ("lt", "le", "gt", "ge", "eq", "ne", "and", "or", "not"):
        return ZERO  # conditions are never differentiated, only used to choose
    a = args[0]
    da = d[a]
    if op == "neg":
        return neg(da)
    if op in ("add", "sub", "mul", "div", "pow", "logaddexp", "hypot", "minimum", "maximum"):
        b = args[1]
        db = d[b]
        if op == "add":
            return add(da, db)
        if op == "sub":
            return sub(da, db)
        if op == "mul":
            return add(mul(da, b), mul(a, db))
        if op == "div":
            if db.is_num(0):
                return div(da, b)
            return sub(div(da, b), div(mul(a, db), power(b, num(2))))
        if op == "pow":
            return _power_rule(node, a, b, da, db)
        if op == "logaddexp":
            return add(
                mul(call("sigmoid", sub(a, b)), da), mul(call("sigmoid", sub(b, a)), db)
            )
        if op == "hypot":
            return div(add(mul(a, da), mul(b, db)), node)
        if da == db:
            return da
        return call("dmax" if op == "maximum" else "dmin", a, b, da, db)
    if op == "where":
        return where(a, d[args[1]], d[args[2]])
    if op == "clip":
        lo, hi = args[1], args[2]
        if d[lo] == d[hi]:
            inside = call("and", call("ge", a, lo), call("le", a, hi))
            return where(inside, da, d[lo])
        return where(call("lt", a, lo), d[lo], where(call("gt", a, hi), d[hi], da))
    if da.is_num(0):
        return ZERO
    if op == "abs":
        return mul(call("sign", a), da)
    if op == "sign":
        return ZERO
    if op == "sqrt":
        return div(da, mul(num(2), node))
    if op == "exp":
        return mul(node, da)
    if op == "expm1":
        return mul(call("exp", a), da)
    if op == "log":
        return div(da, a)
    if op == "log1p":
        return div(da, add(ONE, a))
    if op == "log2":
        return div(da, mul(call("log", num(2)), a))
    if op == "log10":
        return div(da, mul(call("log", num(10)), a))
    if op == "sin":
        return mul(call("cos", a), da)
    if op == "cos":
        return neg(mul(call("sin", a), da))
    if op == "tan":
        return div(da, power(call("cos", a), num(2)))
    if op == "tanh":
        return mul(sub(ONE, power(node, num(2))), da)
    if op == "sinh":
        return mul(call("cosh", a), da)
    if op == "cosh":
        return mul(call("sinh", a), da)
    if op == "arctan":
        return div(da, add(ONE, power(a, num(2))))
    if op == "sigmoid":
        # sigmoid(u) sigmoid(-u) rather than s (1 - s): no cancellation for large u.
        return mul(mul(node, call("sigmoid", neg(a))), da)
    if op == "softplus":
        return mul(call("sigmoid", a), da)
    raise ValueError(f"no derivative rule for {op!r}")  # unreachable for parsed formulas


def _power_rule(node: Node, a: Node, b: Node, da: Node, db: Node) -> Node:
    if db.is_num(0):  # u**p: p u**(p-1) u'
        if da.is_num(0):
            return ZERO
        if b.op == "num":
            return mul(mul(b, power(a, num(b.value - 1))), da)
        return mul(mul(b, power(a, sub(b, ONE))), da)
    if da.is_num(0):  # c**v: c**v log(c) v'
        return mul(mul(node, call("log", a)), db)
    # u**v = exp(v log u): u**v (v' log u + v u' / u)
    return mul(node, add(mul(db, call("log", a)), div(mul(b, da), a)))
