"""What every command shares: the one-line user error and the exit code it ends with."""

from __future__ import annotations

ERROR_EXIT = 2


class UserError(Exception):
    """A problem with what the user gave us; printed as one line."""
