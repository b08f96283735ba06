"""Reading cell values: every accepted form gives an exact value, everything else a BadCell."""

from __future__ import annotations

import datetime as dt
import math
import re

import pytest

from sheets_sync.model import Birthday, Direction
from sheets_sync.sheet.cells import (
    BadCell,
    activity_type,
    as_text,
    is_blank,
    parse_bool,
    parse_direction,
    parse_number,
)
from sheets_sync.sheet.dates import from_serial, parse_birthday, parse_date, parse_period, to_serial

D = dt.date
DT = dt.datetime

BLANKS = [None, "", " ", "\t\n", "\u00a0"]

# Values no parser may accept, whatever it reads.
GARBAGE = [
    "maybe",
    "завтра",
    "明天",
    "٢٠٢٦-١١-٢٠",  # Arabic-Indic digits
    "２０２６-11-20",  # full-width digits
    "x" * 10_000,
    "1" * 10_000 + "x",
]


# --- is_blank / as_text ------------------------------------------------------------------


@pytest.mark.parametrize("value", BLANKS)
def test_is_blank_true(value):
    assert is_blank(value) is True


@pytest.mark.parametrize("value", ["x", " a ", 0, 0.0, False, D(2026, 1, 1), dt.time(0)])
def test_is_blank_false(value):
    assert is_blank(value) is False


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, ""),
        ("  Acme Ltd \n", "Acme Ltd"),
        (12, "12"),
        (12.0, "12"),
        (-3.0, "-3"),
        (2026.0, "2026"),
        (12.5, "12.5"),
        (0.1, "0.1"),
        (True, "yes"),
        (False, "no"),
        (D(2026, 11, 20), "2026-11-20"),
        (DT(2026, 11, 20), "2026-11-20"),
        (DT(2026, 11, 20, 14, 30), "2026-11-20 14:30"),
        (DT(2026, 11, 20, 0, 0, 5), "2026-11-20 00:00"),
        (dt.time(9, 5), "09:05"),
        (dt.time(9, 5, 7), "09:05:07"),
    ],
)
def test_as_text(value, expected):
    assert as_text(value) == expected


# --- Serial numbers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "serial, date",
    [
        (1, D(1899, 12, 31)),
        (60, D(1900, 2, 28)),
        (61, D(1900, 3, 1)),
        (43831, D(2020, 1, 1)),
        (45351, D(2024, 2, 29)),
        (46352, D(2026, 11, 26)),
        (2958465, D(9999, 12, 31)),
    ],
)
def test_serial_round_trip(serial, date):
    assert from_serial(serial) == date
    assert to_serial(date) == serial
    assert type(to_serial(date)) is int


@pytest.mark.parametrize(
    "value, serial",
    [
        (DT(2026, 11, 26, 12), 46352.5),
        (DT(2026, 11, 26, 6), 46352.25),
        (DT(2026, 11, 26), 46352.0),
    ],
)
def test_to_serial_datetime_keeps_time(value, serial):
    assert to_serial(value) == serial
    assert from_serial(to_serial(value)) == value.date()


def test_to_serial_last_microsecond_stays_in_its_day():
    value = DT(9999, 12, 31, 23, 59, 59, 999_999)
    assert from_serial(to_serial(value)) == D(9999, 12, 31)


@pytest.mark.parametrize("number", [0, -1, 0.5, 2958466, 1e300, math.nan, math.inf, True])
def test_from_serial_out_of_range(number):
    with pytest.raises(BadCell):
        from_serial(number)


