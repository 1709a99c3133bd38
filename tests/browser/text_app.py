"""A tiny page for ``test_text_browser.py``: KaTeX of parameter names, and user text through
``escape_markdown``, each in its own keyed container."""

import streamlit as st
from text_cases import latex_cases, markdown_cases  # this script's folder is on the path

from lossviz.textsafe import escape_markdown

for i, tex in enumerate(latex_cases()):
    with st.container(key=f"latex_{i}"):
        st.latex(tex)
for i, text in enumerate(markdown_cases()):
    with st.container(key=f"md_{i}"):
        st.markdown(escape_markdown(text))

# A control: what the old printer wrote for the name a__; the test expects KaTeX to refuse it,
# which shows that the check for errors can see one.
with st.container(key="latex_control"):
    st.latex(r"\ell(r) = a_{\mathrm{_}}\,r^{2}")
