"""One exception hierarchy for the whole product.

Every error a user can cause is a ``NetcomplaintError`` with a stable ``code``; the HTTP layer maps
classes to statuses in one table (``api/errors.py``) and the CLI prints ``message`` on one line.
"""

from __future__ import annotations


class NetcomplaintError(Exception):
    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(NetcomplaintError):
    """Bad input from the user: a field, a file, a row."""

    code = "invalid_input"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class FileFormatError(InputError):
    """A whole file can't be read (not CSV/JSON/XML, corrupt gzip, missing required column)."""

    code = "bad_file"


class NotFoundError(NetcomplaintError):
    code = "not_found"


class ConflictError(NetcomplaintError):
    """The request is understood but the current state forbids it (e.g. a lifecycle transition)."""

    code = "conflict"


class AuthenticationError(NetcomplaintError):
    code = "unauthorized"


class PermissionDeniedError(NetcomplaintError):
    code = "forbidden"


class ConfigurationError(NetcomplaintError):
    code = "bad_configuration"


class DatabaseUnavailableError(NetcomplaintError):
    """The database can't be reached (down, restarting, wrong URL)."""

    code = "database_unavailable"
