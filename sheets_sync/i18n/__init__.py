"""The team's language: every word the worker writes for the team, from one catalogue, in `en` or
`ru` (the config's `language`), with CLDR's plurals, dates, weekdays and numbers through Babel.

`words(language)` is the face the rules, the sheet mapping and the runtime use:
`words("ru").text("next_touch", date=d)`, `.status(TouchStatus.OVERDUE)`, `.days(3)`.
"""

from sheets_sync.i18n.catalogue import CATALOGUE, LANGUAGES
from sheets_sync.i18n.words import (
    Words,
    is_missing_marker,
    is_open_follow_up,
    is_reminded,
    read_term,
    terms_of,
    words,
)

__all__ = [
    "CATALOGUE",
    "LANGUAGES",
    "Words",
    "is_missing_marker",
    "is_open_follow_up",
    "is_reminded",
    "read_term",
    "terms_of",
    "words",
]
