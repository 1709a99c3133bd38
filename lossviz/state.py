"""Every UI parameter in one typed registry: its type, default and bounds.

Each app section declares its parameters here (``field(...)`` at the top of its ui module),
so one place knows everything that shapes the page. The same specs parse and format values
for the URL query string: a hand-edited or truncated link falls back to defaults, never to an
error. Pure Python: no streamlit import.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

KINDS = ("int", "float", "bool", "choice", "multi", "text")
MAX_TEXT = 500
# A URL is read only this far: enough for every parameter of the app several times over,
# little enough that a hostile link costs nothing to reject.
MAX_QUERY_KEYS = 200
MAX_KEY_SHOWN = 40


@dataclass(frozen=True)
class Field:
    """One UI parameter.

    ``kind`` is ``int`` / ``float`` (with ``low``, ``high`` and optional ``step``), ``bool``,
    ``choice`` (one of ``choices``), ``multi`` (a subset of ``choices``, comma-separated in
    the URL) or ``text`` (at most ``max_len`` characters; never evaluated as code).
    """

    key: str
    kind: str
    default: Any
    low: float | None = None
    high: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()
    max_len: int = MAX_TEXT
    section: str = ""

    def check(self, value: Any) -> Any:
        """Return ``value`` converted to this field's type, or raise ``ValueError``."""
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(f"{self.key} must be true or false")
        if self.kind in ("int", "float"):
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise ValueError(f"{self.key} must be a number") from None
            if not math.isfinite(number):
                raise ValueError(f"{self.key} must be a finite number")
            if self.kind == "int":
                if not number.is_integer():
                    raise ValueError(f"{self.key} must be a whole number")
                number = int(number)
            if (self.low is not None and number < self.low) or (
                self.high is not None and number > self.high
            ):
                raise ValueError(f"{self.key} must be between {self.low:g} and {self.high:g}")
            return number
        if self.kind == "choice":
            if not isinstance(value, str) or value not in self.choices:
                raise ValueError(f"{self.key} must be one of {', '.join(self.choices)}")
            return value
        if self.kind == "multi":
            if isinstance(value, str):
                items = value.split(",")
            elif isinstance(value, list | tuple):
                items = list(value)
            else:
                raise ValueError(f"{self.key} must be a list of {', '.join(self.choices)}")
            if not all(isinstance(item, str) for item in items):
                raise ValueError(f"{self.key} accepts only {', '.join(self.choices)}")
            items = [item.strip() for item in items if item.strip()]
            bad = [item for item in items if item not in self.choices]
            if bad:
                raise ValueError(f"{self.key} accepts only {', '.join(self.choices)}")
            return list(dict.fromkeys(items))
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ValueError(f"{self.key} must be text")
        text = str(value)
        if len(text) > self.max_len:
            raise ValueError(f"{self.key} is longer than {self.max_len} characters")
        return text

    def format(self, value: Any) -> str:
        """The URL form of ``value``."""
        if self.kind == "bool":
            return "1" if value else "0"
        if self.kind == "multi":
            return ",".join(value)
        if self.kind == "float":
            # repr is the shortest text that reads back as the same float: links round-trip.
            return repr(float(value))
        return str(value)


REGISTRY: dict[str, Field] = {}


def field(key: str, kind: str, default: Any, **spec: Any) -> Field:
    """Declare (or re-declare identically) a UI parameter and return its spec."""
    if kind not in KINDS:
        raise ValueError(f"unknown field kind {kind!r}; choose one of: {', '.join(KINDS)}")
    new = Field(key, kind, default, **spec)
    new.check(default)
    old = REGISTRY.get(key)
    if old is not None and old != new:
        raise ValueError(f"UI parameter {key!r} is declared twice with different specs")
    REGISTRY[key] = new
    return new


def parse_query(query: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Values for the known, valid keys of ``query``; plus the keys that were ignored."""
    values, reasons = explain_query(query)
    return values, list(reasons)


def explain_query(
    query: Mapping[str, Any], registry: Mapping[str, Field] | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Values for the known, valid keys of ``query``, and why each other key was ignored.

    Never raises: any mapping of any keys to any values gives valid values (each one passed
    its field's ``check``) and a plain reason per ignored key, such as
    ``{"reg_delta": "reg_delta must be between 0.1 and 5"}``. A repeated URL parameter
    (a list) counts by its last value, as ``st.query_params`` reads it.

    Example: ``explain_query({"nope": "1"})  # ({}, {"nope": "not a setting of this app"})``
    """
    registry = REGISTRY if registry is None else registry
    values: dict[str, Any] = {}
    reasons: dict[str, str] = {}
    for i, (key, raw) in enumerate(query.items()):
        name = str(key)[:MAX_KEY_SHOWN]
        if i >= MAX_QUERY_KEYS:
            reasons["..."] = f"only the first {MAX_QUERY_KEYS} parameters are read"
            break
        spec = registry.get(key) if isinstance(key, str) else None
        if spec is None:
            reasons[name] = "not a setting of this app"
            continue
        if isinstance(raw, list) and spec.kind != "multi":
            raw = raw[-1] if raw else ""
        try:
            values[key] = spec.check(raw)
        except (ValueError, TypeError, OverflowError) as err:
            reasons[name] = str(err) if isinstance(err, ValueError) else f"{key} is malformed"
    return values, reasons


def current_values(
    state: Mapping[str, Any], registry: Mapping[str, Field] | None = None
) -> dict[str, Any]:
    """The valid registry values held in ``state`` (a dict or ``st.session_state``).

    Keys that are missing or hold an invalid value are left out (they mean "the default").
    """
    registry = REGISTRY if registry is None else registry
    out: dict[str, Any] = {}
    for key, spec in registry.items():
        if key in state:
            try:
                out[key] = spec.check(state[key])
            except (ValueError, TypeError, OverflowError):
                continue
    return out


def query_string(
    values: Mapping[str, Any],
    extra: Mapping[str, str] | None = None,
    registry: Mapping[str, Field] | None = None,
) -> str:
    """``to_query(values)`` (plus ``extra`` first) as URL text, ``"reg_delta=2.0&..."``.

    Example: ``query_string({"reg_delta": 2.0})  # "reg_delta=2.0" when the default differs``
    """
    pairs = dict(extra or {})
    pairs.update(to_query(values, registry))
    return urlencode(pairs)


def to_query(
    values: Mapping[str, Any], registry: Mapping[str, Field] | None = None
) -> dict[str, str]:
    """The query-string form of the values that differ from their defaults."""
    registry = REGISTRY if registry is None else registry
    out: dict[str, str] = {}
    for key, value in values.items():
        spec = registry.get(key)
        if spec is not None and value != spec.default:
            out[key] = spec.format(value)
    return out
