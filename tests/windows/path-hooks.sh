#!/usr/bin/env bash
# The installers' PATH entry (issue: the CLI on the PATH on Windows). Compiles installers/windows/
# path-hooks.nsh into a small installer with Debian's makensis, runs it under Wine (silent install,
# reinstall, uninstall) and reads the user's PATH from Wine's registry after each step; checks that the
# WiX fragment for the MSI is well-formed XML with the component tauri.conf.json references.
#   tests/windows/path-hooks.sh WINE WINEPREFIX
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
wine=$1
export WINEPREFIX=$2 WINEDEBUG=-all
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "path hooks: $*" >&2; exit 1; }

makensis -V2 -DHOOKS="$root/installers/windows/path-hooks.nsh" -DOUT="$work/mpos-path-test.exe" \
  "$root/tests/windows/path-hooks.nsi" >"$work/makensis.log" 2>&1 || { cat "$work/makensis.log" >&2; fail "makensis failed"; }
grep -qi "warning" "$work/makensis.log" && { cat "$work/makensis.log" >&2; fail "makensis warned"; }

user_path() {  # the user's PATH value as stored (REG_EXPAND_SZ), or "<none>"
  local out
  out=$("$wine" reg query 'HKCU\Environment' /v Path 2>/dev/null | tr -d '\r' || true)
  sed -n 's/^ *Path *REG_[A-Z_]* *//p' <<<"$out" | grep . || echo "<none>"
}
set_path() { "$wine" reg add 'HKCU\Environment' /v Path /t REG_EXPAND_SZ /d "$1" /f >/dev/null 2>&1; }
local_appdata=$("$wine" cmd /c 'echo %LOCALAPPDATA%' | tr -d '\r')
instdir="$local_appdata\\mPOS Key Generator"
install() { "$wine" "$work/mpos-path-test.exe" /S; }
uninstall() { "$wine" "$instdir\\uninstall.exe" /S "_?=$instdir"; }

echo "== path hooks: a PATH with other entries"
set_path 'C:\Tools;%USERPROFILE%\bin'
install
[ "$(user_path)" = "C:\\Tools;%USERPROFILE%\\bin;$instdir" ] || fail "after install: $(user_path)"
install   # a reinstall or an update: the entry is not added twice
[ "$(user_path)" = "C:\\Tools;%USERPROFILE%\\bin;$instdir" ] || fail "after reinstall: $(user_path)"
uninstall
[ "$(user_path)" = 'C:\Tools;%USERPROFILE%\bin' ] || fail "after uninstall: $(user_path)"

echo "== path hooks: no user PATH yet"
"$wine" reg delete 'HKCU\Environment' /v Path /f >/dev/null 2>&1 || true
install
[ "$(user_path)" = "$instdir" ] || fail "after install: $(user_path)"
uninstall
[ "$(user_path)" = "<none>" ] || fail "after uninstall: $(user_path)"

echo "== path hooks: a PATH too long to change safely is left alone"
long="C:\\$(printf 'x%.0s' $(seq 1100))"
set_path "$long"
install
[ "$(user_path)" = "$long" ] || fail "a long PATH was changed"
uninstall

echo "== path hooks: the MSI fragment"
python3 - "$root/installers/windows/path.wxs" "$root/tauri.conf.json" <<'PY'
import json, sys, xml.etree.ElementTree as ET
ns = {"w": "http://schemas.microsoft.com/wix/2006/wi"}
tree = ET.parse(sys.argv[1])
component = tree.find(".//w:DirectoryRef[@Id='INSTALLDIR']/w:Component", ns)
env = component.find("w:Environment", ns)
assert env.get("Name") == "PATH" and env.get("Value") == "[INSTALLDIR]", env.attrib
assert env.get("Part") == "last" and env.get("Permanent") == "no" and env.get("System") == "yes", env.attrib
wix = json.load(open(sys.argv[2]))["bundle"]["windows"]["wix"]
assert component.get("Id") in wix["componentRefs"], wix
assert "installers/windows/path.wxs" in wix["fragmentPaths"], wix
PY
echo "== path hooks: passed"
