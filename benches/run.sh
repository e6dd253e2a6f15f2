#!/usr/bin/env bash
# Benchmarks that print numbers (BENCHMARKS.md holds the latest). Builds release binaries, then measures:
#   1. one key, whole process: `mpos-keygen generate MID` (the key kept in the keychain) against its floor,
#      curl posting one signed request, and against the official Python SDK's signing
#      (benches/sdk_generate.py), all against the local KMS emulator, interleaved, medians and ratios;
#   2. batch: `generate --all` for profiles of 100, 1,000 and 5,000 merchants: wall time and peak RSS; then
#      one key per process in each of those profiles, interleaved: the per-key time must not grow with what
#      is kept;
#   3. signing one request: the criterion bench crates/kms/benches/signing.rs, ns/op;
#   4. the desktop app beside a hello-world Tauri window (benches/floor-app) under Xvfb, each drawn without
#      and with WebKit's GPU path: start to visible window, start to first screen painted (`ready <ms>`),
#      PSS of the process and its WebKit processes after 5 s; the first start after building on its own
#      row (page cache emptied first where allowed: what a user sees right after installing); stripped
#      binary sizes.
# Like scripts/test, everything runs in a scratch folder with a private D-Bus session and a throwaway
# unlocked GNOME Keyring, so the keys the CLI keeps go to a real keychain but never to yours.
#   benches/run.sh           full run, targets marked met or missed (~6 min on 2 cores once built)
#   benches/run.sh --quick   few iterations and no targets, for CI (~2 min once built)
# Cold, on a fresh machine, add: the floor's release build in its own workspace (~6 min on 2 cores), the
# criterion bench (~2 min), the Python SDK from PyPI (~1 min); in CI the app and CLI builds are the package
# stage's.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

quick=0
case "${1:-}" in
  "") ;;
  --quick) quick=1 ;;
  *) echo "usage: benches/run.sh [--quick]" >&2; exit 2 ;;
esac

export PATH="$HOME/.cargo/bin:$PATH"

echo "== packages (Xvfb, D-Bus, GNOME Keyring, xdotool, GNU time, curl)" >&2
packages=(xvfb xauth dbus dbus-x11 gnome-keyring xdotool time python3-venv curl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "== the official Python SDK in target/bench-venv" >&2
venv=$root/target/bench-venv
if ! "$venv/bin/python" -c "import CyberSource" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "cybersource-rest-client-python==0.0.80"
fi

echo "== release builds" >&2
# Built as scripts/release builds them for the packages (so CI reuses the package stage's build): the CLI on
# its own, the app with `tauri/custom-protocol` (it serves ui/ from the binary). The floor gets the same
# feature and release profile, in its own workspace and target dir.
cargo build --release --locked -p mpos-keygen
cargo build --release --locked -p mpos-keygen-app --features tauri/custom-protocol
target_dir=${CARGO_TARGET_DIR:-$root/target}
CARGO_TARGET_DIR=$target_dir/floor cargo build --release --locked --manifest-path benches/floor-app/Cargo.toml \
  --features tauri/custom-protocol
floor_bin=$target_dir/floor/release/floor-app
cli=$target_dir/release/mpos-keygen
app=$target_dir/release/mpos-keygen-app

scratch=$(mktemp -d /tmp/mpos-keygen-bench.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
results=$scratch/results.jsonl

echo "== 3. signing one request (criterion)" >&2
criterion_args=()
[ "$quick" -eq 1 ] && criterion_args+=(--quick)
cargo bench --locked -p mpos-kms --bench signing -- "${criterion_args[@]}" >&2
python3 benches/bench.py signing "$results" "$target_dir/criterion"

python3 benches/bench.py sizes "$results" "app=$app" "floor=$floor_bin" "cli=$cli"

mkdir -p "$scratch"/{config,data,cache,run}
chmod 700 "$scratch/run"
export XDG_CONFIG_HOME=$scratch/config XDG_DATA_HOME=$scratch/data XDG_CACHE_HOME=$scratch/cache \
  XDG_RUNTIME_DIR=$scratch/run
export BENCH_ROOT=$root BENCH_SCRATCH=$scratch BENCH_RESULTS=$results BENCH_QUICK=$quick BENCH_CLI=$cli \
  BENCH_APP=$app BENCH_FLOOR=$floor_bin BENCH_PYTHON=$venv/bin/python
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
dbus-run-session -- bash "$root/benches/run-in-session.sh"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

echo
echo "mPOS Key Generator benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), \`benches/run.sh${1:+ $1}\`"
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)," \
  "$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) memory, $(uname -sr)," \
  "$(rustc --version | cut -d' ' -f1-2)"
echo "load average (1, 5, 15 min) before benchmarks 1, 2, 4: $load_before; after: $load_after"
echo
thresholds=()
[ "$quick" -eq 0 ] && thresholds=(--thresholds)
python3 benches/bench.py table "$results" "${thresholds[@]}"