# --- parse_date --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        # date and datetime cells
        (D(2026, 11, 20), D(2026, 11, 20)),
        (DT(2026, 11, 20, 23, 59), D(2026, 11, 20)),
        # serials, as Google returns them; the fraction is the time of day
        (46352, D(2026, 11, 26)),
        (46352.0, D(2026, 11, 26)),
        (46352.5, D(2026, 11, 26)),
        (46352.999, D(2026, 11, 26)),
        (1, D(1899, 12, 31)),
        (2958465, D(9999, 12, 31)),
        ("46352", D(2026, 11, 26)),
        (" 46352 ", D(2026, 11, 26)),
        # ISO
        ("2026-11-20", D(2026, 11, 20)),
        ("2026-1-5", D(2026, 1, 5)),
        (" 2026-11-20 ", D(2026, 11, 20)),
        ("2026-11-20 14:30", D(2026, 11, 20)),
        ("2026-11-20T14:30", D(2026, 11, 20)),
        ("2026-11-20T14:30:59", D(2026, 11, 20)),
        ("2026-11-20T14:30:59.123", D(2026, 11, 20)),
        ("2026-11-20   9:05", D(2026, 11, 20)),
        # dotted, day first
        ("20.11.2026", D(2026, 11, 20)),
        ("5.1.2026", D(2026, 1, 5)),
        ("20.11.2026 14:30", D(2026, 11, 20)),
        ("20.11.2026 14:30:05", D(2026, 11, 20)),
        ("20.11.26", D(2026, 11, 20)),
        ("01.01.00", D(2000, 1, 1)),
        ("31.12.99", D(2099, 12, 31)),
        # slashed, day first by default
        ("20/11/2026", D(2026, 11, 20)),
        ("05/01/2026", D(2026, 1, 5)),
        ("05/01/2026 08:00", D(2026, 1, 5)),
        # month ends and leap days
        ("31.01.2026", D(2026, 1, 31)),
        ("30.04.2026", D(2026, 4, 30)),
        ("28.02.2026", D(2026, 2, 28)),
        ("2024-02-29", D(2024, 2, 29)),
        ("29.02.2024", D(2024, 2, 29)),
        ("29.02.2000", D(2000, 2, 29)),
        ("31.12.2026", D(2026, 12, 31)),
    ],
)
def test_parse_date_accepts(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("05/01/2026", D(2026, 5, 1)),
        ("11/20/2026", D(2026, 11, 20)),
        ("11/20/2026 14:30", D(2026, 11, 20)),
        ("02/29/2024", D(2024, 2, 29)),
        # only slashes follow date_order: dots and ISO are unambiguous
        ("05.01.2026", D(2026, 1, 5)),
        ("2026-05-01", D(2026, 5, 1)),
    ],
)
def test_parse_date_mdy(value, expected):
    assert parse_date(value, date_order="MDY") == expected


@pytest.mark.parametrize("value", ["11/20/2026", "02/29/2024"])
def test_parse_date_dmy_rejects_month_first(value):
    with pytest.raises(BadCell, match="not a date"):
        parse_date(value)


@pytest.mark.parametrize("value", BLANKS)
def test_parse_date_blank(value):
    assert parse_date(value) is None


