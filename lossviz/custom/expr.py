"""The expression tree of a user-written loss, and how it is computed with numpy.

A formula is parsed (``lossviz.custom.parser``) into immutable ``Node`` objects; the
derivative (``lossviz.custom.derivative``) is another tree of the same nodes. Both are
turned into a ``Tape``: the distinct sub-expressions in dependency order, each one numpy
call, so a sub-expression shared by the loss and its derivative is computed once.

Only the operations listed in ``OPS`` exist: there is no way for a tree to name anything
else, so running a tree can only ever call these numpy functions on float64 arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

LN2 = float(np.log(2.0))
LN10 = float(np.log(10.0))


class Node:
    """One node of an expression tree: an operation and its arguments.

    ``op`` is ``"num"`` (a number, in ``value``), ``"var"`` (a variable such as ``r``, in
    ``name``), ``"par"`` (a named parameter such as ``d``, in ``name``) or one of the
    operations in ``OPS``. Nodes are immutable and compare by structure, so equal
    sub-expressions are recognised and computed once.
    """

    __slots__ = ("_hash", "args", "name", "op", "value")

    def __init__(
        self,
        op: str,
        args: tuple[Node, ...] = (),
        *,
        value: float | None = None,
        name: str | None = None,
    ) -> None:
        object.__setattr__(self, "op", op)
        object.__setattr__(self, "args", tuple(args))
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "_hash", hash((op, self.args, value, name)))

    def __setattr__(self, key: str, val: Any) -> None:
        raise AttributeError("Node is immutable")

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Node) or self._hash != other._hash:
            return False
        return (
            self.op == other.op
            and self.value == other.value
            and self.name == other.name
            and self.args == other.args
        )

    def __repr__(self) -> str:
        if self.op == "num":
            return f"Node(num {self.value!r})"
        if self.op in ("var", "par"):
            return f"Node({self.op} {self.name})"
        return f"Node({self.op}, {', '.join(map(repr, self.args))})"

    # -- small helpers used by the parser, the derivative and the printers ------------------
    def is_num(self, value: float | None = None) -> bool:
        return self.op == "num" and (value is None or self.value == value)

    def walk(self) -> Iterable[Node]:
        """Every distinct node below and including this one, children before parents."""
        seen: set[int] = set()
        out: list[Node] = []
        stack: list[tuple[Node, bool]] = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if id(node) in seen:
                continue
            if expanded:
                seen.add(id(node))
                out.append(node)
                continue
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.args))
        return out

    def depends_on(self, names: Iterable[str]) -> bool:
        wanted = set(names)
        return any(n.op == "var" and n.name in wanted for n in self.walk())


def num(value: float) -> Node:
    return Node("num", value=float(value))


ZERO = num(0.0)
ONE = num(1.0)


# -- numpy kernels ----------------------------------------------------------------------------
def _sigmoid(u: Any) -> Any:
    # 1 / (1 + e^-u) without overflow: use e^-|u| on both sides.
    e = np.exp(-np.abs(u))
    return np.where(np.asarray(u) >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softplus(u: Any) -> Any:
    return np.logaddexp(0.0, u)


def _tie_rule(a: Any, b: Any, da: Any, db: Any, first_wins: Any) -> Any:
    # At a tie of max(a, b) or min(a, b) any slope between da and db is a valid one; take the
    # smallest in size (0 when they have opposite signs), as sign'(0) = 0 does for |r|.
    tie = np.where(
        da * db <= 0, 0.0, np.where(np.abs(da) <= np.abs(db), da, db)
    )
    return np.where(first_wins, da, np.where(a == b, tie, db))


def _dmax(a: Any, b: Any, da: Any, db: Any) -> Any:
    return _tie_rule(a, b, da, db, np.asarray(a > b))


def _dmin(a: Any, b: Any, da: Any, db: Any) -> Any:
    return _tie_rule(a, b, da, db, np.asarray(a < b))


def _clip(u: Any, lo: Any, hi: Any) -> Any:
    return np.minimum(np.maximum(u, lo), hi)


# name -> (number of arguments, numpy function). Conditions (lt ... not) give booleans and
# appear only as the first argument of ``where``; dmax and dmin appear only in derivatives.
OPS: dict[str, tuple[int, Callable[..., Any]]] = {
    "neg": (1, np.negative),
    "add": (2, np.add),
    "sub": (2, np.subtract),
    "mul": (2, np.multiply),
    "div": (2, np.divide),
    "pow": (2, np.power),
    "abs": (1, np.abs),
    "sqrt": (1, np.sqrt),
    "exp": (1, np.exp),
    "expm1": (1, np.expm1),
    "log": (1, np.log),
    "log1p": (1, np.log1p),
    "log2": (1, np.log2),
    "log10": (1, np.log10),
    "sin": (1, np.sin),
    "cos": (1, np.cos),
    "tan": (1, np.tan),
    "tanh": (1, np.tanh),
    "sinh": (1, np.sinh),
    "cosh": (1, np.cosh),
    "arctan": (1, np.arctan),
    "sign": (1, np.sign),
    "sigmoid": (1, _sigmoid),
    "softplus": (1, _softplus),
    "logaddexp": (2, np.logaddexp),
    "hypot": (2, np.hypot),
    "minimum": (2, np.minimum),
    "maximum": (2, np.maximum),
    "clip": (3, _clip),
    "where": (3, np.where),
    "lt": (2, np.less),
    "le": (2, np.less_equal),
    "gt": (2, np.greater),
    "ge": (2, np.greater_equal),
    "eq": (2, np.equal),
    "ne": (2, np.not_equal),
    "and": (2, np.logical_and),
    "or": (2, np.logical_or),
    "not": (1, np.logical_not),
    "dmax": (4, _dmax),
    "dmin": (4, _dmin),
}
CONDITION_OPS = frozenset({"lt", "le", "gt", "ge", "eq", "ne", "and", "or", "not"})


# -- running trees --------------------------------------------------------------------------
class Tape:
    """The distinct sub-expressions of some trees, in an order where arguments come first.

    ``Tape([loss, derivative]).run(env)`` returns both outputs; a sub-expression the two
    share (``exp(-m)`` in ``log(1 + exp(-m))`` and its derivative) is computed once. Callers
    wrap ``run`` in ``np.errstate``: overflow gives inf and invalid input NaN, which the
    loss reports in words.
    """

    def __init__(self, outputs: list[Node]) -> None:
        # Registers, one per distinct sub-expression: the constants in place, where each
        # named value goes, and the operations as (function, register, argument registers).
        index: dict[Node, int] = {}
        self._consts: list[Any] = []
        self._names: list[tuple[int, str]] = []
        self._ops: list[tuple[Any, int, tuple[int, ...]]] = []
        for out in outputs:
            for node in out.walk():
                if node in index:
                    continue
                i = index[node] = len(self._consts)
                self._consts.append(node.value if node.op == "num" else None)
                if node.op in ("var", "par"):
                    self._names.append((i, node.name))
                elif node.op != "num":
                    self._ops.append((OPS[node.op][1], i, tuple(index[a] for a in node.args)))
        self._outputs = [index[out] for out in outputs]
        self.size = len(self._consts)

    def run(self, env: Mapping[str, Any]) -> list[Any]:
        regs = self._consts.copy()
        for i, name in self._names:
            regs[i] = env[name]
        for op, i, args in self._ops:
            if len(args) == 2:
                regs[i] = op(regs[args[0]], regs[args[1]])
            elif len(args) == 1:
                regs[i] = op(regs[args[0]])
            else:
                regs[i] = op(*[regs[k] for k in args])
        return [regs[i] for i in self._outputs]


def run_tree(node: Node, env: Mapping[str, Any]) -> dict[Node, Any]:
    """The value of every sub-expression of ``node`` (for explaining where a formula fails)."""
    values: dict[Node, Any] = {}
    with np.errstate(all="ignore"):
        for n in node.walk():
            if n in values:
                continue
            if n.op == "num":
                values[n] = n.value
            elif n.op in ("var", "par"):
                values[n] = env[n.name]
            else:
                values[n] = OPS[n.op][1](*[values[a] for a in n.args])
    return values


def find_failure(node: Node, values: Mapping[Node, Any]) -> Node | None:
    """The innermost sub-expression that turns finite arguments into a non-finite number.

    ``values`` holds one number per node (one data point). ``where`` is followed into the
    branch it chose only, because the other branch's value is thrown away.
    """
    current = node
    while True:
        if _finite(values[current]):
            return None
        args = current.args
        if current.op == "where":
            args = (args[1],) if bool(np.asarray(values[args[0]]).ravel()[0]) else (args[2],)
        bad = [a for a in args if a.op not in CONDITION_OPS and not _finite(values[a])]
        if not bad:
            return current
        current = bad[0]


def _finite(value: Any) -> bool:
    return bool(np.all(np.isfinite(value)))
