#!/usr/bin/env bash
# The project's test command (README.md): everything CI runs.
#   1. cargo test --release: unit, integration, doc and README tests.
# Tools a test needs and cannot find make it skip with a message, unless
# CI is set (.ci/run sets it), where they make it fail.
set -euo pipefail
cd "$(dirname "$0")"

cargo test --release
