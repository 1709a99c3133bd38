"""Read a loss formula safely: Python's ``ast`` parser, then an allow-list walk.

The text is never run as code. It is checked in three cheap stages, each bounded before the
next starts:

1. a pre-scan of the raw text: length (at most ``MAX_LENGTH`` characters), plain ASCII only,
   no quotes, brackets, colons or semicolons, parentheses nested at most ``MAX_PARENS`` deep;
2. ``ast.parse`` (which only builds a syntax tree), then limits on the size and depth of that
   tree;
3. a walk that turns each allowed syntax node into a ``Node`` of ``lossviz.custom.expr`` and
   refuses everything else by name: attribute access, indexing, calls to anything but the
   listed functions, lambdas, comprehensions, strings, conditionals, keyword arguments...

Numbers are float64 from the start, constant exponents must lie within ``MAX_EXPONENT`` and
every constant part must be a finite number, so a formula like ``9**9**9`` is refused at once
instead of being worked out.
"""

from __future__ import annotations

import ast
import difflib
import keyword
import math
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from lossviz.custom.expr import CONDITION_OPS, Node, num, run_tree

MAX_LENGTH = 500
MAX_PARENS = 30
MAX_SIGNS = 10
MAX_NODES = 200
MAX_DEPTH = 50
MAX_EXPONENT = 100.0
MAX_PARAMS = 10
PARAMETER_HINT = "Other names are parameters: pass them as keyword arguments, e.g. d=1.0"

TASK_VARIABLES: dict[str, dict[str, str]] = {
    "regression": {
        "r": "the residual y_pred - y_true",
        "y": "the true value y_true",
        "yhat": "the prediction y_pred",
    },
    "classification": {"m": "the margin (2y - 1) f: positive when the score f is right"},
}
CONSTANTS: dict[str, float] = {"pi": math.pi}

# name -> (number of arguments, what it computes)
FUNCTIONS: dict[str, tuple[int, str]] = {
    "abs": (1, "absolute value |x|"),
    "sqrt": (1, "square root"),
    "exp": (1, "e to the power x"),
    "expm1": (1, "exp(x) - 1, accurate near 0"),
    "log": (1, "natural logarithm"),
    "log1p": (1, "log(1 + x), accurate near 0"),
    "log2": (1, "base-2 logarithm"),
    "log10": (1, "base-10 logarithm"),
    "sin": (1, "sine"),
    "cos": (1, "cosine"),
    "tan": (1, "tangent"),
    "tanh": (1, "hyperbolic tangent"),
    "sinh": (1, "hyperbolic sine"),
    "cosh": (1, "hyperbolic cosine"),
    "arctan": (1, "inverse tangent"),
    "sign": (1, "-1, 0 or 1"),
    "sigmoid": (1, "1 / (1 + exp(-x)), without overflow"),
    "softplus": (1, "log(1 + exp(x)), without overflow"),
    "logaddexp": (2, "log(exp(a) + exp(b)), without overflow"),
    "hypot": (2, "sqrt(a**2 + b**2), without overflow"),
    "minimum": (2, "the smaller of a and b"),
    "maximum": (2, "the larger of a and b"),
    "clip": (3, "x limited to [low, high]"),
    "where": (3, "where(condition, a, b): a where the condition holds, else b"),
}
ALIASES = {"min": "minimum", "max": "maximum"}

_CHAR_MESSAGES = {
    "'": "text in quotes (strings) is not allowed",
    '"': "text in quotes (strings) is not allowed",
    "[": "square brackets are not allowed (no indexing or lists); group with ( )",
    "]": "square brackets are not allowed (no indexing or lists); group with ( )",
    "{": "curly braces are not allowed (no sets or dictionaries); group with ( )",
    "}": "curly braces are not allowed (no sets or dictionaries); group with ( )",
    "^": "'^' is not a power here: write r**2 for r squared",
    ":": "':' is not allowed (no lambdas, slices, dictionaries or assignments)",
    ";": "';' is not allowed: write one expression",
    "%": "'%' (remainder) is not allowed",
    "@": "'@' is not allowed",
    "#": "comments ('#') are not allowed",
    "\\": "backslashes are not allowed",
}
_ALLOWED_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_ .,+-*/()<>=&|~!"
)
# A letter, then letters and digits, with single underscores between them: the parts after
# the first underscore are the subscript in LaTeX (tau_1, c_max), and an empty part (a__, b_)
# would be a subscript of nothing.
_PARAM_NAME = r"(?=.{1,20}\Z)[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*"
PARAMETER_NAME_RULE = (
    "a letter, then letters or digits, with single underscores between them for a subscript "
    "(as in tau_1 or c_max); at most 20 characters"
)
_SIGN_RUN = r"(?:[-+~]\s*){" + str(MAX_SIGNS + 1) + ",}"

