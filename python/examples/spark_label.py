"""Label news articles at cluster scale: INPUT (JSON Lines or Parquet) ->
OUTPUT (Parquet) with topic, topic_probability, stance, stance_probability
and error columns, by classify_news.spark.label.

    spark-submit python/examples/spark_label.py news.jsonl labeled.parquet
    spark-submit --master yarn ... spark_label.py s3://bucket/crawl/ s3://bucket/labeled/ \\
        --model s3-or-local.model --id-col url

Every executor needs classify-news installed (see the README: the wheel on
every node, or a packed virtual environment with --archives). Runs with
plain `python spark_label.py ...` too (local mode unless --master).
"""

from __future__ import annotations

import argparse
import sys
import time


def label_file(session, source, target, *, model=None, text_col="text", id_col=None,
               prefix="", input_format=None, overwrite=False):
    """Labels SOURCE into the Parquet folder TARGET; returns (rows, rows that
    could not be labeled, seconds)."""
    from classify_news import spark as classify_spark

    fmt = input_format or ("parquet" if "parquet" in str(source).lower() else "json")
    reader = session.read
    df = reader.parquet(str(source)) if fmt == "parquet" else reader.json(str(source))
    labeled = classify_spark.label(df, text_col=text_col, model=model, id_col=id_col, prefix=prefix)
    start = time.perf_counter()
    labeled.write.mode("overwrite" if overwrite else "errorifexists").parquet(str(target))
    seconds = time.perf_counter() - start
    written = session.read.parquet(str(target))
    failed = written.filter(written[prefix + "error"].isNotNull()).count()
    return written.count(), failed, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", help="JSON Lines (.jsonl/.json/.ndjson, file or folder) or Parquet")
    parser.add_argument("output", help="Parquet folder to write")
    parser.add_argument("--model", help="model file (default: the built-in model)")
    parser.add_argument("--text-col", default="text", help="column with the article text (default: text)")
    parser.add_argument("--id-col", help="keep only this column besides the labels")
    parser.add_argument("--prefix", default="", help="prefix of the added columns")
    parser.add_argument("--input-format", choices=["json", "parquet"], help="default: from the name")
    parser.add_argument("--master", help="Spark master when not run by spark-submit, e.g. local[2]")
    parser.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    args = parser.parse_args()

    from pyspark.sql import SparkSession

    import classify_news

    builder = SparkSession.builder.appName("classify-news label")
    if args.master:
        builder = builder.master(args.master)
    session = builder.getOrCreate()
    try:
        rows, failed, seconds = label_file(
            session, args.input, args.output, model=args.model, text_col=args.text_col,
            id_col=args.id_col, prefix=args.prefix, input_format=args.input_format,
            overwrite=args.overwrite,
        )
    except classify_news.ClassifyError as e:
        print(f"spark_label: {e}", file=sys.stderr)
        return 2
    finally:
        session.stop()
    print(f"labeled {rows} rows in {seconds:.1f} s ({failed} could not be labeled) -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
