"""Label a Spark DataFrame with classify: :func:`label`.

The labeling runs in the executors' Python workers through ``mapInPandas``
(Arrow batches in, Arrow batches out, no Python loop per row): each batch's
texts go to the Rust library in one call, which labels them on the task's
cores with the GIL released.

The model is loaded once per executor Python process, not per batch or per
task: the built-in model comes from the wheel installed on the executors;
any other model travels as its model-file bytes inside the job's function
(Spark ships a stage's function to each executor once) and is kept in a
process-wide cache keyed by the SHA-256 of those bytes.

The executors need classify-news installed (the wheel is native code, so
``--py-files`` cannot ship it): install the wheel on every node, or ship a
packed virtual environment with ``--archives`` and point
``spark.pyspark.python`` at it. See the README's Python section.
"""

from __future__ import annotations

import hashlib
import os
import threading
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Union

from . import BUILTIN_NAME, ClassifyValueError, Model

__all__ = ["label", "output_columns"]

_cache: Dict[str, Model] = {}
_cache_lock = threading.Lock()
#: How many times this process loaded (built or parsed) each model, by
#: cache key: 1 per model however many batches and tasks it labels.
loads: Dict[str, int] = {}


def _model_for(key: str, origin: str, data: Optional[bytes]) -> Model:
    """The model for ``key`` (``"builtin"`` or a SHA-256 of model bytes),
    loaded by the first batch of this process and cached for the rest."""
    with _cache_lock:
        model = _cache.get(key)
        if model is None:
            if data is None:
                model = Model.builtin()
            else:
                model = Model.from_bytes(data, origin)
            _cache[key] = model
            loads[key] = loads.get(key, 0) + 1
        return model


def _ship(model: Union[None, str, "os.PathLike[str]", bytes, Model]) -> Tuple[Model, str, str, Optional[bytes]]:
    """Resolves ``model`` on the driver: (the model, its cache key, its
    origin, the bytes to ship or None for the built-in model)."""
    if model is None:
        model = Model.builtin()
    elif isinstance(model, (str, os.PathLike)):
        model = Model.load(model)
    elif isinstance(model, (bytes, bytearray, memoryview)):
        model = Model.from_bytes(bytes(model))
    elif not isinstance(model, Model):
        raise TypeError(
            "model must be None (the built-in model), a model file path, "
            f"model bytes or a classify_news.Model, not {type(model).__name__}"
        )
    if model.origin == BUILTIN_NAME:
        return model, "builtin", BUILTIN_NAME, None
    data = model.to_bytes()
    return model, hashlib.sha256(data).hexdigest(), model.origin, data


def output_columns(
    model: Model,
    *,
    explain: int = 0,
    evidence: int = 0,
    min_confidence: Union[None, float, str] = None,
) -> List[Tuple[str, str]]:
    """The columns :func:`label` adds for ``model``, as ``(name, Spark SQL
    type)`` pairs: per head the label (``string``) and probability
    (``double``), ``HEAD_uncertain`` (``boolean``) with ``min_confidence``,
    ``HEAD_explain`` (``array<struct<term:string,feature:string,weight:double>>``)
    with ``explain``, ``HEAD_evidence``
    (``array<struct<sentence:string,weight:double>>``) with ``evidence``;
    then ``reason`` (``string``: why the labels are ``unknown``) and
    ``error`` (``string``)."""
    columns = []
    for head in model.heads:
        columns.append((head, "string"))
        columns.append((f"{head}_probability", "double"))
        if min_confidence is not None:
            columns.append((f"{head}_uncertain", "boolean"))
        if explain:
            columns.append(
                (f"{head}_explain", "array<struct<term:string,feature:string,weight:double>>")
            )
        if evidence:
            columns.append((f"{head}_evidence", "array<struct<sentence:string,weight:double>>"))
    columns.append(("reason", "string"))
    columns.append(("error", "string"))
    return columns


def _spark_type(kind: str) -> Any:
    from pyspark.sql import types as T

    simple = {"string": T.StringType(), "double": T.DoubleType(), "boolean": T.BooleanType()}
    if kind in simple:
        return simple[kind]
    # array<struct<name:type,...>>
    fields = kind[len("array<struct<") : -len(">>")].split(",")
    struct = []
    for field in fields:
        name, field_kind = field.split(":")
        struct.append(T.StructField(name, simple[field_kind]))
    return T.ArrayType(T.StructType(struct))


