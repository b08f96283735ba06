"""The Dashboard tab's rows for small books, pure: today's work first (most overdue, follow-ups to
send, next steps due, with whom to contact), then the counts in the order of urgency, the follow-up
discipline, goals and digests; the charts' data in their fixed cells; every word in en and ru; and
the first row and the Digests block recognised in either language."""

import datetime as dt

import pytest
from planner_helpers import MANAGER, TODAY, activity, ago, book, config, contact, partner

from sheets_sync.model import Stage
from sheets_sync.rules import dashboard as dash
from sheets_sync.rules.dashboard import (
    CHART_COLUMN,
    FOLLOWUP_DATA_ROW,
    STATUS_DATA_ROW,
    dashboard_layout,
    dashboard_rows,
    digest_dates_shown,
    is_worker_dashboard,
    recorded_day,
)
from sheets_sync.rules.planner import plan

BEN = "ben@team.example"
URGENCY = ("overdue", "due", "soon", "onboarding", "sleeping", "ok", "snoozed", "paused", "churned")
RU_URGENCY = ("просрочен", "пора", "скоро", "подключение", "спит", "в норме", "отложен", "пауза", "ушёл")


def tiny_book():
    return book(
        [
            partner(2, name="Acme", rank="A", trained=ago(100)),  # due, 3 days late (within grace)
            partner(3, name="Beta", manager=BEN, since=ago(30), goal="Grow", goal_target=2),  # overdue
            partner(4, name="Gamma", rank="", manager="", stage=Stage.CHURNED),
            partner(5, name="Delta", rank="C"),  # ok
        ],
        contacts=[
            contact(2, partner_row=3, name="Bea Stone", email="bea@beta.example"),
            contact(3, partner_row=3, name="Bo Champ", email="bo@beta.example", champion=True),
            contact(4, partner_row=5, name="Dee Lane", email="dee@delta.example"),
        ],
        activities=[
            activity(2, ago(10), "call", partner_row=2, follow_up="sent to x on 2026-11-16"),  # in time
            activity(9, ago(8), "call", partner_row=2, follow_up="sent to x 2026-11-24 10:00"),  # late
            activity(3, ago(2), "meeting", partner_row=5, agreements="Pilot", contact="dee@delta.example"),
            activity(4, ago(20), "call", partner_row=5),  # outside the look-back window
            activity(5, ago(5), "call", partner_row=5, follow_up="sent by hand"),  # no date: in time
            activity(6, ago(1), "visit", partner_row=5),  # missing next steps, not late yet
            activity(7, ago(1), "call", partner_row=4),  # churned: not counted
            activity(8, None, "call", partner_row=3, next_steps="Send the pricing", due=ago(3)),  # no touch
        ],
    )


def rows_of(the_book=None, the_config=None, today=TODAY, digests=None):
    the_book = the_book or tiny_book()
    the_config = the_config or config()
    return dashboard_rows(the_book, plan(the_book, the_config, today), the_config, digests)


def block(rows, title, column=1):
    """The rows of the block whose title row starts with `title` in `column`, down to a blank one."""
    start = next(i for i, r in enumerate(rows) if len(r) >= column and r[column - 1] == title)
    out = []
    for r in rows[start:]:
        cells = tuple(r[column - 1 :]) if len(r) >= column else ()
        if column == 1:
            cells = tuple(r[: CHART_COLUMN - 1])
        trimmed = list(cells)
        while trimmed and trimmed[-1] is None:
            trimmed.pop()
        if not trimmed:
            break
        out.append(tuple(trimmed))
    return out


def titles(rows):
    def first(i):
        return rows[i][0] if rows[i] else None

    return [first(i) for i in range(len(rows)) if first(i) is not None and (i == 0 or first(i - 1) is None)]


def test_todays_work_comes_first_then_the_counts_goals_and_digests():
    rows = rows_of(digests={MANAGER: TODAY})
    assert rows[0] == ("Partners dashboard", "as of", TODAY)
    assert titles(rows) == [
        "Partners dashboard",
        "Most overdue",
        "Follow-ups to send",
        "Next steps due",
        "Touch status",
        "Rank",
        "Manager",
        "Follow-ups (last 14 days)",
        "Partner goals",
        "Digests",
    ]


