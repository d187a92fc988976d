"""A setting's value as sent, made into a number or refused by the setting's name.

Shared by every task: :func:`number`, :func:`whole`, :func:`positive` for what a caller sent;
:func:`check_range` and :func:`check_choice` against a setting of the table (:mod:`videogen.params`);
:func:`shown`, a bad value cut short for a message.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Protocol

from videogen.errors import InvalidInputError


class Setting(Protocol):
    """What the checks read of a :class:`videogen.params.Param`."""

    name: str
    default: Any
    minimum: float | None
    maximum: float | None
    range_note: str
    choices: tuple[str, ...]


def number(name: str, value: Any) -> float | None:
    """A setting as a finite float (None stays None); text, NaN and infinity are refused by name."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):  # numpy's numbers are Real too
        raise InvalidInputError(f"{name} must be a number, got {shown(value)}")
    try:
        result = float(value)
    except OverflowError:  # an int too large for a float
        result = math.inf
    if not math.isfinite(result):
        raise InvalidInputError(f"{name} must be a finite number, got {shown(value)}")
    return result


def whole(name: str, value: Any) -> int | None:
    """A setting as an int (16.0 from JSON is 16; None stays None), or refused by name."""
    result = number(name, value)
    if result is None:
        return None
    if not result.is_integer():
        raise InvalidInputError(f"{name} must be a whole number, got {shown(value)}")
    return int(result)


def whole_number(name: str, value: Any) -> int:
    """``value`` as an int, or :class:`InvalidInputError` naming ``name``; None is refused too."""
    result = whole(name, value)
    if result is None:
        raise InvalidInputError(f"{name} must be a whole number, got None")
    return result


def positive(name: str, value: Any, *, is_whole: bool = False) -> Any:
    """``value`` as a number above 0 (an int with ``is_whole``; None stays None), or refused by name."""
    result = whole(name, value) if is_whole else number(name, value)
    if result is not None and result <= 0:
        raise InvalidInputError(f"{name} must be above 0, got {shown(value)}")
    return result


def check_range(param: Setting, value: float, hint: str = "") -> None:
    """Refuse ``value`` outside the parameter's range: "steps must be between 1 and 500, got 0"."""
    low = -math.inf if param.minimum is None else param.minimum
    high = math.inf if param.maximum is None else param.maximum
    if not low <= value <= high:
        raise range_error(param, value, hint)


def range_error(param: Setting, value: Any, hint: str = "") -> InvalidInputError:
    """The refusal of a value outside (or off the grid of) a parameter's range; ``hint`` follows the range."""
    return InvalidInputError(
        f"{param.name} must be between {_bound(param.minimum)} and {_bound(param.maximum)}{hint}{param.range_note}, "
        f"got {shown(value)}"
    )


def check_choice(param: Setting, value: Any) -> str:
    """``value`` if it is one of the parameter's choices (None: its default), else refused by name."""
    if value is None:
        return param.default
    if not isinstance(value, str) or value not in param.choices:
        listed = ", ".join(repr(c) for c in param.choices)
        raise InvalidInputError(f"{param.name} must be one of {listed}, got {shown(value)}")
    return value


def check_utf8(name: str, value: str) -> None:
    """Refuse text that cannot be stored as UTF-8 (in the MP4's metadata, in a JSON answer): a lone
    surrogate, half of a character pair such as an emoji, or a byte that was not UTF-8 on a command line."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInputError(
            f"{name} contains {value[exc.start]!r} at position {exc.start}: half of a character pair (a lone "
            "surrogate), which is not text. Remove it or type that character again."
        ) from None


def shown(value: Any) -> str:
    """A bad value for a message: as given, but short (a 10 000-character text or a 300-digit number is cut)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        return f"a number of about {int(value.bit_length() * math.log10(2)) + 1} digits"  # str() refuses past 4300
    if isinstance(value, float) and math.isfinite(value) and abs(value) >= 1e15:
        return f"{value:.3g}"
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:60]}… ({len(value) if isinstance(value, str) else len(text)} characters)"


def _bound(value: float | None) -> str:
    if value is None:
        return "any"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