_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}
_COMPARES = {ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge", ast.Eq: "eq",
             ast.NotEq: "ne"}
_REFUSED_OPERATORS = {
    ast.FloorDiv: "'//' (floor division)",
    ast.Mod: "'%' (remainder)",
    ast.MatMult: "'@' (matrix product)",
    ast.LShift: "'<<' (bit shift)",
    ast.RShift: "'>>' (bit shift)",
    ast.BitXor: "'^' (it is not a power here: write r**2 for r squared)",
}
# Syntax a formula may not use, in plain words.
_REFUSED_SYNTAX = {
    ast.Attribute: "attribute access (a.b)",
    ast.Subscript: "indexing (a[b])",
    ast.Lambda: "lambda functions",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "generator expressions",
    ast.IfExp: "conditional expressions (a if c else b); use where(c, a, b)",
    ast.NamedExpr: "assignment expressions (:=)",
    ast.JoinedStr: "f-strings",
    ast.FormattedValue: "f-strings",
    ast.List: "lists",
    ast.Tuple: "tuples (a, b)",
    ast.Dict: "dictionaries",
    ast.Set: "sets",
    ast.Starred: "starred arguments (*x)",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "slices",
}


class FormulaError(ValueError):
    """A formula that cannot be used, with a message that points at the problem.

    Attributes:
        message: what is wrong and what is allowed, in one or two sentences.
        formula: the text as given (``None`` when it was not text, or too long to show).
        position: 0-based column of the problem in ``formula``, when there is one.
    """

    def __init__(
        self, message: str, *, formula: str | None = None, position: int | None = None
    ) -> None:
        self.message = message
        self.formula = formula
        self.position = position
        super().__init__(message + self.caret)

    @property
    def caret(self) -> str:
        """Two lines showing the formula and a ``^`` under the problem ('' without one)."""
        if self.formula is None or self.position is None:
            return ""
        start = max(0, self.position - 40)
        shown = self.formula[start : start + 80]
        return f"\n  {shown}\n  {' ' * (self.position - start)}^"


@dataclass(frozen=True)
class Parsed:
    """A checked formula: its tree, the variables and parameters it uses."""

    formula: str
    task: str
    tree: Node
    variables: tuple[str, ...]
    parameters: tuple[str, ...]


def allowed_names(task: str, params: Mapping[str, float] | None = None) -> str:
    """The names a formula of ``task`` may use, as one readable sentence."""
    variables = ", ".join(f"{k} ({v})" for k, v in TASK_VARIABLES[task].items())
    text = f"variables {variables}"
    if params:
        text += f"; parameters {', '.join(params)}"
    text += f"; the constant pi; functions {', '.join(FUNCTIONS)} (min and max also work)"
    return text


def check_params(params: Mapping[str, object]) -> dict[str, float]:
    """Check parameter names and values; return them as floats.

    A name is a letter, then letters or digits with single underscores between them (at
    most 20 characters; see ``PARAMETER_NAME_RULE``), and not a variable, a function, ``pi``
    or a Python keyword. A value is a finite number.
    """
    if len(params) > MAX_PARAMS:
        raise FormulaError(f"at most {MAX_PARAMS} parameters are allowed; got {len(params)}")
    reserved = {v for names in TASK_VARIABLES.values() for v in names}
    reserved |= set(FUNCTIONS) | set(ALIASES) | set(CONSTANTS) | {"task"}  # custom_loss's
    out: dict[str, float] = {}
    for key, raw in params.items():
        if not isinstance(key, str) or not re.fullmatch(_PARAM_NAME, key):
            raise FormulaError(f"parameter name {key!r} is not allowed: use {PARAMETER_NAME_RULE}")
        if key in reserved or keyword.iskeyword(key):
            raise FormulaError(
                f"{key!r} cannot be a parameter name: it is already a variable, a function or "
                "a reserved word; pick another name such as d, c or tau"
            )
        if isinstance(raw, bool) or not isinstance(raw, (int, float, np.integer, np.floating)):
            raise FormulaError(f"parameter {key} must be a number; got {raw!r:.40}")
        value = float(raw)
        if not math.isfinite(value):
            raise FormulaError(f"parameter {key} must be a finite number; got {value}")
        out[key] = value
    return out


