#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (libFuzzer, cargo-fuzz's layout) and fails on any crash.
#   fuzz/run.sh 30              CI: a quick unoptimized build (overflow checks on, no sanitizer), 30 s each
#   fuzz/run.sh 300 --release   a longer session: optimized build with AddressSanitizer
#   fuzz/run.sh 60 csv_import   one target only (any target names after SECONDS)
#
# The targets are built with exactly the flags `cargo fuzz build` uses, without needing cargo-fuzz itself:
# CI has nothing to install. Coverage instrumentation (-C passes=sancov-module …) works on stable Rust;
# only AddressSanitizer (--release) needs a nightly-only flag, which RUSTC_BOOTSTRAP=1 unlocks for this
# build. With cargo-fuzz installed (`cargo install cargo-fuzz --locked`), `RUSTC_BOOTSTRAP=1 cargo fuzz run
# TARGET` works as well, and `cargo fuzz tmin TARGET FILE` minimizes a crash.
#
# New inputs the fuzzer finds go to a scratch corpus under fuzz/target; the committed seeds in
# fuzz/corpus/<target>/ are only read. A crash leaves its input in fuzz/artifacts/<target>/; replay it with
# fuzz/target/<host>/<debug|release>/<target> FILE.
set -euo pipefail
fuzz_dir=$(cd "$(dirname "$0")" && pwd)
cd "$fuzz_dir"
export PATH="$HOME/.cargo/bin:$PATH"

seconds=${1:?usage: fuzz/run.sh SECONDS [--release] [TARGET...]}
shift
case $seconds in '' | *[!0-9]*) echo "SECONDS must be a whole number, not '$seconds'" >&2; exit 2 ;; esac
release=false
targets=()
for arg in "$@"; do
  case $arg in
    --release) release=true ;;
    *) targets+=("$arg") ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(kms_answer csv_import config_load emulator_verify)

# cargo-fuzz 0.13's flags for its default (coverage-guided, comparison-tracing) build.
flags=(-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4
  -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table
  -Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing
  -Cllvm-args=-simplifycfg-branch-fold-threshold=0 -Cllvm-args=-sanitizer-coverage-stack-depth)
if $release; then
  flags+=(-Zsanitizer=address)
  export RUSTC_BOOTSTRAP=1
  profile=(--release)
  out=release
else
  flags+=(-Cdebug-assertions)
  profile=()
  out=debug
fi
host=$(rustc -vV | sed -n 's/^host: //p')

start=$SECONDS
echo "== building ${targets[*]} ($out)"
bins=()
for target in "${targets[@]}"; do bins+=(--bin "$target"); done
# --target keeps the instrumentation (and the sanitizer) out of build scripts and proc macros.
RUSTFLAGS="${flags[*]}" cargo build --quiet "${profile[@]}" --target "$host" "${bins[@]}"
echo "== built in $((SECONDS - start)) s"

failed=()
for target in "${targets[@]}"; do
  work="$fuzz_dir/target/work-corpus/$target"
  artifacts="$fuzz_dir/artifacts/$target"
  mkdir -p "$work" "$artifacts"
  dict=()
  [ -f "$fuzz_dir/dicts/$target.dict" ] && dict=("-dict=$fuzz_dir/dicts/$target.dict")
  log="$fuzz_dir/target/$target.log"
  echo "== $target for $seconds s"
  # The outer timeout only guards against a hung run; libFuzzer stops itself after -max_total_time.
  if timeout $((seconds + 120)) "$fuzz_dir/target/$host/$out/$target" -artifact_prefix="$artifacts/" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}" \
    "$work" "$fuzz_dir/corpus/$target" >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    echo "   ok: $runs executions, corpus $(find "$work" -type f | wc -l) inputs"
  else
    echo "   FAILED: $target (last lines of $log below; the input is in fuzz/artifacts/$target/)"
    # The panic message, and the backtrace frames in this project's code.
    grep -v -E '^ +at (/rustc/|.*/\.cargo/registry/)|^ +[0-9]+: +(std|core|alloc|libfuzzer_sys|__rustc|rust_)' "$log" |
      tail -n 60
    failed+=("$target")
  fi
done

echo "== fuzzing done in $((SECONDS - start)) s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "crashes in: ${failed[*]}" >&2
  exit 1
fi
