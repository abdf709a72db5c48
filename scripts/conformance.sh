#!/usr/bin/env bash
# Runs every conformance check of the repository and exits non-zero when one
# fails. Called by `npm run conformance` (after a build) and by .ci/run (after
# `npm ci` and `apt-get install gpsd-clients`).
#
#   scripts/conformance.sh [--json]
#
# Environment: TALLY_AIS_DATA  directory of AIS samples (default ../shared/data/ais)
#              GPSDECODE       gpsdecode binary (default: gpsdecode on PATH)
#              TALLY_TLOG_DATA directory of tlog vectors (default ../shared/data/tlog)
#              TALLY_IMAGERY_DATA  directory of imagery samples (default ../shared/data/imagery)
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2

ais_data="${TALLY_AIS_DATA:-../shared/data/ais}"
gpsdecode="${GPSDECODE:-gpsdecode}"
extra=("$@")

if [ ! -f dist/scripts/conformance/ais-gpsd.js ] || [ ! -f dist/src/cli/main.js ]; then
  echo "conformance: building (npm run build)" >&2
  npm run build >&2 || exit 2
fi

failed=()

run_check() {
  local name=$1
  shift
  echo "conformance: $name" >&2
  "$@"
  local rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "conformance: $name: PASS" >&2
  else
    echo "conformance: $name: FAIL (exit $rc)" >&2
    failed+=("$name")
  fi
}

# --- AIS decoder against gpsd's gpsdecode and the samples' expected outputs ---
if ! command -v "$gpsdecode" >/dev/null 2>&1; then
  echo "conformance: ais-gpsd: $gpsdecode not found (apt-get install gpsd-clients)" >&2
  failed+=("ais-gpsd")
elif [ ! -d "$ais_data" ]; then
  echo "conformance: ais-gpsd: no sample directory $ais_data (set TALLY_AIS_DATA)" >&2
  failed+=("ais-gpsd")
else
  run_check ais-gpsd node dist/scripts/conformance/ais-gpsd.js "$ais_data" --gpsdecode "$gpsdecode" "${extra[@]}"
fi

# --- imagery: metadata and pixels against Debian GDAL (gdalinfo -json, gdal_translate) ---
imagery_data="${TALLY_IMAGERY_DATA:-../shared/data/imagery}"
if ! command -v gdalinfo >/dev/null 2>&1; then
  echo "conformance: imagery-gdalinfo: gdalinfo not found (apt-get install gdal-bin)" >&2
  failed+=("imagery-gdalinfo")
elif [ ! -d "$imagery_data" ]; then
  echo "conformance: imagery-gdalinfo: no sample directory $imagery_data (set TALLY_IMAGERY_DATA)" >&2
  failed+=("imagery-gdalinfo")
else
  run_check imagery-gdalinfo node dist/scripts/conformance/imagery-gdalinfo.js "$imagery_data" "${extra[@]}"
fi

# --- Imagery degrade against gdal_translate / gdalwarp (Debian gdal-bin) ---
if ! command -v gdal_translate >/dev/null 2>&1 || ! command -v gdalwarp >/dev/null 2>&1; then
  echo "conformance: imagery-degrade: gdal_translate / gdalwarp not found (apt-get install gdal-bin)" >&2
  failed+=("imagery-degrade")
else
  run_check imagery-degrade node dist/scripts/conformance/imagery-degrade.js "$imagery_data" "${extra[@]}"
fi

# --- later checks go here, each through run_check ---
run_check tlog-merkle node dist/scripts/conformance/tlog-merkle.js "${TALLY_TLOG_DATA:-../shared/data/tlog}"
run_check tlog-notes node dist/scripts/conformance/tlog-notes.js "${TALLY_TLOG_DATA:-../shared/data/tlog}"

if [ "${#failed[@]}" -gt 0 ]; then
  echo "conformance: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "conformance: all checks passed" >&2
exit 0