@pytest.mark.parametrize(
    "value, message",
    [
        ("31.02.2026", 'not a date: "31.02.2026"'),
        ("29.02.2025", 'not a date: "29.02.2025"'),
        ("2025-02-29", 'not a date: "2025-02-29"'),
        ("2026-13-01", 'not a date: "2026-13-01"'),
        ("2026-00-10", 'not a date: "2026-00-10"'),
        ("2026-11-31", 'not a date: "2026-11-31"'),
        ("31.04.2026", 'not a date: "31.04.2026"'),
        ("00.01.2026", 'not a date: "00.01.2026"'),
        ("31/11/2026", 'not a date: "31/11/2026"'),
        ("20.11.2026 24:00", 'not a date: "20.11.2026 24:00"'),
        ("2026-11-20 14:60", 'not a date: "2026-11-20 14:60"'),
        ("2026-11-20T", 'not a date: "2026-11-20T"'),
        ("20.11.2026T14:30", 'not a date: "20.11.2026T14:30"'),
        ("20.11.202", 'not a date: "20.11.202"'),
        ("20/11/26", 'not a date: "20/11/26"'),
        ("2026-W47-5", 'not a date: "2026-W47-5"'),
        ("20261120", 'not a date: "20261120"'),
        ("2026-11-20Z", 'not a date: "2026-11-20Z"'),
        ("tomorrow", 'not a date: "tomorrow"'),
        ("завтра", 'not a date: "завтра"'),
        ("0", 'a time, not a date: "0"'),
        ("=TODAY()+", 'a formula, not a date: "=TODAY()+"'),
        (" =A1", 'a formula, not a date: "=A1"'),
        (0, 'a time, not a date: "0"'),
        (0.5, 'a time, not a date: "0.5"'),
        (-1, 'not a date: "-1"'),
        (2958466, 'not a date: "2958466"'),
        (math.nan, 'not a date: "nan"'),
        (True, 'a yes/no value, not a date: "TRUE"'),
        (False, 'a yes/no value, not a date: "FALSE"'),
        (dt.time(14, 30), 'a time, not a date: "14:30"'),
        (dt.timedelta(hours=2), 'a duration, not a date: "2:00:00"'),
        ("line one\nline   two", 'not a date: "line one line two"'),
        ("x" * 10_000, 'not a date: "' + "x" * 39 + '…"'),
        ("9" * 10_000, 'not a date: "' + "9" * 39 + '…"'),
    ],
)
def test_parse_date_rejects(value, message):
    with pytest.raises(BadCell) as caught:
        parse_date(value)
    assert str(caught.value) == message


@pytest.mark.parametrize("value", GARBAGE)
def test_parse_date_rejects_garbage(value):
    with pytest.raises(BadCell):
        parse_date(value)


def test_bad_cell_is_a_value_error():
    assert issubclass(BadCell, ValueError)


@pytest.mark.parametrize(
    "value",
    [D(2026, 11, 26), DT(2026, 11, 26, 18, 45), D(2024, 2, 29), D(1900, 3, 1), D(9999, 12, 31)],
)
def test_parse_date_agrees_with_to_serial(value):
    assert parse_date(to_serial(value)) == (value.date() if isinstance(value, DT) else value)
    assert parse_date(str(to_serial(D(value.year, value.month, value.day)))) == parse_date(value)


# --- parse_birthday ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("29.02", Birthday(2, 29)),
        ("28.02", Birthday(2, 28)),
        ("31.12", Birthday(12, 31)),
        ("1.5", Birthday(5, 1)),
        (" 05.01 ", Birthday(1, 5)),
        ("--02-29", Birthday(2, 29)),
        ("--12-31", Birthday(12, 31)),
        ("29/02", Birthday(2, 29)),
        ("05/01", Birthday(1, 5)),
        ("15.03.1985", Birthday(3, 15, 1985)),
        ("1985-03-15", Birthday(3, 15, 1985)),
        ("15/03/1985", Birthday(3, 15, 1985)),
        ("29.02.2024", Birthday(2, 29, 2024)),
        ("15.03.85", Birthday(3, 15, 2085)),
        (D(1985, 3, 15), Birthday(3, 15, 1985)),
        (DT(1985, 3, 15), Birthday(3, 15, 1985)),
        (31121, Birthday(3, 15, 1985)),
        (31121.0, Birthday(3, 15, 1985)),
        ("31121", Birthday(3, 15, 1985)),
    ],
)
def test_parse_birthday_accepts(value, expected):
    assert parse_birthday(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("05/01", Birthday(5, 1)),
        ("02/29", Birthday(2, 29)),
        ("03/15/1985", Birthday(3, 15, 1985)),
        ("05.01", Birthday(1, 5)),  # dots stay day first
        ("--05-01", Birthday(5, 1)),
    ],
)
def test_parse_birthday_mdy(value, expected):
    assert parse_birthday(value, date_order="MDY") == expected


@pytest.mark.parametrize("value", BLANKS)
def test_parse_birthday_blank(value):
    assert parse_birthday(value) is None


