"""Working days: the configured weekdays minus the public holidays of `holidays.country`.

Dates here are the team's local calendar dates; there is no time of day and no time zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

import holidays

from sheets_sync.errors import ConfigError

if TYPE_CHECKING:  # config.py builds its calendar from here
    from sheets_sync.config import Config

# Far more than any run of holidays and weekends; a guard against a calendar with no working day.
_MAX_SKIP_DAYS = 3660


@lru_cache(maxsize=64)
def _public_holidays(country: str, subdivision: str, year: int) -> frozenset[dt.date]:
    """One country's public holidays in one year (the `holidays` package is slow to build)."""
    table = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    return frozenset(table.keys())


class WorkCalendar:
    """Answers "is this a working day?" for the team.

    `workdays` are weekday numbers (0 = Monday); `country` and `subdivision` are codes the
    `holidays` package knows (e.g. "DE" and "BY"); an empty country means no public holidays.
    """

    def __init__(self, workdays: Iterable[int], country: str = "", subdivision: str = ""):
        self.workdays = frozenset(workdays)
        if not self.workdays:
            raise ConfigError("workdays: at least one working day is needed.")
        self.country = country.strip().upper()
        self.subdivision = subdivision.strip()
        self._next: dict[dt.date, dt.date] = {}
        if self.country:
            try:
                _public_holidays(self.country, self.subdivision, 2000)
            except NotImplementedError:
                where = f'"{self.country}"' + (
                    f' subdivision "{self.subdivision}"' if self.subdivision else ""
                )
                raise ConfigError(
                    f"holidays.country: {where} is not known to the holidays package "
                    "(use an ISO code such as DE, US or RU, and a subdivision such as BY)."
                ) from None

    @classmethod
    def from_config(cls, config: Config) -> WorkCalendar:
        return cls(config.workdays, config.holidays_country, config.holidays_subdivision)

    def holidays_in(self, year: int) -> frozenset[dt.date]:
        if not self.country:
            return frozenset()
        return _public_holidays(self.country, self.subdivision, year)

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() in self.workdays and day not in self.holidays_in(day.year)

    def next_working_day(self, day: dt.date) -> dt.date:
        """`day` itself when it is a working day, else the first working day after it."""
        found = self._next.get(day)
        if found is None:
            found = day
            try:
                for _ in range(_MAX_SKIP_DAYS):
                    if self.is_working_day(found):
                        break
                    found += dt.timedelta(days=1)
                else:  # every day a holiday: keep the date rather than loop for ever
                    found = day
            except OverflowError:  # past 9999-12-31
                found = day
            self._next[day] = found
        return found

    def previous_working_day(self, day: dt.date) -> dt.date:
        """The last working day before `day` (when the previous digest went out); else `day` - 1."""
        found = day - dt.timedelta(days=1)
        try:
            for _ in range(_MAX_SKIP_DAYS):
                if self.is_working_day(found):
                    return found
                found -= dt.timedelta(days=1)
        except OverflowError:  # before 0001-01-01
            pass
        return day - dt.timedelta(days=1)
