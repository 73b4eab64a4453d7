#!/usr/bin/env bash
# Builds every example contract to examples/wasm/<name>.wasm, reproducibly.
#
#   examples/build.sh [--out DIR] [--target-dir DIR]
#
# Flags: the profile in examples/Cargo.toml, examples/.cargo/config.toml,
# and here the remapping of this checkout's path and of cargo's home (where
# dependencies' sources live) to fixed names, so that the wasm does not
# depend on where the sources are. Dependencies are pinned by
# examples/Cargo.lock (--locked). The build uses its own target directory
# (examples/target by default), never the root workspace's.
set -euo pipefail

examples=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$examples/.." && pwd)
out="$examples/wasm"
target_dir="$examples/target"
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out=$2; shift 2 ;;
        --target-dir) target_dir=$2; shift 2 ;;
        *) echo "usage: $0 [--out DIR] [--target-dir DIR]" >&2; exit 2 ;;
    esac
done
cargo_home=${CARGO_HOME:-$HOME/.cargo}
cargo_home=$(cd "$cargo_home" && pwd)

# Flags from the environment would change the output.
unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS CARGO_BUILD_TARGET \
    CARGO_TARGET_DIR CARGO_BUILD_TARGET_DIR CARGO_PROFILE_RELEASE_LTO \
    CARGO_PROFILE_RELEASE_OPT_LEVEL CARGO_PROFILE_RELEASE_CODEGEN_UNITS

cd "$examples"
build() {
    "${CARGO:-cargo}" build --release --locked --target wasm32-unknown-unknown \
        --target-dir "$target_dir" \
        --config "target.wasm32-unknown-unknown.rustflags = [\"--remap-path-prefix=$root=/gasworks\", \"--remap-path-prefix=$cargo_home=/cargo\"]" \
        "$@"
}
# The registry on its own: the ballot depends on it with its `library`
# feature (no `execute` export), and one build of both would unify the
# features and build the registry's wasm without its export.
build --workspace --exclude registry
build -p registry

mkdir -p "$out"
for name in counter token multisig caller callee compute registry ballot; do
    cp "$target_dir/wasm32-unknown-unknown/release/$name.wasm" "$out/$name.wasm"
done
