"""Date arithmetic that saturates instead of raising.

Records carry dates up to 9999-12-31 (an open end some EHRs write) and durations of any size
(`daysSupply` 1e308): `date + timedelta` past the calendar's ends raises OverflowError. Every
shift of a date read from a record goes through `shift`, which stops at `date.min` / `date.max`.
"""

from __future__ import annotations

import math
from datetime import date

_FIRST, _LAST = date.min.toordinal(), date.max.toordinal()


def shift(day: date, days: float) -> date:
    """`day` moved by `days` (rounded to whole days), clamped to the calendar's range; NaN does not move it."""
    if math.isnan(days):
        return day
    if math.isinf(days):
        return date.max if days > 0 else date.min
    return date.fromordinal(min(_LAST, max(_FIRST, day.toordinal() + round(days))))
