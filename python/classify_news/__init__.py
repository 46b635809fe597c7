"""Label news articles by topic and stance with classify, from Python.

classify_news wraps the classify library (Rust): the same cleaning,
tokenizer, TF-IDF and linear classifiers as the ``classify`` command, and
the same results. Labeling releases the GIL and runs on all cores.

>>> import classify_news as cn
>>> model = cn.Model.builtin()
>>> model.label("Border agents detained forty migrants near the river.")["topic"]
'immigration'
>>> rows = model.label(["The senate voted on the budget.", None])
>>> rows[0]["topic"], rows[1]["error"]
('politics', 'no text (None)')

- :class:`Model`: ``Model.builtin()``, ``Model.load(path)``, ``label``,
  ``label_pandas``, ``label_arrow``, ``save``, ``info``, ``heads``,
  ``classes``.
- :func:`train` and :func:`evaluate`: ``classify train`` and
  ``classify eval --format json`` as functions.
- :mod:`classify_news.spark`: label a Spark DataFrame (``spark.label``).
- Errors are :class:`ClassifyError` (:class:`ClassifyValueError`,
  :class:`ClassifyOSError`) with the message the CLI prints.
"""

from __future__ import annotations

import json
import os
import threading
import warnings
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

from . import _classify
from ._errors import ClassifyError, ClassifyOSError, ClassifyValueError, ClassifyWarning

__version__ = _classify.VERSION

__all__ = [
    "Model",
    "train",
    "evaluate",
    "ClassifyError",
    "ClassifyValueError",
    "ClassifyOSError",
    "ClassifyWarning",
    "BUILTIN_NAME",
    "__version__",
]

#: How the built-in model names itself (``Model.builtin().origin``).
BUILTIN_NAME: str = _classify.BUILTIN_NAME

_builtin_lock = threading.Lock()
_builtin_core: Optional[Any] = None

Text = Union[str, bytes]


def _builtin() -> Any:
    global _builtin_core
    with _builtin_lock:
        if _builtin_core is None:
            _builtin_core = _classify.Model.builtin()
        return _builtin_core


