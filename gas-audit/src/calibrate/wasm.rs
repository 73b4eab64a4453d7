//! Wasm code: the plain programs that set the yardstick, one case per
//! operator class of the cost table (`vm/src/instrument/cost.rs`), the
//! dynamic charges (bulk memory and table operations, `memory.grow`,
//! `table.grow`) over a range of sizes, and issue 10's holes as shapes.
//!
//! Every case is a module whose export `run(count, n)` runs a loop body
//! `count` times (`n`: the size operand of a bulk case). A point runs it
//! with a `count` chosen so that one run is charged about
//! [`Scale::target_gas`], against the same call with `count = 0`, on the
//! engine alone (no host functions: [`Linker::new`]). The instance is
//! reused between runs, except for the growth cases, whose state is the
//! point (a fresh instance each run, in the work and in the baseline).
//!
//! [`CLASSES`] puts every accepted operator of the cost table in exactly
//! one class; a test checks it against `cost::OPERATORS`, so an operator
//! added to the table without a calibration case fails.

use gasworks_vm::engine::{Instance, Linker, Module, Value};

use super::measure::{BoxProbe, Scale};
use super::{Case, Group, Point};

/// Gas limit of a run (never reached: runs are sized by their count).
const LIMIT: u64 = 1 << 42;

/// An operator class: its case id (`op.<name>`) and the operators
/// (text-format names) it stands for. A case measures a representative
/// body; the others of its class compile to the same kind of handler.
pub const CLASSES: &[(&str, &[&str])] = &[
    ("const-drop", &["nop", "drop", "i32.const", "i64.const"]),
    ("locals", &["local.get", "local.set", "local.tee"]),
    ("globals", &["global.get", "global.set"]),
    (
        "alu-i32",
        &[
            "i32.add",
            "i32.sub",
            "i32.and",
            "i32.or",
            "i32.xor",
            "i32.shl",
            "i32.shr_s",
            "i32.shr_u",
            "i32.rotl",
            "i32.rotr",
            "i32.clz",
            "i32.ctz",
            "i32.popcnt",
        ],
    ),
    (
        "alu-i64",
        &[
            "i64.add",
            "i64.sub",
            "i64.and",
            "i64.or",
            "i64.xor",
            "i64.shl",
            "i64.shr_s",
            "i64.shr_u",
            "i64.rotl",
            "i64.rotr",
            "i64.clz",
            "i64.ctz",
            "i64.popcnt",
        ],
    ),
    (
        "compare",
        &[
            "i32.eqz", "i32.eq", "i32.ne", "i32.lt_s", "i32.lt_u", "i32.gt_s", "i32.gt_u",
            "i32.le_s", "i32.le_u", "i32.ge_s", "i32.ge_u", "i64.eqz", "i64.eq", "i64.ne",
            "i64.lt_s", "i64.lt_u", "i64.gt_s", "i64.gt_u", "i64.le_s", "i64.le_u", "i64.ge_s",
            "i64.ge_u",
        ],
    ),
    ("mul", &["i32.mul", "i64.mul"]),
    (
        "div",
        &[
            "i32.div_s",
            "i32.div_u",
            "i32.rem_s",
            "i32.rem_u",
            "i64.div_s",
            "i64.div_u",
            "i64.rem_s",
            "i64.rem_u",
        ],
    ),
    (
        "convert",
        &[
            "i32.wrap_i64",
            "i64.extend_i32_s",
            "i64.extend_i32_u",
            "i32.extend8_s",
            "i32.extend16_s",
            "i64.extend8_s",
            "i64.extend16_s",
            "i64.extend32_s",
        ],
    ),
    ("select", &["select"]),
    (
        "load",
        &[
            "i32.load",
            "i64.load",
            "i32.load8_s",
            "i32.load8_u",
            "i32.load16_s",
            "i32.load16_u",
            "i64.load8_s",
            "i64.load8_u",
            "i64.load16_s",
            "i64.load16_u",
            "i64.load32_s",
            "i64.load32_u",
        ],
    ),
    (
        "store",
        &[
            "i32.store",
            "i64.store",
            "i32.store8",
            "i32.store16",
            "i64.store8",
            "i64.store16",
            "i64.store32",
        ],
    ),
    ("memory-size", &["memory.size"]),
    (
        "branch",
        &[
            "unreachable",
            "block",
            "loop",
            "if",
            "else",
            "end",
            "br",
            "br_if",
            "return",
        ],
    ),
    ("br-table", &["br_table"]),
    ("call", &["call"]),
    ("call-indirect", &["call_indirect"]),
    (
        "ref-table",
        &[
            "ref.null",
            "ref.is_null",
            "ref.func",
            "table.get",
            "table.set",
            "table.size",
        ],
    ),
    ("memory-grow", &["memory.grow"]),
    ("memory-fill", &["memory.fill"]),
    ("memory-copy", &["memory.copy"]),
    ("memory-init", &["memory.init"]),
    ("data-drop", &["data.drop"]),
    ("table-init", &["table.init"]),
    ("table-copy", &["table.copy"]),
    ("table-fill", &["table.fill"]),
    ("table-grow", &["table.grow"]),
    ("elem-drop", &["elem.drop"]),
];

