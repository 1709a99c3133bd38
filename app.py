"""lossviz: the Streamlit entry point. It only sets up the page and routes to the sections."""

import streamlit as st

from lossviz.ui import classroom, controls, keyboard, section_renderer, share, turns, watchers

st.set_page_config(page_title="lossviz: how loss functions behave", page_icon="📉", layout="wide")
watchers.keep_off()  # a reconnect must not turn on the file watchers the config turned off
with turns.one_run_at_a_time():  # sessions share the process: their runs take turns
    share.restore_from_url()  # a shared link or lesson step seeds the widgets before they exist
    classroom.begin_run()

    st.title("lossviz")
    keyboard.mount()  # Tab, Enter and the arrow keys reach the play buttons inside charts
    st.caption("How loss functions measure error, pull on a model and steer gradient descent.")
    share.notice()
    side = classroom.sidebar()

    # One section at a time: only the chosen one runs. A row of buttons rather than st.tabs,
    # whose tab bar measures itself on every redraw of the page (8-10 ms of each change).
    section_renderer(controls.section())()

    classroom.finish_run(side)  # share link and export pack of what was just drawn; URL synced
