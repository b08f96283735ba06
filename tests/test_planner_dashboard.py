"""The Dashboard tab's rows for a tiny book."""

from planner_helpers import MANAGER, TODAY, activity, ago, book, config, partner

from sheets_sync.model import Stage
from sheets_sync.rules.dashboard import dashboard_rows
from sheets_sync.rules.planner import plan

BEN = "ben@team.example"
STATUSES = ("churned", "paused", "snoozed", "onboarding", "sleeping", "overdue", "due", "soon", "ok")


def tiny_book():
    return book(
        [
            partner(2, name="Acme", rank="A", trained=ago(100)),  # due, 3 days late (within grace)
            partner(3, name="Beta", manager=BEN, since=ago(30), goal="Grow", goal_target=2),  # overdue
            partner(4, name="Gamma", rank="", manager="", stage=Stage.CHURNED),
            partner(5, name="Delta", rank="C"),  # ok
        ],
        activities=[
            activity(2, ago(10), "call", partner_row=2, follow_up="sent to x on 2026-11-16"),
            activity(3, ago(2), "meeting", partner_row=5, agreements="Pilot"),  # pending, late
            activity(4, ago(20), "call", partner_row=5),  # outside the look-back window
            activity(5, ago(5), "call", partner_row=5, follow_up="sent to y on 2026-11-21"),
            activity(6, ago(1), "visit", partner_row=5),  # missing next steps
            activity(7, ago(1), "call", partner_row=4),  # churned: not counted
        ],
    )


def test_dashboard_of_a_tiny_book():
    the_book, the_config = tiny_book(), config()
    rows = dashboard_rows(the_book, plan(the_book, the_config, TODAY), the_config)
    zero = dict.fromkeys(STATUSES, 0)

    def counts(**kw):
        values = {**zero, **kw}
        return (*tuple(values[s] for s in STATUSES), sum(values.values()))

    assert rows == (
        ("Partners dashboard", "as of", TODAY),
        (),
        ("Touch status", "Partners"),
        *((s, {"churned": 1, "overdue": 1, "due": 1, "ok": 1}.get(s, 0)) for s in STATUSES),
        ("Total", 4),
        (),
        ("Rank", *STATUSES, "Total"),
        ("A", *counts(due=1)),
        ("B", *counts(overdue=1)),
        ("C", *counts(churned=1, ok=1)),
        ("Total", *counts(churned=1, overdue=1, due=1, ok=1)),
        (),
        ("Manager", *STATUSES, "Total"),
        (MANAGER, *counts(due=1, ok=1)),
        (BEN, *counts(overdue=1)),
        ("(no manager)", *counts(churned=1)),
        ("Total", *counts(churned=1, overdue=1, due=1, ok=1)),
        (),
        (
            "Follow-ups (last 14 days)",
            "Meetings",
            "Done",
            "Reminded",
            "Pending",
            "Late",
            "Missing next steps",
        ),
        (MANAGER, 4, 2, 0, 1, 1, 1),
        ("Total", 4, 2, 0, 1, 1, 1),
        (),
        ("Partner goals", "Goal", "Progress"),
        ("Beta", "Grow", "0 of 2 (0%)"),
        (),
        ("Most overdue", "Rank", "Manager", "Days late", "Next action"),
        ("Beta", "B", BEN, 30, "Call (rank B, every 14 days) - 30 days late"),
    )


def test_dashboard_of_an_empty_book():
    rows = dashboard_rows(book(), plan(book(), config(), TODAY), config())
    assert rows[0] == ("Partners dashboard", "as of", TODAY)
    assert rows[-5:] == (("Partner goals", "Goal", "Progress"), ("(none)",), (), rows[-2], ("(none)",))
    assert ("Total", 0, 0, 0, 0, 0, 0) in rows


def test_most_overdue_keeps_the_ten_latest_in_a_stable_order():
    partners = [partner(row, name=f"P{row:02d}", since=ago(20 + row % 5)) for row in range(2, 16)]
    the_book = book(partners)
    rows = dashboard_rows(the_book, plan(the_book, config(), TODAY), config())
    top = rows[rows.index(("Most overdue", "Rank", "Manager", "Days late", "Next action")) + 1 :]
    assert [(r[0], r[3]) for r in top] == [
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


def test_dashboard_is_deterministic():
    the_book, the_config = tiny_book(), config()
    first = dashboard_rows(the_book, plan(the_book, the_config, TODAY), the_config)
    assert dashboard_rows(the_book, plan(the_book, the_config, TODAY), the_config) == first


def test_a_follow_up_reminded_in_the_digest_is_not_counted_done():
    the_book = book(
        [partner(2, name="Acme")],
        activities=[
            activity(
                2,
                ago(3),
                "meeting",
                partner_row=2,
                agreements="Pilot",
                follow_up=f"reminded in the digest to {MANAGER} 2026-11-24",
            ),
            activity(3, ago(4), "call", partner_row=2, agreements="Pilot", follow_up="sent by hand"),
        ],
    )
    rows = dashboard_rows(the_book, plan(the_book, config(followup=dict(mode="remind")), TODAY), config())
    header = rows.index(
        ("Follow-ups (last 14 days)", "Meetings", "Done", "Reminded", "Pending", "Late", "Missing next steps")
    )
    assert rows[header + 1] == (MANAGER, 2, 1, 1, 0, 0, 0)
