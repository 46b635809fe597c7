"""Type stubs of classify_news (the public API; see __init__.py for docs)."""

import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union, overload

from . import spark as spark
from ._errors import (
    ClassifyError as ClassifyError,
    ClassifyOSError as ClassifyOSError,
    ClassifyValueError as ClassifyValueError,
    ClassifyWarning as ClassifyWarning,
)

__version__: str
BUILTIN_NAME: str

Text = Union[str, bytes]
PathLike = Union[str, "os.PathLike[str]"]
#: One labeled text: per head ``HEAD`` (label, str or None) and
#: ``HEAD_probability`` (float or None), ``HEAD_uncertain`` (bool) with
#: min_confidence, ``HEAD_explain`` (list of {"term": str, "feature": str,
#: "weight": float}) with explain, ``HEAD_evidence`` (list of {"sentence": str,
#: "weight": float}) with evidence, ``reason`` (None or why the labels are
#: ``unknown``) and ``error`` (None or why the text could not be labeled).
Result = Dict[str, Any]
Records = Union[PathLike, Iterable[Mapping[str, Any]], Any]

class Model:
    def __init__(self, _model: Any) -> None: ...
    @classmethod
    def builtin(cls) -> Model: ...
    @classmethod
    def load(cls, path: PathLike) -> Model: ...
    @classmethod
    def from_bytes(cls, data: bytes, origin: str = ...) -> Model: ...
    def to_bytes(self) -> bytes: ...
    def save(self, path: PathLike, *, overwrite: bool = ...) -> None: ...
    @property
    def origin(self) -> str: ...
    @property
    def heads(self) -> List[str]: ...
    def classes(self, head: str) -> List[str]: ...
    def info(self, top: int = ...) -> Dict[str, Any]: ...
    @overload
    def label(
        self,
        texts: Text,
        *,
        format: str = ...,
        explain: int = ...,
        evidence: int = ...,
        min_confidence: Union[None, float, str] = ...,
        threads: Optional[int] = ...,
    ) -> Result: ...
    @overload
    def label(
        self,
        texts: Iterable[Optional[Text]],
        *,
        format: str = ...,
        explain: int = ...,
        evidence: int = ...,
        min_confidence: Union[None, float, str] = ...,
        threads: Optional[int] = ...,
    ) -> List[Result]: ...
    def label_columns(
        self,
        texts: Iterable[Optional[Text]],
        *,
        format: str = ...,
        explain: int = ...,
        evidence: int = ...,
        min_confidence: Union[None, float, str] = ...,
        threads: Optional[int] = ...,
    ) -> Dict[str, List[Any]]: ...
    def label_pandas(
        self,
        series: Any,
        *,
        format: str = ...,
        explain: int = ...,
        evidence: int = ...,
        min_confidence: Union[None, float, str] = ...,
        threads: Optional[int] = ...,
    ) -> Any: ...
    def label_arrow(
        self,
        array: Any,
        *,
        format: str = ...,
        explain: int = ...,
        evidence: int = ...,
        min_confidence: Union[None, float, str] = ...,
        threads: Optional[int] = ...,
    ) -> Any: ...

def train(
    records: Records,
    *,
    labels: Optional[Union[str, Sequence[str]]] = ...,
    data: Optional[str] = ...,
    algorithm: str = ...,
    c: float = ...,
    class_weight: str = ...,
    ngram_max: int = ...,
    min_df: int = ...,
    max_df: float = ...,
    max_features: Optional[int] = ...,
    lede_terms: int = ...,
    nb_scale: bool = ...,
    alpha: float = ...,
    stop_words: str = ...,
    stem: bool = ...,
    seed: int = ...,
    cv: Optional[int] = ...,
    text_field: str = ...,
    folder_label: Optional[str] = ...,
    max_bytes: int = ...,
    follow: bool = ...,
) -> Model: ...
def evaluate(
    model: Model,
    records: Records,
    *,
    labels: Optional[Union[str, Sequence[str]]] = ...,
    data: Optional[str] = ...,
    text_field: str = ...,
    folder_label: Optional[str] = ...,
    max_bytes: int = ...,
    follow: bool = ...,
) -> Dict[str, Any]: ...