@pytest.mark.parametrize(
    "value, message",
    [
        ("31.02", 'not a date: "31.02"'),
        ("30.02", 'not a date: "30.02"'),
        ("31.04", 'not a date: "31.04"'),
        ("--02-30", 'not a date: "--02-30"'),
        ("--13-01", 'not a date: "--13-01"'),
        ("--2-28", 'not a date: "--2-28"'),
        ("13/13", 'not a date: "13/13"'),
        ("29.02.2025", 'not a date: "29.02.2025"'),
        ("15 марта", 'not a date: "15 марта"'),
        ("=DATE(1985,3,15)", 'a formula, not a date: "=DATE(1985,3,15)"'),
        # a sheet turns "29.02" typed in an English locale into the number 29.02
        (29.02, 'a number, not a birthday: "29.02"'),
        (15.1, 'a number, not a birthday: "15.1"'),
        (True, 'a yes/no value, not a date: "TRUE"'),
    ],
)
def test_parse_birthday_rejects(value, message):
    with pytest.raises(BadCell) as caught:
        parse_birthday(value)
    assert str(caught.value) == message


def test_parse_birthday_mdy_rejects_day_first():
    with pytest.raises(BadCell, match="not a date"):
        parse_birthday("29/02", date_order="MDY")


@pytest.mark.parametrize("value", GARBAGE)
def test_parse_birthday_rejects_garbage(value):
    with pytest.raises(BadCell):
        parse_birthday(value)


# --- parse_bool --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        True,
        1,
        1.0,
        "yes",
        "YES",
        " Yes ",
        "y",
        "Y",
        "true",
        "TRUE",
        "True",
        "1",
        "x",
        "X",
        "✓",
        "✔",
        "да",
        "Да",
        "ДА",
        "д",
        "Д",
        "\u00a0yes\u00a0",
    ],
)
def test_parse_bool_yes(value):
    assert parse_bool(value) is True


@pytest.mark.parametrize(
    "value",
    [
        False,
        0,
        0.0,
        "no",
        "NO",
        " No ",
        "n",
        "N",
        "false",
        "FALSE",
        "False",
        "0",
        "нет",
        "Нет",
        "НЕТ",
        "н",
        "Н",
    ],
)
def test_parse_bool_no(value):
    assert parse_bool(value) is False


@pytest.mark.parametrize("value", BLANKS)
@pytest.mark.parametrize("default", [None, True, False])
def test_parse_bool_blank_is_default(value, default):
    assert parse_bool(value, default=default) is default


@pytest.mark.parametrize(
    "value, message",
    [
        ("maybe", 'not a yes/no value: "maybe"'),
        ("yes please", 'not a yes/no value: "yes please"'),
        ("xx", 'not a yes/no value: "xx"'),
        ("2", 'not a yes/no value: "2"'),
        ("1.0", 'not a yes/no value: "1.0"'),
        ("возможно", 'not a yes/no value: "возможно"'),
        ("=TRUE()", 'not a yes/no value: "=TRUE()"'),
        (2, 'not a yes/no value: "2"'),
        (0.5, 'not a yes/no value: "0.5"'),
        (math.nan, 'not a yes/no value: "nan"'),
        (D(2026, 11, 20), 'a date, not a yes/no value: "2026-11-20"'),
        (dt.time(9, 0), 'a time, not a yes/no value: "09:00"'),
    ],
)
def test_parse_bool_rejects(value, message):
    with pytest.raises(BadCell) as caught:
        parse_bool(value, default=True)
    assert str(caught.value) == message


@pytest.mark.parametrize("value", GARBAGE)
def test_parse_bool_rejects_garbage(value):
    with pytest.raises(BadCell):
        parse_bool(value)


