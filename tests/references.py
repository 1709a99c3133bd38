"""The reference libraries the tests compare lossviz with (torch, keras, jax, optax,
sklearn, statsmodels). A module of its own, not conftest: ``tests/browser`` has a conftest too,
and which of the two ``import conftest`` finds depends on what pytest collected first."""

import importlib
from types import ModuleType

import pytest


def reference(module: str) -> ModuleType:
    """A reference library from the ``test`` extra (torch, keras, jax, optax, sklearn).

    A missing one fails the test that needs it, with the command that installs it: a skip
    would let a run without the reference libraries look green.
    """
    try:
        return importlib.import_module(module)
    except ImportError as err:
        pytest.fail(f"{module} is missing ({err}); install the reference libraries with "
                    "pip install -e '.[test]'", pytrace=False)
