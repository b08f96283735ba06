"""The sheet mapping, pure: cell values into Python values or Problems, tables into the Book, a plan back
into cell changes."""