def test_the_most_overdue_name_whom_to_contact():
    assert block(rows_of(), "Most overdue") == [
        ("Most overdue", "Rank", "Days late", "Manager", "Contact", "Next action"),
        ("Beta", "B", 30, BEN, "Bo Champ", "Call (rank B, every 14 days) - 30 days late"),
    ]


def test_follow_ups_to_send_and_next_steps_due_with_whom_to_contact():
    rows = rows_of()
    assert block(rows, "Follow-ups to send") == [
        ("Follow-ups to send", "Meeting", None, "Manager", "Contact", "To do"),
        # the row's Contact, by its name
        ("Delta", "2026-11-24 meeting", None, MANAGER, "Dee Lane", "send the follow-up (late)"),
        ("Delta", "2026-11-25 visit", None, MANAGER, "Dee Lane", "add next steps"),
    ]
    assert block(rows, "Next steps due") == [
        ("Next steps due", "Due", None, "Owner", "Contact", "Next step"),
        ("Beta", "2026-11-23", None, BEN, "Bo Champ", "Send the pricing"),
    ]


def test_a_late_follow_up_and_one_the_digest_reminded_of_stay_on_the_list():
    the_book = book(
        [partner(2, name="Acme")],
        activities=[
            activity(2, ago(5), "meeting", partner_row=2, agreements="Pilot"),
            activity(
                3, ago(3), "call", partner_row=2, agreements="Pilot", follow_up="reminded in the digest to x"
            ),
        ],
    )
    rows = rows_of(the_book, config(followup=dict(mode="remind")))
    assert [r[-1] for r in block(rows, "Follow-ups to send")[1:]] == [
        "send the follow-up (late)",
        "send the follow-up (late, reminded in the digest)",
    ]


def test_each_list_keeps_ten_rows_and_says_how_many_more():
    partners = [partner(row, name=f"P{row:02d}", since=ago(20 + row % 5)) for row in range(2, 16)]
    rows = rows_of(book(partners))
    top = block(rows, "Most overdue")[1:]
    assert [(r[0], r[2]) for r in top[:10]] == [
        ("P04", 24),
        ("P09", 24),
        ("P14", 24),
        ("P03", 23),
        ("P08", 23),
        ("P13", 23),
        ("P02", 22),
        ("P07", 22),
        ("P12", 22),
        ("P06", 21),
    ]
    assert top[10:] == [("… and 4 more",)]


def test_the_counts_are_in_the_order_of_urgency():
    rows = rows_of()
    assert block(rows, "Touch status") == [
        ("Touch status", "Partners"),
        *((s, {"overdue": 1, "due": 1, "ok": 1, "churned": 1}.get(s, 0)) for s in URGENCY),
        ("Total", 4),
    ]

    def counts(**kw):
        values = [kw.get(s, 0) for s in URGENCY]
        return (*values, sum(values))

    assert block(rows, "Rank") == [
        ("Rank", *URGENCY, "Total"),
        ("A", *counts(due=1)),
        ("B", *counts(overdue=1)),
        ("C", *counts(churned=1, ok=1)),
        ("Total", *counts(churned=1, overdue=1, due=1, ok=1)),
    ]
    assert block(rows, "Manager") == [
        ("Manager", *URGENCY, "Total"),
        (MANAGER, *counts(due=1, ok=1)),
        (BEN, *counts(overdue=1)),
        ("(no manager)", *counts(churned=1)),
        ("Total", *counts(churned=1, overdue=1, due=1, ok=1)),
    ]


def test_follow_up_discipline_counts_what_went_within_the_window_and_what_is_late():
    rows = rows_of()
    header = (
        "Follow-ups (last 14 days)",
        "Meetings",
        "Within 24 h",
        "Late",
        "Open",
        "Reminded",
        "No next steps",
    )
    # Acme: one follow-up the day of its call, one six days after (the dates its cells give);
    # Delta: one by hand (no date: in time), one not sent two days on (late), one visit without
    # next steps yesterday (still open)
    assert block(rows, header[0]) == [header, (MANAGER, 5, 2, 2, 1, 0, 1), ("Total", 5, 2, 2, 1, 0, 1)]


