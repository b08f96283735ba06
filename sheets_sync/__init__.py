"""sheets-sync: a partnerships team's spreadsheet, kept in discipline by a worker."""

__version__ = "0.1.0"
