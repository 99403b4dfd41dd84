"""Every error briefconv raises on purpose, each with the exit code the CLI returns.

Anything else that escapes is a bug: the CLI reports it as an internal error.
The message of an error is one line a user can act on; the CLI prefixes it with the
file it concerns, so a message never needs to repeat the file name.
"""

from __future__ import annotations

import warnings

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_BAD_INPUT = 2


class BriefconvError(Exception):
    """Base class. ``source`` is the file (or archive member) the error concerns."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, *, source: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = source

    def with_source(self, source: str) -> BriefconvError:
        """Attach the file name unless a more precise one is already known."""
        if self.source is None:
            self.source = source
        return self

    def __str__(self) -> str:
        return f"{self.source}: {self.message}" if self.source else self.message


class UsageError(BriefconvError):
    """The command line or API call itself is wrong."""


class UnknownFormatError(UsageError):
    """No registered format has that name, alias or extension."""


class InputError(BriefconvError):
    """The input is missing, unreadable, too large or cannot be parsed."""


class OutputError(BriefconvError):
    """The output cannot be written where it was asked for."""


class MissingMetadataError(BriefconvError):
    """The target format requires metadata the document does not have."""


class MissingDependencyError(BriefconvError):
    """An optional library is not installed; the message names the pip extra."""

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        super().__init__(
            f"{purpose} needs {package}: pip install 'briefconv[{extra}]'"
        )


class BriefconvWarning(UserWarning):
    """Something was lost, guessed or skipped; the conversion still succeeded."""


class PluginWarning(BriefconvWarning):
    """A plugin could not be loaded or registered; everything else keeps working."""


def warn(message: str, category: type[BriefconvWarning] = BriefconvWarning) -> None:
    """Report a lossy or uncertain step to whoever runs the conversion."""
    warnings.warn(message, category, stacklevel=2)
