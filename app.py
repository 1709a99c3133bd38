"""lossviz: the Streamlit entry point. It only sets up the page and routes to the sections."""

import streamlit as st

from lossviz.ui import frame, pages, serving_workarounds, turns, url

serving_workarounds.install()  # once per process; see the module for why
turns.share_the_interpreter()  # finished runs reach browsers while a long one computes
with turns.one_run_at_a_time():  # sessions share the process: their runs take turns
    url.restore()  # a link or a lesson step seeds the settings before any widget exists
    # On a projector the sidebar starts closed: the page gets the whole width.
    st.set_page_config(page_title="lossviz: how loss functions behave", page_icon="📉",
                       layout="wide", initial_sidebar_state=frame.sidebar_state())
    routes = pages.pages()
    nav = st.navigation([*routes.values(), pages.alias()], position="top")
    alias = pages.aliased(nav)  # a typed /regression: on to "/", with its whole link
    wanted = url.pending_page() or alias
    if wanted in routes and routes[wanted] is not nav:
        st.switch_page(routes[wanted], query_params=url.kept_on_switch(whole=bool(alias)))
    url.start_clean()  # a link's unusable values are out of it: run again, on this page
    section = next((k for k, p in routes.items() if p is nav), "regression")
    frame.begin(nav.title)
    frame.sidebar(section)
    notice = st.container()  # above the page; filled after it, as a table reads its link
    nav.run()  # the page draws the current lesson step where it fits (frame.lesson)
    with notice:
        url.notice()
    url.sync()  # the settings no widget holds (the lesson, typed points) into the link
    frame.sidebar_end(section)  # the share link and the export: of what the page drew
