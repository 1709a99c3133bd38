"""Every page of the app in Chromium: it loads by its address and by its link in the top
navigation, without a Streamlit exception box or a JavaScript error, and draws its charts
(lossviz's chart component: a plotly figure in ``.lv-plot``). A phone's browser gets the
compact figures."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from lv_page import NAV_LINK, PAGE_PATHS, PHONE_AGENT, assert_healthy, chart
from streamlit_browser import load, open_lossviz, runs, wait_run

pytestmark = pytest.mark.browser

# What each page draws on its first screen without any setting: the charts (by key) that must
# be there. The conventions page has no chart; it shows its loss as a number.
FIRST_CHARTS = {
    "regression": ("reg_lines", "reg_pulls"),  # no closer look is open at first
    "classification": ("clf_boundary_fig",),
    "custom": ("custom_curves_fig", "custom_slopes_fig"),
    "conventions": (),
    "stopping": ("stop_fit",),
    "classroom": (),  # the join form and "Start a class"
}
DRAWN = ".lv-plot .main-svg"  # plotly draws two or three of these per chart


@pytest.mark.parametrize("section", list(PAGE_PATHS))
def test_every_page_loads_by_its_address_and_draws(
    tab: Any, app_url: str, section: str
) -> None:
    load(tab, app_url + PAGE_PATHS[section])
    assert_healthy(tab, section)
    assert urlsplit(tab.url).path == PAGE_PATHS[section]
    for key in FIRST_CHARTS[section]:
        assert tab.locator(f"{chart(key)} {DRAWN}").count() >= 1, f"{section}: no chart {key}"
    if section == "conventions":  # no chart: lossviz's number for the loss
        assert tab.locator("[data-testid='stMetricValue']").first.inner_text().strip()
    if section == "classroom":
        assert tab.get_by_role("button", name="Join the class").is_visible()
        assert tab.get_by_role("button", name="Start a class").is_visible()


def test_a_typed_regression_path_opens_the_first_page_with_its_settings(
    tab: Any, app_url: str
) -> None:
    # The first page is served at "/": its name typed as a path once opened it under a
    # "Page not found" dialog. It is sent on to "/", keeping the link's settings.
    load(tab, app_url + "/regression?reg_shift=12")
    tab.wait_for_function("() => location.pathname === '/'")
    assert_healthy(tab, "/regression")
    assert tab.get_by_text("Page not found").count() == 0
    assert tab.get_by_role("dialog").count() == 0
    assert "reg_shift=12" in tab.url  # the setting is in the address bar
    current = tab.locator(f"{NAV_LINK}[aria-current='page']")
    assert current.get_attribute("href") == app_url + PAGE_PATHS["regression"]
    for key in FIRST_CHARTS["regression"]:
        assert tab.locator(f"{chart(key)} {DRAWN}").count() >= 1, f"/regression: no {key}"
    handle = tab.locator(f"{chart('reg_lines')} .lv-handle")
    assert float(handle.get_attribute("aria-valuenow")) == 12  # and on the chart


def test_the_top_navigation_opens_every_page_in_one_session(tab: Any, app_url: str) -> None:
    load(tab, app_url + "/")
    assert tab.locator(NAV_LINK).count() == len(PAGE_PATHS)
    order = [*list(PAGE_PATHS)[1:], "regression"]  # every page, and back to the first
    for section in order:
        path = PAGE_PATHS[section]
        link = tab.locator(f"{NAV_LINK}[href='{app_url}{path}']")
        before = runs(tab)
        link.click()
        wait_run(tab, before)
        tab.wait_for_function("p => location.pathname === p", arg=path)
        assert link.get_attribute("aria-current") == "page"
        assert_healthy(tab, f"{section} opened from the navigation")
        for key in FIRST_CHARTS[section]:
            assert tab.locator(f"{chart(key)} {DRAWN}").count() >= 1, f"{section}: no {key}"


# The notes plotly draws on the loss chart of a diverging run (learning_rate's last step).
DIVERGED = "/?lesson=learning_rate&lesson_step=3"
NOTES = f"""() => (document.querySelector('{chart("reg_convergence")} .lv-plot').layout
                  .annotations || []).map(a => a.text).filter(t => t.includes('diverged'))"""


def test_a_phone_gets_the_compact_figures(browser: Any, tab: Any, app_url: str) -> None:
    # The server knows a phone only by its user agent ("Mobi"): Streamlit sends no width.
    load(tab, app_url + DIVERGED)
    wide = tab.evaluate(NOTES)
    phone = open_lossviz(browser, app_url + DIVERGED, width=390, height=844,
                         user_agent=PHONE_AGENT)
    try:
        assert_healthy(phone, "a phone")
        narrow = phone.evaluate(NOTES)
    finally:
        phone.close()
    assert wide, "the wide loss chart has no note on the diverged run"
    assert narrow, "the phone's loss chart has no note on the diverged run"
    assert len(narrow[0]) < len(wide[0]), f"not shorter on a phone: {narrow} vs {wide}"


# The widest best-lines tables: the outlier far below (negative shifts, two-digit brackets),
# house prices (δ = 10,000, five-digit intercepts), the stars (four decimals).
SCORES = ["/?reg_shift=-14&reg_delta=2.5", "/?reg_data=house_prices",
          "/?reg_data=stars_cyg_ob1"]
TABLE_FITS = """() => { const box = document.querySelector(
  ".st-key-reg_scores [data-testid='stMarkdownContainer']");
  return [box.querySelector('table').scrollWidth, box.clientWidth]; }"""


@pytest.mark.parametrize("query", SCORES)
def test_the_best_lines_table_fits_its_column_at_1024_px(browser: Any, app_url: str,
                                                         query: str) -> None:
    # A 1024 px projector with the sidebar open leaves the table a column ~166 px wide; it
    # once spilled 10-25 px past it (cut off, behind a scroll bar).
    page = open_lossviz(browser, app_url + query, width=1024, height=768)
    try:
        assert_healthy(page, query)
        table, room = page.evaluate(TABLE_FITS)
    finally:
        page.close()
    assert table <= room, f"{query}: the table is {table} px wide in a {room} px column"
