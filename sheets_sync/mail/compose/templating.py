"""The Jinja side of rendering: where templates are found, what they may call, and running them.

Templates live in `<dir>/<lang>/<name>.{subject,txt,html}.j2`, with `base.html.j2` (the shared
layout) and `_ui.html.j2` (inline-styled components) at `<dir>/`. `<dir>` is `templates_dir`
first, then the built-in set, file by file: an override of one file leaves the others built in.
The language is the first of (the intent's language, `language`, en) for which all three parts of
the template exist, so an email is never half in one language and half in another.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from babel.dates import format_date
from markupsafe import Markup, escape

from sheets_sync.errors import ConfigError, TemplateError
from sheets_sync.i18n import words
from sheets_sync.mail.compose.message import flatten, person_name, shorten
from sheets_sync.model import language_code

BUILTIN_DIR = Path(__file__).parent / "templates"
FALLBACK_LANGUAGE = "en"
PARTS = ("subject", "txt", "html")


# --- template helpers: filters and globals ------------------------------------------------------

_SPACE = re.compile(r"\s")
_BULLET = re.compile(r"^\s*(?:[-*\u2022\u2013\u2014>]+|\d{1,2}[.)])\s+")


@jinja2.pass_context
def _day(ctx: jinja2.runtime.Context, value: dt.date | None, style: str = "long") -> str:
    """A date in the message's language (CLDR's forms, through Babel): long "26 November 2026",
    short "26 Nov", dm "26 November", full "Thursday, 26 November 2026", and for: full with the
    weekday as the object of "for" (in Russian the accusative a date after "for" takes)."""
    if value is None:
        return ""
    w = words(ctx.get("lang", FALLBACK_LANGUAGE))
    pattern = {"short": "d MMM", "dm": "d MMMM"}.get(style, "d MMMM y")
    text = format_date(value, pattern, locale=w.locale)
    if style == "full":
        return f"{w.weekday(value)}, {text}"
    if style == "for":
        return f"{w.weekday_object(value)}, {text}"
    return text


def _lines(text: str, semicolons: bool = True) -> list[str]:
    """A cell's items: one per line (and per semicolon), list markers the team typed removed."""
    parts = re.split(r"[\n;]+" if semicolons else r"\n+", str(text).replace("\r", "\n"))
    return [s for s in (_BULLET.sub("", p).strip() for p in parts) if s]


def _paragraphs(text: str) -> list[str]:
    """Paragraphs separated by blank lines; single line breaks stay inside a paragraph."""
    chunks = re.split(r"\n\s*\n", str(text).replace("\r\n", "\n").replace("\r", "\n").strip())
    return [c.strip() for c in chunks if c.strip()]


def _nl2br(text: str) -> Markup:
    """Escaped text with its line breaks as <br>: safe whatever the sheet holds.

    Escaped once, whole, then cut into lines as plain str: a Markup object per line made a cell
    of many lines ten times slower.
    """
    return Markup("<br>\n".join([line.strip() for line in str(escape(str(text))).splitlines()]))


def safe_url(value: str) -> str:
    """The link if it is http(s) or mailto, else '' (a javascript: link from a cell never renders)."""
    text = str(value or "").strip()
    if not text or _SPACE.search(text):
        return ""
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return ""
    return text if scheme in ("http", "https", "mailto") else ""


def _person(text: str) -> str:
    """How an owner cell reads in an email: "Anna <anna@x>" and anna.schmidt@x as the person's
    name, a role address as it is, any other text as typed; shortened as a Subject is (a name)."""
    flat = shorten(text)
    return (person_name(flat) or flat) if "@" in flat else flat


@jinja2.pass_context
def _plural(ctx: jinja2.runtime.Context, n: int, *forms: str) -> str:
    """The form of a count in the message's language, by CLDR's plural category: English gives
    (one, other), Russian (one, few, many)."""
    category = words(ctx.get("lang", FALLBACK_LANGUAGE)).plural_category(n)
    index = {"one": 0, "few": 1, "many": 2}.get(category, len(forms) - 1 if len(forms) < 3 else 1)
    return forms[min(index, len(forms) - 1)]


_NAME_FIELD = re.compile(r"\s*,?\s*\{name\}\s*,?")
_SPACE_BEFORE_MARK = re.compile(r"\s+([!?.,;:])")


def _fill(text: str, name: str = "", holiday: str = "") -> str:
    """A greeting's words with their fields filled: {name} is the first name, {holiday} the
    holiday's name. Without a name, {name} is left out with its comma: "Happy New Year, {name}!"
    reads "Happy New Year!", "{name}, happy Diwali!" reads "Happy Diwali!"."""
    words = flatten(text).replace("{holiday}", flatten(holiday))
    name = flatten(name)
    if name:
        return words.replace("{name}", name)
    opens = words.lstrip().startswith("{name}")
    words = " ".join(_SPACE_BEFORE_MARK.sub(r"\1", _NAME_FIELD.sub(" ", words)).split())
    return words[:1].upper() + words[1:] if opens else words


