"""Class mode: the whole class predicts, the teacher reveals (issue 15).

``store`` keeps rooms, students and answers in SQLite or PostgreSQL; ``questions`` makes the
questions and their true answers. No streamlit here: ``lossviz.ui.pages.classroom`` is the page.
"""

from lossviz.classroom.questions import Question, RegressionState, quick_question
from lossviz.classroom.store import (
    AnswersClosed,
    ClassError,
    NewRoom,
    NoSuchClass,
    NotTeacher,
    RoomState,
    Store,
    TooManyAttempts,
)

__all__ = ["AnswersClosed", "ClassError", "NewRoom", "NoSuchClass", "NotTeacher", "Question",
           "RegressionState", "RoomState", "Store", "TooManyAttempts", "quick_question"]