class Model:
    """A trained classify model: cleaning rules, tokenizer, TF-IDF
    vocabulary and one linear classifier per head (label field).

    Get one with :meth:`Model.builtin` (the model shipped with classify,
    trained on its own corpus of news articles), :meth:`Model.load` (a
    ``.model`` file written by ``classify train`` or :meth:`save`),
    :meth:`Model.from_bytes`, or :func:`classify_news.train`.

    A model is immutable and safe to share between threads; it pickles as
    its model-file bytes (the built-in model as a reference to itself).

    Labeling (:meth:`label`, :meth:`label_pandas`, :meth:`label_arrow`)
    gives the same labels and probabilities as ``classify label``: per head
    a column named after the head (``topic``) with the predicted class, and
    ``topic_probability`` (rounded to 3 decimals, as the CLI prints it);
    ``topic_uncertain`` with ``min_confidence``, ``topic_explain`` with
    ``explain``, ``topic_evidence`` with ``evidence``; ``reason``, None or
    why the labels are ``unknown`` (text the model cannot read); and
    ``error``, None or why that text could not be labeled.
    """

    __slots__ = ("_model",)

    def __init__(self, _model: Any) -> None:
        if not isinstance(_model, _classify.Model):
            raise TypeError(
                "use Model.builtin(), Model.load(path), Model.from_bytes(data) "
                "or classify_news.train(records) to get a Model"
            )
        self._model = _model

    # -- getting and keeping models -------------------------------------

    @classmethod
    def builtin(cls) -> "Model":
        """The model shipped with classify (``models/default.model``), built
        into the package: topic (education, immigration, other, politics)
        and stance (critical, neutral, supportive)."""
        return cls(_builtin())

    @classmethod
    def load(cls, path: Union[str, "os.PathLike[str]"]) -> "Model":
        """Reads a model file (written by ``classify train`` or
        :meth:`save`). Raises :class:`ClassifyOSError` if it cannot be read
        and :class:`ClassifyValueError` if it is not a usable model (wrong
        header, newer format, truncated, bad checksum)."""
        return cls(_classify.Model.load(os.fspath(path)))

    @classmethod
    def from_bytes(cls, data: bytes, origin: str = "<bytes>") -> "Model":
        """A model from the bytes of a model file (:meth:`to_bytes`);
        ``origin`` names it in messages and reports."""
        if origin == BUILTIN_NAME:
            return cls.builtin()
        return cls(_classify.Model.from_bytes(bytes(data), origin))

    def to_bytes(self) -> bytes:
        """The model file's bytes (what :meth:`save` writes)."""
        return self._model.to_bytes()

    def save(self, path: Union[str, "os.PathLike[str]"], *, overwrite: bool = False) -> None:
        """Writes the model file atomically (temporary file beside it,
        synced, renamed). An existing file is kept and
        :class:`ClassifyOSError` raised unless ``overwrite=True``; anything
        but a regular file is never replaced."""
        self._model.save(os.fspath(path), bool(overwrite))

    def __reduce__(self) -> Any:
        if self.origin == BUILTIN_NAME:
            return (Model.builtin, ())
        return (Model.from_bytes, (self.to_bytes(), self.origin))

    # -- what it is -----------------------------------------------------

    @property
    def origin(self) -> str:
        """Where the model came from: its path, ``BUILTIN_NAME``, or the
        ``origin`` given to :meth:`from_bytes`."""
        return self._model.origin

    @property
    def heads(self) -> List[str]:
        """The heads (label fields) the model predicts, in order, e.g.
        ``['topic', 'stance']``."""
        return self._model.heads

    def classes(self, head: str) -> List[str]:
        """The classes of ``head``, sorted. Raises
        :class:`ClassifyValueError` for a head the model does not have."""
        return self._model.classes(head)

    def info(self, top: int = 10) -> Dict[str, Any]:
        """The model's description, exactly what ``classify info --format
        json --top TOP`` prints: origin, format version, training metadata
        (date, command, data, documents per class, cross-validated scores),
        vocabulary size, vectorizer and cleaner configuration, and the
        ``top`` terms of each class."""
        return self._model.info(int(top))

    def __repr__(self) -> str:
        heads = ", ".join(f"{h} ({', '.join(self.classes(h))})" for h in self.heads)
        return f"<classify_news.Model {self.origin}: {heads}>"

    # -- labeling -------------------------------------------------------

    def label(
        self,
        texts: Union[Text, Iterable[Optional[Text]]],
        *,
        format: str = "auto",
        explain: int = 0,
        evidence: int = 0,
        min_confidence: Union[None, float, str] = None,
        threads: Optional[int] = None,
    ) -> Any:
        """Labels one text (a ``str`` or ``bytes``) or every text of an
        iterable, as ``classify label`` labels a document.

        Returns, for one text, one dict; for an iterable, a list with one
        dict per text, in order. Each dict has, per head, the label
        (``topic``) and its probability (``topic_probability``, 3 decimals
        as the CLI prints it), ``topic_uncertain`` when ``min_confidence``
        is given, ``topic_explain`` (a list of ``{"term", "feature",
        "weight"}``: the words as written in the text, the model feature,
        its weight) when ``explain`` > 0, ``topic_evidence`` (a list of
        ``{"sentence", "weight"}``) when ``evidence`` > 0, ``reason`` (None,
        or why the labels are ``unknown``: a text in another language or
        with too few words the model knows; its probabilities are None) and
        ``error``.

        A single text that cannot be labeled (empty, whitespace only, no
        text left after removing markup) raises :class:`ClassifyValueError`
        with the CLI's message. In an iterable, such a text (or None, NaN,
        or something that is not a text) gives a dict whose labels are None
        and whose ``error`` says why; the others are labeled.

        - ``format``: ``"auto"`` (HTML is sniffed, as for stdin or a JSON
          Lines record), ``"text"``, ``"markdown"`` or ``"html"`` (as for a
          ``.txt``, ``.md`` or ``.html`` file). Front matter is read in
          every format.
        - ``str`` is a document's text; ``bytes`` are a file's content,
          decoded as the CLI decodes a file (UTF-8, or UTF-16 with a
          byte-order mark; a NUL byte makes it binary).
        - ``explain``: add the N terms that pushed each decision most.
        - ``evidence``: add the N sentences that pushed each decision most.
        - ``min_confidence``: mark decisions below this probability as
          uncertain (0 to 1), or ``"auto"``: below each head's threshold
          stored by ``classify calibrate``.
        - ``threads``: label with this many threads (default: all cores).

        The GIL is released while labeling; batches are labeled in parallel.
        """
        if isinstance(texts, (str, bytes)):
            return self._model.label_one(texts, format, explain, evidence, min_confidence)
        _check_iterable(texts)
        return self._model.label_many(
            texts, format, explain, evidence, min_confidence, threads
        )

    def label_columns(
        self,
        texts: Iterable[Optional[Text]],
        *,
        format: str = "auto",
        explain: int = 0,
        evidence: int = 0,
        min_confidence: Union[None, float, str] = None,
        threads: Optional[int] = None,
    ) -> Dict[str, list]:
        """Like :meth:`label` for an iterable, but as columns: a dict of
        column name (``topic``, ``topic_probability``, ..., ``error``) to a
        list with one value per text, built in Rust."""
        _check_iterable(texts)
        return self._model.label_columns(
            texts, format, explain, evidence, min_confidence, threads
        )

    def label_pandas(
        self,
        series: Any,
        *,
        format: str = "auto",
        explain: int = 0,
        evidence: int = 0,
        min_confidence: Union[None, float, str] = None,
        threads: Optional[int] = None,
    ) -> Any:
        """Labels a pandas Series of texts; returns a pandas DataFrame with
        the series' index and one column per field of :meth:`label`
        (``topic``, ``topic_probability``, ``stance``, ...,
        ``error``). Missing values (None, NaN, pd.NA) get ``error`` set. No
        Python loop runs per row. Needs pandas."""
        import pandas as pd

        values = series.to_numpy(dtype=object, na_value=None).tolist()
        columns = self.label_columns(
            values,
            format=format,
            explain=explain,
            evidence=evidence,
            min_confidence=min_confidence,
            threads=threads,
        )
        frame = pd.DataFrame(columns, index=series.index)
        for head in self.heads:
            name = f"{head}_probability"
            frame[name] = frame[name].astype("float64")
        return frame

    def label_arrow(
        self,
        array: Any,
        *,
        format: str = "auto",
        explain: int = 0,
        evidence: int = 0,
        min_confidence: Union[None, float, str] = None,
        threads: Optional[int] = None,
    ) -> Any:
        """Labels a pyarrow Array or ChunkedArray of strings (or any
        iterable of texts); returns a pyarrow Table with one column per
        field of :meth:`label` (labels as ``string``, probabilities as
        ``double``, ``error`` as ``string``). Needs pyarrow."""
        import pyarrow as pa

        values = array.to_pylist() if hasattr(array, "to_pylist") else list(array)
        columns = self.label_columns(
            values,
            format=format,
            explain=explain,
            evidence=evidence,
            min_confidence=min_confidence,
            threads=threads,
        )
        known = {"error": pa.string(), "reason": pa.string()}
        for head in self.heads:
            known[head] = pa.string()
            known[f"{head}_probability"] = pa.float64()
        arrays = [pa.array(v, type=known.get(k)) for k, v in columns.items()]
        return pa.Table.from_arrays(arrays, names=list(columns))


