"""Suite-wide test settings."""

import atexit
import os
import shutil
import tempfile

from hypothesis import HealthCheck, settings

# Keras 3 runs on JAX in the tests (the test extra installs jax, not TensorFlow); the backend
# is read once, when keras is first imported.
os.environ.setdefault("KERAS_BACKEND", "jax")
# Classes a test starts (the Class page, or a random walk pressing "Start a class") go to a
# throwaway SQLite file, never to the user's data directory or a configured PostgreSQL.
os.environ["LOSSVIZ_DATA_DIR"] = tempfile.mkdtemp(prefix="lossviz-test-classes-")
atexit.register(shutil.rmtree, os.environ["LOSSVIZ_DATA_DIR"], ignore_errors=True)
os.environ.pop("LOSSVIZ_DATABASE_URL", None)

# The machine (and CI) is shared and noisy: a per-example time limit would fail at random.
# Derandomised so a CI run is reproducible; the examples still cover each strategy broadly.
settings.register_profile(
    "lossviz",
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("lossviz")
