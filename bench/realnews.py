#!/usr/bin/env python3
"""Build the real-news check sets of the shipped model from ../shared/datasets.

usage: bench/realnews.py DATASETS OUTDIR

Writes OUTDIR/allsides-topic.jsonl (all AllSides splits, topics mapped to
classify's four), OUTDIR/bbc-topic.jsonl (BBC test, politics vs other) and
OUTDIR/stance-dev.jsonl (the 143 stance-labeled AllSides articles). The
texts stay outside the repository; run `classify eval` on the outputs.
"""
import json
import os
import sys

ALLSIDES = {
    "immigration": "immigration",
    "education": "education",
    **{t: "politics" for t in ["elections", "politics", "white_house", "us_senate", "us_house", "us_congress"]},
    **{t: "other" for t in ["sports", "technology", "business", "science", "arts_and_entertainment", "disaster",
                            "holidays", "food", "energy", "agriculture", "transportation"]},
}
BBC = {"politics": "politics", "business": "other", "sport": "other", "tech": "other", "entertainment": "other"}


def main(datasets, outdir):
    os.makedirs(outdir, exist_ok=True)
    n = 0
    with open(os.path.join(outdir, "allsides-topic.jsonl"), "w", encoding="utf-8") as out:
        for split in ["train", "valid", "test"]:
            with open(os.path.join(datasets, "allsides", f"{split}.jsonl"), encoding="utf-8") as f:
                for line in f:
                    r = json.loads(line)
                    topic = ALLSIDES.get(r.get("topic"))
                    if topic:
                        out.write(json.dumps({"id": r["id"], "text": r["text"], "topic": topic}) + "\n")
                        n += 1
    print(f"allsides-topic.jsonl: {n} articles")
    n = 0
    with open(os.path.join(outdir, "bbc-topic.jsonl"), "w", encoding="utf-8") as out:
        with open(os.path.join(datasets, "bbc", "test.jsonl"), encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                out.write(json.dumps({"id": r["id"], "text": r["text"], "topic": BBC[r["label"]]}) + "\n")
                n += 1
    print(f"bbc-topic.jsonl: {n} articles")
    n = 0
    with open(os.path.join(outdir, "stance-dev.jsonl"), "w", encoding="utf-8") as out:
        with open(os.path.join(datasets, "allsides_stance_dev.jsonl"), encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                out.write(json.dumps({"id": r["id"], "text": r["text"], "stance": r["stance"]}) + "\n")
                n += 1
    print(f"stance-dev.jsonl: {n} articles")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