def test_the_charts_data_sit_in_fixed_cells_under_the_charts():
    rows = rows_of()
    status = block(rows, "Partners by touch status and rank", CHART_COLUMN)
    assert rows[STATUS_DATA_ROW - 1][CHART_COLUMN - 1] == "Partners by touch status and rank"
    assert status[0] == ("Partners by touch status and rank", "Rank A", "Rank B", "Rank C")
    assert [r[0] for r in status[1:]] == list(URGENCY)
    assert status[1] == ("overdue", 0, 1, 0) and status[6] == ("ok", 0, 0, 1)
    followups = block(rows, "Follow-ups by manager (last 14 days)", CHART_COLUMN)
    assert rows[FOLLOWUP_DATA_ROW - 1][CHART_COLUMN - 1] == followups[0][0]
    assert followups == [
        ("Follow-ups by manager (last 14 days)", "Within 24 h", "Late"),
        (MANAGER, 2, 2),
    ]
    # the same cells, whatever the lists of today's work hold
    empty = rows_of(book())
    assert empty[STATUS_DATA_ROW - 1][CHART_COLUMN - 1] == "Partners by touch status and rank"
    assert empty[FOLLOWUP_DATA_ROW - 1][CHART_COLUMN - 1 :] == followups[0]
    assert empty[FOLLOWUP_DATA_ROW][CHART_COLUMN - 1 :] == ("(none)",)


def test_more_managers_than_the_chart_holds_are_summed_in_its_last_row(monkeypatch):
    monkeypatch.setattr(dash, "CHART_CAPACITY", 2)
    partners = [partner(r, name=f"P{r}", manager=f"m{r}@team.example") for r in range(2, 6)]
    activities = [activity(r, ago(1), "call", partner_row=r, follow_up="done") for r in range(2, 6)]
    rows = rows_of(book(partners, activities=activities))
    assert block(rows, "Follow-ups by manager (last 14 days)", CHART_COLUMN)[1:] == [
        ("m2@team.example", 1, 0),
        ("3 other managers", 3, 0),
    ]


def test_an_empty_book():
    rows = rows_of(book())
    assert block(rows, "Most overdue") == [
        ("Most overdue", "Rank", "Days late", "Manager", "Contact", "Next action"),
        ("(none)",),
    ]
    assert block(rows, "Partner goals") == [("Partner goals", "Goal and progress"), ("(none)",)]
    assert ("Total", 0, 0, 0, 0, 0, 0) in rows
    assert "Digests" not in titles(rows)


def test_goals_show_each_goal_with_its_progress_in_one_cell():
    assert block(rows_of(), "Partner goals") == [
        ("Partner goals", "Goal and progress"),
        ("Beta", "Grow: 0 of 2 (0%)"),
    ]


def test_the_dashboard_is_deterministic():
    assert rows_of() == rows_of()


