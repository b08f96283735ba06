"""How the config's keys are declared once and read: the machinery (keys) and the kinds of values
(kinds). The table itself, one dataclass field per key, is sheets_sync/config.py."""
