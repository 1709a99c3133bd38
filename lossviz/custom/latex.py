"""Print formula trees: as LaTeX for display, and as plain text for messages.

Both printers add parentheses only where the order of operations needs them, so the plain
text of a parsed formula reads back as the same formula.
"""

from __future__ import annotations

import math
import re

from lossviz.custom.expr import Node

# Binding strength: higher binds tighter.
_PREC = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}
_ATOM = 5

_GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "kappa", "lambda",
    "mu", "nu", "xi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega",
}
# Capitals that differ from Latin letters have their own command (\Gamma); the others (Alpha,
# Beta...) are upright words.
_CAPITAL_GREEK = {"gamma", "delta", "theta", "lambda", "xi", "pi", "sigma", "upsilon", "phi",
                  "psi", "omega"}
_VAR_LATEX = {"r": "r", "m": "m", "y": "y", "yhat": r"\hat{y}"}
_FUNC_LATEX = {
    "sin": r"\sin", "cos": r"\cos", "tan": r"\tan", "tanh": r"\tanh", "sinh": r"\sinh",
    "cosh": r"\cosh", "arctan": r"\arctan", "log": r"\ln", "log2": r"\log_2",
    "log10": r"\log_{10}", "sign": r"\operatorname{sign}", "sigmoid": r"\sigma",
    "softplus": r"\operatorname{softplus}", "minimum": r"\min", "maximum": r"\max",
    "clip": r"\operatorname{clip}",
}
_CMP_LATEX = {"lt": "<", "le": r"\le", "gt": ">", "ge": r"\ge", "eq": "=", "ne": r"\ne"}
_CMP_TEXT = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}
_TEXT_OPS = {"add": " + ", "sub": " - ", "mul": "*", "div": "/", "pow": "**"}


def format_number(value: float, *, exact: bool = False) -> str:
    """A number as a person writes it: ``2``, ``0.5``, ``1e-06``.

    ``exact`` keeps every digit (the shortest text that reads back as the same float).
    """
    if value == math.pi:
        return "pi"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value)) if exact else f"{value:.12g}"


def _latex_word(word: str) -> str:
    """One run of letters and digits: a Greek letter's command, a letter, or upright text."""
    capital = word[:1].isupper() and word[1:].islower() and word.lower() in _CAPITAL_GREEK
    if word in _GREEK or capital:
        return "\\" + word
    if len(word) <= 1:
        return word
    return rf"\mathrm{{{word}}}"


def param_latex(name: str) -> str:
    r"""A parameter name as LaTeX: ``tau`` -> ``\tau``, ``d`` -> ``d``, ``scale`` ->
    ``\mathrm{scale}``, ``tau_max`` -> ``\tau_{\mathrm{max}}``, ``c_1_b`` -> ``c_{1\_b}``.

    The part before the first underscore is the symbol and the rest its subscript (further
    underscores are written as ``\_``). Any name of letters, digits and underscores gives
    valid KaTeX, even one the parser refuses (``a__`` -> ``a_{\_}``); other characters
    raise ``ValueError``.
    """
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise ValueError(
            f"cannot write {name!r} in LaTeX: a parameter name holds only letters, digits "
            "and underscores"
        )
    head, underscore, tail = name.partition("_")
    base = _latex_word(head) or r"\_"
    if not underscore:
        return base
    sub = r"\_".join(_latex_word(part) for part in tail.split("_")) or r"\_"
    return f"{base}_{{{sub}}}"


def _prec(node: Node) -> int:
    if node.op == "num" and node.value < 0:
        return _PREC["neg"]
    return _PREC.get(node.op, _ATOM)


