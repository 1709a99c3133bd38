"""Cases for ``text_app.py`` and ``test_text_browser.py``: parameter names for KaTeX, and user
text for ``escape_markdown``. Deterministic: the app and the test build the same lists."""

from __future__ import annotations

import random

from lossviz.custom import custom_loss
from lossviz.custom.latex import param_latex
from lossviz.custom.parser import check_params

# Every kind of name the parameter pattern lets through: one lowercase or capital letter,
# words, digits after the first letter, Greek letters (as the symbol, as the subscript, as a
# capital), subscripts of one or several parts, and the longest (20 characters).
NAMES = [
    "a", "Z", "d", "tau", "scale", "SCALE", "x1", "k9z", "a_b", "c_1", "c_max", "tau_max",
    "alpha_beta", "Gamma", "Delta_2", "Lambda_k", "Alpha", "epsilon", "omega_0", "a_b_c",
    "c_1_b", "x_y_z_w", "pi_1", "e", "E", "r2", "lambda_1", "a1_B2_c3", "abcdefghijklmnopqrst",
    "a_b_c_d_e_f_g_h_i_j", "T_" + "x" * 18, "theta_phi_psi",
]


def random_names(count: int = 40, seed: int = 0) -> list[str]:
    """Names drawn from the pattern: a letter, letters/digits, single underscores, <= 20."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = []
    while len(out) < count:
        parts = [rng.choice(letters) + "".join(
            rng.choice(letters + "0123456789") for _ in range(rng.randint(0, 4)))]
        parts += ["".join(rng.choice(letters + "0123456789") for _ in range(rng.randint(1, 4)))
                  for _ in range(rng.randint(0, 3))]
        name = "_".join(parts)
        try:
            check_params({name: 1.0})  # not a variable, function or keyword (r, exp, if)
        except ValueError:
            continue
        out.append(name)
    return out


def latex_cases() -> list[str]:
    """Each name alone, and in a formula's LaTeX and its derivative's."""
    out = []
    for name in NAMES + random_names():
        out.append(param_latex(name))
        loss = custom_loss(f"{name}*r**2 + {name}**2*abs(r)", **{name: 1.5})
        out += [loss.latex, loss.derivative_latex]
    return out


MARKDOWN = [
    "*stars* and _underscores_ and **bold** __bold__",
    "`code` and ```fence``` and ~~strike~~",
    "$x^2$ and $$y$$ and \\$z\\$ and \\(a\\) \\[b\\]",
    "<b>bold</b> <script>alert(1)</script> &amp; &lt; &#65; &copy;",
    "[link](http://example.com) ![img](x.png) [^1] [ref][1]\n\n[1]: http://x",
    "# heading\n## two\n- item\n+ plus\n* star\n1. one\n2) two\n> quote\n---\n===",
    "    indented code\n\n\tand a tab",
    "a\n\nb\r\nc\rd\n\n\n",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "trailing backslash \\",
    "\\*already escaped\\* \\\\ double",
    ":streamlit: :smile: :+1: :material_home: :material/home:",
    ":red[red] :blue-background[blue] :small[small] :help[x] :shimmer[s] :orange-badge[o]",
    "a -> b <- c <-> d -- e >= f <= g ~= h",
    "->start\n<-\n--",
    "www.example.com WWW.EXAMPLE.COM http://a.b/c https://x.y mailto:me@x.org me@example.com",
    "x\u00a0y  two spaces   three",
    "<!-- comment --> <br> <img src=x onerror=alert(1)>",
    "{curly} (paren) 'single' \"double\" ; ! ? , . / % ^ = | ~",
    "* * *\n_ _ _\n- - -",
    "1986. A great year",
    "+ \n- \n* ",
    "Setext\n===\nSecond\n---",
    "<http://auto.link> <me@mail.org>",
    "日本語 émoji 🎉 שלום",
    "",
    " ",
    "\\",
    "\\\n",
]


def random_markdown(count: int = 30, seed: int = 1) -> list[str]:
    """Random strings over the characters Markdown and Streamlit treat specially."""
    rng = random.Random(seed)
    alphabet = [*"*_`$<>[]()#!|\\-+=~:@.&;/ \n\tabcw1", "www.", "->", ":streamlit:", "http://",
                "&amp;", "  \n"]
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
            for _ in range(count)]


def markdown_cases() -> list[str]:
    return MARKDOWN + random_markdown()
