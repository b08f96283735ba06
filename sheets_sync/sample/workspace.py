"""The sample workspace of `sheets-sync init`: a short config and a realistic workbook.

Everything is computed from `today` and a fixed seed, so the same day gives the same workbook.
`generate_tables` makes the same kind of data at any size (for benchmarks); `write_sample` adds
hand-written stories on top (sample_data.STORIES) so the first cycle has something of every kind
to do: follow-ups, a meeting without next steps, birthdays, booked meetings, sleeping partners,
an onboarding partner without a manager or activity, snoozed, paused and churned partners.
Only the team's columns are written: the worker adds its own on its first cycle.

The raw rows come from `rows`; this module types them as a team would (yes/no, some dates
typed as text, IDs) and `xlsx` writes the workbook.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from zoneinfo import ZoneInfo

from sheets_sync.errors import ConfigError
from sheets_sync.model import TAB_SPECS, Tab
from sheets_sync.model.tabs import PartnerColumn
from sheets_sync.sample import data as sample_data
from sheets_sync.sample.rows import Rows, add_stories, generate_rows
from sheets_sync.sample.xlsx import Tables, write_workbook
from sheets_sync.sheet.cells import column_letters

LANGS = ("en", "ru")
WORKBOOK_NAME = "partners.xlsx"
SAMPLE_SEED = 7
TIMEZONES = {"en": "Europe/Berlin", "ru": "Europe/Moscow"}
DATE_FORMATS = {"en": "yyyy-mm-dd", "ru": "dd.mm.yyyy"}
# The columns the team owns, per tab, in sheet order; the worker appends its own on its first cycle.
TEAM_COLUMNS: dict[Tab, list[str]] = {
    tab: [c.value for c in spec.columns if c not in spec.worker] for tab, spec in TAB_SPECS.items()
}


def generate_tables(
    today: dt.date,
    partners: int,
    contacts: int,
    activities: int,
    news: int = 20,
    seed: int = 1,
    lang: str = "en",
) -> Tables:
    """Tab name -> (header, rows), with exactly the requested row counts, typed as a team would.

    Default tab and header names for "en", Russian ones (sample_data.RU_*) for "ru"; every row
    has an ID. Activities span the last ~6 months (sleeping partners' lie before 90 days ago)
    plus a few booked in the next days; the last partner has none. Deterministic for the arguments.
    """
    _check_lang(lang)
    if partners <= 0 and (contacts or activities):
        raise ValueError("generate_tables: contacts and activities need at least one partner")
    rng = random.Random(seed)
    return _render(generate_rows(today, partners, contacts, activities, news, rng, lang), lang, rng)


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
    data = generate_rows(today, 20, 50, 240, len(sample_data.NEWS[lang]), rng, lang)
    add_stories(data, today, lang)
    folder.mkdir(parents=True, exist_ok=True)
    tables = _render(data, lang, rng)
    write_workbook(book_path, tables, date_format=DATE_FORMATS[lang], freeze=_frozen(tables, lang))
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


# --- rendering: raw rows -> cells, with the team's habits -----------------------------------


def _render(data: Rows, lang: str, rng: random.Random) -> Tables:
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


def _frozen(tables: Tables, lang: str) -> dict[str, str]:
    """The Partners tab frozen as the worker freezes a team's (sources/xlsx/look.py): the header
    row, and the columns up to Partner."""
    tab, partner = Tab.PARTNERS.value, PartnerColumn.PARTNER.value
    if lang != "en":
        tab, partner = sample_data.RU_TABS[tab], sample_data.RU_COLUMNS[tab][partner]
    column = tables[tab][0].index(partner) + 1
    return {tab: f"{column_letters(column + 1)}2"}


# --- small helpers --------------------------------------------------------------------------


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ConfigError(f'--lang: expected one of {", ".join(LANGS)}, got "{lang}".')


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
