"""Worker processes for CPU-bound steps (reading files ahead of the writer, computing stored
reports): forked, so they inherit the loaded code and reference tables, and tied to their parent,
so that a killed ingest leaves no worker behind holding its files or its output."""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor

_PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def fork_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` forked processes that are killed when this process dies."""
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_die_with, initargs=(os.getpid(),))
