"""The labeling service a data team would write without classify: FastAPI
(served by uvicorn) around scikit-learn TF-IDF + LinearSVC, one pipeline per
label field, trained on the same articles as classify's shipped model
(training-data/). The baseline of bench/serve.py.

    python bench/fastapi_app.py train MODEL.joblib     # fit on training-data/
    FASTAPI_MODEL=MODEL.joblib uvicorn fastapi_app:app --app-dir bench --workers 2

POST /v1/label takes {"id", "text"} or {"documents": [...]} and answers with
the fields classify answers with (label and probability per head), so the
benchmark sends both services the same bytes. Probabilities are a softmax of
LinearSVC's decision values (LinearSVC has no predict_proba; a calibrated
wrapper would only make the baseline slower). Requests are handled by a
plain `def` endpoint, as FastAPI's documentation suggests for blocking
work: it runs in the thread pool, and each uvicorn worker is one process.
"""
import os
import sys
from pathlib import Path
from typing import List, Optional, Union

sys.path.insert(0, str(Path(__file__).resolve().parent))
from articles import HEADS, read_articles  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def train(out_path):
    import joblib
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    articles = read_articles(ROOT / "training-data")
    models = {}
    for head in HEADS:
        rows = [(t, l[head]) for t, l in articles if head in l]
        pipe = make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
            LinearSVC(),
        )
        pipe.fit([t for t, _ in rows], [y for _, y in rows])
        models[head] = pipe
        print(f"{head}: {len(rows)} documents, classes {list(pipe.classes_)}", file=sys.stderr)
    joblib.dump(models, out_path)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "train":
        train(sys.argv[2])
        sys.exit(0)
    sys.exit(__doc__)

import joblib  # noqa: E402
import numpy as np  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from pydantic import BaseModel  # noqa: E402

MODELS = joblib.load(os.environ["FASTAPI_MODEL"])
app = FastAPI()


class Document(BaseModel):
    id: Optional[Union[str, int]] = None
    text: str


class Batch(BaseModel):
    documents: List[Document]


def label(texts):
    results = [dict() for _ in texts]
    for head, pipe in MODELS.items():
        scores = pipe.decision_function(texts)
        if scores.ndim == 1:
            scores = np.stack([-scores, scores], axis=1)
        exp = np.exp(scores - scores.max(axis=1, keepdims=True))
        probs = exp / exp.sum(axis=1, keepdims=True)
        best = probs.argmax(axis=1)
        for i, (b, p) in enumerate(zip(best, probs)):
            results[i][head] = {"label": str(pipe.classes_[b]), "probability": round(float(p[b]), 3)}
    return results


def with_id(doc, result):
    return {"id": str(doc.id), **result} if doc.id is not None else result


@app.post("/v1/label")
def label_endpoint(body: Union[Batch, Document]):
    if isinstance(body, Batch):
        return [with_id(d, r) for d, r in zip(body.documents, label([d.text for d in body.documents]))]
    return with_id(body, label([body.text])[0])


@app.get("/healthz")
def healthz():
    return {"status": "ok"}
