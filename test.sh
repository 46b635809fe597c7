#!/usr/bin/env bash
# The project's test command (README.md): everything CI runs.
#   1. cargo test --release: unit, integration, doc and README tests.
#   2. The Python package (python/): a virtual environment in target/venv
#      (made once, then reused; its packages are reinstalled when
#      python/requirements-test.txt changes) gets maturin, pytest, pyspark,
#      pandas and pyarrow; maturin builds the classify-news wheel, which is
#      installed into it; then pytest python/tests, whose results are
#      compared with the classify binary built by step 1. The Spark tests
#      need Java 17 or newer.
# Tools a test needs and cannot find make it skip with a message, unless
# CI is set (.ci/run sets it), where they make it fail.
set -euo pipefail
cd "$(dirname "$0")"

cargo test --release
cargo build --release --bin classify

python=${PYTHON:-python3}
venv=target/venv
if ! "$python" -m venv --help >/dev/null 2>&1; then
  if [[ -n "${CI:-}" ]]; then
    echo "test.sh: $python with the venv module is needed for the Python tests" >&2
    exit 1
  fi
  echo "test.sh: no $python with the venv module: Python tests skipped" >&2
  exit 0
fi
if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv"
fi
stamp="$venv/.requirements-test.sha256"
want=$(sha256sum python/requirements-test.txt | cut -d' ' -f1)
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r python/requirements-test.txt
  echo "$want" > "$stamp"
fi
rm -rf target/wheels
"$venv/bin/maturin" build --release --quiet -m python/Cargo.toml -i "$venv/bin/python" -o target/wheels
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps target/wheels/classify_news-*.whl
CLASSIFY_BIN="$PWD/target/release/classify" "$venv/bin/python" -m pytest python/tests -q -p no:cacheprovider
