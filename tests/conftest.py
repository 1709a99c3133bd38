"""Suite-wide test settings."""

import os

from hypothesis import HealthCheck, settings

# Keras 3 runs on JAX in the tests (the test extra installs jax, not TensorFlow); the backend
# is read once, when keras is first imported.
os.environ.setdefault("KERAS_BACKEND", "jax")

# The machine (and CI) is shared and noisy: a per-example time limit would fail at random.
# Derandomised so a CI run is reproducible; the examples still cover each strategy broadly.
settings.register_profile(
    "lossviz",
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("lossviz")
