"""A value the worker writes, as the bytes a cell holds: inline text, a number, a boolean, a serial date.

Text is escaped, stripped of the characters XML 1.0 forbids and capped at Excel's 32,767 characters
(longer text makes Excel "repair" the file); it is always written as text, so `=SUM(A1)` or `#N/A`
can never become a formula or an error. Dates are serial numbers of the workbook's date system
(1900, or 1904 when `workbookPr date1904` is set); the style that shows them as dates is the
caller's (styles.py).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Literal

from sheets_sync.errors import SourceError
from sheets_sync.model import CellValue

MAX_TEXT = 32_767
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_EPOCH_1900 = dt.date(1899, 12, 30).toordinal()
_EPOCH_1904 = dt.date(1904, 1, 1).toordinal()
Kind = Literal["empty", "text", "number", "bool", "date", "datetime", "time"]


@dataclass(frozen=True)
class Encoded:
    kind: Kind
    payload: bytes = b""  # escaped text, or the <v> content

    @property
    def is_dated(self) -> bool:
        return self.kind in ("date", "datetime", "time")

    @property
    def is_number(self) -> bool:
        return self.kind == "number"


EMPTY = Encoded("empty")


def clean_text(text: str) -> str:
    """What a cell can hold of `text`: no XML-forbidden characters, at most 32,767 UTF-16 units."""
    if not text.isprintable():  # every forbidden character is unprintable; most text is printable
        text = _FORBIDDEN.sub("", text)
    if len(text) > MAX_TEXT // 2:  # astral characters count twice in Excel's limit
        units = 0
        for i, ch in enumerate(text):
            units += 2 if ord(ch) > 0xFFFF else 1
            if units > MAX_TEXT:
                return text[:i]
    return text


_OOXML_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def _escape(text: str) -> bytes:
    """XML-escaped; `_x000D_` and the like are OOXML's own escapes (ST_Xstring), so a text that
    happens to contain one gets its underscore escaped (`_x005F_`) to read back as typed."""
    if "_x" in text:
        text = _OOXML_ESCAPE.sub(r"_x005F_\1", text)
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\r", "&#13;")
        .encode("utf-8")
    )


def _number(value: float) -> bytes:
    return repr(value).encode() if isinstance(value, float) else str(value).encode()


def serial(value: dt.date, date1904: bool) -> int | float:
    """Days since the workbook's epoch; a datetime's time of day as the fraction (wall-clock)."""
    days = value.toordinal() - (_EPOCH_1904 if date1904 else _EPOCH_1900)
    if not isinstance(value, dt.datetime):
        return days
    seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
    return min(days + seconds / 86_400, math.nextafter(days + 1, 0))


def encode(value: CellValue, date1904: bool = False) -> Encoded:
    if value is None:
        return EMPTY
    if isinstance(value, str):
        text = clean_text(value)
        return Encoded("text", _escape(text)) if text else EMPTY
    if isinstance(value, bool):
        return Encoded("bool", b"1" if value else b"0")
    if isinstance(value, (dt.date, dt.datetime)):
        day = value.date() if isinstance(value, dt.datetime) else value
        if day < (dt.date(1904, 1, 1) if date1904 else dt.date(1900, 3, 1)):
            return encode(value.isoformat(), date1904)  # before the epoch (or Excel's 1900 leap bug)
        kind: Kind = "datetime" if isinstance(value, dt.datetime) else "date"
        return Encoded(kind, _number(serial(value, date1904)))
    if isinstance(value, dt.time):
        fraction = (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86_400
        return Encoded("time", _number(fraction))
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return encode(str(value), date1904)  # Excel has no NaN or infinity
        return Encoded("number", _number(value))
    raise SourceError(f"Cannot write a {type(value).__name__} into a cell: {value!r}")
