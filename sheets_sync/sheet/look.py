"""How the worker's own columns look, for both sources (xlsx and Google): set once, when the worker
creates a column or the Dashboard, never re-imposed over what the team restyled.

Pure data: the adapters turn it into styles.xml / conditional formatting (xlsx) or a layout
`batchUpdate` (Google).
"""

from __future__ import annotations

from dataclasses import dataclass

from sheets_sync.config import Config
from sheets_sync.i18n import LANGUAGES, words
from sheets_sync.model import TAB_SPECS, Tab, TouchStatus
from sheets_sync.model.tabs import PartnerColumn
from sheets_sync.sheet.headers import normalize_header

__all__ = [
    "DATE_FORMATS",
    "HEADER_FILL",
    "MAX_FROZEN_COLUMNS",
    "MAX_WIDTH",
    "NARROW_COLUMNS",
    "STATUS_COLOURS",
    "Look",
    "StatusColour",
    "column_note",
    "column_width",
    "status_colours",
]

HEADER_FILL = "DDE7F0"  # RGB hex: a pale blue-grey the team's headers rarely use
MAX_WIDTH = 60  # characters: a worker column never grows wider than this
MIN_WIDTH = 8
NARROW_COLUMNS = frozenset({PartnerColumn.DAYS_LATE})  # a number: as wide as its header needs
MAX_FROZEN_COLUMNS = 3  # Partner further right: only the header row is frozen
# The number formats of the dates the worker writes (date, date and time), as each language writes
# a date in a sheet: ISO in English (sortable as text too), CLDR's short date in Russian (dd.MM.y).
DATE_FORMATS = {"en": ("yyyy-mm-dd", "yyyy-mm-dd hh:mm"), "ru": ("dd.mm.yyyy", "dd.mm.yyyy hh:mm")}


@dataclass(frozen=True)
class StatusColour:
    """The fill (and text colour) of a Touch status cell, as RGB hex."""

    fill: str
    font: str


STATUS_COLOURS: dict[TouchStatus, StatusColour] = {
    TouchStatus.OVERDUE: StatusColour(fill="F4C7C3", font="9C0006"),  # red
    TouchStatus.DUE: StatusColour(fill="FCE4C4", font="9C5700"),  # amber
    TouchStatus.SOON: StatusColour(fill="FFF2CC", font="7F6000"),  # yellow
    TouchStatus.SLEEPING: StatusColour(fill="E7E6E6", font="595959"),  # grey
}


def status_colours(language: str) -> list[tuple[str, StatusColour]]:
    """(a Touch status word, its colours): the conditional-format rules of the Touch status column.
    The words of `language` first, most urgent first, then those of the other languages: a team
    that switches `language` later keeps its colours (the rules are set once, never re-sent)."""
    others = [lang for lang in LANGUAGES if lang != words(language).language]
    return [
        (words(lang).status(status), colour)
        for lang in (words(language).language, *others)
        for status, colour in STATUS_COLOURS.items()
    ]


def column_note(language: str) -> str:
    """The note on a worker column's header cell."""
    return words(language).text("column.note")


def column_width(header: str, values: list[str], narrow: bool = False) -> int:
    """A worker column's width in characters: its header's or its widest value's (a narrow
    column: its header's), at most MAX_WIDTH."""
    bold = len(header) + 1  # a bold header is a little wider than its characters
    widest = bold if narrow else max([bold, *(len(v) for v in values)])
    return max(MIN_WIDTH, min(MAX_WIDTH, widest + 2))


@dataclass(frozen=True)
class Look:
    """What the look needs of the config, for either source: the language, and the names as the
    team's sheet has them (normalised as headers are matched)."""

    language: str
    worker: dict[str, frozenset[str]]  # tab -> the headers of its worker columns
    narrow: dict[str, frozenset[str]]  # tab -> the headers of its narrow worker columns
    partners: str  # the Partners tab
    partner: str  # its Partner column
    touch_status: str  # its Touch status column

    @classmethod
    def from_config(cls, config: Config) -> Look:
        def tab(t: Tab) -> str:
            return normalize_header(config.tab_name(t))

        def headers(t: Tab, narrow: bool = False) -> frozenset[str]:
            columns = [c for c in TAB_SPECS[t].worker if not narrow or c in NARROW_COLUMNS]
            return frozenset(normalize_header(config.column_name(t, c.value)) for c in columns)

        def partners(column: PartnerColumn) -> str:
            return normalize_header(config.column_name(Tab.PARTNERS, column.value))

        return cls(
            language=config.language,
            worker={tab(t): headers(t) for t in TAB_SPECS},
            narrow={tab(t): headers(t, narrow=True) for t in TAB_SPECS},
            partners=tab(Tab.PARTNERS),
            partner=partners(PartnerColumn.PARTNER),
            touch_status=partners(PartnerColumn.TOUCH_STATUS),
        )

    def worker_columns(self, tab: str, created: dict[int, str]) -> list[int]:
        """Which of the columns created in `tab` are worker columns, left to right."""
        ours = self.worker.get(normalize_header(tab), frozenset())
        return sorted(c for c, header in created.items() if normalize_header(header) in ours)

    @property
    def date_formats(self) -> tuple[str, str]:
        """The number formats of a date and of a date with a time in the team's language."""
        return DATE_FORMATS.get(self.language, DATE_FORMATS["en"])
