#!/usr/bin/env bash
# Installs what Weft needs and runs the demo mesh (`weft demo`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
npm ci --no-audit --no-fund --loglevel=error
npm run build
exec node bin/weft.js demo "$@"
