"""Human output: the `check` report and the per-cycle summary, as readable tables."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TypedDict

from sheets_sync.config import Config
from sheets_sync.i18n import Words, words
from sheets_sync.mail.delivery import DeliveryReport
from sheets_sync.model import Book, MessageKind, PartnerColumn, Plan, Tab, TouchStatus
from sheets_sync.runtime.cycle import CycleReport
from sheets_sync.sheet.cells import one_line, shown
from sheets_sync.sheet.workbook import ReadBook


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=False)]
    lines = [header, ["-" * w for w in widths], *rows]
    return "\n".join(
        "  ".join(str(x).ljust(w) for x, w in zip(line, widths, strict=False)).rstrip() for line in lines
    )


def check_report(rb: ReadBook, language: str = "en") -> str:
    book, w = rb.book, words(language)
    counts = w.text(
        "check.counts",
        partners=len(book.partners),
        contacts=len(book.contacts),
        activities=len(book.activities),
        news=len(book.news),
    )
    if not rb.problems:
        return w.text("check.ok", counts=counts)
    # One problem, one line: a header or a quoted cell may hold a line break, a tab or a
    # terminal escape; they are shown as \n, \t, \x1b.
    rows = [[one_line(rb.cell_ref(p)), one_line(p.column), one_line(p.message)] for p in rb.problems]
    header = [w.text("check.cell"), w.text("check.column"), w.text("check.problem")]
    return w.text("check.problems", count=len(rb.problems), counts=counts) + "\n\n" + table(header, rows)


def _short(text: str, limit: int = 60) -> str:
    """A table cell of sheet text: one line of at most `limit` characters (a page pasted into a
    Partner cell made every row of the table a megabyte wide)."""
    return shown(text, limit, quoted=False)


def _sent_part(delivery: DeliveryReport, config: Config, w: Words) -> list[str]:
    where = (
        w.text("summary.to_outbox", folder=str(config.mail.outbox_dir))
        if config.mail.transport == "outbox"
        else w.text("summary.via", host=config.mail.smtp.host)
    )
    lines = [w.text("summary.sent", where=where, what=delivery.summary(w.language))]
    shown = [[m.kind.value, _short(", ".join(m.recipients), 100), m.subject] for m, _ in delivery.sent[:15]]
    if shown:
        lines += ["", table([w.text("summary.kind"), w.text("summary.to"), w.text("summary.subject")], shown)]
        if len(delivery.sent) > 15:
            lines.append(w.text("summary.more", count=len(delivery.sent) - 15))
    for message, why in [*delivery.deferred[:5], *delivery.failed[:5]]:
        to = _short(", ".join(message.recipients), 100)
        lines.append(w.text("summary.not_sent", kind=w.text(f"kind.{message.kind.value}"), to=to, why=why))
    for which, why in delivery.not_made[:5]:
        lines.append(w.text("summary.not_made", which=which, why=why))
    return lines


def _planned_part(plan: Plan, book: Book, config: Config, w: Words) -> list[str]:
    kinds = Counter(m.kind for m in plan.messages)
    counts = ", ".join(
        w.text("summary.kind_count", count=kinds[k], kind=w.text(f"kind.{k.value}"))
        for k in MessageKind
        if kinds[k]
    )
    lines = [
        w.text(
            "summary.to_send",
            count=len(plan.messages),
            kinds=counts or w.text("summary.none"),
            digests=len(plan.digests),
            at=f"{config.digest.at:%H:%M}",
        )
    ]
    if plan.messages:
        names: dict[int | None, str] = {p.row: p.name for p in book.partners}  # a digest has no partner row
        shown = [
            [
                m.kind.value,
                _short(names.get(m.partner_row, "")),
                _short(", ".join(m.to), 100),
                _short(m.occasion),
            ]
            for m in plan.messages[:15]
        ]
        header = [w.text(f"summary.{c}") for c in ("kind", "partner", "to", "occasion")]
        lines += ["", table(header, shown)]
        if len(plan.messages) > 15:
            lines.append(w.text("summary.more", count=len(plan.messages) - 15))
    return lines


class CycleCounts(TypedDict):
    """A cycle in numbers, as the log's `counts` field carries it."""

    partners: int
    statuses: dict[str, int]  # touch status -> partners
    messages: dict[str, int]  # kind -> messages planned
    sent: dict[str, int]  # kind -> messages sent
    deferred: int
    digests: int
    problems: int
    cells_written: int
    seconds: float


