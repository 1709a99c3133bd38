"""The limits the app enforces, defined once, each with the reason it exists.

They keep one session's run cheap on a shared server (a class of 40 on two cores) while
leaving room for every lesson. The numeric core accepts more; the app's controls, tables and
links stop here.
"""

from __future__ import annotations

MAX_POINTS = 200  # points in a lab (generated or typed): every chart stays readable
MAX_OUTLIERS = 10  # generated outliers in the regression and custom-loss labs
MAX_SHIFT = 60.0  # how far an outlier can be pushed from the line (the slider's range)
MAX_STEPS = 2_000  # gradient-descent steps in the regression and custom-loss labs
MAX_CLF_STEPS = 1_000  # training steps in the classification lab (five losses at once)
MAX_STOP_STEPS = 5_000  # steps of the "When to stop" run (one loss, polynomial model)
MAX_DEGREE = 15  # polynomial degree in "When to stop"
MAX_ABS_VALUE = 1e4  # a typed table value; larger ones are refused with the row named
MAX_TABLE_TEXT = 6_000  # characters of table edits a link may carry (~200 short rows)
MAX_LESSON_STEPS = 20  # steps in one lesson file