# --- parse_number ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        (1200, 1200.0),
        (1200.5, 1200.5),
        (-3, -3.0),
        (0, 0.0),
        ("1200", 1200.0),
        (" 1200 ", 1200.0),
        ("1 200", 1200.0),
        ("1\u00a0200", 1200.0),
        ("1\u202f200", 1200.0),
        ("1 200 000", 1_200_000.0),
        ("1,200", 1200.0),
        ("1,200,000", 1_200_000.0),
        ("1,200.50", 1200.5),
        ("1.200,50", 1200.5),
        ("1.200.000,50", 1_200_000.5),
        ("1 200,50", 1200.5),
        ("1200,50", 1200.5),
        ("1200,5", 1200.5),
        ("1,5", 1.5),
        ("0,125", 0.125),
        ("1234,567", 1234.567),
        ("1200.50", 1200.5),
        ("1.200", 1.2),
        ("12.000.000", 12_000_000.0),
        ("-3", -3.0),
        ("+3", 3.0),
        ("\u22123", -3.0),
        ("-1 200,50", -1200.5),
        ("12 000 €", 12000.0),
        ("€12,000", 12000.0),
        ("$1,500", 1500.0),
        ("-$1,500", -1500.0),
        ("£99.99", 99.99),
        ("1 500 ₽", 1500.0),
        ("007", 7.0),
    ],
)
def test_parse_number_accepts(value, expected):
    result = parse_number(value)
    assert type(result) is float
    assert result == expected


@pytest.mark.parametrize("value", BLANKS)
def test_parse_number_blank(value):
    assert parse_number(value) is None


@pytest.mark.parametrize(
    "value, message",
    [
        ("abc", 'not a number: "abc"'),
        ("12 deals", 'not a number: "12 deals"'),
        ("1,2,3", 'not a number: "1,2,3"'),
        ("12 34", 'not a number: "12 34"'),
        ("1.2.3", 'not a number: "1.2.3"'),
        ("1,200,00", 'not a number: "1,200,00"'),
        ("1,200.000,5.1", 'not a number: "1,200.000,5.1"'),
        ("1.200,000.5", 'not a number: "1.200,000.5"'),
        ("1,", 'not a number: "1,"'),
        ("-", 'not a number: "-"'),
        ("$", 'not a number: "$"'),
        ("15%", 'not a number: "15%"'),
        ("1e3", 'not a number: "1e3"'),
        ("nan", 'not a number: "nan"'),
        ("inf", 'not a number: "inf"'),
        ("--3", 'not a number: "--3"'),
        ("двенадцать", 'not a number: "двенадцать"'),
        ("=SUM(A1:A3)", 'a formula, not a number: "=SUM(A1:A3)"'),
        ("9" * 400, 'not a number: "' + "9" * 39 + '…"'),
        (math.inf, 'not a number: "inf"'),
        (math.nan, 'not a number: "nan"'),
        (True, 'a yes/no value, not a number: "TRUE"'),
        (D(2026, 11, 20), 'a date, not a number: "2026-11-20"'),
        (DT(2026, 11, 20, 9, 30), 'a date, not a number: "2026-11-20 09:30"'),
    ],
)
def test_parse_number_rejects(value, message):
    with pytest.raises(BadCell) as caught:
        parse_number(value)
    assert str(caught.value) == message


def test_parse_number_rejects_huge_int():
    with pytest.raises(BadCell, match="not a number"):
        parse_number(10**400)


@pytest.mark.parametrize("value", GARBAGE)
def test_parse_number_rejects_garbage(value):
    with pytest.raises(BadCell):
        parse_number(value)


# --- parse_direction ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("in", Direction.IN),
        ("IN", Direction.IN),
        (" In ", Direction.IN),
        ("out", Direction.OUT),
        ("OUT", Direction.OUT),
        ("вх", Direction.IN),
        ("Вх.", Direction.IN),
        ("входящий", Direction.IN),
        ("Входящее", Direction.IN),
        ("исх", Direction.OUT),
        ("исх.", Direction.OUT),
        ("ИСХОДЯЩИЙ", Direction.OUT),
        ("исходящее", Direction.OUT),
    ],
)
def test_parse_direction_accepts(value, expected):
    assert parse_direction(value) is expected


