#!/usr/bin/env bash
# The Windows CLI as a user uses it, under Wine (called by scripts/test-windows with a fresh prefix):
# the emulator, `profile add` with the secret on stdin, merchants (one typed, more from a CRLF CSV file in
# a folder with spaces), `generate --all --out C:\…\keys.json` and `--format csv`, `history`, and
# `profile remove`. Checks that the secrets sit in the Credential Manager (Wine keeps it in its registry),
# in no file under the user's profile but the exports, that both exports hold every merchant's key and
# agree with the history, and that `profile remove` clears the credential.
#   tests/windows/smoke.sh MPOS_KEYGEN_EXE WINE WINEPREFIX
set -euo pipefail
exe=$1 wine=$2
# UTF-8 arguments and output (the label below), whatever the machine's locale.
export WINEPREFIX=$3 WINEDEBUG=-all LC_ALL=C.UTF-8 PATH="$PATH:/usr/lib/wine"
work=$(mktemp -d)
emulator=""
finish() {
  [ -n "$emulator" ] && kill "$emulator" 2>/dev/null || true
  rm -rf "$work"
}
trap finish EXIT
fail() { echo "windows smoke: $*" >&2; exit 1; }
kg() { "$wine" "$exe" "$@"; }
creds() { "$wine" reg query 'HKCU\Software\Wine\Credential Manager' /s 2>/dev/null | tr -d '\r' || true; }

user=$("$wine" cmd /c 'echo %USERNAME%' | tr -d '\r')
profile_dir=$WINEPREFIX/drive_c/users/$user
[ -d "$profile_dir" ] || fail "no Wine user profile at $profile_dir"
# A folder with spaces, reached by a drive-letter path with backslashes, as people type it in cmd.exe. Not
# under Documents: Wine links that folder to the Unix user's home, outside this prefix.
exports="$profile_dir/mPOS exports"
mkdir -p "$exports"
win_dir="C:\\users\\$user\\mPOS exports"

echo "== windows smoke: emulator"
"$wine" "$exe" emulator >"$work/emulator.log" 2>&1 &
emulator=$!
for _ in $(seq 200); do grep -q '^Organization id:' "$work/emulator.log" && break; sleep 0.1; done
banner() { sed -n "s/^$1: //p" "$work/emulator.log" | tr -d '\r'; }
url=$(banner URL) key_id=$(banner "Key id") secret=$(banner "Shared secret") org=$(banner "Organization id")
[ -n "$url" ] && [ -n "$secret" ] || { cat "$work/emulator.log" >&2; fail "the emulator did not start"; }

echo "== windows smoke: profile add (secret on stdin), merchants"
printf '%s\n' "$secret" | kg profile add smoke --env "$url" --key-id "$key_id" --org "$org"
creds | grep -q "profile:smoke" || { creds >&2; fail "the REST secret is not in the Credential Manager"; }
kg merchant add win_store_001 --label "Café Zürich" --profile smoke
# A CSV saved by Excel or Notepad on Windows: CRLF line ends, a header, in the folder with spaces.
printf 'mid,label\r\nwin_store_002,Second store\r\nwin_store_003,Third store\r\n' \
  >"$exports/merchants.csv"
kg merchant import "$win_dir\\merchants.csv" --profile smoke
kg merchant list --profile smoke >"$work/merchants.txt"
for mid in win_store_001 win_store_002 win_store_003; do
  grep -q "$mid" "$work/merchants.txt" || { cat "$work/merchants.txt" >&2; fail "$mid is not listed"; }
done
grep -q "Café Zürich" "$work/merchants.txt" || fail "the label came back garbled: $(cat "$work/merchants.txt")"
grep -q $'\r' "$work/merchants.txt" && fail "a label kept the CSV's carriage return"

echo "== windows smoke: generate --all --out (JSON), then --format csv"
batches_before=$(creds | grep -c "keys:" || true)
kg generate --all --profile smoke --out "$win_dir\\keys.json"
kg generate --all --profile smoke --format csv --out "$win_dir\\keys.csv"
# Refuses to replace without --force, and replaces with it.
if kg generate win_store_001 --profile smoke --out "$win_dir\\keys.csv" 2>"$work/refused.txt"; then
  fail "an existing export was replaced without --force"
fi
grep -qi "force" "$work/refused.txt" || fail "the refusal does not say what to do: $(cat "$work/refused.txt")"
kg history --profile smoke --format json >"$work/history.json"
python3 - "$exports" "$work/history.json" "$work/secrets.txt" <<'PY'
import csv, json, sys
folder, history, secrets = sys.argv[1:]
doc = json.load(open(f"{folder}/keys.json", encoding="utf-8"))
keys = {k["cybersourceMerchantId"]: k for k in doc["keys"]}
assert sorted(keys) == ["win_store_001", "win_store_002", "win_store_003"], sorted(keys)
assert all(k["merchantSecret"] and k["keyId"] for k in keys.values()), keys
rows = list(csv.DictReader(open(f"{folder}/keys.csv", encoding="utf-8", newline="")))
assert sorted(r["cybersource_merchant_id"] for r in rows) == sorted(keys), rows
assert all(r["merchant_secret"] and not r["error"] for r in rows), rows
hist = json.load(open(history, encoding="utf-8"))
ids = {k["keyId"] for k in hist}
assert {k["keyId"] for k in keys.values()} <= ids and {r["key_id"] for r in rows} <= ids, "keys missing from history"
# Every secret from both exports, for the file scan below.
with open(secrets, "w") as out:
    for s in sorted({k["merchantSecret"] for k in keys.values()} | {r["merchant_secret"] for r in rows}):
        print(s, file=out)
print(f"   ok: {len(keys)} keys in keys.json, {len(rows)} in keys.csv, {len(hist)} in the history")
PY
batches_after=$(creds | grep -c "keys:" || true)
[ "$batches_after" -ge $((batches_before + 2)) ] || { creds >&2; fail "the generated keys are not in the Credential Manager"; }

echo "== windows smoke: no secret in any file under the user's profile but the exports"
printf '%s\n' "$secret" >>"$work/secrets.txt"
leaks=$(grep -rlF -f "$work/secrets.txt" "$profile_dir" | grep -v "/mPOS exports/keys\.\(json\|csv\)$" || true)
[ -z "$leaks" ] || fail "a secret is in: $leaks"
[ -f "$profile_dir/AppData/Roaming/dev.mposkeygen.desktop/config.json" ] || fail "config.json is not in %APPDATA%"
[ -f "$profile_dir/AppData/Roaming/dev.mposkeygen.desktop/history.jsonl" ] || fail "history.jsonl is not in %APPDATA%"

echo "== windows smoke: profile remove clears the credential"
kg profile remove smoke
creds | grep -q "profile:smoke" && { creds >&2; fail "profile remove left the REST secret in the Credential Manager"; }
echo "   ok: the Credential Manager no longer holds profile:smoke"
echo "== windows smoke: passed"
