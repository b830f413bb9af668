# SPDX-License-Identifier: BSD-3-Clause
"""Exceptions: one class per hm_status code, in a small hierarchy."""
from __future__ import annotations

from typing import NoReturn, Optional

from ._native import ffi, lib

__all__ = [
    "Error", "DecodeError", "UnknownFormatError", "UnsupportedError",
    "LimitExceeded", "BadHashString", "FileIOError", "InvalidArgumentError",
    "TypeMismatchError", "CorruptIndexError", "NotFoundError",
    "CancelledError", "NoMemoryError", "InternalError",
]


class Error(Exception):
    """Base class of every error libhashmatch reports.

    Attributes:
        status: the C status code (a negative ``hm_status`` value).
        message: the C library's detail message (which file, which limit,
            what the decoder said), or its generic description when the call
            has none.
    """

    @property
    def status_name(self) -> str:
        """The C name of the status ("HM_E_LIMIT"), "" for no known code."""
        return _cstr(lib.hm_status_name(self.status))

    status: int
    message: str

    def __init__(self, message: str = "", *, status: Optional[int] = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = _STATUS_OF.get(type(self), lib.HM_E_INTERNAL) if status is None else status


class DecodeError(Error):
    """Corrupt, truncated or undecodable media (``HM_E_DECODE``)."""


class UnknownFormatError(DecodeError):
    """The content matches no supported format (``HM_E_UNKNOWN_FORMAT``):
    media that no decoder takes, or a hash list from which nothing loads."""


class UnsupportedError(Error):
    """A valid request this build cannot serve, e.g. a video codec outside
    the allow-list (``HM_E_UNSUPPORTED``)."""


class LimitExceeded(Error):
    """A configured limit was exceeded (``HM_E_LIMIT``): input bytes, pixels,
    frames, duration, time budget, list line length, index entries."""


class BadHashString(Error, ValueError):
    """Malformed text (``HM_E_PARSE``): a hash string with the wrong length or
    a non-hex digit, a bad hash-list line in strict mode, bad vPDQ text."""


class FileIOError(Error, OSError):
    """A file could not be opened, read or written (``HM_E_IO``)."""


class InvalidArgumentError(Error, ValueError):
    """An argument the C library rejected (``HM_E_INVALID_ARGUMENT``)."""


class TypeMismatchError(Error, TypeError):
    """Hashes of different types compared (``HM_E_TYPE_MISMATCH``)."""


class CorruptIndexError(Error):
    """An index file is corrupt, truncated or of an unknown version
    (``HM_E_CORRUPT``)."""


class NotFoundError(Error, LookupError):
    """No such list (``HM_E_NOT_FOUND``)."""


class CancelledError(Error):
    """The operation was cancelled (``HM_E_CANCELLED``)."""


class NoMemoryError(Error, MemoryError):
    """An allocation failed in the C library (``HM_E_NO_MEMORY``)."""


class InternalError(Error):
    """A bug in libhashmatch (``HM_E_INTERNAL``); please report it."""


_CLASS_OF = {
    lib.HM_E_INVALID_ARGUMENT: InvalidArgumentError,
    lib.HM_E_NO_MEMORY: NoMemoryError,
    lib.HM_E_IO: FileIOError,
    lib.HM_E_UNKNOWN_FORMAT: UnknownFormatError,
    lib.HM_E_DECODE: DecodeError,
    lib.HM_E_LIMIT: LimitExceeded,
    lib.HM_E_PARSE: BadHashString,
    lib.HM_E_TYPE_MISMATCH: TypeMismatchError,
    lib.HM_E_UNSUPPORTED: UnsupportedError,
    lib.HM_E_INTERNAL: InternalError,
    lib.HM_E_CORRUPT: CorruptIndexError,
    lib.HM_E_NOT_FOUND: NotFoundError,
    lib.HM_E_CANCELLED: CancelledError,
}
_STATUS_OF = {cls: st for st, cls in _CLASS_OF.items()}


def _cstr(p: object) -> str:
    return "" if p == ffi.NULL else str(ffi.string(p).decode("utf-8", "replace"))


def strerror(status: int) -> str:
    """The C library's static description of a status code."""
    return str(ffi.string(lib.hm_strerror(status)).decode("utf-8", "replace"))


def last_error() -> str:
    """The C library's detail message of this thread's last call
    (``hm_last_error``): read it right after the call that failed, before
    any other call that returns a status."""
    return _cstr(lib.hm_last_error())


def error_for(status: int, detail: Optional[str] = None) -> Error:
    """The exception for a C status code.  ``detail`` None: the detail
    message of the call that just failed on this thread (each Python thread
    is one OS thread, and the GIL is released only inside the call, so
    nothing else has run on it meanwhile); a str replaces it."""
    if detail is None:
        detail = last_error()
    message = detail or strerror(status)
    cls = _CLASS_OF.get(status, Error)
    return cls(message, status=status)


def raise_for(status: int, detail: Optional[str] = None) -> NoReturn:
    raise error_for(status, detail)
