"""Quota windows in tests: a test that reads a counter after a request must not straddle two
windows, or the reading lands in a fresh one."""

from __future__ import annotations

import time

__all__ = ["clear_of_window_edge"]


def clear_of_window_edge(window_s: int, margin_s: float) -> None:
    """Return at once when more than `margin_s` remain in the current window, else wait for
    the next one to begin."""
    left = window_s - time.time() % window_s
    if left < margin_s:
        time.sleep(left + 0.5)
