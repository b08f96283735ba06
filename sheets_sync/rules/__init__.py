"""The pure core: `plan(book, config, today)` and its rules, one module per rule. No I/O, no clock."""
