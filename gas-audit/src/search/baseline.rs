//! The reference: ordinary metered programs whose median time per gas
//! unit is the "1x" of every ratio the search reports.
//!
//! The set is fixed (the same in every run, so that ratios from different
//! runs compare) and measured in the same process as the candidates:
//!
//! - six hand-written loops of plain code: i32 arithmetic, i64 arithmetic
//!   with multiplication, a memory walk (load, add, store), branches
//!   (`if`/`else`, `br_if`), calls of a small function, globals and
//!   `local.tee`;
//! - three calls of the `compute` example contract (rustc's code):
//!   `primes(100,000)`, `sort(10,000)` and `sha256_wasm(64 bytes, 100
//!   rounds)`, whose gas the golden file `tests/golden/compute.txt` pins.
//!
//! Each runs as a contract through the whole pipeline, to the same gas
//! limit as the candidates (the loops never end; the example calls end or
//! run out of gas), so entry charges weigh the same on both sides.

use super::examples::{Arg, EXAMPLES, Input};
use super::program::Program;

/// The baseline programs, by name.
pub fn programs() -> Vec<Program> {
    let mut programs: Vec<Program> = LOOPS
        .iter()
        .map(|(name, body)| {
            let wat = format!(
                r#"(module
  (memory 1)
  (global $g (mut i32) (i32.const 0))
  (func $add3 (param i32 i32) (result i32)
    (i32.add (i32.add (local.get 0) (local.get 1)) (i32.const 3)))
  (func (export "execute")
    (local $i i32) (local $x i32) (local $y i32) (local $p i32) (local $a i64) (local $b i64)
    (local.set $y (i32.const 0x1234567))
    (local.set $b (i64.const 0x9e3779b97f4a7c15))
    (loop $l
      {body}
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l))))
"#
            );
            let wasm = wat::parse_str(&wat).unwrap_or_default();
            Program {
                family: format!("baseline {name}"),
                description: format!("baseline {name}"),
                wasm,
                wat: Some(wat),
                input: Vec::new(),
            }
        })
        .collect();
    let compute = EXAMPLES
        .iter()
        .find(|(name, _)| *name == "compute")
        .map(|(_, bytes)| bytes.to_vec())
        .unwrap_or_default();
    for input in [
        Input {
            method: "primes",
            args: vec![Arg::U32(100_000)],
        },
        Input {
            method: "sort",
            args: vec![Arg::U32(10_000), Arg::U64(7)],
        },
        Input {
            method: "sha256_wasm",
            args: vec![Arg::Bytes(64), Arg::U32(100)],
        },
    ] {
        programs.push(Program {
            family: format!("baseline compute {}", input.method),
            description: format!("baseline compute {}", input.method),
            wasm: compute.clone(),
            wat: None,
            input: input.encode(),
        });
    }
    programs
}

/// The hand-written loops: a name and the body of an endless loop over
/// the locals `$i` (the counter), `$x`, `$y`, `$p`, `$a`, `$b`.
const LOOPS: &[(&str, &str)] = &[
    (
        "i32 arithmetic",
        "(local.set $x (i32.xor (i32.add (local.get $x) (local.get $y)) (i32.shl (local.get $i) (i32.const 3))))
      (local.set $y (i32.sub (i32.and (local.get $y) (local.get $x)) (i32.const 1)))",
    ),
    (
        "i64 arithmetic",
        "(local.set $a (i64.add (i64.mul (local.get $a) (local.get $b)) (i64.extend_i32_u (local.get $i))))
      (local.set $b (i64.rotl (i64.xor (local.get $b) (local.get $a)) (i64.const 13)))",
    ),
    (
        "memory walk",
        "(local.set $p (i32.and (i32.shl (local.get $i) (i32.const 2)) (i32.const 0xfffc)))
      (i32.store (local.get $p) (i32.add (i32.load (local.get $p)) (local.get $i)))
      (local.set $x (i32.add (local.get $x) (i32.load8_u offset=1 (local.get $p))))",
    ),
    (
        "branches",
        "(if (i32.and (local.get $i) (i32.const 1))
        (then (local.set $x (i32.add (local.get $x) (i32.const 1))))
        (else (local.set $y (i32.sub (local.get $y) (i32.const 1)))))
      (block $b (br_if $b (i32.and (local.get $i) (i32.const 4)))
        (local.set $x (i32.xor (local.get $x) (local.get $y))))",
    ),
    (
        "calls",
        "(local.set $x (call $add3 (local.get $x) (local.get $i)))",
    ),
    (
        "globals and locals",
        "(global.set $g (i32.add (global.get $g) (local.tee $x (i32.and (local.get $i) (i32.const 255)))))",
    ),
];
