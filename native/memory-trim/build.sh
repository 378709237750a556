#!/usr/bin/env bash
# Builds the memory-trim addon (build/Release/memory_trim.node: madvise, malloc_trim) with npm's bundled node-gyp,
# offline, against the headers of the running Node (e.g. /usr/include/node for Debian's nodejs).
# Run by `npm run build` (via `npm run build:native`). Skips on non-Linux, where the loader reports
# WEFT_RUNTIME_UNAVAILABLE. Rebuilds only when the sources are newer than the built addon.
set -euo pipefail
cd "$(dirname "$0")"
if [ "$(uname -s)" != "Linux" ]; then
  echo "build:native: skipped (memory-trim is Linux-only)" >&2
  exit 0
fi
out=build/Release/memory_trim.node
if [ -f "$out" ] && [ "$out" -nt src/memory_trim.c ] && [ "$out" -nt binding.gyp ]; then exit 0; fi
# The Node headers: those of the running node (prefix/include/node), unless npm_config_nodedir says
# otherwise. A plain node-gyp without --nodedir would try to download them (no network in CI).
nodedir="${npm_config_nodedir:-$(dirname "$(dirname "$(command -v node)")")}"
if [ ! -f "$nodedir/include/node/node_api.h" ]; then
  echo "build:native: Node headers not found in $nodedir/include/node (set npm_config_nodedir)" >&2
  exit 1
fi
# npm sets npm_config_node_gyp to its bundled node-gyp when it runs a script.
gyp="${npm_config_node_gyp:-}"
if [ -z "$gyp" ]; then
  gyp="$(dirname "$(dirname "$(command -v npm)")")/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"
fi
node "$gyp" rebuild --nodedir="$nodedir" --loglevel=warn >&2
echo "build:native: built native/memory-trim/$out" >&2