/// Instruments (with the nodes' configuration) and compiles a text module.
///
/// # Errors
///
/// A message when it does not parse, is refused or does not compile (a
/// broken case).
pub fn compile(wat: &str) -> Result<Module, String> {
    let wasm = wat::parse_str(wat).map_err(|e| format!("case does not parse: {e}"))?;
    let instrumented = gasworks_vm::instrument(&wasm, &gasworks_host_api::instrument_config())
        .map_err(|e| format!("case refused: {e}"))?;
    Module::new(&instrumented).map_err(|e| format!("case does not compile: {e}"))
}

/// The module of a loop case: `body` run `count` times by `run`, with
/// locals `$x $y $i $p` (i32) and `$a $b` (i64), a 16-entry stack of
/// helper functions and whatever `extra` declares.
fn loop_module(body: &str, extra: &str, memory: u32) -> String {
    format!(
        r#"(module
  (type $v (func))
  (type $r (func (param i32)))
  (memory $m {memory})
  (global $g (mut i32) (i32.const 1))
  (global $h (mut i64) (i64.const 1))
  {extra}
  (func $empty)
  (func $ret (result i32) (return (i32.const 1)))
  (func $rec (param $d i32)
    (if (local.get $d) (then (call $rec (i32.sub (local.get $d) (i32.const 1))))))
  (func (export "run") (param $count i32) (param $n i32)
    (local $x i32) (local $y i32) (local $i i32) (local $p i32) (local $a i64) (local $b i64)
    (local.set $x (i32.const 123456789))
    (local.set $y (i32.const 7))
    (local.set $a (i64.const 987654321987))
    (local.set $b (i64.const 13))
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $count)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        {body}
        (br $l)))))"#
    )
}

/// `stmt` repeated `times` times.
fn times(stmt: &str, times: usize) -> String {
    vec![stmt; times].join("\n        ")
}

