"""`sheets-sync preview`: every email the next cycle would send, as files to look at. Sends nothing."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

from sheets_sync.config import Config
from sheets_sync.mail.compose.render import Renderer
from sheets_sync.mail.ledger import LEDGER_FILE, Ledger
from sheets_sync.runtime import cycle
from sheets_sync.runtime.sending import is_digest_day, render_planned
from sheets_sync.sources import Source


def write_preview(source: Source, config: Config, now: dt.datetime, out: Path) -> Path:
    """Write `<n>-<kind>.html` and `.eml` per message and an index.html; returns the index's path.

    The cycle's own first phases (read, recall, plan) make the plan; nothing is sent or written
    back. Digests are included on working days, whatever the hour (on other days no cycle sends
    any, and the next working day's plan will differ anyway). The ledger is only read (and only if
    it exists), so what was already sent is left out.
    """
    ledger_path = config.state_dir / LEDGER_FILE
    ledger = Ledger(ledger_path) if ledger_path.exists() else None
    planned = cycle.plan(cycle.read(source, config), cycle.recall(ledger, config), config, now.date())
    rendered = render_planned(planned.plan, Renderer(config), now, digests=is_digest_day(config, now.date()))
    messages = [m for m in rendered.messages if ledger is None or ledger.status(m.key) != "sent"]

    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for number, message in enumerate(messages, start=1):
        stem = (
            f"{number:03d}-{message.kind.value}-{_slug(message.recipients[0] if message.recipients else '')}"
        )
        (out / f"{stem}.html").write_text(message.html, encoding="utf-8")
        (out / f"{stem}.eml").write_bytes(bytes(message.email))
        rows.append(
            f"<tr><td>{html.escape(message.kind.value)}</td>"
            f"<td>{html.escape(', '.join(message.recipients))}</td>"
            f'<td><a href="{stem}.html">{html.escape(message.subject)}</a></td><td><a '
            f'href="{stem}.eml">.eml</a></td></tr>'
        )
    problems = [
        f"<li>{html.escape(f'{tab.value} row {row}: {note}')}</li>"
        for (tab, row), notes in sorted(rendered.notes.items())
        for note in notes
    ]
    index = out / "index.html"
    index.write_text(
        _INDEX.format(
            today=now.date().isoformat(),
            count=len(messages),
            rows="\n".join(rows) or '<tr><td colspan="4">Nothing to send.</td></tr>',
            problems=f"<h2>Not rendered</h2><ul>{''.join(problems)}</ul>" if problems else "",
        ),
        encoding="utf-8",
    )
    return index


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "message"


_INDEX = """<!doctype html>
<html><head><meta charset="utf-8"><title>sheets-sync preview {today}</title></head>
<body style="font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; margin: 2em; color: #1f2933;">
<h1 style="font-size: 1.4em;">What the next cycle would send on {today}: {count} message(s)</h1>
<table style="border-collapse: collapse;" cellpadding="6" border="1">
<tr style="background: #f0f4f8;"><th>Kind</th><th>To</th><th>Subject</th><th>File</th></tr>
{rows}
</table>
{problems}
</body></html>
"""  # noqa: E501 (the page as it is written)