def test_every_word_is_russian_in_a_russian_team():
    rows = rows_of(the_config=config(language="ru"), digests={MANAGER: TODAY})
    assert rows[0] == ("Панель партнёров", "по состоянию на", TODAY)
    assert titles(rows) == [
        "Панель партнёров",
        "Самые просроченные",
        "Письма по итогам к отправке",
        "Следующие шаги к сроку",
        "Статус",
        "Ранг",
        "Менеджер",
        "Письма по итогам (за 14 дней)",
        "Цели партнёров",
        "Дайджесты",
    ]
    assert [r[0] for r in block(rows, "Статус")[1:-1]] == list(RU_URGENCY)
    assert block(rows, "Письма по итогам к отправке")[1][1:] == (
        "встреча 24 ноября",
        None,
        MANAGER,
        "Dee Lane",
        "отправить письмо по итогам (с опозданием)",
    )
    english = set(dash.CATALOGUE[k]["en"] for k in dash.CATALOGUE if k.startswith("dashboard."))
    words = {v for r in rows for v in r if isinstance(v, str)}
    assert not (words & {str(e) for e in english} - {"Rank {rank}"}), words & english
    assert digest_dates_shown(rows) == {MANAGER: TODAY}


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_first_row_and_the_digests_are_recognised_in_either_language(language):
    rows = rows_of(the_config=config(language=language), digests={BEN: TODAY, MANAGER: ago(1)})
    assert is_worker_dashboard(tuple(str(v) for v in rows[0]))
    assert digest_dates_shown(rows) == {BEN: TODAY, MANAGER: ago(1)}
    assert is_worker_dashboard(("  ПАНЕЛЬ   партнёров ", "по состоянию на")) and is_worker_dashboard(
        ("partners DASHBOARD", "As of")
    )
    assert not is_worker_dashboard(("Partners dashboard", "на")) and not is_worker_dashboard(
        ("Our own", "as of")
    )


def test_the_digests_block_ends_at_a_row_blank_in_its_two_columns():
    rows = [
        ("Панель партнёров", "по состоянию на", TODAY),
        ("Дайджесты", "Последний отправлен"),
        ("olga@x.example", "2026-11-25", None, "beside it: the chart data"),
        (None, None, None, "more chart data"),
        ("late@x.example", "2026-11-26"),
    ]
    assert digest_dates_shown(rows) == {"olga@x.example": dt.date(2026, 11, 25)}


@pytest.mark.parametrize(
    "text, day",
    [
        ("sent to a@x.example 2026-11-27 10:05", dt.date(2026, 11, 27)),
        ("draft sent to a@x.example 2026-11-20 09:00", dt.date(2026, 11, 20)),
        ("отправлен a@x.example 27 ноября 10:05", dt.date(2026, 11, 27)),
        ("черновик отправлен a@x.example 3 января 09:00", dt.date(2027, 1, 3)),  # the next year
        ("отправлен 2 декабря 2025 09:00", dt.date(2025, 12, 2)),
        ("sent 27.11.2026", dt.date(2026, 11, 27)),
        ("sent by hand", None),
        ("sent 31.02.2026", None),
    ],
)
def test_the_day_a_follow_up_cell_records(text, day):
    assert recorded_day(text, dt.date(2026, 11, 20)) == day


def test_the_layout_of_a_dashboard():
    rows = rows_of()
    layout = dashboard_layout(rows)
    starts = [r for r, first, _ in layout.headings if first == 1]
    assert [rows[r - 1][0] for r in starts] == titles(rows)
    assert (STATUS_DATA_ROW, CHART_COLUMN, CHART_COLUMN + 3) in layout.headings
    status, followups = layout.charts
    assert (status.header, status.column, status.series, status.categories, status.capacity) == (
        STATUS_DATA_ROW,
        CHART_COLUMN,
        3,
        9,
        9,
    )
    assert status.title == "Partners by touch status and rank" and status.anchor == (3, CHART_COLUMN)
    assert (followups.header, followups.series, followups.categories) == (FOLLOWUP_DATA_ROW, 2, 1)
    assert followups.capacity == dash.CHART_CAPACITY and followups.colours == ("27AE60", "C0392B")
    assert followups.anchor[0] >= status.anchor[0] + 18  # one under the other
    assert FOLLOWUP_DATA_ROW + followups.capacity <= 100  # inside the grid Google's tab is made with
    # a column is as wide as its texts, but for the one ending a row: that one runs on to the right
    assert layout.widths[0] == len("Follow-ups (last 14 days)") + 2
    long_action = "Call (rank B, every 14 days) - 30 days late"
    assert layout.widths[5] < len(long_action)


def test_rows_of_another_shape_get_their_titles_but_no_chart():
    layout = dashboard_layout((("Partner", "Status"), ("Acme", "due"), (), ("Total", 1)))
    assert layout.headings == ((1, 1, 2), (4, 1, 2)) and layout.charts == ()
