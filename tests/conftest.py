"""Shared by every test module."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _root_logging_restored() -> Iterator[None]:
    """The CLI configures the root logger once per process (its handler writes to the sys.stderr of
    the moment). Called in-process by a test, that stderr is pytest's capture, closed after the
    test, and a server thread logging later would print `--- Logging error ---`: restore the root
    logger's handlers and level after every test."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
