"""The errors this tool raises on purpose, and the exit codes (README, 'Use in CI').

A ``UserError`` is something the user can fix (a manifest, a flag, a refusal by
Dograh); the CLI prints its message and exits 1. Anything else that escapes is a bug in
this tool and exits 3 with the traceback written to a file.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_BUG = 3
EXIT_INTERRUPTED = 130


class UserError(Exception):
    """A problem the user can fix; its message says how."""