def _check_iterable(texts: Any) -> None:
    if isinstance(texts, (str, bytes)):
        raise TypeError("expected an iterable of texts; for one text use Model.label")
    try:
        iter(texts)
    except TypeError:
        raise TypeError(
            f"texts must be a str, bytes or an iterable of them, not {type(texts).__name__}"
        ) from None


def _records(records: Any) -> Any:
    """A pandas DataFrame as a list of dicts; anything else as given."""
    if hasattr(records, "to_dict") and hasattr(records, "columns"):
        return records.to_dict("records")
    return records


def _command(records: Any, labels: Optional[Sequence[str]], options: Dict[str, Any]) -> List[str]:
    """The ``classify train`` command line equivalent to a call, recorded
    in the model's metadata (``classify info`` shows it)."""
    data = os.fspath(records) if isinstance(records, (str, os.PathLike)) else "(records)"
    command = ["train", data]
    for label in labels or ():
        command += ["--label", label]
    for name, value in options.items():
        if value is None:
            continue
        flag = "--" + name.replace("_", "-")
        if name == "stem":
            if not value:
                command.append("--no-stem")
        elif isinstance(value, bool):
            if value:
                command.append(flag)
        else:
            command += [flag, str(value)]
    return command


def _warn(messages: List[str]) -> None:
    for message in messages:
        warnings.warn(message, ClassifyWarning, stacklevel=3)


