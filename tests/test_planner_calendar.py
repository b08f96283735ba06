import pytest
from planner_helpers import d

from sheets_sync.errors import ConfigError
from sheets_sync.rules.calendar import WorkCalendar

MON_FRI = range(5)


@pytest.mark.parametrize(
    "day, expected",
    [
        ("2026-11-26", "2026-11-26"),  # a Thursday is itself
        ("2026-11-27", "2026-11-27"),  # Friday
        ("2026-11-28", "2026-11-30"),  # Saturday -> Monday
        ("2026-11-29", "2026-11-30"),  # Sunday -> Monday
        ("2026-10-31", "2026-11-02"),  # month end on a Saturday
        ("2022-12-31", "2023-01-02"),  # year end on a Saturday
        ("2026-12-25", "2026-12-25"),  # no country: Christmas is a Friday like any other
    ],
)
def test_next_working_day_skips_weekends(day, expected):
    assert WorkCalendar(MON_FRI).next_working_day(d(day)) == d(expected)


@pytest.mark.parametrize(
    "day, expected",
    [
        ("2026-12-24", "2026-12-24"),  # Christmas Eve is not a public holiday in Germany
        ("2026-12-25", "2026-12-28"),  # Christmas Day, Second Day of Christmas, Sunday
        ("2026-12-26", "2026-12-28"),
        ("2027-01-01", "2027-01-04"),  # New Year's Day (Friday), then the weekend
        ("2026-10-03", "2026-10-05"),  # German Unity Day on a Saturday
    ],
)
def test_next_working_day_skips_german_public_holidays(day, expected):
    assert WorkCalendar(MON_FRI, "DE").next_working_day(d(day)) == d(expected)


@pytest.mark.parametrize(
    "day, expected",
    [
        ("2026-01-01", "2026-01-12"),  # New Year holidays 1-9 January 2026, then a weekend
        ("2026-12-31", "2027-01-11"),  # 31 December 2026 is a day off, then 1-8 January 2027
        ("2027-01-08", "2027-01-11"),
        ("2026-01-12", "2026-01-12"),
    ],
)
def test_next_working_day_skips_russian_new_year_holidays(day, expected):
    assert WorkCalendar(MON_FRI, "RU").next_working_day(d(day)) == d(expected)


def test_subdivision_holidays_apply():
    # Epiphany (6 January) is a holiday in Bavaria, not in Berlin.
    assert WorkCalendar(MON_FRI, "DE", "BY").next_working_day(d("2026-01-06")) == d("2026-01-07")
    assert WorkCalendar(MON_FRI, "DE", "BE").next_working_day(d("2026-01-06")) == d("2026-01-06")


def test_custom_workdays_sunday_to_thursday():
    calendar = WorkCalendar({6, 0, 1, 2, 3})
    assert not calendar.is_working_day(d("2026-11-27"))  # Friday
    assert calendar.is_working_day(d("2026-11-29"))  # Sunday
    assert calendar.next_working_day(d("2026-11-27")) == d("2026-11-29")


def test_is_working_day():
    calendar = WorkCalendar(MON_FRI, "DE")
    assert calendar.is_working_day(d("2026-11-26"))
    assert not calendar.is_working_day(d("2026-11-28"))
    assert not calendar.is_working_day(d("2026-12-25"))


@pytest.mark.parametrize("country, subdivision", [("XX", ""), ("DE", "ZZ")])
def test_unknown_country_or_subdivision_is_a_config_error(country, subdivision):
    with pytest.raises(ConfigError, match="holidays.country"):
        WorkCalendar(MON_FRI, country, subdivision)