# -- LaTeX -----------------------------------------------------------------------------------
def to_latex(node: Node) -> str:
    """LaTeX for a formula tree (KaTeX-compatible).

    Example: ``to_latex(parse_formula("log(1 + r**2)").tree)  # '\\ln\\left(1 + r^{2}\\right)'``
    """
    op, args = node.op, node.args
    if op == "num":
        text = format_number(node.value)
        if text == "pi":
            return r"\pi"
        if "e" in text:
            mantissa, exponent = text.split("e")
            return rf"{mantissa} \cdot 10^{{{int(exponent)}}}"
        return text
    if op == "var":
        return _VAR_LATEX[node.name]
    if op == "par":
        return param_latex(node.name)
    if op == "neg":  # -a*b and -a/b read the same either way: no parentheses
        return "-" + _wrap_latex(args[0], 2, strict=True)
    if op in ("add", "sub"):
        left = to_latex(args[0])
        right = _wrap_latex(args[1], _PREC[op], strict=True)
        return f"{left} {'+' if op == 'add' else '-'} {right}"
    if op == "mul":
        left = _wrap_latex(args[0], 2)
        right = _wrap_latex(args[1], 2, strict=True)
        joiner = r" \cdot " if _starts_with_digit(right) or _prec(args[1]) == 3 else r"\,"
        return left + joiner + right
    if op == "div":
        return rf"\frac{{{to_latex(args[0])}}}{{{to_latex(args[1])}}}"
    if op == "pow":
        base = args[0]
        bare = base.op in ("var", "par", "abs") or (
            base.op == "num" and base.value >= 0 and "e" not in format_number(base.value)
        )
        base_tex = to_latex(base) if bare else rf"\left({to_latex(base)}\right)"
        return f"{base_tex}^{{{to_latex(args[1])}}}"
    if op == "abs":
        return rf"\left|{to_latex(args[0])}\right|"
    if op == "sqrt":
        return rf"\sqrt{{{to_latex(args[0])}}}"
    if op == "exp":
        return f"e^{{{to_latex(args[0])}}}"
    if op == "expm1":
        return rf"\left(e^{{{to_latex(args[0])}}} - 1\right)"
    if op == "log1p":
        return rf"\ln\left(1 + {to_latex(args[0])}\right)"
    if op == "logaddexp":
        a, b = (to_latex(x) for x in args)
        return rf"\ln\left(e^{{{a}}} + e^{{{b}}}\right)"
    if op == "hypot":
        a, b = (_wrap_latex(x, _ATOM) for x in args)
        return rf"\sqrt{{{a}^{{2}} + {b}^{{2}}}}"
    if op == "where":
        cond, a, b = (to_latex(x) for x in args)
        return rf"\begin{{cases}} {a} & {cond} \\ {b} & \text{{otherwise}} \end{{cases}}"
    if op in ("dmax", "dmin"):
        a, b, da, db = (to_latex(x) for x in args)
        first, second = (">", "<") if op == "dmax" else ("<", ">")
        return (
            rf"\begin{{cases}} {da} & {a} {first} {b} \\ {db} & {a} {second} {b} "
            r"\end{cases}"
        )
    if op in _CMP_LATEX:
        return f"{to_latex(args[0])} {_CMP_LATEX[op]} {to_latex(args[1])}"
    if op in ("and", "or"):
        parts = [_wrap_condition_latex(x) for x in args]
        return rf" \text{{ {op} }} ".join(parts)
    if op == "not":
        return rf"\text{{not }} {_wrap_condition_latex(args[0])}"
    inner = r",\, ".join(to_latex(x) for x in args)
    return rf"{_FUNC_LATEX[op]}\left({inner}\right)"


def _negative(node: Node) -> bool:
    return node.op == "neg" or (node.op == "num" and node.value < 0)


def _wrap_latex(node: Node, prec: int, *, strict: bool = False) -> str:
    text = to_latex(node)
    inner = _ATOM if node.op == "div" else _prec(node)  # \frac{}{} groups itself
    if (strict and _negative(node)) or inner < prec or (
        strict and inner == prec and node.op != "mul"
    ):
        return rf"\left({text}\right)"
    return text


def _wrap_condition_latex(node: Node) -> str:
    text = to_latex(node)
    return rf"\left({text}\right)" if node.op in ("and", "or") else text


def _starts_with_digit(text: str) -> bool:
    return text[:1].isdigit() or (text.startswith(r"\left(") and text[6:7].isdigit())


# -- plain text -------------------------------------------------------------------------------
def to_text(node: Node) -> str:
    """The formula as plain text in the formula language (used in messages).

    Example: ``to_text(parse_formula("log(1+r**2)").tree)  # 'log(1 + r**2)'``
    """
    op, args = node.op, node.args
    if op == "num":
        return format_number(node.value, exact=True)
    if op in ("var", "par"):
        return node.name
    if op == "neg":
        return "-" + _wrap_text(args[0], _PREC["neg"], strict=True)  # reads back the same
    if op in _TEXT_OPS:
        prec = _PREC[op]
        if op == "pow":  # right-associative: a**b**c is a**(b**c)
            left = _wrap_text(args[0], prec, strict=True)
            right = _wrap_text(args[1], prec)
        else:
            left = _wrap_text(args[0], prec)
            strict = op in ("sub", "div") or (op == "mul" and args[1].op == "div")
            right = _wrap_text(args[1], prec, strict=strict or _negative(args[1]))
        return left + _TEXT_OPS[op] + right
    if op in _CMP_TEXT:
        return f"{to_text(args[0])} {_CMP_TEXT[op]} {to_text(args[1])}"
    if op in ("and", "or"):
        return f" {'&' if op == 'and' else '|'} ".join(f"({to_text(x)})" for x in args)
    if op == "not":
        return f"~({to_text(args[0])})"
    if op in ("dmax", "dmin"):
        a, b, da, db = (to_text(x) for x in args)
        first = ">" if op == "dmax" else "<"
        return f"where({a} {first} {b}, {da}, {db})"
    return f"{op}({', '.join(to_text(x) for x in args)})"


def _wrap_text(node: Node, prec: int, *, strict: bool = False) -> str:
    text = to_text(node)
    inner = _prec(node)
    if (strict and _negative(node)) or inner < prec or (strict and inner == prec):
        return f"({text})"
    return text
