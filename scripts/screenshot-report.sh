#!/usr/bin/env bash
# Screenshots the demo's HTML report (its top: verdict, charts, the trace waterfall) with headless
# Chromium, to look at it as a reader would. Not part of npm test.
#
#   npm run report:screenshot -- [report.html] [out.png]
#
# Defaults: reports/demo-report.html (what npm start writes) and the same name with .png.
# Needs chromium or google-chrome on PATH (Debian: apt-get install chromium).
set -euo pipefail
report=${1:-reports/demo-report.html}
out=${2:-${report%.html}.png}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "no chromium or google-chrome on PATH (Debian: apt-get install chromium)" >&2
  exit 2
fi
if [ ! -f "$report" ]; then
  echo "no report at $report: run npm start first" >&2
  exit 2
fi
# --no-sandbox: Chromium refuses to run as root without it (containers, CI).
log=$("$browser" --headless --no-sandbox --hide-scrollbars --window-size=1400,2400 \
  --screenshot="$(realpath -m "$out")" "file://$(realpath "$report")" 2>&1) || {
  echo "$log" >&2
  exit 1
}
echo "screenshot: $out"
