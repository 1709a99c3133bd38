"""The numeric limits lossviz enforces, each defined once, with why.

The app's limits keep one student's request small on a shared classroom server (a few
milliseconds of numpy per chart); the core's limits keep a notebook call from asking for
something that cannot finish or cannot be shown. Controls, table readers and the core import
these names instead of writing the numbers again.

Example: ``from lossviz.limits import MAX_POINTS  # 200``
"""

from __future__ import annotations

# -- what the app lets one student ask for ------------------------------------------------------
#: Points in a lab, generated or typed into its table: every chart redraws them on each change.
MAX_POINTS = 200
#: Gradient-descent steps a lab's slider allows: enough to watch any of its fits settle.
MAX_GD_STEPS = 2_000
#: Outliers (or flipped labels) a lab adds: a few are the lesson; more just hide the clean data.
MAX_OUTLIERS = 10
#: Largest |value| in an edited regression table: far beyond any lesson's scale, small enough
#: that squares and sums stay exact to many digits.
MAX_TABLE_VALUE = 10_000.0
#: Largest |input| in an edited classification table: the lab's classes sit within a few units
#: of 0, so a point beyond this is a typo, and at the lab's learning rates it would blow up.
MAX_TABLE_X = 1_000.0
#: How far the regression lab's outlier can be pushed from the line (its slider's range).
MAX_SHIFT = 60.0
#: Training steps of the classification lab: five losses train at once on every change.
MAX_CLF_STEPS = 1_000
#: Training images of the handwritten digits the multiclass view fits on (the rest of the
#: 1,797 are held out to test on).
MAX_DIGIT_IMAGES = 1_200
#: Steps of the "When to stop" run: one loss, but a polynomial that can take long to overfit.
MAX_STOP_STEPS = 5_000
#: Degree of the "When to stop" polynomial: high enough to overfit 11 training points.
MAX_STOP_DEGREE = 15
#: Characters of table edits a link may carry: about 200 short rows.
MAX_TABLE_TEXT = 6_000
#: Steps in one lesson file: a lesson is a short sequence a class follows in one sitting.
MAX_LESSON_STEPS = 20

# -- what the core computes at most -------------------------------------------------------------
#: ``fit``'s step budget: a run's whole history (parameters, loss, gradient per step) in memory.
MAX_FIT_STEPS = 100_000
#: Degree of the polynomial model: higher powers of x on [-5, 5] lose the float64 digits.
MAX_DEGREE = 20
#: Points a data generator makes: more than any chart needs, and a bounded array for a link.
MAX_GENERATED_POINTS = 5_000
#: Grid size per axis of a loss landscape: ``size**2 * n`` residuals are held at once.
MAX_GRID = 200
#: Reweighted least-squares rounds of ``robust_line``: it converges in far fewer.
MAX_IRLS_ITERATIONS = 10_000

# -- class mode (lossviz.classroom) -------------------------------------------------------------
#: Hours a class lives: a lecture and its discussion; then the room and its answers are deleted.
CLASS_HOURS = 12
#: Characters of a nickname: enough for a first name and an initial, short on a projector.
MAX_NICKNAME = 24
#: Students in one class: a large lecture hall; each one's page polls the store every 2 s.
MAX_STUDENTS = 300
#: Classes one teacher's browser session may start: a class or two, and a spare.
MAX_ROOMS_PER_SESSION = 3
#: Classes open at once on a server: a bound on the database whoever asks.
MAX_OPEN_ROOMS = 500
#: Largest |number| a student may answer: far beyond any question's range, so a typo is kept
#: out of the histogram by the question's own range first.
MAX_ANSWER_ABS = 1e6
#: Characters of a question's prompt, unit, choice or explanation: made by lossviz (a lesson
#: step's answer is at most about 600), bounded all the same.
MAX_QUESTION_TEXT = 1_500
#: Choices of a choice question: what fits on a phone without scrolling.
MAX_CHOICES = 6
#: Join attempts one session may make in a minute: a few typos, not a search of the codes.
MAX_JOINS_PER_SESSION = 10
#: Join attempts one class accepts in a minute: a whole hall joining at once.
MAX_JOINS_PER_ROOM = 400
#: Joins with a wrong code the whole process accepts in a minute: with 31^6 codes, finding one
#: class by guessing would take years at this rate, however many sessions guess.
MAX_WRONG_CODES = 300
