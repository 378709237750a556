#!/usr/bin/env bash
# The one command that runs every test from a fresh Debian checkout: system packages, npm packages,
# build (type-check), lint, then the test suite. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
npm ci --no-audit --no-fund --loglevel=error
npm run build
npm run lint
npm test