def parse_formula(
    formula: object, task: str = "regression", params: Mapping[str, float] | None = None
) -> Parsed:
    """Parse ``formula`` into an expression tree, or raise ``FormulaError`` saying why not.

    ``params`` maps parameter names to their (already checked) values: they are the only
    names besides the task's variables, ``pi`` and the functions in ``FUNCTIONS``.

    Example: ``parse_formula("log(1 + r**2)").variables  # ('r',)``
    """
    if task not in TASK_VARIABLES:
        raise FormulaError(
            f"unknown task {task!r}; choose one of: {', '.join(TASK_VARIABLES)}"
        )
    params = dict(params or {})
    text = _prescan(formula, task).strip()  # a leading space would be an indent error
    tree = _parse(text)
    walker = _Walker(text, task, params)
    node = walker.convert(tree, condition=False)
    used = {n.name for n in node.walk() if n.op in ("var", "par")}
    return Parsed(
        formula=text,
        task=task,
        tree=node,
        variables=tuple(v for v in TASK_VARIABLES[task] if v in used),
        parameters=tuple(p for p in params if p in used),
    )


def _clip_text(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- stage 1: the raw text ------------------------------------------------------------------
def _prescan(formula: object, task: str) -> str:
    if not isinstance(formula, str):
        raise FormulaError(f"the formula must be text; got {type(formula).__name__}")
    if len(formula) > MAX_LENGTH:
        raise FormulaError(
            f"the formula is {len(formula):,} characters long; at most {MAX_LENGTH} are allowed"
        )
    # Tabs and line breaks become spaces: same columns, one line.
    text = formula.translate({9: 32, 10: 32, 13: 32})
    if not text.strip():
        example = "log(1 + r**2)" if task == "regression" else "log(1 + exp(-m))"
        raise FormulaError(f"the formula is empty: write an expression, e.g. {example}")
    for i, ch in enumerate(text):
        if ch in _ALLOWED_CHARS:
            continue
        if ch in _CHAR_MESSAGES:
            message = _CHAR_MESSAGES[ch]
        elif ord(ch) > 127:
            message = (
                f"only plain ASCII characters are allowed; found U+{ord(ch):04X} at column "
                f"{i + 1} (retype it on a plain keyboard)"
            )
        elif ord(ch) < 32 or ord(ch) == 127:
            message = f"control character U+{ord(ch):04X} at column {i + 1} is not allowed"
        else:
            message = f"the character {ch!r} is not allowed"
        shown = text if text.isascii() and text.isprintable() else None
        raise FormulaError(message, formula=shown, position=i if shown else None)
    depth = 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth > MAX_PARENS:
            raise FormulaError(
                f"parentheses are nested more than {MAX_PARENS} deep",
                formula=text, position=i,
            )
    run = re.search(_SIGN_RUN, text)
    if run:
        raise FormulaError(
            f"more than {MAX_SIGNS} signs in a row", formula=text, position=run.start()
        )
    return text


# -- stage 2: Python's parser, bounded ------------------------------------------------------
def _parse(text: str) -> ast.expr:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = ast.parse(text, filename="<formula>")
    except SyntaxError as err:
        reason = (err.msg or "invalid syntax").replace("invalid syntax. ", "")
        column = (err.offset or 1) - 1
        if err.lineno and err.lineno > 1:  # only one line exists; past its end
            column = len(text)
        column = min(max(column, 0), len(text))
        raise FormulaError(
            f"syntax error at column {column + 1}: {reason}", formula=text, position=column
        ) from None
    except (RecursionError, MemoryError, ValueError, OverflowError):
        raise FormulaError("the formula is too complex to read") from None
    if len(module.body) != 1 or not isinstance(module.body[0], ast.Expr):
        stmt = module.body[0] if module.body else None
        kind = type(stmt).__name__.lower() if stmt is not None else "nothing"
        raise FormulaError(
            f"write a single expression; statements ({kind}) are not allowed",
            formula=text, position=getattr(stmt, "col_offset", None),
        )
    expr = module.body[0].value
    count = 0
    deepest = 0
    stack = [(expr, 1)]
    while stack:  # no recursion here: the tree is still unchecked
        node, depth = stack.pop()
        count += isinstance(node, ast.expr)  # operators and Load markers are not parts
        deepest = max(deepest, depth)
        if count > MAX_NODES:
            raise FormulaError(
                f"the formula has more than {MAX_NODES} parts; write a shorter one"
            )
        if deepest > MAX_DEPTH:
            raise FormulaError(
                f"the formula is nested more than {MAX_DEPTH} levels deep; write a flatter one",
                formula=text, position=getattr(node, "col_offset", None),
            )
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return expr


# -- stage 3: the allow-list walk -------------------------------------------------------------
class _Walker:
    def __init__(self, text: str, task: str, params: dict[str, float]) -> None:
        self.text = text
        self.task = task
        self.params = params
        self.variables = TASK_VARIABLES[task]

    def fail(self, message: str, node: ast.AST | None) -> FormulaError:
        position = getattr(node, "col_offset", None) if node is not None else None
        return FormulaError(message, formula=self.text, position=position)

    def source(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.text, node) or "this part"

    def convert(self, node: ast.AST, *, condition: bool) -> Node:
        out = self._convert(node, condition)
        if out.op not in CONDITION_OPS and condition:
            raise self.fail(
                f"{self.source(node)!r} is not a condition: the first argument of where must "
                "be a comparison such as abs(r) < d",
                node,
            )
        if out.op in CONDITION_OPS and not condition:
            raise self.fail(
                "comparisons (<, <=, >, >=, ==, !=) and and/or/not are only allowed in the "
                "first argument of where(condition, a, b)",
                node,
            )
        if not condition and not out.depends_on(self.variables):
            self._check_constant(out, node)
        return out

    def _convert(self, node: ast.AST, condition: bool) -> Node:
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return Node("neg", (self.convert(node.operand, condition=False),))
            if isinstance(node.op, ast.UAdd):
                return self.convert(node.operand, condition=False)
            if not condition:
                raise self.fail(
                    "'not' and '~' are only allowed in the condition of where(condition, a, b)",
                    node,
                )
            return Node("not", (self.convert(node.operand, condition=True),))
        if isinstance(node, ast.BinOp):
            return self._binop(node, condition)
        if isinstance(node, ast.BoolOp):
            if not condition:
                raise self.fail(
                    "'and' and 'or' are only allowed in the condition of where(condition, a, b)",
                    node,
                )
            op = "and" if isinstance(node.op, ast.And) else "or"
            parts = [self.convert(v, condition=True) for v in node.values]
            out = parts[0]
            for part in parts[1:]:
                out = Node(op, (out, part))
            return out
        if isinstance(node, ast.Compare):
            return self._compare(node, condition)
        if isinstance(node, ast.Call):
            return self._call(node)
        for kind, words in _REFUSED_SYNTAX.items():
            if isinstance(node, kind):
                raise self.fail(f"not allowed in a formula: {words}", node)
        raise self.fail(
            f"{type(node).__name__} is not allowed in a formula: use numbers, "
            f"{allowed_names(self.task, self.params)}, and + - * / **",
            node,
        )

    def _constant(self, node: ast.Constant) -> Node:
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            raise self.fail(f"{value!r} is not allowed in a formula; use numbers", node)
        if isinstance(value, complex):
            raise self.fail("complex numbers are not allowed", node)
        if isinstance(value, (str, bytes)):
            raise self.fail("strings are not allowed in a formula", node)
        if not isinstance(value, (int, float)):
            raise self.fail(f"{type(value).__name__} values are not allowed", node)
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise self.fail(
                f"the number {_clip_text(self.source(node), 30)} is too large for float64 "
                "(about 1.8e308)",
                node,
            )
        return num(number)

    def _name(self, node: ast.Name) -> Node:
        name = node.id
        if name in self.variables:
            return Node("var", name=name)
        if name in self.params:
            return Node("par", name=name)
        if name in CONSTANTS:
            return num(CONSTANTS[name])
        if name.startswith("_"):
            raise self.fail(f"names starting with '_' ({name}) are not allowed", node)
        if name in FUNCTIONS or name in ALIASES:
            raise self.fail(f"{name} is a function: call it, as in {name}(r)", node)
        other = [t for t, v in TASK_VARIABLES.items() if t != self.task and name in v]
        hint = ""
        if other:
            hint = f" ({name} belongs to {other[0]} formulas; choose task={other[0]!r})"
        else:
            known = [*self.variables, *self.params, *CONSTANTS]
            close = difflib.get_close_matches(name, known, n=1)
            if close:
                hint = f" (did you mean {close[0]}?)"
        raise self.fail(
            f"unknown name {name!r}{hint}; allowed: {allowed_names(self.task, self.params)}. "
            + PARAMETER_HINT,
            node,
        )

    def _binop(self, node: ast.BinOp, condition: bool) -> Node:
        op = type(node.op)
        if op in (ast.BitAnd, ast.BitOr):
            if not condition:
                raise self.fail(
                    "'&' and '|' are only allowed in the condition of where(condition, a, b)",
                    node,
                )
            name = "and" if op is ast.BitAnd else "or"
            return Node(
                name,
                (self.convert(node.left, condition=True), self.convert(node.right, condition=True)),
            )
        if op in _REFUSED_OPERATORS:
            raise self.fail(f"{_REFUSED_OPERATORS[op]} is not allowed", node)
        left = self.convert(node.left, condition=False)
        right = self.convert(node.right, condition=False)
        if op is ast.Pow and not right.depends_on(self.variables):
            exponent = self._value(right)
            if not abs(exponent) <= MAX_EXPONENT:
                raise self.fail(
                    f"the exponent {self.source(node.right)[:40]} = {exponent:.6g} is too large: "
                    f"constant exponents must lie between -{MAX_EXPONENT:g} and "
                    f"{MAX_EXPONENT:g}",
                    node.right,
                )
        return Node(_BINOPS[op], (left, right))

    def _compare(self, node: ast.Compare, condition: bool) -> Node:
        if not condition:
            raise self.fail(
                "comparisons (<, <=, >, >=, ==, !=) are only allowed in the condition of "
                "where(condition, a, b)",
                node,
            )
        parts = []
        left = self.convert(node.left, condition=False)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            if type(op) not in _COMPARES:
                raise self.fail("'in', 'not in', 'is' and 'is not' are not allowed", node)
            right = self.convert(comparator, condition=False)
            parts.append(Node(_COMPARES[type(op)], (left, right)))
            left = right
        out = parts[0]
        for part in parts[1:]:  # 0 < r < 1 means 0 < r and r < 1
            out = Node("and", (out, part))
        return out

    def _call(self, node: ast.Call) -> Node:
        if not isinstance(node.func, ast.Name):
            raise self.fail(
                f"only the listed functions can be called ({', '.join(FUNCTIONS)}); "
                f"{self.source(node.func)[:40]!r} is not one of them",
                node,
            )
        name = ALIASES.get(node.func.id, node.func.id)
        if name not in FUNCTIONS:
            close = difflib.get_close_matches(name, [*FUNCTIONS, *ALIASES], n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise self.fail(
                f"{node.func.id!r} is not an allowed function{hint}; allowed functions: "
                f"{', '.join(FUNCTIONS)} (min and max also work)",
                node,
            )
        if node.keywords:
            raise self.fail(
                f"keyword arguments (name=value) are not allowed; call {name} with plain "
                "arguments",
                node.keywords[0].value,
            )
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.fail("starred arguments (*x) are not allowed", arg)
        arity = FUNCTIONS[name][0]
        if len(node.args) != arity:
            raise self.fail(
                f"{node.func.id} takes {arity} argument{'s' if arity > 1 else ''}; "
                f"got {len(node.args)}",
                node,
            )
        if name == "where":
            args = (
                self.convert(node.args[0], condition=True),
                self.convert(node.args[1], condition=False),
                self.convert(node.args[2], condition=False),
            )
        else:
            args = tuple(self.convert(a, condition=False) for a in node.args)
        return Node(name, args)

    def _value(self, node: Node) -> float:
        with np.errstate(all="ignore"):
            return float(run_tree(node, self.params)[node])

    def _check_constant(self, out: Node, node: ast.AST) -> None:
        if out.op == "num":
            return
        value = self._value(out)
        if not math.isfinite(value):
            what = "not a real number" if math.isnan(value) else "too large for float64"
            raise self.fail(
                f"the constant part {self.source(node)[:60]} is {what}", node
            )
