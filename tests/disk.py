"""Real file-system faults for the state tests: a disk filled up (on a tmpfs the test mounts)."""

from __future__ import annotations

import os
from pathlib import Path


def fill(folder: Path, leave: int = 0) -> Path:
    """Fill the disk of `folder` until fewer than `leave` + 1 bytes are free (0: to the last
    byte); returns the filler file, whose deletion frees it all again."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        for size in (1 << 16, 512, 1):
            try:
                while free(folder) - size >= leave:
                    os.write(fd, b"\0" * size)
            except OSError:  # the disk is full: go on with smaller writes
                pass
    finally:
        os.close(fd)
    return filler


def free(folder: Path) -> int:
    st = os.statvfs(folder)
    return st.f_bavail * st.f_frsize
