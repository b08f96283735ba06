"""One root error; the CLI turns each into a paragraph and an exit code."""


class SheetsSyncError(Exception):
    """Anything sheets-sync reports to a person instead of a traceback."""


class ConfigError(SheetsSyncError):
    """The configuration, a required tab or a required header is wrong (exit 2)."""


class SourceError(SheetsSyncError):
    """The spreadsheet could not be read or written.

    `transient` errors (a lock file, a concurrent edit, a timeout) are retried next cycle.
    """

    def __init__(self, message: str, *, transient: bool = False):
        super().__init__(message)
        self.transient = transient


class LockedError(SourceError):
    """The workbook is open in an office suite (its lock file): nothing written, retried next cycle.

    `holder` says who has it open and since when, as far as the lock file tells ("open in Excel by
    Anna Petrova").
    """

    def __init__(self, message: str, holder: str):
        super().__init__(message, transient=True)
        self.holder = holder


class TemplateError(SheetsSyncError):
    """A template refers to a missing value or is broken: that message is not sent.

    str(exc) is one short sentence for the row's Sync note.
    """


class DeliveryError(SheetsSyncError):
    """A message could not be delivered; `permanent` ones are not retried."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class LedgerError(SheetsSyncError):
    """The send ledger (the memory of what was sent) cannot be used: nothing is sent until it is fixed.

    `readable`: it can still be read (read-only, a full disk), so the cycle may plan and write the
    sheet; otherwise (damaged, missing, replaced) the cycle sends and writes nothing.
    """

    def __init__(self, message: str, *, readable: bool = False):
        super().__init__(message)
        self.readable = readable


class InboxError(SheetsSyncError):
    """The team inbox could not be read: logged, retried next cycle; never blocks the sheet or the sends.

    str(exc) is one paragraph that names the fix (the host and port, the security, the login, the
    folder); it never holds the password, whatever the server sent back.
    """
