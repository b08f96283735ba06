"""Real file-system faults for the state tests: mounts (a small tmpfs, a read-only bind) and a
disk filled up. Mounting needs root: without it, the test is skipped."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def mounted(*args: str) -> Iterator[None]:
    """`mount ARGS...` for the block (the last argument is the mount point), then unmount."""
    target = args[-1]
    result = subprocess.run(["mount", *args], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount here: {result.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", target], check=False)


@contextmanager
def small_disk(folder: Path, size: str = "16m") -> Iterator[Path]:
    """`folder` (created) as a tmpfs of its own of `size`, for the block."""
    folder.mkdir(exist_ok=True)
    with mounted("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)):
        yield folder


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
