"""Validation of the user's settings for the model sensors: one clear line, before measuring."""

from __future__ import annotations

import math

from ..errors import UsageError


def positive_finite(value: object, setting: str, unit: str) -> float:
    """``value`` as a float, or :class:`UsageError` naming ``setting`` and the value.

    >>> positive_finite(2, "--cpu-tdp-w", "watts")
    2.0
    """
    number: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    if number is None or not math.isfinite(number) or number <= 0:
        raise UsageError(
            f"{setting} must be a positive finite number of {unit}, got {value!r}",
            hint=f"give {setting} a value above 0, e.g. the figure from the part's data sheet",
        )
    return number
