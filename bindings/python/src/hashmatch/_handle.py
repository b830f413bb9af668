# SPDX-License-Identifier: BSD-3-Clause
"""Lifetime guard for C handles shared between threads."""
from __future__ import annotations

import threading
from typing import Any, Callable


class Handle:
    """Owns a C pointer that ``free`` releases once the handle is closed and
    no call that entered it is still running, so that ``close()`` from one
    thread never frees an object another thread is using.

    ``with handle as ptr: ...`` enters (raises ValueError when closed).
    """

    __slots__ = ("_ptr", "_free", "_lock", "_busy", "_closed", "_what")

    def __init__(self, ptr: Any, free: Callable[[Any], None], what: str) -> None:
        self._ptr = ptr
        self._free = free
        self._lock = threading.Lock()
        self._busy = 0
        self._closed = False
        self._what = what

    def __enter__(self) -> Any:
        with self._lock:
            if self._closed:
                raise ValueError("%s is closed" % self._what)
            self._busy += 1
            return self._ptr

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._busy -= 1
            if self._closed and self._busy == 0:
                self._release()

    def _release(self) -> None:
        ptr, self._ptr = self._ptr, None
        if ptr is not None:
            self._free(ptr)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._busy == 0:
                self._release()

    def __del__(self) -> None:
        # The owner is gone, so nothing can be using the pointer any more.
        try:
            self._release()
        except Exception:
            pass
