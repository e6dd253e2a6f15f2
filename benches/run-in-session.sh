#!/usr/bin/env bash
# The part of benches/run.sh that runs inside the private D-Bus session (do not call it directly): an
# unlocked throwaway keyring, the KMS emulator on a free loopback port, then benchmarks 1, 2 and 4.
set -euo pipefail
cd "$BENCH_ROOT"

if [ "$BENCH_QUICK" -eq 1 ]; then
  key_runs=3 batch_sizes=(100 1000) desktop_runs=1
else
  key_runs=31 batch_sizes=(100 1000 5000) desktop_runs=15
fi

# A fresh login keyring, unlocked with a throwaway password: the real Secret Service, no prompts.
echo -n bench-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null

# The emulator's demo credentials (crates/emulator/src/config.rs, module `demo`).
demo_const() {
  sed -n "s/^ *pub const $1: &str = \"\(.*\)\";/\1/p" crates/emulator/src/config.rs
}
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BENCH_CLI" emulator --port "$port" >"$BENCH_SCRATCH/emulator.log" 2>&1 &
emulator_pid=$!
trap 'kill "$emulator_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.05
done

# The pipeline variables: no profile needed for one key (bench.py batch turns them into a profile).
export MPOS_KEYGEN_ENV=http://127.0.0.1:$port
MPOS_KEYGEN_KEY_ID=$(demo_const KEY_ID)
MPOS_KEYGEN_SECRET=$(demo_const SHARED_SECRET)
MPOS_KEYGEN_ORG=$(demo_const ORGANIZATION_ID)
export MPOS_KEYGEN_KEY_ID MPOS_KEYGEN_SECRET MPOS_KEYGEN_ORG

echo "== 1. one key, whole process: ours vs curl and the Python SDK, $key_runs runs each, interleaved" >&2
python3 benches/bench.py per-key "$BENCH_RESULTS" "$key_runs" "$BENCH_CLI" "$BENCH_PYTHON" \
  benches/sdk_generate.py

echo "== 2. batch: generate --all for ${batch_sizes[*]} merchants" >&2
python3 benches/bench.py batch "$BENCH_RESULTS" "$BENCH_CLI" "$BENCH_SCRATCH" "${batch_sizes[@]}"
echo "== 2. then one key per process in each batch's profile, $key_runs runs each, interleaved" >&2
python3 benches/bench.py history "$BENCH_RESULTS" "$key_runs" "$BENCH_CLI" "$BENCH_SCRATCH" "${batch_sizes[@]}"

echo "== 4. desktop: the app beside the floor under Xvfb, $desktop_runs starts each" >&2
# The app opens on a profile with merchants (its usual screen), not on the first-run welcome screen.
desktop_home=$BENCH_SCRATCH/desktop
mkdir -p "$desktop_home"/{config,data}
export XDG_CONFIG_HOME=$desktop_home/config XDG_DATA_HOME=$desktop_home/data
printf %s "$MPOS_KEYGEN_SECRET" | "$BENCH_CLI" profile add bench --env "$MPOS_KEYGEN_ENV" \
  --key-id "$MPOS_KEYGEN_KEY_ID" --org "$MPOS_KEYGEN_ORG" >/dev/null
python3 -c 'print("mid,label"); [print(f"store_{i:03d},Store {i}") for i in range(25)]' \
  >"$desktop_home/merchants.csv"
"$BENCH_CLI" merchant import "$desktop_home/merchants.csv" --profile bench >/dev/null
unset MPOS_KEYGEN_ENV MPOS_KEYGEN_KEY_ID MPOS_KEYGEN_SECRET MPOS_KEYGEN_ORG
# Our own Xvfb on a display number it picks itself (-displayfd): `xvfb-run -a` can race with another
# xvfb-run started at the same moment (e.g. window tests), and GTK then fails to open the display.
exec 4< <(Xvfb -displayfd 1 -screen 0 1280x800x24 -nolisten tcp 2>"$BENCH_SCRATCH/xvfb.log")
xvfb_pid=$!
trap 'kill "$emulator_pid" "$xvfb_pid" 2>/dev/null || true' EXIT
read -r -t 30 display <&4
export DISPLAY=:$display
python3 benches/bench.py desktop "$BENCH_RESULTS" "$desktop_runs" 5 \
  "$BENCH_APP" "mPOS Key Generator" "$BENCH_FLOOR" "mPOS Keygen Floor"
