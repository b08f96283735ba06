"""How long rendering 5,000 newsletters (5 News items each) takes, Jinja and MIME included.

Run: .venv/bin/python bench/bench_render.py
Target (issue 3): under 5 s for the 5,000. One Renderer, so every template compiles once.
Half the contacts are Russian, and every tenth has a language without templates (falls back).
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sheets_sync.config import Config, MailConfig
from sheets_sync.mail.compose.render import Renderer
from sheets_sync.model import MessageIntent, MessageKind

N = 5_000
LIMIT = 5.0
CATEGORIES = ("product", "roadmap", "case", "event", "")


def news(i: int) -> tuple[dict, ...]:
    return tuple(
        {
            "title": f"Release {i}.{k}: faster reports & a new partner portal",
            "body": "Deal registration, marketing material and training now live in one place.\n\n"
            "Log in with your work email; your whole team is already invited.",
            "link": f"https://northwind.example/news/{i}-{k}",
            "category": CATEGORIES[k % len(CATEGORIES)],
            "date": dt.date(2026, 11, 20) - dt.timedelta(days=3 * k),
        }
        for k in range(5)
    )


def intents() -> list[MessageIntent]:
    shared = [news(i) for i in range(10)]  # as the planner does: one tuple per "since" date
    out = []
    for i in range(N):
        language = "de" if i % 10 == 9 else ("ru" if i % 2 else "en")
        out.append(
            MessageIntent(
                kind=MessageKind.NEWSLETTER,
                key=f"newsletter:C{i}:2026-11-26",
                to=(f"contact{i}@partner{i % 300}.example",),
                reply_to="anna.schmidt@northwind.example",
                language=language,
                partner_row=2 + i % 300,
                contact_row=2 + i,
                occasion="2026-11-26",
                context={
                    "partner": f"Partner {i % 300} GmbH",
                    "contact": "Мария Иванова" if i % 2 else "Maria Lopez",
                    "news": shared[i % 10],
                    "manager": "anna.schmidt@northwind.example",
                },
            )
        )
    return out


def main() -> int:
    config = Config(
        mail=MailConfig(
            sender="Northwind Partnerships <partners@northwind.example>",
            unsubscribe_url="https://northwind.example/unsubscribe",
        )
    )
    now = dt.datetime(2026, 11, 26, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    batch = intents()
    started = time.perf_counter()
    renderer = Renderer(config)
    messages = [renderer.render(intent, now) for intent in batch]
    seconds = time.perf_counter() - started
    size = sum(len(m.email.as_bytes()) for m in messages[:100]) / 100
    each = seconds / len(messages) * 1000
    print(
        f"rendered {len(messages):,} newsletters (5 News items each) in {seconds:.2f} s "
        f"({each:.2f} ms each, ~{size / 1024:.0f} KiB per message); limit {LIMIT:.0f} s"
    )
    return 0 if seconds < LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
