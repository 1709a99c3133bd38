"""The Streamlit layer of lossviz: the only package code that imports streamlit.

- ``pages/``: one module per page of the app, each with a ``render()``;
- ``params``: every parameter of every page, declared once (pure Python);
- ``widgets``: widgets built from those parameters, bound to the link;
- ``url``: the one place that reads and writes the address bar;
- ``chart``: the one way a chart reaches the page (a browser component, ``web/``);
- ``frame``, ``lessons``, ``tables``, ``export``: what every page shares.
"""
