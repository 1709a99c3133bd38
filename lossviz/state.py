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

KINDS = ("int", "float", "bool", "choice", "multi", "text")
MAX_TEXT = 500


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
            if value not in self.choices:
                raise ValueError(f"{self.key} must be one of {', '.join(self.choices)}")
            return value
        if self.kind == "multi":
            items = value.split(",") if isinstance(value, str) else list(value)
            items = [item.strip() for item in items if str(item).strip()]
            bad = [item for item in items if item not in self.choices]
            if bad:
                raise ValueError(f"{self.key} accepts only {', '.join(self.choices)}")
            return list(dict.fromkeys(items))
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
            return f"{float(value):.12g}"
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
    values: dict[str, Any] = {}
    ignored: list[str] = []
    for key, raw in query.items():
        spec = REGISTRY.get(key)
        if spec is None:
            ignored.append(key)
            continue
        try:
            values[key] = spec.check(raw)
        except ValueError:
            ignored.append(key)
    return values, ignored


def to_query(values: Mapping[str, Any]) -> dict[str, str]:
    """The query-string form of the values that differ from their defaults."""
    out: dict[str, str] = {}
    for key, value in values.items():
        spec = REGISTRY.get(key)
        if spec is not None and value != spec.default:
            out[key] = spec.format(value)
    return out