fn binary(ty: &str, ops: &[&str]) -> String {
    let (x, y) = if ty == "i32" {
        ("$x", "$y")
    } else {
        ("$a", "$b")
    };
    ops.iter()
        .map(|op| format!("(local.set {x} ({ty}.{op} (local.get {x}) (local.get {y})))"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn unary(ty: &str, ops: &[&str]) -> String {
    let x = if ty == "i32" { "$x" } else { "$a" };
    ops.iter()
        .map(|op| format!("(local.set {x} ({ty}.{op} (local.get {x})))"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A probe calling `run(count, n)` on a kept instance.
fn call_probe(instance: Instance, count: u32, n: u32) -> BoxProbe {
    let mut instance = instance;
    Box::new(move || run_once(&mut instance, count, n))
}

/// A probe instantiating `module` afresh and calling `run(count, n)`.
fn fresh_probe(module: Module, count: u32, n: u32) -> BoxProbe {
    let linker = Linker::new();
    Box::new(move || {
        let mut instance =
            Instance::new(&module, &linker).map_err(|e| format!("instantiation: {e}"))?;
        run_once(&mut instance, count, n)
    })
}

fn run_once(instance: &mut Instance, count: u32, n: u32) -> Result<u64, String> {
    let outcome = instance
        .call(
            "run",
            &[Value::I32(count as i32), Value::I32(n as i32)],
            LIMIT,
        )
        .map_err(|e| format!("call: {e}"))?;
    match outcome.result {
        Ok(_) => Ok(outcome.gas_used),
        Err(trap) => Err(format!("the case trapped: {trap}")),
    }
}

/// Loop points for each size: `count` sized so that a run is charged
/// about the scale's target gas.
fn loop_points(module: &Module, sizes: &[u32], scale: Scale) -> Result<Vec<Point>, String> {
    let linker = Linker::new();
    let mut points = Vec::new();
    for &n in sizes {
        let mut probe =
            Instance::new(module, &linker).map_err(|e| format!("instantiation: {e}"))?;
        let trial = 16;
        let gas = run_once(&mut probe, trial, n)?.max(1);
        let count = (scale.target_gas() as u128 * u128::from(trial) / u128::from(gas))
            .clamp(1, 1 << 30) as u32;
        let work = Instance::new(module, &linker).map_err(|e| format!("instantiation: {e}"))?;
        let base = Instance::new(module, &linker).map_err(|e| format!("instantiation: {e}"))?;
        points.push(Point {
            size: u64::from(n),
            ops: u64::from(count),
            work: call_probe(work, count, n),
            base: Some(call_probe(base, 0, n)),
        });
    }
    Ok(points)
}

/// A loop case: `body` (with `extra` declarations) over `sizes`.
#[allow(clippy::too_many_arguments)]
fn loop_case(
    group: Group,
    id: &str,
    about: &str,
    price: &str,
    unit: &'static str,
    body: String,
    extra: String,
    memory: u32,
    sizes: fn(Scale) -> Vec<u32>,
) -> Case {
    let wat = loop_module(&body, &extra, memory);
    Case {
        id: id.to_string(),
        group,
        about: about.to_string(),
        price: price.to_string(),
        unit,
        build: Box::new(move |scale| loop_points(&compile(&wat)?, &sizes(scale), scale)),
    }
}

fn no_size(_: Scale) -> Vec<u32> {
    vec![0]
}

fn byte_sizes(scale: Scale) -> Vec<u32> {
    if scale.is_small() {
        vec![0, 1024, 65_536]
    } else {
        vec![0, 16, 256, 4_096, 65_536]
    }
}

fn element_sizes(scale: Scale) -> Vec<u32> {
    if scale.is_small() {
        vec![0, 100, 10_000]
    } else {
        vec![0, 16, 256, 2_048, 10_000]
    }
}

/// A passive element segment of `n` references to `$empty`, and a table
/// of the largest size allowed.
fn table_extra(n: usize) -> String {
    format!(
        "(table $t 10000 funcref) (elem $seg func {}) (elem declare func $empty)",
        vec!["$empty"; n].join(" ")
    )
}

/// A passive data segment of `n` bytes.
fn data_extra(n: usize) -> String {
    format!("(data $d \"{}\")", "\\2a".repeat(n))
}

fn plain(id: &str, about: &str, body: &str) -> Case {
    loop_case(
        Group::Plain,
        &format!("plain.{id}"),
        about,
        "block prices",
        "",
        times(body, 4),
        String::new(),
        1,
        no_size,
    )
}

/// The plain programs: ordinary metered code (a counter, arithmetic,
/// local shuffling, memory walks, branches, byte sums, a Fibonacci step,
/// comparisons feeding arithmetic). Their median time per gas is the
/// yardstick.
pub fn plain_cases() -> Vec<Case> {
    vec![
        plain(
            "counter",
            "a counter in a loop",
            "(local.set $x (i32.add (local.get $x) (i32.const 1)))",
        ),
        plain(
            "arith",
            "mixed i32/i64 arithmetic on locals",
            "(local.set $x (i32.xor (i32.add (local.get $x) (local.get $y)) (i32.shl (local.get $x) (i32.const 3)))) \
             (local.set $a (i64.add (local.get $a) (i64.extend_i32_u (local.get $x))))",
        ),
        plain(
            "locals",
            "moving values between locals",
            "(local.set $y (local.get $x)) (local.set $x (local.tee $p (local.get $y)))",
        ),
        plain(
            "memory",
            "load, add, store along an array",
            "(i32.store (local.get $p) (i32.add (i32.load (local.get $p)) (i32.const 1))) \
             (local.set $p (i32.and (i32.add (local.get $p) (i32.const 4)) (i32.const 65532)))",
        ),
        plain(
            "branchy",
            "an if/else on the loop counter",
            "(if (i32.and (local.get $i) (i32.const 1)) \
               (then (local.set $x (i32.add (local.get $x) (i32.const 3)))) \
               (else (local.set $x (i32.sub (local.get $x) (i32.const 1)))))",
        ),
        plain(
            "byte-sum",
            "summing bytes of memory",
            "(local.set $x (i32.add (local.get $x) (i32.load8_u (local.get $p)))) \
             (local.set $p (i32.and (i32.add (local.get $p) (i32.const 1)) (i32.const 65535)))",
        ),
        plain(
            "fib64",
            "an i64 Fibonacci step",
            "(local.set $b (i64.add (local.get $a) (local.get $b))) \
             (local.set $a (i64.sub (local.get $b) (local.get $a)))",
        ),
        plain(
            "compare",
            "comparisons feeding arithmetic",
            "(local.set $x (i32.add (local.get $x) (i32.lt_u (local.get $y) (local.get $x)))) \
             (local.set $y (i32.add (local.get $y) (i32.const 5)))",
        ),
    ]
}

/// The price of operators (text-format names) from the cost table:
/// their base prices (a range when they differ) and per-unit price.
pub fn price_of(names: &[&str]) -> String {
    use gasworks_vm::instrument::cost::{OPERATORS, Verdict, operator_name};
    let prices: Vec<_> = OPERATORS
        .iter()
        .filter(|(visit, _)| names.contains(&operator_name(visit).as_str()))
        .filter_map(|(_, verdict)| match verdict {
            Verdict::Accept(price) => Some(*price),
            _ => None,
        })
        .collect();
    let low = prices.iter().map(|p| p.base).min().unwrap_or(0);
    let high = prices.iter().map(|p| p.base).max().unwrap_or(0);
    let mut text = if low == high {
        low.to_string()
    } else {
        format!("{low}-{high}")
    };
    if let Some(p) = prices.iter().find(|p| p.per_unit > 0) {
        text += &format!(" + {}/{:?}", p.per_unit, p.unit).to_lowercase();
    }
    text
}

/// The price of an operator class of [`CLASSES`].
fn class_price(class: &str) -> String {
    CLASSES
        .iter()
        .find(|(name, _)| *name == class)
        .map_or_else(|| "not a class".into(), |(_, ops)| price_of(ops))
}

fn op(id: &str, about: &str, _price: &str, body: String, extra: String) -> Case {
    let price = match id {
        "recursion-deep" => format!("{} per call", class_price("call")),
        "br-table-chain" => class_price("br-table"),
        _ => class_price(id),
    };
    loop_case(
        Group::Operator,
        &format!("op.{id}"),
        about,
        &price,
        "",
        body,
        extra,
        2,
        no_size,
    )
}

fn bulk(
    id: &str,
    about: &str,
    _price: &str,
    unit: &'static str,
    body: &str,
    extra: String,
    sizes: fn(Scale) -> Vec<u32>,
) -> Case {
    let class = id.split("-n0").next().unwrap_or(id);
    loop_case(
        Group::Operator,
        &format!("op.{id}"),
        about,
        &class_price(class),
        unit,
        body.to_string(),
        extra,
        2,
        sizes,
    )
}

/// One case per operator class, the bulk operations over sizes, growth,
/// and issue 10's holes.
pub fn operator_cases() -> Vec<Case> {
    let alu = [
        "add", "sub", "and", "or", "xor", "shl", "shr_s", "shr_u", "rotl", "rotr",
    ];
    let cmp = [
        "eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u",
    ];
    let compare = cmp
        .iter()
        .map(|c| {
            format!(
                "(local.set $x (i32.add (i32.{c} (local.get $x) (local.get $y)) (i64.{c} (local.get $a) (local.get $b))))"
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
        + " (local.set $x (i32.add (i32.eqz (local.get $x)) (i64.eqz (local.get $a))))";
    let loads = [
        "i32.load",
        "i32.load8_s",
        "i32.load8_u",
        "i32.load16_s",
        "i32.load16_u",
    ]
    .iter()
    .map(|l| format!("(local.set $x (i32.add (local.get $x) ({l} offset=8 (local.get $p))))"))
    .chain(
        [
            "i64.load",
            "i64.load8_s",
            "i64.load8_u",
            "i64.load16_s",
            "i64.load16_u",
            "i64.load32_s",
            "i64.load32_u",
        ]
        .iter()
        .map(|l| format!("(local.set $a ({l} offset=16 (local.get $p)))")),
    )
    .collect::<Vec<_>>()
    .join(" ")
        + " (local.set $p (i32.and (i32.add (local.get $p) (i32.const 40)) (i32.const 65535)))";
    let stores = ["i32.store", "i32.store8", "i32.store16"]
        .iter()
        .map(|s| format!("({s} offset=4 (local.get $p) (local.get $x))"))
        .chain(
            ["i64.store", "i64.store8", "i64.store16", "i64.store32"]
                .iter()
                .map(|s| format!("({s} offset=12 (local.get $p) (local.get $a))")),
        )
        .collect::<Vec<_>>()
        .join(" ")
        + " (local.set $p (i32.and (i32.add (local.get $p) (i32.const 40)) (i32.const 65535)))";
    let targets = (0..1024)
        .map(|i| format!("$b{}", i % 8))
        .collect::<Vec<_>>()
        .join(" ");
    let br_table = format!(
        "(block $b7 (block $b6 (block $b5 (block $b4 (block $b3 (block $b2 (block $b1 (block $b0 \
           (br_table {targets} $b0 (i32.and (local.get $i) (i32.const 1023)))))))))))"
    );
    vec![
        op(
            "const-drop",
            "constants dropped, nop",
            "1 (nop 0)",
            times("(drop (i32.const 1)) (drop (i64.const 2)) (nop)", 8),
            String::new(),
        ),
        op(
            "locals",
            "local.get/set/tee",
            "1",
            times("(local.set $y (local.tee $x (local.get $y)))", 8),
            String::new(),
        ),
        op(
            "globals",
            "global.get/set, i32 and i64",
            "2",
            times(
                "(global.set $g (global.get $g)) (global.set $h (global.get $h))",
                8,
            ),
            String::new(),
        ),
        op(
            "alu-i32",
            "every i32 ALU operator on locals",
            "1",
            times(
                &(binary("i32", &alu) + " " + &unary("i32", &["clz", "ctz", "popcnt"])),
                2,
            ),
            String::new(),
        ),
        op(
            "alu-i64",
            "every i64 ALU operator on locals",
            "1",
            times(
                &(binary("i64", &alu) + " " + &unary("i64", &["clz", "ctz", "popcnt"])),
                2,
            ),
            String::new(),
        ),
        op(
            "compare",
            "every comparison, i32 and i64",
            "1",
            compare,
            String::new(),
        ),
        op(
            "mul",
            "i32.mul and i64.mul",
            "2",
            times(&binary("i32", &["mul"]), 4) + " " + &times(&binary("i64", &["mul"]), 4),
            String::new(),
        ),
        op(
            "div",
            "division and remainder, signed and unsigned, i32 and i64 (full-width dividends)",
            "4",
            times(
                "(local.set $x (i32.add (i32.div_u (local.get $x) (local.get $y)) (i32.const 2000000011))) \
                  (local.set $x (i32.add (i32.rem_s (local.get $x) (local.get $y)) (i32.const -2000000011))) \
                  (local.set $x (i32.add (i32.div_s (local.get $x) (local.get $y)) (i32.const 1999999973))) \
                  (local.set $x (i32.add (i32.rem_u (local.get $x) (local.get $y)) (i32.const 1999999973))) \
                  (local.set $a (i64.add (i64.div_u (local.get $a) (local.get $b)) (i64.const 9000000000000000011))) \
                  (local.set $a (i64.add (i64.rem_s (local.get $a) (local.get $b)) (i64.const -9000000000000000011))) \
                  (local.set $a (i64.add (i64.div_s (local.get $a) (local.get $b)) (i64.const 8999999999999999977))) \
                  (local.set $a (i64.add (i64.rem_u (local.get $a) (local.get $b)) (i64.const 8999999999999999977)))",
                2,
            ),
            String::new(),
        ),
        op(
            "convert",
            "wrap, extend and sign-extension",
            "1",
            times(
                "(local.set $x (i32.wrap_i64 (local.get $a))) (local.set $a (i64.extend_i32_s (local.get $x))) \
                  (local.set $a (i64.extend_i32_u (local.get $x))) (local.set $x (i32.extend8_s (local.get $x))) \
                  (local.set $x (i32.extend16_s (local.get $x))) (local.set $a (i64.extend8_s (local.get $a))) \
                  (local.set $a (i64.extend16_s (local.get $a))) (local.set $a (i64.extend32_s (local.get $a)))",
                2,
            ),
            String::new(),
        ),
        op(
            "select",
            "select, untyped and typed",
            "2",
            times(
                "(local.set $x (select (local.get $x) (local.get $y) (local.get $i))) \
                  (local.set $y (select (result i32) (local.get $y) (local.get $x) (local.get $i)))",
                4,
            ),
            String::new(),
        ),
        op(
            "load",
            "every load, walking memory",
            "2",
            loads,
            String::new(),
        ),
        op(
            "store",
            "every store, walking memory",
            "2",
            stores,
            String::new(),
        ),
        op(
            "memory-size",
            "memory.size",
            "1",
            times("(local.set $x (memory.size))", 8),
            String::new(),
        ),
        op(
            "branch",
            "block, loop, if/else, br, br_if, return (unreachable traps: not measured)",
            "1 (block, loop, else, end 0)",
            times(
                "(block $b (br_if $b (local.get $y)) (nop)) \
                  (if (local.get $y) (then (block (br 0))) (else (nop))) \
                  (loop $k (br_if $k (i32.const 0)))",
                4,
            ),
            String::new(),
        ),
        op(
            "br-table",
            "br_table of 1,024 targets into 8 blocks",
            "2",
            br_table,
            String::new(),
        ),
        op(
            "br-table-chain",
            "br_table on a table.size just computed, to its block's end (the adversarial \
             search's 08-br-table-loop: the next op waits for dependent loads)",
            "8",
            times("(block (br_table 0 0 (table.size $t)))", 8),
            "(table $t 0 funcref)".into(),
        ),
        op(
            "call",
            "calls of an empty function and of one that returns",
            "5",
            times("(call $empty) (local.set $x (call $ret))", 4),
            String::new(),
        ),
        op(
            "call-indirect",
            "call_indirect of an empty function",
            "8",
            times("(call_indirect (type $v) (i32.const 0))", 8),
            "(table $t 1 funcref) (elem (table $t) (i32.const 0) func $empty)".into(),
        ),
        op(
            "recursion-deep",
            "recursion 1,000 deep, repeated (issue 10: about 3x)",
            "5 per call",
            "(call $rec (i32.const 1000))".into(),
            String::new(),
        ),
        op(
            "ref-table",
            "ref.null, ref.is_null, ref.func, table.get/set/size",
            "1-2",
            times(
                "(local.set $x (ref.is_null (ref.null func))) \
                  (table.set $t (i32.const 1) (ref.func $empty)) \
                  (local.set $x (ref.is_null (table.get $t (i32.const 1)))) \
                  (local.set $x (table.size $t))",
                4,
            ),
            "(table $t 4 funcref) (elem declare func $empty)".into(),
        ),
        bulk(
            "memory-fill",
            "memory.fill of n bytes",
            "5 + 1/byte",
            "bytes",
            "(memory.fill (i32.const 0) (local.get $x) (local.get $n))",
            String::new(),
            byte_sizes,
        ),
        bulk(
            "memory-copy",
            "memory.copy of n bytes (overlapping halves)",
            "5 + 1/byte",
            "bytes",
            "(memory.copy (i32.const 0) (i32.const 65536) (local.get $n))",
            String::new(),
            byte_sizes,
        ),
        bulk(
            "memory-init",
            "memory.init of n bytes from a 64 KiB passive segment",
            "5 + 1/byte",
            "bytes",
            "(memory.init $d (i32.const 0) (i32.const 0) (local.get $n))",
            data_extra(65_536),
            byte_sizes,
        ),
        bulk(
            "memory-init-n0-big-segment",
            "memory.init of 0 bytes from a 400 KB passive segment (issue 10: about 2.4x)",
            "5",
            "",
            "(memory.init $d (i32.const 0) (i32.const 0) (i32.const 0))",
            data_extra(400_000),
            no_size,
        ),
        bulk(
            "data-drop",
            "data.drop of a 64 KiB segment (dropped once, then a no-op)",
            "2",
            "",
            &times("(data.drop $d)", 8),
            data_extra(65_536),
            no_size,
        ),
        bulk(
            "table-init",
            "table.init of n elements from a 10,000-element passive segment",
            "5 + 1/element",
            "elements",
            "(table.init $t $seg (i32.const 0) (i32.const 0) (local.get $n))",
            table_extra(10_000),
            element_sizes,
        ),
        bulk(
            "table-init-n0-huge-segment",
            "table.init of 0 elements from a 10,000-element segment (issue 10: 23,000 ns/gas before a703540)",
            "5",
            "",
            "(table.init $t $seg (i32.const 0) (i32.const 0) (i32.const 0))",
            table_extra(10_000),
            no_size,
        ),
        bulk(
            "table-copy",
            "table.copy of n elements",
            "5 + 1/element",
            "elements",
            "(table.copy $t $t (i32.const 0) (i32.const 0) (local.get $n))",
            table_extra(1),
            element_sizes,
        ),
        bulk(
            "table-fill",
            "table.fill of n elements with a function",
            "5 + 1/element",
            "elements",
            "(table.fill $t (i32.const 0) (ref.func $empty) (local.get $n))",
            table_extra(1),
            element_sizes,
        ),
        bulk(
            "elem-drop",
            "elem.drop of a 10,000-element segment (dropped once, then a no-op)",
            "2",
            "",
            &times("(elem.drop $seg)", 8),
            table_extra(10_000),
            no_size,
        ),
        grow_case(
            "memory-grow",
            "memory.grow by n pages up to the limit, fresh instance each run",
            "50 + 4,096/page",
            "pages",
            "(drop (memory.grow (local.get $n)))",
            "(memory 1 512)",
            511,
            &[1, 8, 64],
        ),
        grow_case(
            "memory-grow-touch",
            "memory.grow by 1 page, then a store in each 4 KiB of it (first touch)",
            "50 + 4,096/page + stores",
            "pages",
            "(local.set $p (i32.mul (memory.grow (i32.const 1)) (i32.const 65536))) \
                   (local.set $x (i32.const 0)) \
                   (block $e (loop $t (i32.store8 (i32.add (local.get $p) (local.get $x)) (i32.const 1)) \
                     (local.set $x (i32.add (local.get $x) (i32.const 4096))) \
                     (br_if $t (i32.lt_u (local.get $x) (i32.const 65536)))))",
            "(memory 1 512)",
            511,
            &[1],
        ),
        grow_case(
            "table-grow",
            "table.grow by n elements up to the limit, fresh instance each run",
            "5 + 1/element",
            "elements",
            "(drop (table.grow $t (ref.null func) (local.get $n)))",
            "(memory 1) (table $t 0 funcref)",
            10_000,
            &[1, 100, 1_000],
        ),
    ]
}

/// A growth case: `body` grows by `n` per iteration, `total / n` times, on
/// a fresh instance each run (the baseline: a fresh instance and no
/// iteration).
#[allow(clippy::too_many_arguments)]
fn grow_case(
    id: &str,
    about: &str,
    _price: &str,
    unit: &'static str,
    body: &str,
    declarations: &str,
    total: u32,
    sizes: &'static [u32],
) -> Case {
    let wat = format!(
        r#"(module {declarations}
  (func (export "run") (param $count i32) (param $n i32) (local $x i32) (local $p i32)
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $count)))
      (local.set $count (i32.sub (local.get $count) (i32.const 1)))
      {body}
      (br $l)))))"#
    );
    Case {
        id: format!("op.{id}"),
        group: Group::Operator,
        about: about.to_string(),
        price: class_price(id.trim_end_matches("-touch")),
        unit,
        build: Box::new(move |_scale| {
            let module = compile(&wat)?;
            Ok(sizes
                .iter()
                .map(|&n| Point {
                    size: u64::from(n),
                    ops: u64::from(total / n),
                    work: fresh_probe(module.clone(), total / n, n),
                    base: Some(fresh_probe(module.clone(), 0, n)),
                })
                .collect())
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gasworks_vm::instrument::cost::{OPERATORS, Verdict, operator_name};

    /// Every operator the cost table accepts is in exactly one class, and
    /// every class names only accepted operators and has a case: a new
    /// operator (or a new class) without a calibration case fails here.
    #[test]
    fn every_accepted_operator_has_one_class_with_a_case() {
        let accepted: Vec<String> = OPERATORS
            .iter()
            .filter(|(_, verdict)| matches!(verdict, Verdict::Accept(_)))
            .map(|(visit, _)| operator_name(visit))
            .collect();
        for name in &accepted {
            let classes: Vec<&str> = CLASSES
                .iter()
                .filter(|(_, ops)| ops.contains(&name.as_str()))
                .map(|(class, _)| *class)
                .collect();
            assert_eq!(classes.len(), 1, "{name} is in classes {classes:?}");
        }
        let ids: Vec<String> = operator_cases().into_iter().map(|c| c.id).collect();
        for (class, ops) in CLASSES {
            for op in *ops {
                assert!(
                    accepted.iter().any(|a| a == op),
                    "{op} ({class}) is not accepted"
                );
            }
            assert!(
                ids.contains(&format!("op.{class}")),
                "no case for class {class}"
            );
        }
    }

    /// Issue 10's holes are cases of the calibration.
    #[test]
    fn prices_come_from_the_cost_table() {
        assert_eq!(price_of(&["i32.add"]), "1");
        assert_eq!(price_of(&["i32.add", "i32.mul"]), "1-2");
        let fill = price_of(&["memory.fill"]);
        assert!(fill.ends_with("/bytes"), "{fill}");
        let ids: Vec<(String, String)> = operator_cases()
            .into_iter()
            .map(|c| (c.id, c.price))
            .collect();
        for (id, price) in ids {
            assert!(!price.contains("not a class"), "{id}: {price}");
        }
    }

    #[test]
    fn the_known_holes_are_cases() {
        let ids: Vec<String> = operator_cases().into_iter().map(|c| c.id).collect();
        for hole in [
            "op.table-init-n0-huge-segment",
            "op.memory-init-n0-big-segment",
            "op.recursion-deep",
        ] {
            assert!(ids.iter().any(|id| id == hole), "{hole} missing");
        }
    }

    /// Every case builds at the callgrind scale and its probes run, with
    /// more gas in the work than in its baseline.
    #[test]
    fn every_wasm_case_builds_and_runs() {
        for case in plain_cases().into_iter().chain(operator_cases()) {
            let points =
                (case.build)(Scale::Instructions).unwrap_or_else(|e| panic!("{}: {e}", case.id));
            assert!(!points.is_empty(), "{}", case.id);
            for mut point in points {
                let work = point
                    .work
                    .run()
                    .unwrap_or_else(|e| panic!("{}: {e}", case.id));
                let base = point
                    .base
                    .as_mut()
                    .map(|b| b.run().unwrap_or_else(|e| panic!("{}: {e}", case.id)))
                    .unwrap_or(0);
                assert!(work > base, "{}: work {work}, base {base}", case.id);
            }
        }
    }
}
