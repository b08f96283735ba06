"""Goal progress: deals in the goal period against the target and the amount."""

import pytest
from planner_helpers import MANAGER, TODAY, activity, ago, book, config, d, one_partner, partner, state, texts

from sheets_sync.i18n import words
from sheets_sync.model import DigestSection, Stage
from sheets_sync.rules.planner import plan
from sheets_sync.sheet.dates import parse_period


def deals(*dates_amounts):
    return [activity(i + 2, date, "deal", amount=amount) for i, (date, amount) in enumerate(dates_amounts)]


EDGES = deals(
    (d("2025-12-31"), 1000),
    (d("2026-01-01"), 2000),
    (d("2026-09-30"), 4000),
    (d("2026-10-01"), 8000),
    (d("2026-10-31"), 16000),
    (d("2026-11-01"), 32000),
    (d("2026-11-30"), 64000),
    (d("2026-12-01"), 128000),
    (d("2026-12-31"), 256000),
    (d("2027-01-01"), 512000),
)


@pytest.mark.parametrize(
    "period, count",
    [("2026", 8), ("", 8), ("2026-Q4", 6), ("2026-11", 2), ("2025", 1), ("2027-Q1", 1)],
)
def test_deals_on_the_period_edges(period, count):
    # a blank Goal period (None) is the current calendar year
    the_plan = one_partner(*EDGES, goal_target=10, goal_period=parse_period(period))
    assert state(the_plan).goal_progress == (f"{count} of 10 ({count * 10}%)")


@pytest.mark.parametrize(
    "target, amount, expected",
    [
        (3, None, "2 of 3 (67%)"),
        (None, 50000, "12,000 of 50,000 (24%)"),
        (3, 50000, "2 of 3 (67%); 12,000 of 50,000 (24%)"),
        (None, None, ""),
        (1, None, "2 of 1 (200%)"),
        (0, None, "2 of 0"),
    ],
)
def test_progress_against_target_and_amount(target, amount, expected):
    the_deals = deals((d("2026-03-01"), 5000), (d("2026-06-01"), 7000))
    the_plan = one_partner(
        *the_deals, activity(9, d("2026-06-02"), "call", amount=99999), goal_target=target, goal_amount=amount
    )
    assert state(the_plan).goal_progress == expected


def test_deals_without_an_amount_count_but_add_nothing():
    the_plan = one_partner(
        *deals((d("2026-03-01"), None), (d("2026-04-01"), 1234.5)), goal_target=4, goal_amount=10000
    )
    assert state(the_plan).goal_progress == "2 of 4 (50%); 1,234.5 of 10,000 (12%)"


@pytest.mark.parametrize(
    "value, en, ru",
    [
        (12000, "12,000", "12\u00a0000"),
        (1234.5, "1,234.5", "1\u00a0234,5"),
        (0.25, "0.25", "0,25"),
        (3.0, "3", "3"),
    ],
)
def test_numbers_in_goal_progress_are_the_languages_own(value, en, ru):
    assert (words("en").number(value), words("ru").number(value)) == (en, ru)


def test_goal_progress_is_a_digest_line_but_never_a_reason_for_a_digest():
    quiet = one_partner(activity(2, d("2026-11-20"), "call", follow_up="sent"), goal="Grow", goal_target=3)
    assert quiet.digests == ()  # nothing to do: no email
    busy = one_partner(goal="Grow", goal_target=3)  # due today: a digest, with the goal in it
    assert texts(busy, DigestSection.GOALS, MANAGER) == ["Grow: 0 of 3 deals (0%)"]  # as a sentence reads


@pytest.mark.parametrize(
    "language, currency, cell, line",
    [
        ("en", "", "1 of 2 (50%); 12,000 of 275,000 (4%)", "1 of 2 deals (50%); 12,000 of 275,000 (4%)"),
        (
            "en",
            "EUR",
            "1 of 2 (50%); €12,000 of €275,000 (4%)",
            "1 of 2 deals (50%); €12,000 of €275,000 (4%)",
        ),
        (
            "ru",
            "RUB",
            "1 из 2 (50\u00a0%); 12\u00a0000\u00a0₽ из 275\u00a0000\u00a0₽ (4\u00a0%)",
            "1 из 2 сделок (50\u00a0%); 12\u00a0000\u00a0₽ из 275\u00a0000\u00a0₽ (4\u00a0%)",
        ),
    ],
)
def test_goal_progress_reads_naturally_in_the_teams_language_and_currency(language, currency, cell, line):
    the_plan = plan(
        book(
            [partner(2, goal_target=2, goal_amount=275000)], [], [activity(3, ago(5), "deal", amount=12000)]
        ),
        config(language=language, goals=dict(currency=currency)),
        TODAY,
    )
    assert state(the_plan).goal_progress == cell
    assert texts(the_plan, DigestSection.GOALS) == [line]


@pytest.mark.parametrize(
    "target, words_", [(1, "0 из 1 сделки"), (3, "0 из 3 сделок"), (21, "0 из 21 сделки")]
)
def test_deals_take_the_case_and_plural_after_of(target, words_):
    the_plan = plan(book([partner(2, goal_target=target, since=ago(1))]), config(language="ru"), TODAY)
    assert texts(the_plan, DigestSection.GOALS)[0].startswith(words_)


@pytest.mark.parametrize("stage", [Stage.PAUSED, Stage.CHURNED])
def test_no_goal_lines_for_paused_or_churned_partners(stage):
    the_plan = one_partner(activity(2, TODAY, "meeting"), goal_target=3, stage=stage)
    assert texts(the_plan, DigestSection.GOALS) == []
    assert state(the_plan).goal_progress == "0 of 3 (0%)"  # the cell still shows the facts


@pytest.mark.parametrize(
    "period, listed", [("2026-11", True), ("2026-10", False), ("2026", True), ("2025", False)]
)
def test_a_goal_whose_period_is_over_leaves_the_digest_but_keeps_its_progress(period, listed):
    first, last = parse_period(period)
    busy = one_partner(goal="Grow", goal_target=3, goal_period=(first, last))  # due today: a digest
    assert bool(texts(busy, DigestSection.GOALS, MANAGER)) is listed
    assert state(busy).goal_progress == "0 of 3 (0%)"