def _task_threads() -> int:
    """The cores Spark gave this task (``spark.task.cpus``, default 1)."""
    try:
        from pyspark import TaskContext

        context = TaskContext.get()
        if context is not None:
            return max(1, int(context.cpus()))
    except Exception:  # an older Spark without TaskContext.cpus()
        pass
    return 1


def _labeler(
    key: str,
    origin: str,
    data: Optional[bytes],
    text_col: str,
    keep: List[str],
    columns: List[Tuple[str, str]],
    prefix: str,
    options: Dict[str, Any],
    threads: Optional[int],
) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The function each task runs on its Arrow batches (pandas frames)."""

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        model = _model_for(key, origin, data)
        n_threads = threads or _task_threads()
        for frame in batches:
            texts = frame[text_col].to_numpy(dtype=object, na_value=None).tolist()
            labeled = model.label_columns(texts, threads=n_threads, **options)
            out = frame[keep].copy() if keep else frame.iloc[:, :0].copy()
            for name, _ in columns:
                out[prefix + name] = labeled.get(name, [None] * len(texts))
            yield out

    return run


def label(
    df: Any,
    text_col: str = "text",
    model: Union[None, str, "os.PathLike[str]", bytes, Model] = None,
    id_col: Optional[str] = None,
    *,
    format: str = "auto",
    explain: int = 0,
    evidence: int = 0,
    min_confidence: Union[None, float, str] = None,
    prefix: str = "",
    threads: Optional[int] = None,
) -> Any:
    """Labels the texts in ``df[text_col]`` with classify and returns a new
    DataFrame (lazily, like any Spark transformation).

    Adds, per head of the model, the label and its probability (``topic``,
    ``topic_probability``, ``stance``, ``stance_probability`` with the
    built-in model), and ``error``: None, or why a row's text could not be
    labeled (null, empty, no text left after removing markup); such a row
    keeps null labels and the others are labeled; and ``reason``: None, or
    why the labels are ``unknown`` (a text in another language, or with too
    few words the model knows). Labels and probabilities
    are those of ``classify label`` for the same text.

    - ``model``: None for the built-in model, a model file path (read on
      the driver), model bytes, or a :class:`classify_news.Model`.
    - ``id_col``: keep only this column besides the labels (the text and
      other columns are dropped); default: keep every column.
    - ``format``, ``explain``, ``evidence``, ``min_confidence``: as for
      :meth:`classify_news.Model.label` (they add ``HEAD_explain``,
      ``HEAD_evidence`` and ``HEAD_uncertain`` columns).
    - ``prefix``: prepended to every added column's name, for a DataFrame
      that already has a ``topic`` column (gold labels, say).
    - ``threads``: threads per task (default: ``spark.task.cpus``).

    Row order is kept within each partition, and partitions keep their
    order, as for any narrow transformation.
    """
    if text_col not in df.columns:
        raise ClassifyValueError(
            f"no column {text_col!r} in the DataFrame (columns: {', '.join(df.columns)})"
        )
    if id_col is not None and id_col not in df.columns:
        raise ClassifyValueError(
            f"no column {id_col!r} in the DataFrame (columns: {', '.join(df.columns)})"
        )
    resolved, key, origin, data = _ship(model)
    options = {
        "format": format,
        "explain": explain,
        "evidence": evidence,
        "min_confidence": min_confidence,
    }
    # Checks the options on the driver, before any task starts.
    resolved.label([], **options)
    keep = [id_col] if id_col is not None else list(df.columns)
    columns = output_columns(
        resolved, explain=explain, evidence=evidence, min_confidence=min_confidence
    )
    clash = [prefix + name for name, _ in columns if prefix + name in keep]
    if clash:
        raise ClassifyValueError(
            f"the DataFrame already has column(s) {', '.join(clash)}: "
            "pass prefix='pred_' (or drop or rename them)"
        )
    from pyspark.sql.types import StructField, StructType

    schema = StructType(
        [df.schema[c] for c in keep]
        + [StructField(prefix + name, _spark_type(kind)) for name, kind in columns]
    )
    run = _labeler(key, origin, data, text_col, keep, columns, prefix, options, threads)
    return df.mapInPandas(run, schema)
