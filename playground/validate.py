"""Numbers from a form or an API call, checked once where the compute starts.

An endpoint's numeric parameter can arrive as anything JSON carries: NaN, an infinity, 1e308, a
string, None. ``whole_number`` and ``real_number`` turn such a value into an int or a float inside
its range, or raise a ValidationError whose sentence names the parameter and the range to use. A
value out of range is echoed in at most a few significant digits (1e308 as "1e+308", never as 309
digits).
"""

from __future__ import annotations

import math

from playground.errors import UserError
from playground.i18n import t


class ValidationError(UserError):
    """A number the user can fix; the sentence names the parameter and the range to use."""


def _short(value: float) -> str:
    """A number in at most about 26 characters: 12, 0.5, 9,223,372,036,854,775,807, 1e+308."""
    if abs(value) < 1e21 and float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:.4g}"


def _range(low: float | None, high: float | None) -> dict:
    return {
        "low": "−∞" if low is None else _short(low),
        "high": "∞" if high is None else _short(high),
    }


def _as_float(value, name_key: str, low, high, error) -> float:
    values = {"name": t(name_key), **_range(low, high)}
    if value is None or (isinstance(value, str) and not value.strip()):
        raise error("safety.number.missing", **values)
    if isinstance(value, bool):
        raise error("safety.number.not_a_number", **values)
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise error("safety.number.not_a_number", **values) from None
    if math.isnan(number):
        raise error("safety.number.not_a_number", **values)
    if math.isinf(number):
        raise error("safety.number.infinite", **values)
    if (low is not None and number < low) or (high is not None and number > high):
        raise error("safety.number.out_of_range", value=_short(number), **values)
    return number


def real_number(
    value, name_key: str, low: float | None = None, high: float | None = None, error=ValidationError
) -> float:
    """``value`` as a finite float in [low, high] (None: no bound on that side).

    ``name_key`` is the i18n key of the parameter's name, used in the sentence; ``error`` is the
    UserError class to raise (a compute module's own, so its callers catch one kind).
    """
    return _as_float(value, name_key, low, high, error)


def whole_number(
    value, name_key: str, low: int | None = None, high: int | None = None, error=ValidationError
) -> int:
    """``value`` as an int in [low, high]; 3.0 and "3" are accepted, 2.5 is not."""
    if isinstance(value, int) and not isinstance(value, bool):
        if (low is not None and value < low) or (high is not None and value > high):
            shown = (
                _short(value)
                if abs(value) < 1e300
                else f"{'-' if value < 0 else ''}1e+{len(str(abs(value))) - 1}"
            )
            raise error(
                "safety.number.whole_out_of_range", name=t(name_key), value=shown, **_range(low, high)
            )
        return value
    try:
        number = _as_float(value, name_key, low, high, error)
    except error as refused:
        if refused.key == "safety.number.out_of_range":
            raise error("safety.number.whole_out_of_range", **refused.values) from None
        raise
    if not number.is_integer():
        raise error("safety.number.not_whole", name=t(name_key), **_range(low, high))
    return int(number)
