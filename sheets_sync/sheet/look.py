"""How the worker's own columns look, for both sources (xlsx and Google): set once, when the worker
creates a column or the Dashboard, never re-imposed over what the team restyled.

Pure data: the adapters turn it into styles.xml / conditional formatting (xlsx) or a layout
`batchUpdate` (Google).
"""

from __future__ import annotations

from dataclasses import dataclass

from sheets_sync.i18n import words
from sheets_sync.model import TouchStatus
from sheets_sync.model.tabs import PartnerColumn

__all__ = [
    "HEADER_FILL",
    "MAX_WIDTH",
    "NARROW_COLUMNS",
    "STATUS_COLOURS",
    "StatusColour",
    "column_note",
    "column_width",
    "status_colours",
]

HEADER_FILL = "DDE7F0"  # RGB hex: a pale blue-grey the team's headers rarely use
MAX_WIDTH = 60  # characters: a worker column never grows wider than this
MIN_WIDTH = 8
NARROW_COLUMNS = frozenset({PartnerColumn.DAYS_LATE})  # a number: as wide as its header needs


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
    """(the Touch status word the worker writes in `language`, its colours), most urgent first:
    the conditional-format rules of the Touch status column."""
    w = words(language)
    return [(w.status(status), colour) for status, colour in STATUS_COLOURS.items()]


def column_note(language: str) -> str:
    """The note on a worker column's header cell."""
    return words(language).text("column.note")


def column_width(header: str, values: list[str], narrow: bool = False) -> int:
    """A worker column's width in characters: its header's or its widest value's (a narrow
    column: its header's), at most MAX_WIDTH."""
    bold = len(header) + 1  # a bold header is a little wider than its characters
    widest = bold if narrow else max([bold, *(len(v) for v in values)])
    return max(MIN_WIDTH, min(MAX_WIDTH, widest + 2))
