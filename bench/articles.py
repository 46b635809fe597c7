"""Reads training-data/ articles as the benchmarks' Python side needs them:
front matter labels, title prepended to the body (as classify does)."""
from pathlib import Path

HEADS = ("topic", "stance")


def read_articles(folder):
    """(text, labels) of every article: front matter labels, title + body."""
    out = []
    for path in sorted(Path(folder).rglob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        raw = path.read_text(encoding="utf-8")
        fields, body = {}, raw
        if raw.startswith("---\n"):
            end = raw.find("\n---", 4)
            if end != -1:
                for line in raw[4:end].splitlines():
                    if ":" in line:
                        k, v = line.split(":", 1)
                        fields[k.strip().lower()] = v.strip().strip("\"'")
                body = raw[end + 4:].lstrip("\n")
        text = (fields.get("title", "") + "\n\n" + body).strip()
        labels = {h: fields[h] for h in HEADS if fields.get(h)}
        out.append((text, labels))
    return out
