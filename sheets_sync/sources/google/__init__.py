"""A Google Sheet through gspread and google-auth: the `GoogleSource` and its plumbing."""
