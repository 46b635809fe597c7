"""The exceptions of classify_news.

Every failure the library reports is raised as a subclass of
:class:`ClassifyError` carrying the one-line message that the ``classify``
command prints after ``classify:`` (for instance
``models/x.model: no such file or directory``). Bad input and bad options
are :class:`ClassifyValueError` (also a :class:`ValueError`); files that
cannot be read or written are :class:`ClassifyOSError` (also an
:class:`OSError`), so ``except ValueError`` and ``except OSError`` work as
usual.
"""


class ClassifyError(Exception):
    """Base class of every error classify_news raises."""


class ClassifyValueError(ClassifyError, ValueError):
    """Bad input or options: a corrupt model, an option out of range, a text
    that cannot be labeled, data without the label fields asked for."""


class ClassifyOSError(ClassifyError, OSError):
    """A file that cannot be read or written: a missing model file, a model
    that would replace an existing file, a directory that cannot be read."""


class ClassifyWarning(UserWarning):
    """What the CLI prints as ``classify: warning: ...``: documents skipped
    while reading training or evaluation data, classes smaller than the
    number of cross-validation folds."""
