"""The revealed answers' chart: counts per bin or per choice, the truth and the student's own
answer marked (data step and render step, asserted on data and trace names)."""

from __future__ import annotations

import numpy as np
import pytest
from plotly_data import plotly_array

from lossviz.classroom.questions import Question
from lossviz.figures.classroom import MAX_BINS, answers_data, answers_figure, answers_sentence

NUMBER = Question("Slope?", "number", 2.0, unit="slope", low=-10, high=10)
CHOICE = Question("Which?", "choice", "MSE", choices=("MSE", "MAE", "Huber"))


def traces(fig) -> dict:
    return {t.name: t for t in fig.data}


def test_number_answers_become_a_histogram_with_the_truth_marked():
    data = answers_data([1.5, 2.0, 2.1, 3.0], NUMBER, mine=1.5)
    assert data.n == 4
    assert data.counts.sum() == 4
    assert data.edges[0] <= 1.5
    assert data.edges[-1] >= 3.0
    assert data.median == pytest.approx(2.05)
    fig = answers_figure(data)
    shown = traces(fig)
    assert set(shown) == {"answers", "true answer", "your answer"}
    assert list(plotly_array(shown["true answer"].x)) == [2.0, 2.0]
    assert list(plotly_array(shown["your answer"].x)) == [1.5, 1.5]
    assert plotly_array(shown["answers"].y).sum() == 4
    assert fig.layout.xaxis.title.text == "slope"
    assert fig.layout.yaxis.dtick == 1  # whole students
    assert fig.layout.xaxis.range[0] < 1.5  # the lowest answer's mark clear of the axis line
    assert "middle answer is 2.05" in answers_sentence(data)


def test_large_answers_are_written_as_numbers_not_e_notation():
    # A house-price question: answers in the tens of thousands.
    data = answers_data([15_000.0, 21_000.0, 24_500.0], NUMBER)
    sentence = answers_sentence(data)
    assert "middle answer is 21,000" in sentence
    assert not any("e+" in label for label in data.labels)
    assert "e+" not in sentence


def test_the_truth_stays_on_the_axis_even_far_from_every_answer():
    data = answers_data([-9.0, -8.5], NUMBER)
    assert data.edges[0] <= -9.0
    assert data.edges[-1] >= 2.0


def test_many_different_answers_make_at_most_max_bins_bars():
    values = list(np.linspace(-10, 10, 500))
    data = answers_data(values, NUMBER)
    assert len(data.counts) <= MAX_BINS
    assert data.counts.sum() == 500


@pytest.mark.parametrize("values", [[], [2.0, 2.0, 2.0]], ids=["nobody", "all-the-same"])
def test_no_answers_or_one_value_still_draw(values):
    data = answers_data(values, NUMBER)
    assert data.counts.sum() == len(values)
    assert set(traces(answers_figure(data))) == {"answers", "true answer"}


def test_choice_answers_become_bars_in_the_questions_order():
    data = answers_data(["MAE", "MSE", "MSE", "nonsense"], CHOICE, mine="MAE")
    assert data.labels == ("MSE", "MAE", "Huber")
    assert list(data.counts) == [2, 1, 0]
    shown = traces(answers_figure(data))
    assert list(shown["true answer"].x) == ["MSE"]
    assert list(shown["your answer"].x) == ["MAE"]
    assert answers_sentence(data) == "2 of 3 picked the true answer, MSE."