class _Missing(Exception):
    """A value a template marks as required is empty."""


def _required(value: Any, what: str) -> Any:
    """The value, unless it is empty: a template's way to say "never send this without it"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _Missing(f"{what} is empty")
    return value


def _required_url(value: Any, what: str) -> str:
    """An http(s) link the message cannot do without."""
    link = safe_url(_required(value, what))
    if not link.lower().startswith(("http://", "https://")):
        raise _Missing(f'{what} is not a web address: "{flatten(value)}"')
    return link


@jinja2.pass_context
def _listing(ctx: jinja2.runtime.Context, items: Iterable[str]) -> str:
    """ "Anna, Ben and Chloe" ("Анна, Борис и Хлоя"), shortened as a Subject is: the names come
    from cells such as an activity's Contact, which may hold a whole page."""
    names = [name for name in (flatten(i) for i in items) if name]
    word = " и " if ctx.get("lang") == "ru" else " and "
    return shorten(", ".join(names[:-1]) + word + names[-1] if len(names) > 1 else "".join(names))


def _is_html(name: str | None) -> bool:
    return name is not None and name.endswith(".html.j2")


# --- the environment, loading and running templates ---------------------------------------------


class _CompiledTemplates(jinja2.BytecodeCache):
    """Jinja's bytecode cache, in memory (Jinja ships only file and memcached ones): each cycle's
    Renderer makes a new environment, and without it every cycle of `run` would compile the ~18
    templates it uses again (~0.2-0.4 s of CPU). Jinja compares the source's checksum, so an
    edited or broken template is compiled, and fails, as before."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _CompiledTemplates()


def environment(templates_dir: Path | None) -> jinja2.Environment:
    """One Jinja environment for a Renderer: compiled templates are cached, edited files reloaded."""
    search = [BUILTIN_DIR]
    if templates_dir is not None:
        if not Path(templates_dir).is_dir():
            raise ConfigError(f"templates_dir: {templates_dir} is not a folder.")
        search.insert(0, Path(templates_dir))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(search),
        undefined=jinja2.StrictUndefined,
        autoescape=_is_html,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=True,  # an edited override applies on the next message
        cache_size=-1,
        bytecode_cache=_COMPILED,
    )
    env.filters.update(
        day=_day,
        lines=_lines,
        paragraphs=_paragraphs,
        nl2br=_nl2br,
        url=safe_url,
        person=_person,
        required=_required,
        required_url=_required_url,
        listing=_listing,
        fill=_fill,
    )
    env.globals.update(plural=_plural)
    return env


def load_templates(
    env: jinja2.Environment, name: str, languages: Iterable[str]
) -> tuple[str, list[jinja2.Template]]:
    """The first of `languages` that has all three parts of `name`, and those parts in PARTS order."""
    for lang in languages:
        try:
            return lang, [env.get_template(f"{lang}/{name}.{part}.j2") for part in PARTS]
        except jinja2.TemplateNotFound:
            continue
        except jinja2.TemplateSyntaxError as exc:
            raise _broken(exc) from None
    raise TemplateError(f"no template {name} in {', '.join(languages)}")


def run_template(template: jinja2.Template, values: dict[str, Any], name: str, part: str, lang: str) -> str:
    """The template's text; anything that goes wrong inside it is a TemplateError saying where."""
    where = f"template {name}.{part} ({lang})"
    try:
        return template.render(values)
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"{where}: {_quoted(exc.message or str(exc))}") from None
    except _Missing as exc:
        raise TemplateError(f"{where}: {exc}") from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"{where}: includes {exc.name}, which does not exist") from None
    except jinja2.TemplateSyntaxError as exc:  # in a template this one extends or imports
        raise _broken(exc) from None
    except Exception as exc:
        raise TemplateError(f"{where} failed: {type(exc).__name__}: {exc}") from None


def languages_to_try(preferred: str, configured: str) -> tuple[str, ...]:
    """The languages to try, best first: "ru-RU", "RU" and "Russian" all mean ru."""
    out: list[str] = []
    for raw in (preferred, configured, FALLBACK_LANGUAGE):
        code = language_code(str(raw or ""))
        if re.fullmatch(r"[a-z]{2,3}", code) and code not in out:
            out.append(code)
    return tuple(out)


def _broken(exc: jinja2.TemplateSyntaxError) -> TemplateError:
    return TemplateError(f"template {exc.name} is broken (line {exc.lineno}): {exc.message}")


def _quoted(message: str) -> str:
    """Jinja's "'agreements' is undefined" as '"agreements" is undefined'."""
    return re.sub(r"'([^']*)'", r'"\1"', message)
