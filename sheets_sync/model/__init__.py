"""The nouns of sheets-sync: tabs and their columns, the rows the planner reads, what it decides.

Everything here is a frozen dataclass or an enum; nothing does I/O. The nouns live in three
modules (`tabs`: the workbook's tabs and columns and the cell writes; `book`: the rows as parsed;
`plan`: what the planner decides); this package is their one face: `from sheets_sync.model import X`.

One email is one chain of types, each made from the one before it:
`MessageIntent` (the plan: whom, why, under which `MessageKey`) -> `Message` (mail.compose: the
rendered email) -> `LedgerEntry` (mail.ledger: the row that records it was sent) -> `Sent` (sheet.
records: that row as the pure core reads it back, in the team's time zone). The `MessageKey`
ties them together: it names the ledger row and derives the Message-ID and the log row's ID.
"""

from sheets_sync.model.book import *  # noqa: F403
from sheets_sync.model.inbox import *  # noqa: F403
from sheets_sync.model.plan import *  # noqa: F403
from sheets_sync.model.tabs import *  # noqa: F403
