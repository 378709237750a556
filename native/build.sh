#!/usr/bin/env bash
# Builds Weft's N-API addons, one per folder of native/ (each with a binding.gyp naming one target,
# sources in src/): original-dst (SO_ORIGINAL_DST) and memory-trim (madvise, malloc_trim). npm's
# bundled node-gyp, offline, against the headers of the running Node (e.g. /usr/include/node for
# Debian's nodejs). Run by `npm run build` (via `npm run build:native`). Skips on non-Linux, where
# the loaders report WEFT_RUNTIME_UNAVAILABLE. Rebuilds an addon only when its sources are newer
# than the built file.
set -euo pipefail
cd "$(dirname "$0")"
if [ "$(uname -s)" != "Linux" ]; then
  echo "build:native: skipped (the addons are Linux-only)" >&2
  exit 0
fi
# The Node headers: those of the running node (prefix/include/node), unless npm_config_nodedir says
# otherwise. A plain node-gyp without --nodedir would try to download them (no network in CI).
nodedir="${npm_config_nodedir:-$(dirname "$(dirname "$(command -v node)")")}"
# npm sets npm_config_node_gyp to its bundled node-gyp when it runs a script.
gyp="${npm_config_node_gyp:-}"
if [ -z "$gyp" ]; then
  gyp="$(dirname "$(dirname "$(command -v npm)")")/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"
fi
for dir in */; do
  dir="${dir%/}"
  [ -f "$dir/binding.gyp" ] || continue
  target="$(sed -n 's/.*"target_name": *"\([^"]*\)".*/\1/p' "$dir/binding.gyp" | head -n 1)"
  out="$dir/build/Release/$target.node"
  if [ -f "$out" ] && [ -z "$(find "$dir/src" "$dir/binding.gyp" -newer "$out" -print -quit)" ]; then continue; fi
  if [ ! -f "$nodedir/include/node/node_api.h" ]; then
    echo "build:native: Node headers not found in $nodedir/include/node (set npm_config_nodedir)" >&2
    exit 1
  fi
  (cd "$dir" && node "$gyp" rebuild --nodedir="$nodedir" --loglevel=warn >&2)
  echo "build:native: built native/$out" >&2
done
