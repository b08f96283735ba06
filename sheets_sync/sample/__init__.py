"""The sample workspace of `sheets-sync init`: its config, word lists and a realistic workbook."""
