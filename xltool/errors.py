"""Exceptions for when xltool cannot go on. Problems in the data are findings, not exceptions."""


class XltoolError(Exception):
    """Base class: something xltool cannot proceed with."""


class SchemaError(XltoolError):
    """A form declaration is invalid; the message names the path in the file."""


class InterchangeError(XltoolError):
    """An interchange JSON document cannot be used; the message says where and why."""


class UsageError(XltoolError):
    """Arguments that do not fit together (another form, another year)."""