def train(
    records: Any,
    *,
    labels: Optional[Union[str, Sequence[str]]] = None,
    data: Optional[str] = None,
    **options: Any,
) -> Model:
    """Trains a model, as ``classify train`` does, and returns it (save it
    with :meth:`Model.save`).

    ``records`` is a path (a directory of articles, a ``.jsonl`` /
    ``.ndjson`` or a ``.csv`` file, read exactly as ``classify train``
    reads it), a pandas DataFrame, or an iterable of dicts, each read as
    one JSON Lines record: ``id``, the text field (``text``), and label
    fields whose values are strings (``{"id": "a1", "text": "...",
    "topic": "politics", "stance": "neutral"}``). Records without usable
    text are skipped with a :class:`ClassifyWarning`, as the CLI warns.

    ``labels``: the label fields to train, one head each (default: topic
    and stance where the data has them, else label). ``data``: how the
    metadata names the data (default: the path, or ``(records)``).

    Options (same names, meaning and defaults as the flags of ``classify
    train``; an option out of range raises :class:`ClassifyValueError`
    with the CLI's message, which names the flag):

{options}
    """
    if isinstance(labels, str):
        labels = [labels]
    records = _records(records)
    command = _command(records, labels, options)
    core, messages = _classify.train(records, {"labels": labels, **options}, command, data)
    _warn(messages)
    return Model(core)


def evaluate(
    model: Model,
    records: Any,
    *,
    labels: Optional[Union[str, Sequence[str]]] = None,
    data: Optional[str] = None,
    **options: Any,
) -> Dict[str, Any]:
    """Scores ``model`` on labeled ``records`` (a path, a pandas DataFrame
    or an iterable of dicts, as for :func:`train`) and returns exactly what
    ``classify eval --format json`` prints, as a dict: per head accuracy,
    macro-F1, weighted F1, per-class precision/recall/F1/support and the
    confusion matrix; notes on heads the data lacks; the model's metadata.

    ``labels``: the heads to evaluate (default: every head the data
    labels). ``data``: how the report names the data. Options for a path:
    ``text_field``, ``folder_label``, ``max_bytes``, ``follow``.
    """
    if not isinstance(model, Model):
        raise TypeError(f"model must be a classify_news.Model, not {type(model).__name__}")
    if isinstance(labels, str):
        labels = [labels]
    text, messages = _classify.evaluate(
        model._model, _records(records), {"labels": labels, **options}, data
    )
    _warn(messages)
    return json.loads(text)


def _options_doc() -> str:
    meaning = {
        "algorithm": '"svm" (linear SVM) or "nb" (naive Bayes)',
        "c": "SVM inverse regularization (> 0)",
        "class_weight": '"uniform" or "balanced"',
        "ngram_max": "word n-grams 1..=N (1 to 4)",
        "min_df": "keep features in at least N documents",
        "max_df": "keep features in at most this share of documents",
        "max_features": "keep the N most frequent features (None: all; 20,000 for nb)",
        "lede_terms": "also count the first N terms as ^term features",
        "nb_scale": "scale SVM features by naive-Bayes log-count ratios",
        "alpha": "naive Bayes smoothing",
        "stop_words": '"none" or "english"',
        "stem": "Snowball stemming (False: --no-stem)",
        "seed": "every shuffle and fold split",
        "cv": "K-fold cross-validated scores stored in the model (2 to 20)",
        "text_field": "text field of JSONL/CSV data and of records",
        "folder_label": "field filled from folder names in a directory corpus",
        "max_bytes": "largest document accepted",
        "follow": "follow symbolic links in a directory corpus",
    }
    defaults = _classify.train_defaults()
    lines = []
    for name, what in meaning.items():
        lines.append(f"    - ``{name}`` (default ``{defaults.get(name)!r}``): {what}")
    return "\n".join(lines)


if train.__doc__:
    train.__doc__ = train.__doc__.replace("{options}", _options_doc())

from . import spark  # noqa: E402  (the submodule needs Model)