def cycle_counts(report: CycleReport) -> CycleCounts:
    plan = report.plan
    return {
        "partners": len(plan.partners) if plan else 0,
        "statuses": dict(report.status_counts()),
        "messages": dict(Counter(m.kind.value for m in plan.messages)) if plan else {},
        "sent": dict(Counter(m.kind.value for m, _ in report.delivery.sent)) if report.delivery else {},
        "deferred": len(report.delivery.deferred) if report.delivery else 0,
        "digests": len(plan.digests) if plan else 0,
        "problems": len(report.problems),
        "cells_written": report.cells_written if report.written else 0,
        "seconds": round(report.seconds, 3),
    }


def cycle_line(report: CycleReport) -> str:
    c = cycle_counts(report)
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(c["statuses"].items()))
    messages = ", ".join(f"{n} {k}" for k, n in c["sent"].items()) or "none"
    if c["deferred"]:
        messages += f" ({c['deferred']} deferred)"
    written = (
        f"{c['cells_written']} cells written"
        if report.written
        else (f"not written ({report.not_written})" if report.not_written else "nothing to write")
    )
    inbox = f"; inbox not read ({report.inbox_fault})" if report.inbox_fault else ""
    if report.inbox_taken:
        inbox = f"; {report.inbox_taken} new in the inbox"
    return (
        f"cycle {report.today}: {c['partners']} partners ({statuses}); sent: {messages}; "
        f"{c['problems']} problems; {written}{inbox}; {c['seconds']:.2f} s"
    )


def cycle_summary(report: CycleReport, config: Config, *, dry_run: bool = False) -> str:
    plan, book, w = report.plan, report.book, words(config.language, report.today)
    if plan is None:
        return w.text("summary.unchanged", date=report.today)
    assert book is not None  # a cycle that planned read the book
    ranks = sorted({s for s in config.ranks} | {config.default_rank})
    rank_of = {p.row: (p.rank if p.rank in config.ranks else config.default_rank) for p in book.partners}
    grid = Counter((s.status, rank_of.get(s.row, config.default_rank)) for s in plan.partners)
    rows = [
        [w.status(status), *(grid[status, r] or "" for r in ranks), sum(grid[status, r] for r in ranks)]
        for status in TouchStatus
        if any(grid[status, r] for r in ranks)
    ]
    parts = [
        w.text("summary.title", date=report.today, zone=config.timezone),
        "",
        w.text("summary.by_status"),
        table([w.text("summary.status"), *ranks, w.text("summary.total")], rows),
        "",
    ]

    if report.delivery is not None:
        parts += _sent_part(report.delivery, config, w)
    else:
        parts += _planned_part(plan, book, config, w)
    parts.append("")
    if config.inbox.enabled and not dry_run:
        if report.inbox_fault:
            parts.append(w.text("summary.inbox_fault", why=report.inbox_fault))
        else:
            parts.append(w.text("summary.inbox", count=report.inbox_taken))
    in_rows = [p for p in report.problems if p.tab is not Tab.DASHBOARD]
    if in_rows:
        column = config.column_name(Tab.PARTNERS, PartnerColumn.SYNC_NOTE.value)
        parts.append(w.text("summary.problems", count=len(in_rows), column=column))
    parts += [p.message for p in report.problems if p.tab is Tab.DASHBOARD]
    if dry_run:
        parts.append(w.text("summary.dry_run", count=report.cells_written))
    elif report.written:
        parts.append(w.text("summary.wrote", count=report.cells_written, seconds=f"{report.seconds:.2f}"))
    elif report.not_written:
        parts.append(w.text("summary.not_written", why=report.not_written))
    else:
        parts.append(w.text("summary.up_to_date", seconds=f"{report.seconds:.2f}"))
    return "\n".join(parts)
