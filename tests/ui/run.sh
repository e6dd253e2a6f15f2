#!/usr/bin/env bash
# Checks the UI against the mock backend in headless Chromium, then takes screenshots (light and dark)
# of the main states at 800×600. Usage: tests/ui/run.sh [OUTDIR]   (default /tmp/mpos-ui-shots)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-/tmp/mpos-ui-shots}
mkdir -p "$out"
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "needs chromium (apt-get install -y chromium)" >&2; exit 2; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$root" >/dev/null 2>&1 &
server=$!
profile_dir=$(mktemp -d)
trap 'kill "$server" 2>/dev/null; rm -rf "$profile_dir"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done

chrome() {
  "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile_dir" --window-size=800,600 --virtual-time-budget=8000 "$@" 2>/dev/null
}
base="http://127.0.0.1:$port/tests/ui/index.html"

echo "== the first screen's modules are preloaded (ui/index.html), no more and no fewer"
python3 - "$root/ui" <<'PY'
import re, sys
from pathlib import Path
ui = Path(sys.argv[1])
static_import = re.compile(r"^import[^;]*?from '\./([a-z-]+\.js)';", re.M | re.S)
seen, todo = set(), ["app.js"]
while todo:
    name = todo.pop()
    if name not in seen:
        seen.add(name)
        todo += static_import.findall((ui / "js" / name).read_text())
preloaded = set(re.findall(r'<link rel="modulepreload" href="js/([a-z-]+\.js)">', (ui / "index.html").read_text()))
missing, extra = sorted(seen - {"app.js"} - preloaded), sorted(preloaded - seen)
if missing or extra:
    sys.exit(f"ui/index.html: add modulepreload links for {missing}, remove those for {extra}")
print(f"ok {len(preloaded)} modules preloaded")
PY

echo "== behaviour checks"
result=$(chrome --dump-dom "$base?scene=check&delay=100" | python3 -c '
import sys, re, html
m = re.search(r"<pre id=\"results\">(.*?)</pre>", sys.stdin.read(), re.S)
print(html.unescape(m.group(1)) if m else "FAIL no results (script error?)")')
echo "$result"
passed=$(grep -c '^ok ' <<<"$result" || true)
failed=$(grep -c '^FAIL' <<<"$result" || true)
echo "ui: $passed passed, $failed failed"

echo "== screenshots in $out"
shots=(
  "welcome state=empty"
  "main state=demo"
  "result state=demo&scene=result"
  "reveal state=demo&scene=reveal"
  "unstored state=demo&scene=result&nokeychain=1"
  "combo state=demo&scene=combo"
  "error state=demo&scene=error"
  "batch state=demo&scene=batch"
  "codes state=demo&scene=codes"
  "settings state=two&scene=settings-profile"
  "settings-demo state=demo&scene=settings"
  "settings-new state=empty&scene=settings-new"
  "settings-cert state=cert&scene=settings-cert"
  "settings-cert-new state=demo&scene=settings-cert-new"
  "settings-general state=demo&scene=settings-general"
  "import state=two&scene=import"
  "history state=two&scene=history"
  "dialog state=demo&scene=dialog"
)
for shot in "${shots[@]}"; do
  name=${shot%% *}; query=${shot#* }
  for theme in light dark; do
    chrome --screenshot="$out/$name-$theme.png" "$base?$query&theme=$theme" >/dev/null
  done
done
ls "$out"
case "$result" in PASS*) exit 0 ;; *) exit 1 ;; esac
