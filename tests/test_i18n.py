"""The message catalogue: every entry in every language, the same placeholders everywhere, the
plural forms CLDR asks for; and the words, dates and numbers of SPEC section 8."""

from __future__ import annotations

import datetime as dt
import string

import pytest
from babel import Locale
from hypothesis import given
from hypothesis import strategies as st

from sheets_sync.i18n import CATALOGUE, LANGUAGES, read_term, words
from sheets_sync.i18n.catalogue import Plural
from sheets_sync.model import Stage, TouchStatus


def _texts(entry: str | Plural) -> list[str]:
    return list(entry.forms().values()) if isinstance(entry, Plural) else [entry]


def _fields(text: str) -> set[str]:
    return {name.casefold() for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_entry_has_every_language_with_the_same_placeholders(key):
    entry = CATALOGUE[key]
    assert set(entry) == set(LANGUAGES), f"{key}: missing {set(LANGUAGES) - set(entry)}"
    fields = {lang: set().union(*(_fields(t) for t in _texts(entry[lang]))) for lang in LANGUAGES}
    assert all(f == fields["en"] for f in fields.values()), f"{key}: {fields}"
    assert all(t.strip() for lang in LANGUAGES for t in _texts(entry[lang])), f"{key}: an empty text"


@pytest.mark.parametrize("key", sorted(k for k, e in CATALOGUE.items() if isinstance(e["en"], Plural)))
def test_a_plural_entry_has_every_form_the_languages_plural_rules_ask_for(key):
    for lang in LANGUAGES:
        entry = CATALOGUE[key][lang]
        assert isinstance(entry, Plural)
        assert set(Locale.parse(lang).plural_form.tags) | {"other"} <= set(entry.forms()), (key, lang)


def test_a_missing_translation_fails_the_check(monkeypatch):
    """The check above is a real one: an entry without its Russian text is caught."""
    monkeypatch.setitem(CATALOGUE, "broken", {"en": "only English"})
    with pytest.raises(AssertionError, match="missing"):
        test_every_entry_has_every_language_with_the_same_placeholders("broken")


SPEC_STATUS_WORDS = {  # SPEC section 8, word for word
    TouchStatus.CHURNED: ("churned", "ушёл"),
    TouchStatus.PAUSED: ("paused", "пауза"),
    TouchStatus.SNOOZED: ("snoozed", "отложен"),
    TouchStatus.ONBOARDING: ("onboarding", "подключение"),
    TouchStatus.SLEEPING: ("sleeping", "спит"),
    TouchStatus.OVERDUE: ("overdue", "просрочен"),
    TouchStatus.DUE: ("due", "пора"),
    TouchStatus.SOON: ("soon", "скоро"),
    TouchStatus.OK: ("ok", "в норме"),
}


@pytest.mark.parametrize("status", list(TouchStatus))
def test_touch_status_words_are_the_specs_and_read_back_in_either_language(status):
    en, ru = SPEC_STATUS_WORDS[status]
    assert (words("en").status(status), words("ru").status(status)) == (en, ru)
    assert read_term("status", en.upper()) == read_term("status", f" {ru} ") == status.value


@pytest.mark.parametrize(
    "typed, stage",
    [
        ("подключение", Stage.ONBOARDING),
        ("Активный", Stage.ACTIVE),
        ("пауза", Stage.PAUSED),
        ("ушёл", Stage.CHURNED),
        ("ушел", Stage.CHURNED),
        ("Churned", Stage.CHURNED),
    ],
)
def test_the_stage_is_read_in_the_teams_words(typed, stage):
    assert Stage(read_term("stage", typed)) is stage


@pytest.mark.parametrize(
    "count, ru, en",
    [
        (1, "1 день", "1 day"),
        (3, "3 дня", "3 days"),
        (5, "5 дней", "5 days"),
        (11, "11 дней", "11 days"),
        (21, "21 день", "21 days"),
        (22, "22 дня", "22 days"),
        (0, "0 дней", "0 days"),
    ],
)
def test_days_take_the_plural_cldr_gives(count, ru, en):
    assert (words("ru").days(count), words("en").days(count)) == (ru, en)


@pytest.mark.parametrize(
    "day, ru, en",
    [
        (dt.date(2026, 11, 30), "на понедельник", "for Monday"),
        (dt.date(2026, 12, 2), "на среду", "for Wednesday"),
        (dt.date(2026, 12, 4), "на пятницу", "for Friday"),
        (dt.date(2026, 12, 5), "на субботу", "for Saturday"),
        (dt.date(2026, 12, 6), "на воскресенье", "for Sunday"),
    ],
)
def test_for_a_weekday_takes_the_case_the_sentence_needs(day, ru, en):
    assert (words("ru").for_weekday(day), words("en").for_weekday(day)) == (ru, en)


def test_dates_and_numbers_are_the_languages_own():
    ru, en = words("ru", dt.date(2026, 12, 1)), words("en", dt.date(2026, 12, 1))
    assert ru.date(dt.date(2026, 12, 2)) == "2 декабря"
    assert ru.date(dt.date(2027, 1, 2)).startswith("2 января 2027")  # another year: with its year
    assert en.date(dt.date(2026, 12, 2)) == "2026-12-02"  # an English sheet's dates stay sortable
    assert ru.number(14_550_000) == "14\u00a0550\u00a0000" and en.number(14_550_000) == "14,550,000"
    assert ru.money(275_000, "RUB") == "275\u00a0000\u00a0₽"


@given(st.integers(min_value=0, max_value=10_000))
def test_every_count_has_a_form_in_every_language(count):
    for lang in LANGUAGES:
        text = words(lang).days(count)
        assert text.startswith(words(lang).number(count)) and "{" not in text


def test_an_unknown_language_is_english():
    assert words("de").status(TouchStatus.DUE) == "due" and words("RU-ru").status(TouchStatus.DUE) == "пора"


def test_a_russian_teams_cycle_summary_and_check_report_are_russian(cli, tmp_path):
    assert cli("init", str(tmp_path / "ru"), "--lang", "ru").returncode == 0
    config = str(tmp_path / "ru" / "config.yaml")
    once = cli("-c", config, "once", "--today", "2026-12-02")
    assert once.returncode == 0, once.stderr
    assert once.stdout.startswith("Цикл sheets-sync на 2 декабря (Europe/Moscow)")
    for word in ("Партнёры по статусу касаний и рангу:", "просрочен", "в норме", "Записано ячеек:"):
        assert word in once.stdout
    check = cli("-c", config, "check")
    assert check.stdout.strip().startswith("OK: партнёров: ")
