"""Composing emails: Jinja templates into a `Message` with its headers and MIME parts."""
