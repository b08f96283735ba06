"""The sample's raw rows: generated partners, contacts, activities and news, and the hand-written stories.

Rows are dicts keyed by default column names and hold real dates and booleans; `sample` types them
as a team would. Generated rows come in any number, deterministic for the random generator passed
in; the stories (sample_data.STORIES) give the first cycle something of every kind to do.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from itertools import accumulate
from typing import Any

from sheets_sync.model import Tab
from sheets_sync.sample import data as sample_data
from sheets_sync.sample.data import Birthday, EnWords, RuWords, Words

Row = dict[str, Any]  # default column name -> raw value; keys starting with "_" are bookkeeping
Rows = dict[Tab, list[Row]]

_RANKS = (("A", 15), ("B", 35), ("C", 45), ("", 5))  # blank ranks too (an unknown one would fail `check`)
_STAGES = (("active", 55), ("", 17), ("onboarding", 10), ("paused", 8), ("churned", 10))
_TYPES = (
    ("meeting", 18),
    ("call", 20),
    ("visit", 4),
    ("email", 28),
    ("message", 10),
    ("event", 5),
    ("deal", 10),
)
_TWO_WAY = frozenset({"meeting", "call", "visit"})
_DAY = dt.timedelta(days=1)


# --- generating raw rows (real dates and booleans; sample.py types them) --------------------


def generate_rows(
    today: dt.date, n_p: int, n_c: int, n_a: int, n_news: int, rng: random.Random, lang: str
) -> Rows:
    """Tab -> rows: n_p partners, n_c contacts, n_a activities and n_news News items."""
    w = _words(lang)
    companies = _companies(n_p, rng, w)
    partners = [_partner(i, name, domain, today, rng, w) for i, (name, domain) in enumerate(companies)]
    contacts = _contacts(partners, n_c, rng, w, lang)
    activities = _activities(partners, n_a, today, rng, w)
    return {
        Tab.PARTNERS: partners,
        Tab.CONTACTS: contacts,
        Tab.ACTIVITIES: activities,
        Tab.NEWS: _news(today, n_news, rng, lang),
    }


def _companies(n: int, rng: random.Random, w: EnWords | RuWords) -> list[tuple[str, str]]:
    """(name, mail domain) pairs, unique: word pairs, then numbered once the pairs run out."""
    combos = [(p, s) for p in w["prefixes"] for s in w["suffixes"]]
    rng.shuffle(combos)
    out = []
    for i in range(n):
        (p, s), k = combos[i % len(combos)], i // len(combos)
        if isinstance(p, str):  # English: the domain is the name in lower case
            name, domain = f"{p} {s}", re.sub(r"[^a-z]+", "-", f"{p} {s}".lower())
        else:  # Russian: (word, transliteration)
            name, domain = f"{p[0]} {s[0]}", f"{p[1]}-{s[1]}"
        out.append((f"{name} {k + 1}", f"{domain}{k + 1}") if k else (name, domain))
    return out


def _partner(i: int, name: str, domain: str, today: dt.date, rng: random.Random, w: Words) -> Row:
    rank, stage = _pick(rng, _RANKS), _pick(rng, _STAGES)
    since = today - _DAY * (rng.randint(2, 45) if stage == "onboarding" else rng.randint(60, 1500))
    row: Row = {
        "ID": f"P{i + 1:04d}",
        "Partner": name,
        "Rank": rank,
        "Stage": stage,
        "Since": since,
        "_domain": domain,
        "_contacts": [],
    }
    if rng.random() < (0.97 if rank == "A" else 0.92):
        row["Manager"] = rng.choice(w["managers"])
    r = rng.random()
    if stage in ("active", "") and r < 0.09:  # snoozed now, or a snooze that has run out
        row["Snooze until"] = today + _DAY * (rng.randint(1, 30) if r < 0.06 else -rng.randint(5, 60))
    if rng.random() < 0.35:
        target = rng.randint(2, 8)
        row["Goal"] = rng.choice(w["goals"]).format(n=target)
        row["Goal period"] = _period(today, rng.choice(("year", "quarter", "Q4", "month")))
        row["Goal target"] = target if rng.random() < 0.75 else None
        if rng.random() < 0.5 or row["Goal target"] is None:
            lo, hi, step = w["amount"]
            row["Goal amount"] = rng.randrange(lo * 5, hi * 5, step * 10)
    if rng.random() < (0.75 if rank == "A" else 0.2 if stage == "onboarding" else 0.35):
        row["Trained"] = since + _DAY * rng.randint(0, (today - since).days)
    if rng.random() < 0.2:
        row["Notes"] = rng.choice(w["notes"])
    # Who fell silent: churned partners and ~15% of the others have only old activities.
    row["_old"] = stage == "churned" or (stage != "onboarding" and rng.random() < 0.15)
    row["_weight"] = {"A": 6, "B": 3, "C": 1.5}.get(rank, 1) * (0.4 if stage in ("churned", "paused") else 1)
    return row


def _contacts(partners: list[Row], n: int, rng: random.Random, w: EnWords | RuWords, lang: str) -> list[Row]:
    """Two per partner round-robin (the first a champion), the rest to busier partners."""
    n_p = len(partners)
    if not n_p:
        return []
    cum = list(accumulate(p["_weight"] for p in partners))
    owners = [j % n_p for j in range(min(n, 2 * n_p))]
    owners += rng.choices(range(n_p), cum_weights=cum, k=max(0, n - 2 * n_p))
    seen: set[str] = set()
    rows = []
    for j, pi in enumerate(owners):
        p = partners[pi]
        name, local = _person(rng, lang)
        email, k = f"{local}@{p['_domain']}.example", 2
        while email in seen:
            email, k = f"{local}{k}@{p['_domain']}.example", k + 1
        seen.add(email)
        r = rng.random()
        champion = True if j < n_p or r < 0.15 else False if r < 0.55 else None
        row: Row = {
            "Partner": _ref(p, rng),
            "Name": name,
            "Email": email,
            "Role": rng.choice(w["roles"]),
            "Champion": champion,
            "_p": pi,
        }
        if rng.random() < 0.65:
            row["Birthday"] = _birthday(rng, lang)
        row["Language"] = rng.choice(w["languages"]) if rng.random() < 0.9 else None
        r = rng.random()
        row["Newsletter"] = False if r < 0.06 else True if r < 0.35 else None
        row["Unsubscribed"] = True if rng.random() < 0.03 else None
        row["Left company"] = True if rng.random() < 0.04 else None
        p["_contacts"].append(row)
        rows.append(row)
    rows.sort(key=lambda row: row["_p"])
    return rows


def _person(rng: random.Random, lang: str) -> tuple[str, str]:
    """A full name and the local part of its email address (from the words of `lang`)."""
    if lang == "en":
        en = sample_data.EN
        first, last = rng.choice(en["first"])[0], rng.choice(en["last"])
        return f"{first} {last}", re.sub(r"[^a-z.]", "", f"{first}.{last}".lower())
    ru = sample_data.RU
    (first, female, first_latin), (last, last_latin) = rng.choice(ru["first"]), rng.choice(ru["last"])
    if female:
        return f"{first} {last}а", f"{first_latin}.{last_latin}a"
    return f"{first} {last}", f"{first_latin}.{last_latin}"


def _birthday(rng: random.Random, lang: str) -> dt.date | str:
    d = dt.date(rng.randint(1962, 1999), 1, 1) + _DAY * rng.randint(0, 364)
    forms = (
        (("date", 55), ("dm", 15), ("iso", 10), ("--", 8), ("dmy", 12))
        if lang == "en"
        else (("dmy", 50), ("date", 25), ("dm", 25))
    )
    form = _pick(rng, forms)
    return (
        d
        if form == "date"
        else f"{d:%d.%m}"
        if form == "dm"
        else d.isoformat()
        if form == "iso"
        else (f"--{d:%m-%d}" if form == "--" else f"{d:%d.%m.%Y}")
    )


def _activities(partners: list[Row], n: int, today: dt.date, rng: random.Random, w: Words) -> list[Row]:
    weights = [p["_weight"] for p in partners]
    if len(partners) > 1:
        weights[-1] = 0  # one partner with no activity at all
    picks = rng.choices(range(len(partners)), cum_weights=list(accumulate(weights)), k=n) if n else []
    types, type_weights = [kind for kind, _ in _TYPES], [weight for _, weight in _TYPES]
    kinds = rng.choices(types, type_weights, k=len(picks))
    rows = [_activity(partners[pi], kind, today, rng, w) for pi, kind in zip(picks, kinds, strict=False)]
    rows.sort(key=lambda row: row["Date"])  # the team appends as things happen
    return rows


def _activity(p: Row, kind: str, today: dt.date, rng: random.Random, w: Words) -> Row:
    planned = not p["_old"] and rng.random() < 0.015
    if planned:  # a meeting or call already booked
        kind = rng.choice(("meeting", "call"))
        date = _workday(today + _DAY * rng.randint(1, 10), +1)
    else:
        ago = rng.randint(91, 400) if p["_old"] else int(180 * rng.random() ** 1.4)
        date = today - _DAY * min(ago, max(0, (today - p["Since"]).days))
        date = _workday(date, -1) if kind in _TWO_WAY else date
    direction = "in" if kind in ("email", "message") and rng.random() < 0.45 else None
    row: Row = {
        "Date": date,
        "Partner": _ref(p, rng),
        "Type": kind,
        "Direction": direction,
        "Summary": rng.choice(w["summaries"]["email in" if direction and kind == "email" else kind]),
        "Owner": p.get("Manager") if planned else None,
    }
    if p["_contacts"] and rng.random() < 0.9:
        c = rng.choice(p["_contacts"])
        row["Contact"] = c["Email"] if rng.random() < 0.9 else c["Name"]
    if kind == "deal":
        row["Amount"] = rng.randrange(*w["amount"])
    elif kind in _TWO_WAY and not planned:
        if rng.random() < 0.75:
            row["Agreements"] = rng.choice(w["agreements"])
        if (row.get("Agreements") and rng.random() < 0.85) or rng.random() < 0.3:
            due = date + _DAY * rng.randint(2, 21)
            # teams tick off most steps; an open one from months ago would keep a partner overdue
            stale = (today - due).days > 10
            done = True if stale else rng.random() < 0.5 if due < today else rng.random() < 0.1 or None
            row.update(
                {
                    "Next steps": rng.choice(w["next_steps"]),
                    "Owner": p.get("Manager"),
                    "Due": due,
                    "Done": done,
                }
            )
        if rng.random() < (0.97 if (today - date).days > 3 else 0.35):
            row["Follow-up"] = rng.choice(w["followups"])
    return row


def _news(today: dt.date, n: int, rng: random.Random, lang: str) -> list[Row]:
    items, rows = sample_data.NEWS[lang], []
    for k in range(n):
        if k < len(items):
            days, title, body, link, category, publish = items[k]
        else:  # beyond the hand-written items: release notes going back in time
            days, category, publish = -rng.randint(30, 720), rng.choice(("product", "roadmap")), True
            title = f"{'Release' if lang == 'en' else 'Релиз'} {k}"
            body, link = items[k % len(items)][2], f"/releases/{k}"
        rows.append(
            {
                "Date": today + _DAY * days,
                "Title": title,
                "Body": body,
                "Category": category,
                "Link": "https://yourstartup.example" + link,
                "Publish": (rng.random() < 0.5 or None) if publish else False,
            }
        )
    return rows


def add_stories(data: Rows, today: dt.date, lang: str) -> None:
    """Append the hand-written partners, contacts and activities of sample_data.STORIES."""
    story, w, base = sample_data.STORIES[lang], _words(lang), len(data[Tab.PARTNERS])
    partners: list[Row] = []
    for i, (
        name,
        slug,
        rank,
        stage,
        mgr,
        since,
        snooze,
        goal,
        target,
        amount,
        period,
        trained,
        notes,
        no_id,
    ) in enumerate(story["partners"]):
        partners.append(
            {
                "ID": "" if no_id else f"P{base + i + 1:04d}",
                "Partner": name,
                "Rank": rank,
                "Stage": stage,
                "Manager": None if mgr is None else w["managers"][mgr],
                "Since": today + _DAY * since,
                "Snooze until": _on(today, snooze),
                "Goal": goal,
                "Goal target": target,
                "Goal amount": amount,
                "Goal period": period and _period(today, period),
                "Trained": _on(today, trained),
                "Notes": notes,
                "_domain": slug,
            }
        )
    contacts: list[Row] = []
    for pi, name, local, role, champion, birthday, language, newsletter, unsub, left in story["contacts"]:
        contacts.append(
            {
                "Partner": partners[pi]["Partner"],
                "Name": name,
                "First name": sample_data.STORY_FIRST_NAMES[lang].get(name, ""),
                "Role": role,
                "Email": f"{local}@{partners[pi]['_domain']}.example",
                "Champion": champion,
                "Birthday": _story_birthday(birthday, today),
                "Language": language,
                "Newsletter": newsletter,
                "Unsubscribed": unsub,
                "Left company": left,
                "_noid": partners[pi]["ID"] == "",
            }
        )
    acts = data[Tab.ACTIVITIES]
    for spec in story["activities"]:
        pi, day, kind, direction, ci, summary, agreements, steps, due, done, amount, follow = spec
        acts.append(
            {
                "Date": _story_day(today, day),
                "Partner": partners[pi]["Partner"],
                "Type": kind,
                "Direction": direction,
                "Contact": contacts[ci]["Email"],
                "Summary": summary,
                "Agreements": agreements,
                "Next steps": steps,
                "Due": _on(today, due),
                "Owner": partners[pi]["Manager"] if steps or str(day).startswith("W+") else None,
                "Done": done,
                "Amount": amount,
                "Follow-up": follow,
            }
        )
    acts.sort(key=lambda row: row["Date"])
    for row in acts[-3:]:  # the team's newest rows: the worker fills in their IDs
        row["_noid"] = True
    data[Tab.PARTNERS] += partners
    data[Tab.CONTACTS] += contacts


def _story_birthday(spec: Birthday | None, today: dt.date) -> dt.date | str | None:
    """("in", days, year or None) is relative to today; ("fixed", day, month, year or None)."""
    if spec is None:
        return None
    if spec[0] == "in":
        d, year = today + _DAY * spec[1], spec[2]
        return dt.date(year, d.month, d.day) if year else f"{d:%d.%m}"  # the years used are leap years
    _, day, month, year = spec
    return dt.date(year, month, day) if year else f"{day:02d}.{month:02d}"


def _story_day(today: dt.date, day: int | str) -> dt.date:
    """A day offset, or "W-1" / "W+2": that many working days (Mon-Fri) before or after today."""
    if isinstance(day, int):
        return today + _DAY * day
    step, d = (1 if day[1] == "+" else -1), today
    for _ in range(int(day[2:])):
        d = _workday(d + _DAY * step, step)
    return d


# --- small helpers --------------------------------------------------------------------------


def _words(lang: str) -> EnWords | RuWords:
    return sample_data.EN if lang == "en" else sample_data.RU


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    values, weights = [value for value, _ in weighted], [weight for _, weight in weighted]
    return rng.choices(values, weights)[0]


def _ref(partner: Row, rng: random.Random) -> str:
    """How a row names its partner: mostly by name, sometimes by ID (both are allowed)."""
    ref: str = partner["ID"] if partner.get("ID") and rng.random() < 0.05 else partner["Partner"]
    return ref


def _on(today: dt.date, days: int | None) -> dt.date | None:
    return None if days is None else today + _DAY * days


def _workday(d: dt.date, step: int) -> dt.date:
    while d.weekday() >= 5:
        d += _DAY * step
    return d


def _period(today: dt.date, kind: str) -> str:
    """A Goal period: this year ("2026"), this quarter ("2026-Q4"), Q4, or this month ("2026-11")."""
    quarter = "Q4" if kind == "Q4" else f"Q{(today.month - 1) // 3 + 1}"
    return {"year": f"{today.year}", "month": f"{today:%Y-%m}"}.get(kind, f"{today.year}-{quarter}")
