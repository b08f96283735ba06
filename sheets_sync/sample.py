"""The sample workspace of `sheets-sync init`: a short config and a realistic workbook.

Everything is computed from `today` and a fixed seed, so the same day gives the same workbook.
`generate_tables` makes the same kind of data at any size (for benchmarks); `write_sample` adds
hand-written stories on top (sample_data.STORIES) so the first cycle has something of every kind
to do: follow-ups, a meeting without next steps, birthdays, booked meetings, sleeping partners,
an onboarding partner without a manager or activity, snoozed, paused and churned partners.
Only the team's columns are written: the worker adds its own on its first cycle.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
from itertools import accumulate
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter

from sheets_sync import sample_data
from sheets_sync.errors import ConfigError
from sheets_sync.model import TAB_SPECS, Tab

LANGS = ("en", "ru")
WORKBOOK_NAME = "partners.xlsx"
SAMPLE_SEED = 7
TIMEZONES = {"en": "Europe/Berlin", "ru": "Europe/Moscow"}
DATE_FORMATS = {"en": "yyyy-mm-dd", "ru": "dd.mm.yyyy"}
# The columns the team owns, per tab, in sheet order; the worker appends its own on its first cycle.
TEAM_COLUMNS: dict[Tab, list[str]] = {
    tab: [c.value for c in spec.columns if c not in spec.worker] for tab, spec in TAB_SPECS.items()
}
Tables = dict[str, tuple[list[str], list[list]]]  # tab name -> (header, rows)
Row = dict[str, Any]  # default column name -> raw value; keys starting with "_" are bookkeeping

_RANKS = (("A", 15), ("B", 35), ("C", 45), ("", 3), ("Gold", 2))  # blank and unknown ranks too
_STAGES = (("active", 55), ("", 17), ("onboarding", 10), ("paused", 8), ("churned", 10))
_TYPES = (("meeting", 18), ("call", 20), ("visit", 4), ("email", 28), ("message", 10), ("event", 5),
          ("deal", 10))  # fmt: skip
_TWO_WAY = frozenset({"meeting", "call", "visit"})
_HEADER_FONT = Font(bold=True, color="1F3864")
_HEADER_FILL = PatternFill("solid", fgColor="D9E2F3")
_HEADER_BORDER = Border(bottom=Side(style="thin", color="8EA9DB"))
_DAY = dt.timedelta(days=1)


def generate_tables(
    today: dt.date, partners: int, contacts: int, activities: int, news: int = 20, seed: int = 1,
    lang: str = "en",
) -> Tables:  # fmt: skip
    """Tab name -> (header, rows), with exactly the requested row counts, typed as a team would.

    Default tab and header names for "en", Russian ones (sample_data.RU_*) for "ru"; every row
    has an ID. Activities span the last ~6 months (sleeping partners' lie before 90 days ago)
    plus a few booked in the next days; the last partner has none. Deterministic for the arguments.
    """
    _check_lang(lang)
    if partners <= 0 and (contacts or activities):
        raise ValueError("generate_tables: contacts and activities need at least one partner")
    rng = random.Random(seed)
    return _render(_generate(today, partners, contacts, activities, news, rng, lang), lang, rng)


def write_workbook(path: Path, tables: Tables, *, date_format: str = "yyyy-mm-dd") -> None:
    """Write tables as an .xlsx: a styled, frozen, filterable header row; dates as real date cells.

    Streams rows (openpyxl write-only mode): 200,000 rows take seconds, not minutes. The file is
    written beside `path` and moved into place, so nobody ever opens half a workbook.
    """
    wb = Workbook(write_only=True)
    for title, (header, rows) in tables.items():
        ws = wb.create_sheet(title)
        for col, width in enumerate(_widths(header, rows), 1):
            ws.column_dimensions[get_column_letter(col)].width = width
        ws.freeze_panes = "A2"
        ws.auto_filter = AutoFilter(ref=f"A1:{get_column_letter(max(1, len(header)))}{len(rows) + 1}")
        ws.append([_header_cell(ws, name) for name in header])
        if date_format == "yyyy-mm-dd":  # openpyxl's own format for a date: no per-cell style needed
            for row in rows:
                ws.append(row)
        else:
            for row in rows:
                ws.append([_date_cell(ws, v, date_format) if isinstance(v, dt.date) else v for v in row])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    os.replace(tmp, path)


def write_sample(folder: Path, lang: str = "en", today: dt.date | None = None) -> Path:
    """Create folder/config.yaml and folder/partners.xlsx; return the config's path.

    `today` defaults to the current date in the sample's time zone. Never overwrites either file.
    """
    _check_lang(lang)
    folder = Path(folder)
    config_path, book_path = folder / "config.yaml", folder / WORKBOOK_NAME
    for path in (config_path, book_path):
        if path.exists():
            raise ConfigError(
                f"{path} already exists, and `sheets-sync init` never overwrites a config or a workbook. "
                "Choose another folder (sheets-sync init DIR) or move the existing file away first."
            )
    today = today or dt.datetime.now(ZoneInfo(TIMEZONES[lang])).date()
    rng = random.Random(SAMPLE_SEED)
    data = _generate(today, 20, 50, 240, len(sample_data.NEWS[lang]), rng, lang)
    _add_stories(data, today, lang)
    folder.mkdir(parents=True, exist_ok=True)
    write_workbook(book_path, _render(data, lang, rng), date_format=DATE_FORMATS[lang])
    with config_path.open("x", encoding="utf-8") as f:  # "x": never clobber a racing init's config
        f.write(config_text(lang))
    return config_path


def config_text(lang: str) -> str:
    """The commented config.yaml that `init` writes; valid for load_config beside the workbook."""
    _check_lang(lang)
    if lang == "en":
        return sample_data.EN_CONFIG
    lines = ["tabs:"] + [f"  {k}: {_quote(v)}" for k, v in sample_data.RU_TABS.items()] + ["columns:"]
    for tab, names in sample_data.RU_COLUMNS.items():
        lines += [f"  {tab}:"] + [f"    {k}: {_quote(v)}" for k, v in names.items()]
    return sample_data.RU_CONFIG + "\n".join(lines) + "\n"


# --- generating raw rows (real dates and booleans; _render types them) ----------------------


def _generate(today: dt.date, n_p: int, n_c: int, n_a: int, n_news: int, rng: random.Random, lang: str):
    w = _words(lang)
    companies = _companies(n_p, rng, w)
    partners = [_partner(i, name, domain, today, rng, w) for i, (name, domain) in enumerate(companies)]
    contacts = _contacts(partners, n_c, rng, w, lang)
    activities = _activities(partners, n_a, today, rng, w)
    return {Tab.PARTNERS: partners, Tab.CONTACTS: contacts, Tab.ACTIVITIES: activities,
            Tab.NEWS: _news(today, n_news, rng, lang)}  # fmt: skip


def _companies(n: int, rng: random.Random, w: dict) -> list[tuple[str, str]]:
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


def _partner(i: int, name: str, domain: str, today: dt.date, rng: random.Random, w: dict) -> Row:
    rank, stage = _pick(rng, _RANKS), _pick(rng, _STAGES)
    since = today - _DAY * (rng.randint(2, 45) if stage == "onboarding" else rng.randint(60, 1500))
    row: Row = {"ID": f"P{i + 1:04d}", "Partner": name, "Rank": rank, "Stage": stage, "Since": since,
                "_domain": domain, "_contacts": []}  # fmt: skip
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


def _contacts(partners: list[Row], n: int, rng: random.Random, w: dict, lang: str) -> list[Row]:
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
        name, local = _person(rng, w, lang)
        email, k = f"{local}@{p['_domain']}.example", 2
        while email in seen:
            email, k = f"{local}{k}@{p['_domain']}.example", k + 1
        seen.add(email)
        r = rng.random()
        champion = True if j < n_p or r < 0.15 else False if r < 0.55 else None
        row: Row = {"Partner": _ref(p, rng), "Name": name, "Email": email, "Role": rng.choice(w["roles"]),
                    "Champion": champion, "_p": pi}  # fmt: skip
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


def _person(rng: random.Random, w: dict, lang: str) -> tuple[str, str]:
    """A full name and the local part of its email address."""
    if lang == "en":
        first, last = rng.choice(w["first"])[0], rng.choice(w["last"])
        return f"{first} {last}", re.sub(r"[^a-z.]", "", f"{first}.{last}".lower())
    (first, female, first_latin), (last, last_latin) = rng.choice(w["first"]), rng.choice(w["last"])
    if female:
        return f"{first} {last}а", f"{first_latin}.{last_latin}a"
    return f"{first} {last}", f"{first_latin}.{last_latin}"


def _birthday(rng: random.Random, lang: str) -> Any:
    d = dt.date(rng.randint(1962, 1999), 1, 1) + _DAY * rng.randint(0, 364)
    forms = (("date", 55), ("dm", 15), ("iso", 10), ("--", 8), ("dmy", 12)) if lang == "en" else (
        ("dmy", 50), ("date", 25), ("dm", 25))  # fmt: skip
    form = _pick(rng, forms)
    return d if form == "date" else f"{d:%d.%m}" if form == "dm" else d.isoformat() if form == "iso" else (
        f"--{d:%m-%d}" if form == "--" else f"{d:%d.%m.%Y}")  # fmt: skip


def _activities(partners: list[Row], n: int, today: dt.date, rng: random.Random, w: dict) -> list[Row]:
    weights = [p["_weight"] for p in partners]
    if len(partners) > 1:
        weights[-1] = 0  # one partner with no activity at all
    picks = rng.choices(range(len(partners)), cum_weights=list(accumulate(weights)), k=n) if n else []
    types, type_weights = zip(*_TYPES)
    kinds = rng.choices(types, type_weights, k=len(picks))
    rows = [_activity(partners[pi], kind, today, rng, w) for pi, kind in zip(picks, kinds)]
    rows.sort(key=lambda row: row["Date"])  # the team appends as things happen
    return rows


def _activity(p: Row, kind: str, today: dt.date, rng: random.Random, w: dict) -> Row:
    planned = not p["_old"] and rng.random() < 0.015
    if planned:  # a meeting or call already booked
        kind = rng.choice(("meeting", "call"))
        date = _workday(today + _DAY * rng.randint(1, 10), +1)
    else:
        ago = rng.randint(91, 400) if p["_old"] else int(180 * rng.random() ** 1.4)
        date = today - _DAY * min(ago, max(0, (today - p["Since"]).days))
        date = _workday(date, -1) if kind in _TWO_WAY else date
    direction = "in" if kind in ("email", "message") and rng.random() < 0.45 else None
    row: Row = {"Date": date, "Partner": _ref(p, rng), "Type": kind, "Direction": direction,
                "Summary": rng.choice(w["summaries"]["email in" if direction and kind == "email" else kind]),
                "Owner": p.get("Manager") if planned else None}  # fmt: skip
    if p["_contacts"] and rng.random() < 0.9:
        c = rng.choice(p["_contacts"])
        row["Contact"] = c["Email"] if rng.random() < 0.9 else c["Name"]
    if kind == "deal":
        row["Amount"] = rng.randrange(*w["amount"])
    elif kind in _TWO_WAY and not planned:
        if rng.random() < 0.75:
            row["Agreements"] = rng.choice(w["agreements"])
        if row.get("Agreements") and rng.random() < 0.85 or rng.random() < 0.3:
            due = date + _DAY * rng.randint(2, 21)
            # teams tick off most steps; an open one from months ago would keep a partner overdue
            stale = (today - due).days > 10
            done = True if stale else rng.random() < 0.5 if due < today else rng.random() < 0.1 or None
            row.update({"Next steps": rng.choice(w["next_steps"]), "Owner": p.get("Manager"), "Due": due,
                        "Done": done})  # fmt: skip
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
        rows.append({"Date": today + _DAY * days, "Title": title, "Body": body, "Category": category,
                     "Link": "https://yourstartup.example" + link,
                     "Publish": (rng.random() < 0.5 or None) if publish else False})  # fmt: skip
    return rows


def _add_stories(data: dict, today: dt.date, lang: str) -> None:
    """Append the hand-written partners, contacts and activities of sample_data.STORIES."""
    story, w, base = sample_data.STORIES[lang], _words(lang), len(data[Tab.PARTNERS])
    partners = []
    for i, (name, slug, rank, stage, mgr, since, snooze, goal, target, amount, period, trained, notes,
            no_id) in enumerate(story["partners"]):  # fmt: skip
        partners.append({"ID": "" if no_id else f"P{base + i + 1:04d}", "Partner": name, "Rank": rank,
                         "Stage": stage, "Manager": None if mgr is None else w["managers"][mgr],
                         "Since": today + _DAY * since, "Snooze until": _on(today, snooze),
                         "Goal": goal, "Goal target": target, "Goal amount": amount,
                         "Goal period": period and _period(today, period),
                         "Trained": _on(today, trained), "Notes": notes, "_domain": slug})  # fmt: skip
    contacts = []
    for pi, name, local, role, champion, birthday, language, newsletter, unsub, left in story["contacts"]:
        contacts.append({"Partner": partners[pi]["Partner"], "Name": name, "Role": role,
                         "Email": f"{local}@{partners[pi]['_domain']}.example", "Champion": champion,
                         "Birthday": _story_birthday(birthday, today), "Language": language,
                         "Newsletter": newsletter, "Unsubscribed": unsub, "Left company": left,
                         "_noid": partners[pi]["ID"] == ""})  # fmt: skip
    acts = data[Tab.ACTIVITIES]
    for spec in story["activities"]:
        pi, day, kind, direction, ci, summary, agreements, steps, due, done, amount, follow = spec
        acts.append({"Date": _story_day(today, day), "Partner": partners[pi]["Partner"], "Type": kind,
                     "Direction": direction, "Contact": contacts[ci]["Email"], "Summary": summary,
                     "Agreements": agreements, "Next steps": steps, "Due": _on(today, due),
                     "Owner": partners[pi]["Manager"] if steps or str(day).startswith("W+") else None,
                     "Done": done, "Amount": amount, "Follow-up": follow})  # fmt: skip
    acts.sort(key=lambda row: row["Date"])
    for row in acts[-3:]:  # the team's newest rows: the worker fills in their IDs
        row["_noid"] = True
    data[Tab.PARTNERS] += partners
    data[Tab.CONTACTS] += contacts


def _story_birthday(spec: tuple | None, today: dt.date) -> Any:
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


# --- rendering: raw rows -> cells, with the team's habits -----------------------------------


def _render(data: dict, lang: str, rng: random.Random) -> Tables:
    yes, no = ("yes", "no") if lang == "en" else ("да", "нет")
    text_share = 0.04 if lang == "en" else 0.35  # dates typed as text: ISO (en) or DD.MM.YYYY (ru)
    tables = {}
    for tab in (Tab.PARTNERS, Tab.CONTACTS, Tab.ACTIVITIES, Tab.NEWS):
        columns = TEAM_COLUMNS[tab]
        prefix, width = TAB_SPECS[tab].id_prefix, max(4, len(str(len(data[tab]))))
        rows = []
        for k, row in enumerate(data[tab], 1):
            if "ID" not in row:
                row["ID"] = "" if row.get("_noid") else f"{prefix}{k:0{width}d}"
            cells = []
            for col in columns:
                v = row.get(col)
                if v is True or v is False:
                    v = yes if v else no
                elif type(v) is dt.date and rng.random() < text_share:
                    v = v.isoformat() if lang == "en" else f"{v:%d.%m.%Y}"
                cells.append(None if v == "" else v)
            rows.append(cells)
        if lang == "en":
            tables[tab.value] = (list(columns), rows)
        else:
            names = sample_data.RU_COLUMNS[tab.value]
            tables[sample_data.RU_TABS[tab.value]] = ([names[col] for col in columns], rows)
    return tables


# --- small helpers --------------------------------------------------------------------------


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ConfigError(f'--lang: expected one of {", ".join(LANGS)}, got "{lang}".')


def _words(lang: str) -> dict:
    return sample_data.EN if lang == "en" else sample_data.RU


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    values, weights = zip(*weighted)
    return rng.choices(values, weights)[0]


def _ref(partner: Row, rng: random.Random) -> str:
    """How a row names its partner: mostly by name, sometimes by ID (both are allowed)."""
    return partner["ID"] if partner.get("ID") and rng.random() < 0.05 else partner["Partner"]


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


def _widths(header: list[str], rows: list[list]) -> list[float]:
    widths = [len(str(h)) + 4 for h in header]
    for row in rows[:200]:
        for i, v in enumerate(row[: len(widths)]):
            shown = 12 if isinstance(v, dt.date) else len(str(v)) if v is not None else 0
            widths[i] = max(widths[i], shown + 2)
    return [min(w, 48) for w in widths]


def _header_cell(ws, name: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=name)
    cell.font, cell.fill, cell.border = _HEADER_FONT, _HEADER_FILL, _HEADER_BORDER
    cell.alignment = Alignment(vertical="center")
    return cell


def _date_cell(ws, value: dt.date, number_format: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = number_format
    return cell


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
