"""User-written losses: a formula in r (or m) becomes a loss with an exact derivative.

    import lossviz
    loss = lossviz.custom_loss("log(1 + r**2)")
    loss([0.0, 0.0], [1.0, 2.0])     # (log 2 + log 5) / 2
    loss.derivative_latex            # "\\ell'(r) = \\frac{2\\,r}{1 + r^{2}}"

The formula is read with Python's ``ast`` parser and an allow-list of syntax (see
``lossviz.custom.parser``); it is never run as code.
"""

from lossviz.custom.loss import CONVEXITY_RANGE, CustomLoss, custom_loss
from lossviz.custom.parser import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_LENGTH,
    MAX_NODES,
    MAX_PARENS,
    TASK_VARIABLES,
    FormulaError,
    parse_formula,
)

__all__ = [
    "CONVEXITY_RANGE",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "MAX_NODES",
    "MAX_PARENS",
    "TASK_VARIABLES",
    "CustomLoss",
    "FormulaError",
    "custom_loss",
    "parse_formula",
]
