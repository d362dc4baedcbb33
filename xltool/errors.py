"""Exceptions for when xltool cannot go on. Problems in the data are findings, not exceptions.

An error a clerk may see carries its text in both languages: ``str(e)`` is the library's message (Chinese,
except `SchemaError`'s, see there), `text(lang)` the one to print in a run's language::

    try:
        load_roster(path)
    except XltoolError as e:
        raise CannotProceed(e.text(lang)) from e
"""

from __future__ import annotations


class XltoolError(Exception):
    """Base class: something xltool cannot proceed with.

    Args:
        message: the message (``str(e)``), Chinese for what a clerk may see.
        en: its English text for ``--lang en``; None when there is none (`text` gives `message` then).
    """

    en: str | None = None
    """The English text of the message (subclasses with their own ``__init__`` may leave it unset)."""

    def __init__(self, message: str = "", en: str | None = None) -> None:
        super().__init__(message)
        self.en = en

    def text(self, lang: str = "zh") -> str:
        """The message in `lang`: the English one with ``en`` when there is one, else ``str(self)``."""
        return self.en if lang == "en" and self.en else str(self)


class SchemaError(XltoolError):
    """A form declaration is invalid; the message names the path in the file.

    ``str(e)`` is English, like the declaration's own keys (``rules[0].left: unknown row 'carried_ovr' in t3``):
    it is read by whoever writes declarations. `zh` is the same in Chinese for a clerk's run, which shows it
    by default (`text`).
    """

    zh: str | None = None
    """The Chinese text of the message."""

    def __init__(self, message: str, zh: str | None = None) -> None:
        super().__init__(message, en=message)
        self.zh = zh

    def text(self, lang: str = "zh") -> str:
        """The message in `lang`: the Chinese one (`zh`) unless ``lang`` is ``en``, else ``str(self)``."""
        return self.zh if lang != "en" and self.zh else str(self)


class InterchangeError(XltoolError):
    """An interchange JSON document cannot be used; the message says where and why."""


class UsageError(XltoolError):
    """Arguments that do not fit together (another form, another year)."""


class RosterError(UsageError):
    """A roster cannot be used (no such file, not a CSV or .xlsx, no name column, a code or name twice); the
    message names the file and, where there is one, the row."""