@pytest.mark.parametrize("value", BLANKS)
def test_parse_direction_blank(value):
    assert parse_direction(value) is None  # the caller's default: out


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("sideways", 'unknown direction "sideways" (in or out)'),
        ("both", 'unknown direction "both"'),
        ("in/out", 'unknown direction "in/out"'),
        (1, 'a number, not a direction (in or out): "1"'),
        (True, 'a yes/no value, not a direction (in or out): "TRUE"'),
        (D(2026, 1, 1), "a date, not a direction"),
    ],
)
def test_parse_direction_rejects(value, message):
    with pytest.raises(BadCell, match=re.escape(message)):
        parse_direction(value)


@pytest.mark.parametrize("value", GARBAGE)
def test_parse_direction_rejects_garbage(value):
    with pytest.raises(BadCell):
        parse_direction(value)


# --- parse_period -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "first", "last"),
    [
        ("2026", D(2026, 1, 1), D(2026, 12, 31)),
        ("2026.0", D(2026, 1, 1), D(2026, 12, 31)),  # a number cell read as text
        (2026, D(2026, 1, 1), D(2026, 12, 31)),
        (2026.0, D(2026, 1, 1), D(2026, 12, 31)),
        ("2026-Q4", D(2026, 10, 1), D(2026, 12, 31)),
        ("2026-q1", D(2026, 1, 1), D(2026, 3, 31)),
        ("Q4 2026", D(2026, 10, 1), D(2026, 12, 31)),
        ("2026 Q2", D(2026, 4, 1), D(2026, 6, 30)),
        ("2026-11", D(2026, 11, 1), D(2026, 11, 30)),
        ("2028-02", D(2028, 2, 1), D(2028, 2, 29)),  # leap year
        ("2027-02", D(2027, 2, 1), D(2027, 2, 28)),
        ("2026-12", D(2026, 12, 1), D(2026, 12, 31)),
        ("11.2026", D(2026, 11, 1), D(2026, 11, 30)),
        ("2026-11-01", D(2026, 11, 1), D(2026, 11, 30)),
        # "2026-11" that the spreadsheet turned into a date, a datetime or a serial number
        (D(2026, 11, 1), D(2026, 11, 1), D(2026, 11, 30)),
        (DT(2026, 11, 1), D(2026, 11, 1), D(2026, 11, 30)),
        (46327, D(2026, 11, 1), D(2026, 11, 30)),
        ("9999-Q4", D(9999, 10, 1), D(9999, 12, 31)),
    ],
)
def test_parse_period_accepts(value, first, last):
    assert parse_period(value) == (first, last)


@pytest.mark.parametrize("value", BLANKS)
def test_parse_period_blank(value):
    assert parse_period(value) is None  # the planner's default: the current calendar year


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("sometime", 'not a year (2026), quarter (2026-Q4) or month (2026-11): "sometime"'),
        ("2026-Q5", '"2026-Q5"'),
        ("2026-13", '"2026-13"'),
        ("next year", '"next year"'),
        ("26", '"26"'),
        (26, '"26"'),
        ("0000", '"0000"'),
        ("0000-Q1", '"0000-Q1"'),
        ("H2 2026", '"H2 2026"'),
        (True, "a yes/no value, not a year"),
        (dt.time(9), "a time, not a year"),
        (math.nan, '"nan"'),
    ],
)
def test_parse_period_rejects(value, message):
    with pytest.raises(BadCell, match=re.escape(message)):
        parse_period(value)


@pytest.mark.parametrize("value", GARBAGE)
def test_parse_period_rejects_garbage(value):
    with pytest.raises(BadCell):
        parse_period(value)


@pytest.mark.parametrize(
    "typed, canonical",
    [
        ("Meeting", "meeting"),
        ("  CALL ", "call"),
        ("Встреча", "meeting"),
        ("звонок", "call"),
        ("визит", "visit"),
        ("Письмо", "email"),
        ("сделка", "deal"),
        ("sales  kit", "sales kit"),
        ("workshop", "workshop"),
        ("", ""),
    ],
)
def test_activity_types_read_as_the_rules_name_them(typed, canonical):
    assert activity_type(typed) == canonical
