"""Type stubs of the native module (Rust, PyO3). Private: use classify_news."""

from typing import Any, Dict, List, Optional, Tuple, Union

BUILTIN_NAME: str
VERSION: str

class Model:
    @staticmethod
    def builtin() -> Model: ...
    @staticmethod
    def load(path: str) -> Model: ...
    @staticmethod
    def from_bytes(data: bytes, origin: str = ...) -> Model: ...
    def to_bytes(self) -> bytes: ...
    def save(self, path: str, overwrite: bool) -> None: ...
    def info(self, top: int) -> Dict[str, Any]: ...
    @property
    def origin(self) -> str: ...
    @property
    def heads(self) -> List[str]: ...
    def classes(self, head: str) -> List[str]: ...
    def label_one(
        self,
        text: Any,
        format: str,
        explain: int,
        evidence: int,
        min_confidence: Union[None, float, str],
    ) -> Dict[str, Any]: ...
    def label_many(
        self,
        texts: Any,
        format: str,
        explain: int,
        evidence: int,
        min_confidence: Union[None, float, str],
        threads: Optional[int],
    ) -> List[Dict[str, Any]]: ...
    def label_columns(
        self,
        texts: Any,
        format: str,
        explain: int,
        evidence: int,
        min_confidence: Union[None, float, str],
        threads: Optional[int],
    ) -> Dict[str, List[Any]]: ...

def train(
    records: Any, options: Dict[str, Any], command: List[str], data: Optional[str]
) -> Tuple[Model, List[str]]: ...
def evaluate(
    model: Model, records: Any, options: Dict[str, Any], data: Optional[str]
) -> Tuple[str, List[str]]: ...
def train_defaults() -> Dict[str, Any]: ...
