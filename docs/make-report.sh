#!/usr/bin/env bash
# Regenerates the sample evaluation report, docs/report.html, and its
# screenshot, docs/report.png, from docs/eval-sample.jsonl with the model
# built into the binary (models/default.model). Rerun it whenever that
# model or the report's layout changes.
#
# SOURCE_DATE_EPOCH fixes the report date, so the HTML is byte-identical
# from run to run. MODEL=path evaluates another model file instead of the
# built-in one. The screenshot needs Chromium (apt-get install chromium);
# without it only the HTML is written.
set -euo pipefail
cd "$(dirname "$0")/.."

export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-1767225600}" # 2026-01-01

model_args=()
if [[ -n "${MODEL:-}" ]]; then
  model_args=(--model "$MODEL")
fi
cargo run --release --quiet -- eval docs/eval-sample.jsonl ${model_args[@]+"${model_args[@]}"} --format html --out docs/report.html
echo "wrote docs/report.html"

browser=""
for candidate in chromium chromium-browser /usr/bin/chromium; do
  if command -v "$candidate" >/dev/null 2>&1; then
    browser="$(command -v "$candidate")"
    break
  fi
done
if [[ -z "$browser" ]]; then
  echo "make-report: chromium not installed; docs/report.png not updated" >&2
  exit 0
fi

profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
timeout 60 "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
  --screenshot="$PWD/docs/report.png" --window-size=1200,2000 "file://$PWD/docs/report.html" \
  >/dev/null 2>&1
test -s docs/report.png
echo "wrote docs/report.png"
