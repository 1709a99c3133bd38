"""Class mode in Chromium: one teacher at a projector's width and three students on phones.

The students join by code, the teacher asks, each student answers on their own page, the
teacher's count follows, the teacher reveals (the chart counts three answers beside the
truth, and each student sees their own answer against it), and when the teacher asks the
next question the students' pages follow without a reload.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from lv_page import assert_healthy, chart
from streamlit_browser import load, new_tab, wait_charts

pytestmark = pytest.mark.browser

PHONE = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/130.0 Mobile Safari/537.36")
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
# A student's page shows the teacher's step within this: the poll is 1.5 s, and four pages
# with their script runs share this machine's two cores with the test (4 s failed once in a
# full suite run, on a student's page following question 2).
FOLLOW_S = 6.0


def _idle(page: Any) -> None:
    page.wait_for_selector(IDLE, timeout=30_000)


def _text(page: Any) -> str:
    return page.inner_text("[data-testid='stMain']")


def _wait_text(page: Any, pattern: str, timeout: float) -> None:
    page.wait_for_function(
        "([p]) => new RegExp(p).test(document.querySelector(\"[data-testid='stMain']\")"
        ".innerText)", arg=[pattern], timeout=timeout * 1000)


@pytest.fixture
def pages(browser: Any) -> Any:
    teacher = new_tab(browser, width=1366, height=768)
    students = [new_tab(browser, width=390, height=844, user_agent=PHONE) for _ in range(3)]
    yield teacher, students
    for page in (teacher, *students):
        page.close()


def test_a_class_joins_answers_sees_the_reveal_and_follows_the_teacher(
        pages: Any, app_url: str) -> None:
    teacher, students = pages
    load(teacher, app_url + "/classroom")
    teacher.get_by_role("button", name="Start a class").click()
    _wait_text(teacher, r"Join with the code", 30)
    _idle(teacher)
    code = re.search(r"classroom\?class=([A-Z0-9]{6})", _text(teacher)).group(1)

    for page in students:
        load(page, app_url + "/classroom")
        page.get_by_label("Class code").fill(code.lower())  # typed as a student would
        page.get_by_role("button", name="Join the class").click()
        _wait_text(page, "You are in", 30)
    _wait_text(teacher, rf"Class {code}: 3 joined", FOLLOW_S)

    teacher.get_by_role("button", name="Ask the class").click()
    _idle(teacher)
    for page in students:  # no reload: the page polls the class
        _wait_text(page, r"Question 1\.", FOLLOW_S)
        page.get_by_role("button", name="Send my answer").wait_for(timeout=10_000)

    answers = ["1.5", "2.25", "9"]
    for page, value in zip(students, answers, strict=True):
        box = page.get_by_label(re.compile("^Your answer"))
        box.fill(value)
        box.press("Enter")
        _idle(page)
        page.get_by_role("button", name="Send my answer").click()
        _wait_text(page, rf"Your answer now: {re.escape(value)}", 30)
    _wait_text(teacher, rf"Class {code}: 3 joined, 3 answered", FOLLOW_S)

    teacher.get_by_role("button", name="Reveal the answers").click()
    _wait_text(teacher, r"3 answered; the middle answer is 2\.25, the true answer", 30)
    _idle(teacher)
    wait_charts(teacher)
    truth = re.search(r"the true answer (-?[\d.]+)", _text(teacher)).group(1)
    counts = teacher.evaluate(
        "sel => document.querySelector(sel).data.filter(t => t.type === 'bar')"
        ".reduce((n, t) => n + Array.from(t.y || []).reduce((a, b) => a + Number(b), 0), 0)",
        f"{chart('class_answers')} .lv-plot")
    assert counts == 3
    assert_healthy(teacher, "the teacher's page after the reveal")
    for page, value in zip(students, answers, strict=True):
        _wait_text(page, rf"Your answer: {re.escape(value)}\. The true answer: ", FOLLOW_S)
        assert truth in _text(page)
        assert not page.errors

    teacher.get_by_role("button", name="Ask the class").click()
    _idle(teacher)
    for page in students:
        _wait_text(page, r"Question 2\.", FOLLOW_S)
        page.get_by_role("button", name="Send my answer").wait_for(timeout=10_000)
