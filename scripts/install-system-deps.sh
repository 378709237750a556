#!/usr/bin/env bash
# Installs the Debian packages that the tests, benchmarks and the demo use. Idempotent: does nothing
# when they are all present. Needs root (CI runs as root).
set -euo pipefail
packages=(
  redis-server          # Redis over TCP through the mesh; the reference scenario
  haproxy nginx-light   # peers in the proxy benchmark; nginx is the benchmark's upstream
  prometheus            # promtool checks the metrics format
  nghttp2-client        # h2load: HTTP/2 load and checks
  wrk                   # throughput benchmark
  curl openssl          # clients in tests
  iproute2 iptables     # universal mode: network namespaces and capture
  g++ make python3      # node-gyp builds the SO_ORIGINAL_DST addon (native/original-dst)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-system-deps: need root to install: ${missing[*]}" >&2
  exit 1
fi
echo "install-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The packages' own services are not wanted: tests start their own instances on loopback.
for svc in redis-server haproxy nginx prometheus; do
  if command -v service >/dev/null 2>&1; then service "$svc" stop >/dev/null 2>&1 || true; fi
done
