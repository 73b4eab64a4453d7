//! The catalogue of hostile and malformed modules (issue 2, "Bad input").
//!
//! Every case is a module and the typed rejection it must get: the [`Rule`]
//! variant and its fields, where the offset must point (an exact byte, the
//! opcode found there, or the section it must fall in), and which function
//! (index in the function index space, and name when the module has a name
//! section) the rejection must name, or that it names none. Cases are grouped
//! by concern, one test per group; a group reports all its failing cases at
//! once.
//!
//! Each case also states whether the module is valid WebAssembly once every
//! proposal is switched on (wasmparser with `WasmFeatures::all()`), and the
//! test checks that first: a float or proposal case must be a *valid* module
//! of that proposal, so that it is rejected for the rule under test and not
//! for some accidental defect; a malformed case must really be malformed.
//! Where a construct cannot appear in a valid module without an earlier
//! construct being rejected first (an `f32.const` initialiser of an `i32`
//! global, `throw` without a tag section), the case is marked invalid and
//! says so.
//!
//! Limits are built programmatically with wasm-encoder from
//! [`Limits::CONSENSUS`]: each one exactly at the limit (accepted, and the
//! output validates) and one over (rejected with `found = max + 1`). The
//! declared-size bombs (a few bytes claiming four billion entries) must be
//! rejected from the count alone. Near misses (the integer, reference-type
//! and import forms next to each hostile one) must be accepted, so that the
//! rejections above are for the construct under test. The
//! deep-nesting and huge-`br_table` modules run on a thread with a 256 KiB
//! stack, which a recursive decoder or validator would overflow. The last
//! test feeds every truncation and a few thousand deterministic byte flips of
//! a valid module to the instrumenter and checks that it never panics and
//! never accepts what wasmparser itself rejects.

mod common;
use common::SplitMix64;

use std::borrow::Cow;
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use gasworks_vm::instrument::{FunctionRef, HostImport, Proposal, ValType};
use gasworks_vm::limits::{Limit, Limits};
use gasworks_vm::{InstrumentConfig, Instrumented, Rejection, Rule, instrument};
use wasm_encoder::{
    CodeSection, ConstExpr, CustomSection, DataSection, ElementSection, Elements, EntityType,
    ExportKind, ExportSection, Function, FunctionSection, GlobalSection, GlobalType, ImportSection,
    MemorySection, MemoryType, Module, RefType, TableSection, TableType, TypeSection,
};
use wasmparser::{Validator, WasmFeatures};

// ---------------------------------------------------------------------------
// The case machinery.

/// The expected rule: a pattern over [`Rule`] and its text for messages.
struct Expect {
    text: String,
    check: Box<dyn Fn(&Rule) -> bool>,
}

/// `rule!(Rule::Limit { limit: Limit::Functions, .. })`, with an optional
/// `if` guard; the closure is `move`, so guards can use owned locals.
macro_rules! rule {
    ($($pattern:tt)+) => {
        Expect {
            text: stringify!($($pattern)+).to_string(),
            check: Box::new(move |rule: &Rule| matches!(rule, $($pattern)+)),
        }
    };
}

/// Where the rejection's offset must point.
#[derive(Debug, Clone)]
enum At {
    /// Anywhere in the module (end of input included, for truncations).
    Anywhere,
    /// At this exact offset.
    Offset(u64),
    /// At a byte with this value (an opcode or opcode prefix).
    Byte(u8),
    /// Inside the section with this id (header and end included).
    Section(u8),
    /// In this range.
    Within(Range<u64>),
}

struct Case {
    name: String,
    wasm: Vec<u8>,
    config: InstrumentConfig,
    expect: Expect,
    at: At,
    /// The function the rejection must name; `None`: it must name none.
    function: Option<FunctionRef>,
    /// Whether the module is valid with every wasmparser feature on.
    valid_with_all_features: bool,
}

impl Case {
    fn new(name: impl Into<String>, wasm: Vec<u8>, expect: Expect) -> Case {
        Case {
            name: name.into(),
            wasm,
            config: InstrumentConfig::default(),
            expect,
            at: At::Anywhere,
            function: None,
            valid_with_all_features: true,
        }
    }

    fn wat(name: impl Into<String>, text: &str, expect: Expect) -> Case {
        Case::new(name, wat(text), expect)
    }

    fn at(mut self, at: At) -> Case {
        self.at = at;
        self
    }

    fn in_function(mut self, index: u32, name: Option<&str>) -> Case {
        self.function = Some(FunctionRef {
            index,
            name: name.map(str::to_string),
        });
        self
    }

    fn config(mut self, config: InstrumentConfig) -> Case {
        self.config = config;
        self
    }

    /// The module is not valid even with every proposal on.
    fn invalid(mut self) -> Case {
        self.valid_with_all_features = false;
        self
    }
}

fn wat(text: &str) -> Vec<u8> {
    wat::parse_str(text).unwrap_or_else(|e| panic!("test module does not parse: {e}\n{text}"))
}

/// Runs the instrumenter, turning a panic into an error message.
fn instrument_guarded(
    wasm: &[u8],
    config: &InstrumentConfig,
) -> Result<Result<Instrumented, Rejection>, String> {
    // The rejection is boxed across the unwind boundary only to keep the
    // closure's result small.
    match catch_unwind(AssertUnwindSafe(|| {
        instrument(wasm, config).map_err(Box::new)
    })) {
        Ok(Ok(instrumented)) => Ok(Ok(instrumented)),
        Ok(Err(rejection)) => Ok(Err(*rejection)),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(format!("instrument panicked: {message}"))
        }
    }
}

fn valid_with(features: WasmFeatures, wasm: &[u8]) -> Result<(), String> {
    Validator::new_with_features(features)
        .validate_all(wasm)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The content range (header included) of the first section with `id`.
fn section_range(wasm: &[u8], id: u8) -> Option<Range<u64>> {
    let mut position = 8usize;
    while position < wasm.len() {
        let start = position;
        let section_id = wasm[position];
        position += 1;
        let (size, leb) = read_leb_u32(wasm.get(position..)?)?;
        position += leb;
        let end = position.checked_add(size as usize)?;
        if section_id == id {
            return Some(start as u64..end as u64);
        }
        position = end;
    }
    None
}

fn read_leb_u32(bytes: &[u8]) -> Option<(u32, usize)> {
    let mut value: u64 = 0;
    for (i, byte) in bytes.iter().take(5).enumerate() {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return u32::try_from(value).ok().map(|v| (v, i + 1));
        }
    }
    None
}

fn leb_u32(mut value: u32, sink: &mut Vec<u8>) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            sink.push(byte);
            return;
        }
        sink.push(byte | 0x80);
    }
}

fn leb_len(value: u32) -> usize {
    let mut bytes = Vec::new();
    leb_u32(value, &mut bytes);
    bytes.len()
}

/// Checks one case; `Err` says what is wrong.
fn run_case(case: &Case) -> Result<(), String> {
    let valid = valid_with(WasmFeatures::all(), &case.wasm);
    if valid.is_ok() != case.valid_with_all_features {
        return Err(format!(
            "the test module is wrongly built: expected it to be {} with every feature on, \
             wasmparser says {valid:?}",
            if case.valid_with_all_features {
                "valid"
            } else {
                "invalid"
            }
        ));
    }
    let rejection = match instrument_guarded(&case.wasm, &case.config)? {
        Ok(_) => return Err(format!("accepted; expected {}", case.expect.text)),
        Err(rejection) => rejection,
    };
    if !(case.expect.check)(&rejection.rule) {
        return Err(format!(
            "expected {}, got {:?} (\"{rejection}\")",
            case.expect.text, rejection.rule
        ));
    }
    let len = case.wasm.len() as u64;
    if rejection.offset > len {
        return Err(format!(
            "offset {:#x} is past the end of the {len}-byte module",
            rejection.offset
        ));
    }
    let offset_ok = match &case.at {
        At::Anywhere => true,
        At::Offset(expected) => rejection.offset == *expected,
        At::Byte(byte) => case.wasm.get(rejection.offset as usize) == Some(byte),
        // A section's end counts: decoding errors at the end of the input
        // are reported there.
        At::Section(id) => section_range(&case.wasm, *id)
            .is_some_and(|range| (range.start..=range.end).contains(&rejection.offset)),
        At::Within(range) => range.contains(&rejection.offset),
    };
    if !offset_ok {
        let found = case.wasm.get(rejection.offset as usize);
        return Err(format!(
            "offset {:#x} (byte {found:02x?}) is not {:?}; rejection: {rejection}",
            rejection.offset, case.at
        ));
    }
    if rejection.function != case.function {
        return Err(format!(
            "names function {:?}, expected {:?}; rejection: {rejection}",
            rejection.function, case.function
        ));
    }
    Ok(())
}

/// Runs a group of cases and fails with every failing case listed.
fn run_group(group: &str, cases: &[Case]) {
    let mut failures = Vec::new();
    for case in cases {
        if let Err(message) = run_case(case) {
            failures.push(format!("  {}: {message}", case.name));
        }
    }
    println!("{group}: {} cases, {} failed", cases.len(), failures.len());
    assert!(
        failures.is_empty(),
        "{group}: {} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// A configuration whose manifest offers `env.f (param i32) (result i32)`.
fn config_with_host_function() -> InstrumentConfig {
    InstrumentConfig {
        host_imports: vec![HostImport {
            module: "env",
            name: "f",
            params: &[ValType::I32],
            results: &[ValType::I32],
        }],
        ..InstrumentConfig::default()
    }
}

// ---------------------------------------------------------------------------
// Floating point.

/// Float operators, each in a module where it is the only float construct:
/// after `unreachable` the operand stack is polymorphic, so the module is
/// valid and the operator is the first (and only) thing to reject. This is
/// also "float in dead code".
/// (text, first opcode byte, needs a memory, leaves a value)
const FLOAT_OPERATORS: &[(&str, u8, bool, bool)] = &[
    // constants
    ("f32.const 1.5", 0x43, false, true),
    ("f64.const -0.0", 0x44, false, true),
    // unary
    ("f32.abs", 0x8b, false, true),
    ("f32.neg", 0x8c, false, true),
    ("f32.sqrt", 0x91, false, true),
    ("f64.ceil", 0x9b, false, true),
    ("f64.nearest", 0x9e, false, true),
    // binary
    ("f32.add", 0x92, false, true),
    ("f32.copysign", 0x98, false, true),
    ("f64.div", 0xa3, false, true),
    ("f64.min", 0xa4, false, true),
    // comparisons (integer result, float operands)
    ("f32.eq", 0x5b, false, true),
    ("f64.ge", 0x66, false, true),
    // conversions
    ("i32.trunc_f32_s", 0xa8, false, true),
    ("i64.trunc_f64_u", 0xb1, false, true),
    ("f32.convert_i32_s", 0xb2, false, true),
    ("f64.convert_i64_u", 0xba, false, true),
    ("f32.demote_f64", 0xb6, false, true),
    ("f64.promote_f32", 0xbb, false, true),
    // reinterpretations
    ("i32.reinterpret_f32", 0xbc, false, true),
    ("i64.reinterpret_f64", 0xbd, false, true),
    ("f32.reinterpret_i32", 0xbe, false, true),
    ("f64.reinterpret_i64", 0xbf, false, true),
    // saturating truncation (0xfc prefix)
    ("i32.trunc_sat_f32_s", 0xfc, false, true),
    ("i64.trunc_sat_f64_u", 0xfc, false, true),
    // loads and stores
    ("f32.load", 0x2a, true, true),
    ("f64.load offset=8", 0x2b, true, true),
    ("f32.store", 0x38, true, false),
    ("f64.store", 0x39, true, false),
];

fn float_cases() -> Vec<Case> {
    let mut cases = vec![
        Case::wat(
            "f32 parameter",
            "(module (func (param f32)))",
            rule!(Rule::FloatingPoint { what } if what.contains("f32") && what.contains("parameter")),
        )
        .at(At::Section(1)),
        Case::wat(
            "f64 result",
            "(module (func (result f64) unreachable))",
            rule!(Rule::FloatingPoint { what } if what.contains("f64") && what.contains("result")),
        )
        .at(At::Section(1)),
        Case::wat(
            "f64 result in an unused type",
            "(module (type (func (param i32) (result i32 f64))))",
            rule!(Rule::FloatingPoint { what } if what.contains("f64")),
        )
        .at(At::Section(1)),
        Case::wat(
            "f32 local",
            "(module (func $compute (local f32)))",
            rule!(Rule::FloatingPoint { what } if what.contains("f32") && what.contains("local")),
        )
        .at(At::Section(10))
        .in_function(0, Some("compute")),
        Case::wat(
            "f64 local after integer locals, behind an import",
            r#"(module
                 (import "env" "f" (func (param i32) (result i32)))
                 (func $first)
                 (func $second (local i32 i64) (local f64)))"#,
            rule!(Rule::FloatingPoint { what } if what.contains("f64") && what.contains("local")),
        )
        .config(config_with_host_function())
        .at(At::Section(10))
        .in_function(2, Some("second")),
        Case::wat(
            "f64 global",
            "(module (global f64 (f64.const 0)))",
            rule!(Rule::FloatingPoint { what } if what.contains("f64") && what.contains("global")),
        )
        .at(At::Section(6)),
        Case::wat(
            "mutable exported f32 global",
            r#"(module (global (export "g") (mut f32) (f32.const 1)))"#,
            rule!(Rule::FloatingPoint { what } if what.contains("f32")),
        )
        .at(At::Section(6)),
        // An i32 global cannot be initialised by f32.const in a valid module;
        // the initialiser is checked on its own all the same.
        Case::wat(
            "f32.const initialiser of an i32 global",
            "(module (global i32 (f32.const 1)))",
            rule!(Rule::FloatingPoint { what } if what == "f32.const"),
        )
        .at(At::Byte(0x43))
        .invalid(),
        Case::wat(
            "f64.const data segment offset",
            r#"(module (memory 1) (data (offset (f64.const 0)) "x"))"#,
            rule!(Rule::FloatingPoint { what } if what == "f64.const"),
        )
        .at(At::Byte(0x44))
        .invalid(),
        Case::wat(
            "f64 block type",
            "(module (func $f (block (result f64) unreachable) drop))",
            rule!(Rule::FloatingPoint { what } if what.contains("f64") && what.contains("block")),
        )
        .at(At::Byte(0x02))
        .in_function(0, Some("f")),
        Case::wat(
            "f32 if type",
            r#"(module (func $f (result i32)
                 i32.const 1
                 (if (result f32) (then unreachable) (else unreachable))
                 drop
                 i32.const 0))"#,
            rule!(Rule::FloatingPoint { what } if what.contains("f32")),
        )
        .at(At::Byte(0x04))
        .in_function(0, Some("f")),
        Case::wat(
            "f64 loop type",
            "(module (func (loop (result f64) unreachable) drop))",
            rule!(Rule::FloatingPoint { what } if what.contains("f64")),
        )
        .at(At::Byte(0x03))
        .in_function(0, None),
        Case::wat(
            "typed select of f32",
            "(module (func $pick unreachable select (result f32) drop))",
            rule!(Rule::FloatingPoint { what } if what.contains("f32") && what.contains("select")),
        )
        .at(At::Byte(0x1c))
        .in_function(0, Some("pick")),
        Case::wat(
            "f64 arithmetic in live code, named function",
            r#"(module
                 (func $ok (result i32) i32.const 1)
                 (func $compute (export "compute") (result i32)
                   f64.const 1 f64.const 2 f64.lt))"#,
            rule!(Rule::FloatingPoint { what } if what == "f64.const"),
        )
        .at(At::Byte(0x44))
        .in_function(1, Some("compute")),
        Case::wat(
            "float after return (dead code)",
            r#"(module (func $compute (result i32)
                 i32.const 1
                 return
                 f64.const 1
                 f64.const 2
                 f64.add
                 drop))"#,
            rule!(Rule::FloatingPoint { what } if what == "f64.const"),
        )
        .at(At::Byte(0x44))
        .in_function(0, Some("compute")),
        Case::wat(
            "float in a never-taken branch of a never-called function",
            r#"(module
                 (func $never (param i32)
                   (if (i32.const 0)
                     (then (drop (f32.sqrt (f32.const 2)))))))"#,
            rule!(Rule::FloatingPoint { what } if what == "f32.const"),
        )
        .at(At::Byte(0x43))
        .in_function(0, Some("never")),
    ];
    for (text, opcode, memory, value) in FLOAT_OPERATORS {
        let name = text.split(' ').next().unwrap_or(text).to_string();
        let memory = if *memory { "(memory 1)" } else { "" };
        let drop = if *value { "drop" } else { "" };
        let module = format!(
            r#"(module {memory}
                 (func $ok (result i32) i32.const 1)
                 (func $uses_float unreachable {text} {drop}))"#
        );
        let expected = name.clone();
        cases.push(
            Case::wat(
                format!("{name} in dead code"),
                &module,
                rule!(Rule::FloatingPoint { what } if *what == expected),
            )
            .at(At::Byte(*opcode))
            .in_function(1, Some("uses_float")),
        );
    }
    cases
}

#[test]
fn every_float_form_is_rejected() {
    run_group("floating point", &float_cases());
}

// ---------------------------------------------------------------------------
// Disabled proposals.

fn proposal_cases() -> Vec<Case> {
    use Proposal as P;
    vec![
        // SIMD
        Case::wat(
            "v128 parameter",
            "(module (func (param v128)))",
            rule!(Rule::Proposal { proposal: P::Simd, .. }),
        )
        .at(At::Section(1)),
        Case::wat(
            "v128 local",
            "(module (func $f (local v128)))",
            rule!(Rule::Proposal { proposal: P::Simd, .. }),
        )
        .at(At::Section(10))
        .in_function(0, Some("f")),
        Case::wat(
            "v128 global",
            "(module (global v128 (v128.const i64x2 0 0)))",
            rule!(Rule::Proposal { proposal: P::Simd, .. }),
        )
        .at(At::Section(6)),
        Case::wat(
            "v128.const",
            "(module (func $f (v128.const i32x4 1 2 3 4) drop))",
            rule!(Rule::Proposal { proposal: P::Simd, what } if what == "v128.const"),
        )
        .at(At::Byte(0xfd))
        .in_function(0, Some("f")),
        Case::wat(
            "i32x4.add",
            "(module (func unreachable i32x4.add drop))",
            rule!(Rule::Proposal { proposal: P::Simd, what } if what.contains("i32x4")),
        )
        .at(At::Byte(0xfd))
        .in_function(0, None),
        Case::wat(
            "f32x4.mul is SIMD",
            "(module (func unreachable f32x4.mul drop))",
            rule!(Rule::Proposal { proposal: P::Simd, .. }),
        )
        .at(At::Byte(0xfd))
        .in_function(0, None),
        Case::wat(
            "relaxed SIMD",
            "(module (func unreachable i32x4.relaxed_trunc_f32x4_s drop))",
            rule!(Rule::Proposal { proposal: P::Simd, .. }),
        )
        .at(At::Byte(0xfd))
        .in_function(0, None),
        // Threads
        Case::wat(
            "shared memory",
            "(module (memory 1 1 shared))",
            rule!(Rule::Proposal { proposal: P::Threads, .. }),
        )
        .at(At::Section(5)),
        Case::wat(
            "i32.atomic.load",
            "(module (memory 1 1) (func $f (result i32) (i32.atomic.load (i32.const 0))))",
            rule!(Rule::Proposal { proposal: P::Threads, what } if what.contains("atomic")),
        )
        .at(At::Byte(0xfe))
        .in_function(0, Some("f")),
        Case::wat(
            "atomic.fence",
            "(module (func atomic.fence))",
            rule!(Rule::Proposal { proposal: P::Threads, .. }),
        )
        .at(At::Byte(0xfe))
        .in_function(0, None),
        Case::wat(
            "memory.atomic.notify",
            "(module (memory 1 1 shared) (func unreachable memory.atomic.notify drop))",
            rule!(Rule::Proposal { proposal: P::Threads, .. }),
        )
        .at(At::Section(5)),
        // Exceptions
        Case::wat(
            "tag section",
            "(module (tag $e (param i32)))",
            rule!(Rule::Proposal { proposal: P::Exceptions, .. }),
        )
        .at(At::Section(13)),
        Case::wat(
            "tag section and throw",
            "(module (tag $e) (func (throw $e)))",
            rule!(Rule::Proposal { proposal: P::Exceptions, .. }),
        )
        .at(At::Section(13)),
        Case::wat(
            "try_table without tags",
            "(module (func $f (try_table)))",
            rule!(Rule::Proposal { proposal: P::Exceptions, what } if what == "try_table"),
        )
        .at(At::Byte(0x1f))
        .in_function(0, Some("f")),
        Case::wat(
            "throw_ref in dead code",
            "(module (func unreachable throw_ref))",
            rule!(Rule::Proposal { proposal: P::Exceptions, .. }),
        )
        .at(At::Byte(0x0a))
        .in_function(0, None),
        // Without a tag section `throw 0` cannot be valid.
        Case::wat(
            "throw without a tag section",
            "(module (func $f (throw 0)))",
            rule!(Rule::Proposal { proposal: P::Exceptions, what } if what == "throw"),
        )
        .at(At::Byte(0x08))
        .in_function(0, Some("f"))
        .invalid(),
        Case::wat(
            "legacy try",
            "(module (func $f try catch_all end))",
            rule!(Rule::Proposal { proposal: P::Exceptions, .. }),
        )
        .at(At::Byte(0x06))
        .in_function(0, Some("f")),
        Case::wat(
            "exnref parameter",
            "(module (func (param exnref)))",
            rule!(Rule::Proposal { proposal: P::Exceptions, .. }),
        )
        .at(At::Section(1)),
        // Tail calls
        Case::wat(
            "return_call",
            "(module (func $f return_call $f))",
            rule!(Rule::Proposal { proposal: P::TailCalls, what } if what == "return_call"),
        )
        .at(At::Byte(0x12))
        .in_function(0, Some("f")),
        Case::wat(
            "return_call_indirect",
            "(module (type $t (func)) (table 1 funcref) (func (return_call_indirect (type $t) (i32.const 0))))",
            rule!(Rule::Proposal { proposal: P::TailCalls, .. }),
        )
        .at(At::Byte(0x13))
        .in_function(0, None),
        // GC
        Case::wat(
            "struct type",
            "(module (type (struct (field i32))))",
            rule!(Rule::Proposal { proposal: P::Gc, .. }),
        )
        .at(At::Section(1)),
        Case::wat(
            "array type",
            "(module (type (array (mut i8))))",
            rule!(Rule::Proposal { proposal: P::Gc, .. }),
        )
        .at(At::Section(1)),
        Case::wat(
            "recursion group",
            "(module (rec (type (func)) (type (func))))",
            rule!(Rule::Proposal { proposal: P::Gc, .. }),
        )
        .at(At::Section(1)),
        Case::wat(
            "non-final subtype",
            "(module (type (sub (func))))",
            rule!(Rule::Proposal { proposal: P::Gc, .. }),
        )
        .at(At::Section(1)),
        Case::wat(
            "anyref parameter",
            "(module (func (param anyref)))",
            rule!(Rule::Proposal { proposal: P::Gc, .. }),
        )
        .at(At::Section(1)),
        Case::wat(
            "ref.i31",
            "(module (func unreachable ref.i31 drop))",
            rule!(Rule::Proposal { proposal: P::Gc, .. }),
        )
        .at(At::Byte(0xfb))
        .in_function(0, None),
        // Typed function references
        Case::wat(
            "non-nullable funcref parameter",
            "(module (func (param (ref func))))",
            rule!(Rule::Proposal { proposal: P::FunctionReferences, .. }),
        )
        .at(At::Section(1)),
        Case::wat(
            "concrete reference type",
            "(module (type $t (func)) (func (param (ref null $t))))",
            rule!(Rule::Proposal { proposal: P::FunctionReferences, .. }),
        )
        .at(At::Section(1)),
        Case::wat(
            "call_ref",
            "(module (type $t (func)) (func $f unreachable call_ref $t))",
            rule!(Rule::Proposal { proposal: P::FunctionReferences, what } if what == "call_ref"),
        )
        .at(At::Byte(0x14))
        .in_function(0, Some("f")),
        Case::wat(
            "ref.as_non_null",
            "(module (func unreachable ref.as_non_null drop))",
            rule!(Rule::Proposal { proposal: P::FunctionReferences, .. }),
        )
        .at(At::Byte(0xd4))
        .in_function(0, None),
        Case::wat(
            "table initialiser expression",
            "(module (table 1 funcref (ref.null func)))",
            rule!(Rule::Proposal { proposal: P::FunctionReferences, .. }),
        )
        .at(At::Section(4)),
        // Memory64
        Case::wat(
            "64-bit memory",
            "(module (memory i64 1))",
            rule!(Rule::Proposal { proposal: P::Memory64, .. }),
        )
        .at(At::Section(5)),
        Case::wat(
            "64-bit table",
            "(module (table i64 1 funcref))",
            rule!(Rule::Proposal { proposal: P::Memory64, .. }),
        )
        .at(At::Section(4)),
        // Multi-memory
        Case::wat(
            "two memories",
            "(module (memory 1) (memory 1))",
            rule!(Rule::Proposal { proposal: P::MultiMemory, .. }),
        )
        .at(At::Section(5)),
        Case::wat(
            "data segment for memory 1",
            r#"(module (memory 1) (memory 1) (data (memory 1) (i32.const 0) "x"))"#,
            rule!(Rule::Proposal { proposal: P::MultiMemory, .. }),
        )
        .at(At::Section(5)),
        Case::wat(
            "load from memory 1",
            "(module (memory 1) (memory $m 1) (func (result i32) (i32.load $m (i32.const 0))))",
            rule!(Rule::Proposal { proposal: P::MultiMemory, .. }),
        )
        .at(At::Section(5)),
        // Extended constant expressions
        Case::wat(
            "i32.add in a global initialiser",
            "(module (global i32 (i32.add (i32.const 1) (i32.const 2))))",
            rule!(Rule::Proposal { proposal: P::ExtendedConst, .. }),
        )
        .at(At::Section(6)),
        Case::wat(
            "i64.mul in a data offset",
            r#"(module (memory 1) (global i64 (i64.const 3))
                 (global i64 (i64.mul (global.get 0) (i64.const 2))))"#,
            rule!(Rule::Proposal { proposal: P::ExtendedConst, .. }),
        )
        .at(At::Section(6)),
        // Custom page sizes
        Case::wat(
            "one-byte pages",
            "(module (memory 1 (pagesize 1)))",
            rule!(Rule::Proposal { proposal: P::CustomPageSizes, .. }),
        )
        .at(At::Section(5)),
        // Wide arithmetic
        Case::wat(
            "i64.add128",
            "(module (func $wide unreachable i64.add128 drop drop))",
            rule!(Rule::Proposal { proposal: P::WideArithmetic, what } if what.contains("add128")),
        )
        .at(At::Byte(0xfc))
        .in_function(0, Some("wide")),
        Case::wat(
            "i64.mul_wide_s",
            "(module (func unreachable i64.mul_wide_s drop drop))",
            rule!(Rule::Proposal { proposal: P::WideArithmetic, .. }),
        )
        .at(At::Byte(0xfc))
        .in_function(0, None),
        // The component model
        Case::wat(
            "a component",
            "(component)",
            rule!(Rule::Proposal { proposal: P::ComponentModel, .. }),
        )
        .at(At::Within(0..8)),
        Case::wat(
            "a component with a core module inside",
            "(component (core module (func)))",
            rule!(Rule::Proposal { proposal: P::ComponentModel, .. }),
        )
        .at(At::Within(0..8)),
    ]
}

#[test]
fn every_disabled_proposal_is_rejected() {
    run_group("disabled proposals", &proposal_cases());
}

// ---------------------------------------------------------------------------
// Malformed binaries.

const HEADER: &[u8] = b"\0asm\x01\0\0\0";

fn with_header(rest: &[u8]) -> Vec<u8> {
    let mut wasm = HEADER.to_vec();
    wasm.extend_from_slice(rest);
    wasm
}

/// One section with its size prefix.
fn section(id: u8, content: &[u8]) -> Vec<u8> {
    let mut bytes = vec![id];
    leb_u32(content.len() as u32, &mut bytes);
    bytes.extend_from_slice(content);
    bytes
}

/// `(type (func))`, `(import "env" "f" (func))` with the given names.
fn import_module(module: &[u8], name: &[u8]) -> Vec<u8> {
    let mut import = vec![1];
    leb_u32(module.len() as u32, &mut import);
    import.extend_from_slice(module);
    leb_u32(name.len() as u32, &mut import);
    import.extend_from_slice(name);
    import.extend_from_slice(&[0x00, 0x00]);
    let mut wasm = with_header(&section(1, &[1, 0x60, 0, 0]));
    wasm.extend(section(2, &import));
    wasm
}

/// One function `(func)` with `code` (then `end`), a one-page memory and,
/// with `passive_data`, one passive data segment (and the data count).
fn memory_code_module(code: &[u8], passive_data: bool) -> Vec<u8> {
    let mut body = vec![0x00];
    body.extend_from_slice(code);
    body.push(0x0b);
    let mut entry = vec![1];
    leb_u32(body.len() as u32, &mut entry);
    entry.extend_from_slice(&body);
    let mut wasm = with_header(&section(1, &[1, 0x60, 0, 0]));
    wasm.extend(section(3, &[1, 0]));
    wasm.extend(section(5, &[1, 0, 1]));
    if passive_data {
        wasm.extend(section(12, &[1]));
    }
    wasm.extend(section(10, &entry));
    if passive_data {
        wasm.extend(section(11, &[1, 1, 1, b'x']));
    }
    wasm
}

fn reserved_byte_module(code: &[u8]) -> Vec<u8> {
    memory_code_module(code, false)
}

fn malformed_cases() -> Vec<Case> {
    let malformed = || rule!(Rule::Malformed { .. });
    let counter = wat(include_str!("../examples/modules/counter.wat"));
    let code = section_range(&counter, 10).expect("counter.wat has code");
    let truncated = counter[..(code.start + code.end) as usize / 2].to_vec();

    // (func) exported as "\xff"
    let mut bad_export = with_header(&section(1, &[1, 0x60, 0, 0]));
    bad_export.extend(section(3, &[1, 0]));
    bad_export.extend(section(7, &[1, 1, 0xff, 0x00, 0x00]));
    bad_export.extend(section(10, &[1, 2, 0, 0x0b]));

    vec![
        Case::new("empty input", Vec::new(), malformed()).invalid(),
        Case::new("bad magic", b"\0asn\x01\0\0\0".to_vec(), malformed())
            .at(At::Within(0..4))
            .invalid(),
        Case::new("ELF header", b"\x7fELF\x02\x01\x01\0".to_vec(), malformed())
            .at(At::Within(0..4))
            .invalid(),
        Case::new("bad version", b"\0asm\x02\0\0\0".to_vec(), malformed())
            .at(At::Within(0..8))
            .invalid(),
        Case::new("header cut short", b"\0asm\x01\0".to_vec(), malformed()).invalid(),
        Case::new("truncated code section", truncated, malformed()).invalid(),
        Case::new(
            "section declared longer than the input",
            with_header(&[1, 0x20, 1, 0x60, 0, 0]),
            malformed(),
        )
        .invalid(),
        Case::new(
            "overlong LEB128 section size (6 bytes)",
            with_header(&[1, 0x84, 0x80, 0x80, 0x80, 0x80, 0x00, 1, 0x60, 0, 0]),
            malformed(),
        )
        .at(At::Within(8..15))
        .invalid(),
        Case::new(
            "LEB128 u32 with bits beyond 32",
            with_header(&[1, 0x04, 0xff, 0xff, 0xff, 0xff, 0x7f]),
            malformed(),
        )
        .invalid(),
        Case::new(
            "overlong LEB128 type count",
            with_header(&section(
                1,
                &[0x81, 0x80, 0x80, 0x80, 0x80, 0x00, 0x60, 0, 0],
            )),
            malformed(),
        )
        .at(At::Section(1))
        .invalid(),
        Case::new(
            "section size larger than its content",
            {
                // type section: 4 bytes of content, declared 5, then a
                // function section that the type section swallows a byte of.
                let mut wasm = with_header(&[1, 5, 1, 0x60, 0, 0]);
                wasm.extend(section(3, &[1, 0]));
                wasm
            },
            malformed(),
        )
        .invalid(),
        Case::new(
            "section size smaller than its content",
            with_header(&[1, 3, 1, 0x60, 0, 0]),
            malformed(),
        )
        .invalid(),
        Case::new(
            "custom section with a huge declared length",
            with_header(&[0, 0xff, 0xff, 0xff, 0xff, 0x0f, 3, b'b', b'i', b'g']),
            malformed(),
        )
        .invalid(),
        Case::new(
            "custom section name longer than the section",
            with_header(&section(0, &[0x20, b'n', b'a', b'm', b'e'])),
            malformed(),
        )
        .invalid(),
        Case::new(
            "invalid UTF-8 in an import field name",
            import_module(b"env", b"\xff\xfe"),
            malformed(),
        )
        .at(At::Section(2))
        .invalid(),
        Case::new(
            "invalid UTF-8 in an import module name",
            import_module(b"\xc0\x80", b"f"),
            malformed(),
        )
        .at(At::Section(2))
        .invalid(),
        Case::new("invalid UTF-8 in an export name", bad_export, malformed())
            .at(At::Section(7))
            .invalid(),
        Case::new(
            "invalid UTF-8 in a custom section name",
            with_header(&section(0, &[2, 0xed, 0xa0])),
            malformed(),
        )
        .invalid(),
        Case::new(
            "unknown section id 0x7f",
            with_header(&section(0x7f, &[])),
            malformed(),
        )
        .at(At::Within(8..11))
        .invalid(),
        Case::new(
            "unknown section id 14",
            with_header(&section(14, &[0])),
            malformed(),
        )
        .at(At::Within(8..11))
        .invalid(),
        Case::new(
            "function body cut short inside an instruction",
            {
                let mut wasm = with_header(&section(1, &[1, 0x60, 0, 0]));
                wasm.extend(section(3, &[1, 0]));
                // i32.const with a LEB that never ends within the body
                wasm.extend(section(10, &[1, 4, 0, 0x41, 0x80, 0x80]));
                wasm
            },
            rule!(Rule::Malformed { .. }),
        )
        .at(At::Section(10))
        .in_function(0, None)
        .invalid(),
        // The spec calls these malformed; wasmparser reports the first as a
        // validation error. Either is a rejection for the right reason.
        Case::new(
            "two type sections",
            {
                let mut wasm = with_header(&section(1, &[0]));
                wasm.extend(section(1, &[0]));
                wasm
            },
            rule!(Rule::Malformed { .. } | Rule::Invalid { .. }),
        )
        .invalid(),
        Case::new(
            "function and code counts differ",
            {
                let mut wasm = with_header(&section(1, &[1, 0x60, 0, 0]));
                wasm.extend(section(3, &[2, 0, 0]));
                wasm.extend(section(10, &[1, 2, 0, 0x0b]));
                wasm
            },
            rule!(Rule::Malformed { .. } | Rule::Invalid { .. }),
        )
        .invalid(),
        // WebAssembly 2.0 encodes the reserved byte of memory.size and
        // memory.grow as exactly one 0x00 byte ("zero byte expected" in the
        // spec suite). These modules are valid with every feature on only
        // because multi-memory reads a LEB128 memory index there.
        Case::new(
            "memory.grow reserved byte as a two-byte LEB128 zero",
            reserved_byte_module(&[0x41, 0x00, 0x40, 0x80, 0x00, 0x1a]),
            rule!(Rule::Malformed { .. }),
        )
        .at(At::Section(10))
        .in_function(0, None),
        Case::new(
            "memory.size reserved byte as a three-byte LEB128 zero",
            reserved_byte_module(&[0x3f, 0x80, 0x80, 0x00, 0x1a]),
            rule!(Rule::Malformed { .. }),
        )
        .at(At::Section(10))
        .in_function(0, None),
        // The same holds for the memory index bytes of the bulk memory
        // operators, which WebAssembly 2.0 also fixes to one 0x00 byte.
        Case::new(
            "memory.fill memory byte as a two-byte LEB128 zero",
            reserved_byte_module(&[0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 0x0b, 0x80, 0x00]),
            rule!(Rule::Malformed { .. }),
        )
        .at(At::Section(10))
        .in_function(0, None),
        Case::new(
            "memory.copy memory byte as a two-byte LEB128 zero",
            reserved_byte_module(&[0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 0x0a, 0x80, 0x00, 0x00]),
            rule!(Rule::Malformed { .. }),
        )
        .at(At::Section(10))
        .in_function(0, None),
        Case::new(
            "memory.init memory byte as a two-byte LEB128 zero",
            memory_code_module(
                &[0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 0x08, 0x00, 0x80, 0x00],
                true,
            ),
            rule!(Rule::Malformed { .. }),
        )
        .at(At::Section(10))
        .in_function(0, None),
        // A memarg whose flags have bit 6 set carries a memory index in the
        // multi-memory encoding; in WebAssembly 2.0 the flags are the
        // alignment exponent, and 2^66 is far above natural alignment.
        Case::new(
            "i32.load with the multi-memory index flag",
            reserved_byte_module(&[0x41, 0x00, 0x28, 0x42, 0x00, 0x00, 0x1a]),
            rule!(
                Rule::Malformed { .. }
                    | Rule::Invalid { .. }
                    | Rule::Proposal {
                        proposal: Proposal::MultiMemory,
                        ..
                    }
            ),
        )
        .at(At::Section(10))
        .in_function(0, None),
        // Memory limits are u32 LEB128s in WebAssembly 2.0, at most five
        // bytes ("integer representation too long"); valid with every
        // feature on only because memory64 reads 64-bit limits.
        Case::new(
            "memory minimum as a six-byte LEB128",
            with_header(&section(5, &[1, 0x00, 0x82, 0x80, 0x80, 0x80, 0x80, 0x00])),
            rule!(Rule::Malformed { .. }),
        )
        .at(At::Section(5)),
        Case::new(
            "table minimum as a six-byte LEB128",
            with_header(&section(
                4,
                &[1, 0x70, 0x00, 0x82, 0x80, 0x80, 0x80, 0x80, 0x00],
            )),
            rule!(Rule::Malformed { .. }),
        )
        .at(At::Section(4)),
    ]
}

#[test]
fn malformed_binaries_are_rejected() {
    run_group("malformed binaries", &malformed_cases());
}

// ---------------------------------------------------------------------------
// Declared-size bombs: a few bytes that claim billions of entries. They must
// be rejected from the declared count, before anything is allocated or read.

fn bomb_cases() -> Vec<Case> {
    const HUGE: &[u8] = &[0xff, 0xff, 0xff, 0xff, 0x0f]; // u32::MAX
    let huge = u64::from(u32::MAX);
    let count_section = |id: u8| with_header(&section(id, HUGE));
    let limit = |expected: Limit| rule!(Rule::Limit { limit, found, .. } if *limit == expected && *found == huge);
    let mut locals_body = vec![1];
    locals_body.extend_from_slice(HUGE);
    locals_body.extend_from_slice(&[0x7f, 0x0b]);
    let mut memory = vec![1, 0x00];
    memory.extend_from_slice(HUGE);
    let mut table = vec![1, 0x70, 0x00];
    table.extend_from_slice(HUGE);
    let mut br_table = vec![0x00, 0x02, 0x40, 0x41, 0x00, 0x0e];
    br_table.extend_from_slice(HUGE);
    br_table.extend_from_slice(&[0x00, 0x00, 0x0b, 0x0b]);
    vec![
        Case::new("4 billion types", count_section(1), limit(Limit::Types))
            .at(At::Section(1))
            .invalid(),
        Case::new("4 billion imports", count_section(2), limit(Limit::Imports))
            .at(At::Section(2))
            .invalid(),
        Case::new(
            "4 billion functions",
            count_section(3),
            limit(Limit::Functions),
        )
        .at(At::Section(3))
        .invalid(),
        Case::new("4 billion tables", count_section(4), limit(Limit::Tables))
            .at(At::Section(4))
            .invalid(),
        Case::new("4 billion globals", count_section(6), limit(Limit::Globals))
            .at(At::Section(6))
            .invalid(),
        Case::new("4 billion exports", count_section(7), limit(Limit::Exports))
            .at(At::Section(7))
            .invalid(),
        Case::new(
            "4 billion element segments",
            count_section(9),
            limit(Limit::ElementSegments),
        )
        .at(At::Section(9))
        .invalid(),
        Case::new(
            "4 billion data segments",
            count_section(11),
            limit(Limit::DataSegments),
        )
        .at(At::Section(11))
        .invalid(),
        Case::new(
            "4 billion locals in one declaration",
            raw_body_module(&locals_body),
            limit(Limit::LocalsPerFunction),
        )
        .at(At::Section(10))
        .in_function(0, None)
        .invalid(),
        Case::new(
            "4 billion memory pages",
            with_header(&section(5, &memory)),
            limit(Limit::MemoryPages),
        )
        .at(At::Section(5))
        .invalid(),
        Case::new(
            "4 billion table elements",
            with_header(&section(4, &table)),
            limit(Limit::TableElements),
        )
        .at(At::Section(4)),
        // The targets are not there: the decoder may find the end of the
        // body first. Either way it is not read four billion times.
        Case::new(
            "br_table declaring 4 billion targets",
            raw_body_module(&br_table),
            rule!(
                Rule::Malformed { .. }
                    | Rule::Limit {
                        limit: Limit::BrTableTargets,
                        ..
                    }
            ),
        )
        .at(At::Section(10))
        .in_function(0, None)
        .invalid(),
        // Never called, so its prologue never traps: without the frame limit
        // every call into the module would get a value stack of about 2.1
        // million slots (33.6 MiB), paid only by the entry base.
        Case::new(
            "value-stack bomb: 130,000 two-byte calls of 16 results",
            frame_module(0, 0, 130_000, 0),
            rule!(Rule::Limit {
                limit: Limit::FrameSlots,
                found: 2_080_004,
                ..
            }),
        )
        .at(At::Section(10))
        .in_function(1, None),
    ]
}

#[test]
fn declared_size_bombs_are_rejected() {
    let start = Instant::now();
    run_group("declared-size bombs", &bomb_cases());
    assert!(start.elapsed() < QUICKLY, "took {:?}", start.elapsed());
}

// ---------------------------------------------------------------------------
// Imports, reserved names, start function.

fn import_cases() -> Vec<Case> {
    let reserved_anyway = InstrumentConfig {
        host_imports: vec![HostImport {
            module: "gasworks",
            name: "gas",
            params: &[ValType::I64],
            results: &[],
        }],
        ..InstrumentConfig::default()
    };
    vec![
        Case::wat(
            "unknown host function",
            r#"(module (import "env" "launch_missiles" (func (param i32))))"#,
            rule!(Rule::UnknownImport { module, name } if module == "env" && name == "launch_missiles"),
        )
        .at(At::Section(2)),
        Case::wat(
            "known name in another module",
            r#"(module (import "other" "f" (func (param i32) (result i32))))"#,
            rule!(Rule::UnknownImport { module, name } if module == "other" && name == "f"),
        )
        .config(config_with_host_function())
        .at(At::Section(2)),
        Case::wat(
            "memory import",
            r#"(module (import "env" "memory" (memory 1)))"#,
            rule!(Rule::UnknownImport { module, name } if module == "env" && name == "memory"),
        )
        .at(At::Section(2)),
        Case::wat(
            "memory import under a manifest function's name",
            r#"(module (import "env" "f" (memory 1)))"#,
            rule!(Rule::UnknownImport { .. }),
        )
        .config(config_with_host_function())
        .at(At::Section(2)),
        Case::wat(
            "global import",
            r#"(module (import "env" "g" (global i32)))"#,
            rule!(Rule::UnknownImport { name, .. } if name == "g"),
        )
        .at(At::Section(2)),
        Case::wat(
            "table import",
            r#"(module (import "env" "t" (table 1 funcref)))"#,
            rule!(Rule::UnknownImport { name, .. } if name == "t"),
        )
        .at(At::Section(2)),
        Case::wat(
            "second import unknown after a good one",
            r#"(module
                 (import "env" "f" (func (param i32) (result i32)))
                 (import "env" "g" (func)))"#,
            rule!(Rule::UnknownImport { name, .. } if name == "g"),
        )
        .config(config_with_host_function())
        .at(At::Section(2)),
        Case::wat(
            "signature mismatch: parameter type",
            r#"(module (import "env" "f" (func (param i64) (result i32))))"#,
            rule!(Rule::ImportSignature { module, name, expected, found }
                if module == "env" && name == "f"
                    && expected == "(func (param i32) (result i32))"
                    && found == "(func (param i64) (result i32))"),
        )
        .config(config_with_host_function())
        .at(At::Section(2)),
        Case::wat(
            "signature mismatch: missing result",
            r#"(module (import "env" "f" (func (param i32))))"#,
            rule!(Rule::ImportSignature { expected, found, .. }
                if expected == "(func (param i32) (result i32))"
                    && found == "(func (param i32))"),
        )
        .config(config_with_host_function())
        .at(At::Section(2)),
        Case::wat(
            "signature mismatch: extra parameter",
            r#"(module (import "env" "f" (func (param i32 i32) (result i32))))"#,
            rule!(Rule::ImportSignature { .. }),
        )
        .config(config_with_host_function())
        .at(At::Section(2)),
        Case::wat(
            "reserved: importing the gas function",
            r#"(module (import "gasworks" "gas" (func (param i64))))"#,
            rule!(Rule::ReservedName { name } if name == "gasworks.gas"),
        )
        .at(At::Section(2)),
        Case::wat(
            "reserved: importing stack_exhausted",
            r#"(module (import "gasworks" "stack_exhausted" (func)))"#,
            rule!(Rule::ReservedName { name } if name == "gasworks.stack_exhausted"),
        )
        .at(At::Section(2)),
        Case::wat(
            "reserved: any name from the metering module",
            r#"(module (import "gasworks" "stack_height" (global (mut i32))))"#,
            rule!(Rule::ReservedName { name } if name == "gasworks.stack_height"),
        )
        .at(At::Section(2)),
        Case::wat(
            "reserved even when a configuration lists it",
            r#"(module (import "gasworks" "gas" (func (param i64))))"#,
            rule!(Rule::ReservedName { .. }),
        )
        .config(reserved_anyway)
        .at(At::Section(2)),
        Case::wat(
            "start function",
            "(module (func $init) (start $init))",
            rule!(Rule::StartFunction),
        )
        .at(At::Section(8)),
        Case::wat(
            "start function calling a host function",
            r#"(module (import "env" "f" (func $f (param i32) (result i32)))
                 (func $init (drop (call $f (i32.const 1)))) (start $init))"#,
            rule!(Rule::StartFunction),
        )
        .config(config_with_host_function())
        .at(At::Section(8)),
    ]
}

#[test]
fn disallowed_imports_reserved_names_and_start_are_rejected() {
    run_group("imports and start", &import_cases());
}

/// Near misses of the hostile cases that are inside the profile: if these
/// were rejected, the cases above would prove nothing.
#[test]
fn near_misses_are_accepted() {
    let controls: &[(&str, &str, InstrumentConfig)] = &[
        (
            "integer operator in dead code",
            "(module (func unreachable i32.add drop))",
            InstrumentConfig::default(),
        ),
        (
            "host import with the manifest's signature",
            r#"(module (import "env" "f" (func (param i32) (result i32)))
                 (func (export "run") (result i32) (call 0 (i32.const 1))))"#,
            config_with_host_function(),
        ),
        (
            "integer block, select, global and memory",
            r#"(module (memory 1 512) (global (mut i64) (i64.const 0))
                 (func (param i32) (result i32)
                   (block (result i32) (select (result i32) (local.get 0) (i32.const 1) (i32.const 0)))))"#,
            InstrumentConfig::default(),
        ),
        (
            "sign extension and saturating-free conversions",
            "(module (func (param i32) (result i64) (i64.extend_i32_s (i32.extend8_s (local.get 0)))))",
            InstrumentConfig::default(),
        ),
        (
            "bulk memory",
            r#"(module (memory 1) (data $d "abc")
                 (func (param i32) (memory.init $d (i32.const 0) (i32.const 0) (local.get 0))
                   (data.drop $d) (memory.fill (i32.const 0) (i32.const 0) (local.get 0))))"#,
            InstrumentConfig::default(),
        ),
        (
            "funcref table and call_indirect",
            r#"(module (type $t (func)) (table 2 funcref) (func $f) (elem (i32.const 0) $f)
                 (func (call_indirect (type $t) (i32.const 0))))"#,
            InstrumentConfig::default(),
        ),
        (
            "externref parameter and table (reference types, WebAssembly 2.0)",
            "(module (table 1 externref) (func (param externref) (result i32) (ref.is_null (local.get 0))))",
            InstrumentConfig::default(),
        ),
        (
            "ref.null extern and table.grow",
            "(module (table 0 externref) (func (result i32) (table.grow 0 (ref.null extern) (i32.const 1))))",
            InstrumentConfig::default(),
        ),
        (
            "ref.func of an exported function",
            r#"(module (func $f (export "f")) (func (result funcref) (ref.func $f)))"#,
            InstrumentConfig::default(),
        ),
        (
            "multi-value",
            "(module (func (result i32 i64) (i32.const 1) (i64.const 2)))",
            InstrumentConfig::default(),
        ),
    ];
    let mut failures = Vec::new();
    for (name, text, config) in controls {
        let wasm = wat(text);
        match instrument_guarded(&wasm, config) {
            Ok(Ok(instrumented)) => {
                if let Err(error) = valid_with(WasmFeatures::default(), &instrumented.module) {
                    failures.push(format!("  {name}: output invalid: {error}"));
                }
            }
            Ok(Err(rejection)) => failures.push(format!("  {name}: rejected: {rejection}")),
            Err(panic) => failures.push(format!("  {name}: {panic}")),
        }
    }
    assert!(
        failures.is_empty(),
        "near misses not accepted:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_catalogue_has_at_least_40_cases() {
    let count = float_cases().len()
        + proposal_cases().len()
        + malformed_cases().len()
        + bomb_cases().len()
        + import_cases().len();
    // Limits: at least two modules each (at the limit, one over), apart.
    let limits: usize = ALL_LIMITS
        .iter()
        .map(|limit| {
            1 + limit_modules(*limit, limit.value(&Limits::CONSENSUS))
                .over
                .len()
        })
        .sum();
    println!("catalogue: {count} rejection cases plus {limits} limit modules");
    assert!(count >= 40, "only {count} cases");
}

// ---------------------------------------------------------------------------
// Static limits: exactly at the limit is accepted, one over is rejected.

const ALL_LIMITS: [Limit; 20] = [
    Limit::ModuleBytes,
    Limit::Functions,
    Limit::ParamsPerFunction,
    Limit::ParamsTotal,
    Limit::ResultsPerFunction,
    Limit::LocalsPerFunction,
    Limit::LocalsTotal,
    Limit::Globals,
    Limit::Types,
    Limit::Tables,
    Limit::TableElements,
    Limit::MemoryPages,
    Limit::DataSegments,
    Limit::ElementSegments,
    Limit::BrTableTargets,
    Limit::NestingDepth,
    Limit::FunctionBodyBytes,
    Limit::Imports,
    Limit::Exports,
    Limit::FrameSlots,
];

/// Modules for one limit.
struct LimitModules {
    /// Exactly at the limit: must be accepted.
    at_limit: Vec<u8>,
    /// One over, in each way the limit can be exceeded.
    over: Vec<(&'static str, Vec<u8>)>,
    config: InstrumentConfig,
    /// Where the rejection's offset must be.
    at: fn(&[u8]) -> At,
    /// The function the rejection must name (code limits).
    function: Option<u32>,
    /// The rejection may also name no function (module-wide totals).
    function_optional: bool,
}

fn in_section(id: u8) -> fn(&[u8]) -> At {
    match id {
        1 => |_| At::Section(1),
        2 => |_| At::Section(2),
        3 => |_| At::Section(3),
        4 => |_| At::Section(4),
        5 => |_| At::Section(5),
        6 => |_| At::Section(6),
        7 => |_| At::Section(7),
        9 => |_| At::Section(9),
        10 => |_| At::Section(10),
        11 => |_| At::Section(11),
        _ => |_| At::Anywhere,
    }
}

fn empty_body() -> Function {
    let mut body = Function::new([]);
    body.instructions().end();
    body
}

/// A module of functions of one type, with the given bodies.
fn functions_module(params: usize, results: usize, bodies: &[Function]) -> Vec<u8> {
    let mut module = Module::new();
    let mut types = TypeSection::new();
    types.ty().function(
        vec![wasm_encoder::ValType::I32; params],
        vec![wasm_encoder::ValType::I32; results],
    );
    module.section(&types);
    let mut functions = FunctionSection::new();
    for _ in bodies {
        functions.function(0);
    }
    module.section(&functions);
    let mut code = CodeSection::new();
    for body in bodies {
        code.function(body);
    }
    module.section(&code);
    module.finish()
}

/// One function of type `(func)` with a raw body (locals and code).
fn raw_body_module(body: &[u8]) -> Vec<u8> {
    let mut module = Module::new();
    let mut types = TypeSection::new();
    types.ty().function([], []);
    module.section(&types);
    let mut functions = FunctionSection::new();
    functions.function(0);
    module.section(&functions);
    let mut code = CodeSection::new();
    code.raw(body);
    module.section(&code);
    module.finish()
}

/// A module of exactly `target` bytes: one function and a custom section
/// named "pad" filling the rest.
fn padded_module(target: usize) -> Vec<u8> {
    let base = functions_module(0, 0, &[empty_body()]);
    for size_leb in 1..=5 {
        let Some(size) = target.checked_sub(base.len() + 1 + size_leb) else {
            continue;
        };
        if leb_len(size as u32) == size_leb {
            let mut wasm = base.clone();
            wasm.push(0);
            leb_u32(size as u32, &mut wasm);
            wasm.push(3);
            wasm.extend_from_slice(b"pad");
            wasm.resize(target, 0);
            assert_eq!(section_range(&wasm, 0).map(|r| r.end), Some(target as u64));
            return wasm;
        }
    }
    panic!("cannot pad to {target} bytes");
}

fn types_module(param_counts: &[usize]) -> Vec<u8> {
    let mut types = TypeSection::new();
    for params in param_counts {
        types
            .ty()
            .function(vec![wasm_encoder::ValType::I32; *params], []);
    }
    let mut module = Module::new();
    module.section(&types);
    module.finish()
}

/// Splits `total` into chunks of at most `chunk`.
fn chunks(total: u32, chunk: u32) -> Vec<u32> {
    let mut left = total;
    let mut out = Vec::new();
    while left > 0 {
        let next = left.min(chunk);
        out.push(next);
        left -= next;
    }
    out
}

fn locals_module(per_function: &[u32]) -> Vec<u8> {
    let bodies: Vec<Function> = per_function
        .iter()
        .map(|locals| {
            let mut body = Function::new([(*locals, wasm_encoder::ValType::I32)]);
            body.instructions().end();
            body
        })
        .collect();
    functions_module(0, 0, &bodies)
}

/// Function 0 returns 16 values; function 1, of `params` parameters and
/// `locals` declared locals, calls it `calls` times, pushes `operands` more
/// values and ends unreachable: its frame is `FRAME_OVERHEAD + params +
/// locals + 16 * calls + operands` units (the memory-DoS shape: two bytes
/// per call, 16 slots each).
fn frame_module(params: usize, locals: u32, calls: u32, operands: u32) -> Vec<u8> {
    let i32 = wasm_encoder::ValType::I32;
    let mut module = Module::new();
    let mut types = TypeSection::new();
    types.ty().function([], vec![i32; 16]);
    types.ty().function(vec![i32; params], []);
    module.section(&types);
    let mut functions = FunctionSection::new();
    functions.function(0);
    functions.function(1);
    module.section(&functions);
    let mut code = CodeSection::new();
    let mut sixteen = Function::new([]);
    for _ in 0..16 {
        sixteen.instructions().i32_const(0);
    }
    sixteen.instructions().end();
    code.function(&sixteen);
    let mut body = Function::new([(locals, i32)]);
    for _ in 0..calls {
        body.instructions().call(0);
    }
    for _ in 0..operands {
        body.instructions().i32_const(0);
    }
    body.instructions().unreachable().end();
    code.function(&body);
    module.section(&code);
    module.finish()
}

fn globals_module(count: u32) -> Vec<u8> {
    let mut globals = GlobalSection::new();
    for _ in 0..count {
        globals.global(
            GlobalType {
                val_type: wasm_encoder::ValType::I32,
                mutable: false,
                shared: false,
            },
            &ConstExpr::i32_const(0),
        );
    }
    let mut module = Module::new();
    module.section(&globals);
    module.finish()
}

fn tables_module(tables: &[(u64, Option<u64>)]) -> Vec<u8> {
    let mut section = TableSection::new();
    for (minimum, maximum) in tables {
        section.table(TableType {
            element_type: RefType::FUNCREF,
            table64: false,
            minimum: *minimum,
            maximum: *maximum,
            shared: false,
        });
    }
    let mut module = Module::new();
    module.section(&section);
    module.finish()
}

fn memory_module(minimum: u64, maximum: Option<u64>) -> Vec<u8> {
    let mut memories = MemorySection::new();
    memories.memory(MemoryType {
        minimum,
        maximum,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    let mut module = Module::new();
    module.section(&memories);
    module.finish()
}

fn data_module(segments: u32) -> Vec<u8> {
    let mut data = DataSection::new();
    for _ in 0..segments {
        data.passive([0u8]);
    }
    let mut module = Module::new();
    module.section(&data);
    module.finish()
}

fn elements_module(segments: u32) -> Vec<u8> {
    let mut elements = ElementSection::new();
    for _ in 0..segments {
        elements.passive(Elements::Functions(Cow::Borrowed(&[])));
    }
    let mut module = Module::new();
    module.section(&elements);
    module.finish()
}

/// `block; i32.const 0; br_table [0; targets] 0; end`.
fn br_table_module(targets: u32) -> Vec<u8> {
    let mut body = vec![0x00, 0x02, 0x40, 0x41, 0x00, 0x0e];
    leb_u32(targets, &mut body);
    body.resize(body.len() + targets as usize, 0x00);
    body.extend_from_slice(&[0x00, 0x0b, 0x0b]);
    raw_body_module(&body)
}

/// `depth` nested structured instructions (block, loop and if in turn unless
/// `blocks_only`), each closed.
fn nested_module(depth: u32, blocks_only: bool) -> Vec<u8> {
    let mut body = vec![0x00];
    for level in 0..depth {
        match if blocks_only { 0 } else { level % 3 } {
            0 => body.extend_from_slice(&[0x02, 0x40]),
            1 => body.extend_from_slice(&[0x03, 0x40]),
            _ => body.extend_from_slice(&[0x41, 0x00, 0x04, 0x40]),
        }
    }
    body.resize(body.len() + depth as usize, 0x0b);
    body.push(0x0b);
    raw_body_module(&body)
}

/// The offset of the `n`-th (0-based) block, loop or if of the module's
/// code, found with wasmparser.
fn nth_structured_offset(wasm: &[u8], n: usize) -> Option<u64> {
    let mut seen = 0;
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let Ok(wasmparser::Payload::CodeSectionEntry(body)) = payload {
            let mut reader = body.get_operators_reader().ok()?;
            while !reader.eof() {
                let (op, offset) = reader.read_with_offset().ok()?;
                if matches!(
                    op,
                    wasmparser::Operator::Block { .. }
                        | wasmparser::Operator::Loop { .. }
                        | wasmparser::Operator::If { .. }
                ) {
                    if seen == n {
                        return Some(offset);
                    }
                    seen += 1;
                }
            }
        }
    }
    None
}

/// A body of exactly `size` bytes: no locals, nops, end.
fn body_of_size(size: u32) -> Vec<u8> {
    let mut body = vec![0x00];
    body.resize(size as usize - 1, 0x01);
    body.push(0x0b);
    raw_body_module(&body)
}

fn imports_module(count: u32) -> Vec<u8> {
    let mut types = TypeSection::new();
    types.ty().function([], []);
    let mut imports = ImportSection::new();
    for i in 0..count {
        imports.import("env", &format!("f{i}"), EntityType::Function(0));
    }
    let mut module = Module::new();
    module.section(&types);
    module.section(&imports);
    module.finish()
}

/// A manifest of `count` host functions `env.f{i}`, `(func)`.
fn many_host_functions(count: u32) -> InstrumentConfig {
    InstrumentConfig {
        host_imports: (0..count)
            .map(|i| HostImport {
                module: "env",
                name: Box::leak(format!("f{i}").into_boxed_str()),
                params: &[],
                results: &[],
            })
            .collect(),
        ..InstrumentConfig::default()
    }
}

fn exports_module(count: u32) -> Vec<u8> {
    let mut module = Module::new();
    let mut types = TypeSection::new();
    types.ty().function([], []);
    module.section(&types);
    let mut functions = FunctionSection::new();
    functions.function(0);
    module.section(&functions);
    let mut exports = ExportSection::new();
    for i in 0..count {
        exports.export(&format!("e{i}"), ExportKind::Func, 0);
    }
    module.section(&exports);
    let mut code = CodeSection::new();
    code.function(&empty_body());
    module.section(&code);
    module.finish()
}

/// The modules at and over `limit`, whose value is `max`. The match is
/// exhaustive: a new limit does not compile until it has its modules here
/// (and its entry in [`ALL_LIMITS`]).
fn limit_modules(limit: Limit, max: u32) -> LimitModules {
    let plain = |at_limit, over, id| LimitModules {
        at_limit,
        over,
        config: InstrumentConfig::default(),
        at: in_section(id),
        function: None,
        function_optional: false,
    };
    match limit {
        Limit::ModuleBytes => LimitModules {
            at: |_| At::Anywhere,
            ..plain(
                padded_module(max as usize),
                vec![("padded", padded_module(max as usize + 1))],
                0,
            )
        },
        Limit::Functions => plain(
            functions_module(0, 0, &vec![empty_body(); max as usize]),
            vec![(
                "functions",
                functions_module(0, 0, &vec![empty_body(); max as usize + 1]),
            )],
            3,
        ),
        Limit::ParamsPerFunction => plain(
            functions_module(max as usize, 0, &[empty_body()]),
            vec![(
                "params",
                functions_module(max as usize + 1, 0, &[empty_body()]),
            )],
            1,
        ),
        Limit::ParamsTotal => {
            let per = Limits::CONSENSUS.params_per_function;
            let at: Vec<usize> = chunks(max, per).iter().map(|c| *c as usize).collect();
            let over: Vec<usize> = chunks(max + 1, per).iter().map(|c| *c as usize).collect();
            plain(types_module(&at), vec![("params", types_module(&over))], 1)
        }
        Limit::ResultsPerFunction => {
            let body = |results: u32| {
                let mut body = Function::new([]);
                let mut sink = body.instructions();
                for _ in 0..results {
                    sink.i32_const(0);
                }
                sink.end();
                body
            };
            plain(
                functions_module(0, max as usize, &[body(max)]),
                vec![(
                    "results",
                    functions_module(0, max as usize + 1, &[body(max + 1)]),
                )],
                1,
            )
        }
        Limit::LocalsPerFunction => {
            // Two declarations whose sum is over, as well as one.
            let split = {
                let mut body = Function::new([
                    (max, wasm_encoder::ValType::I32),
                    (1, wasm_encoder::ValType::I64),
                ]);
                body.instructions().end();
                functions_module(0, 0, &[body])
            };
            LimitModules {
                function: Some(0),
                ..plain(
                    locals_module(&[max]),
                    vec![
                        ("one declaration", locals_module(&[max + 1])),
                        ("two declarations", split),
                    ],
                    10,
                )
            }
        }
        Limit::LocalsTotal => {
            let per = Limits::CONSENSUS.locals_per_function;
            let over = chunks(max + 1, per);
            LimitModules {
                // The rejection is about the whole module; naming the
                // function that crossed the total is also fine.
                function: Some(over.len() as u32 - 1),
                function_optional: true,
                ..plain(
                    locals_module(&chunks(max, per)),
                    vec![("locals", locals_module(&over))],
                    10,
                )
            }
        }
        Limit::Globals => plain(
            globals_module(max),
            vec![("globals", globals_module(max + 1))],
            6,
        ),
        Limit::Types => plain(
            types_module(&vec![0; max as usize]),
            vec![("types", types_module(&vec![0; max as usize + 1]))],
            1,
        ),
        Limit::Tables => plain(
            tables_module(&vec![(0, None); max as usize]),
            vec![("tables", tables_module(&vec![(0, None); max as usize + 1]))],
            4,
        ),
        Limit::TableElements => {
            let max = u64::from(max);
            plain(
                tables_module(&[(max, Some(max))]),
                vec![
                    ("initial size", tables_module(&[(max + 1, None)])),
                    ("maximum size", tables_module(&[(0, Some(max + 1))])),
                ],
                4,
            )
        }
        Limit::MemoryPages => {
            let max = u64::from(max);
            plain(
                memory_module(max, Some(max)),
                vec![
                    ("initial pages", memory_module(max + 1, None)),
                    ("maximum pages", memory_module(0, Some(max + 1))),
                ],
                5,
            )
        }
        Limit::DataSegments => plain(
            data_module(max),
            vec![("segments", data_module(max + 1))],
            11,
        ),
        Limit::ElementSegments => plain(
            elements_module(max),
            vec![("segments", elements_module(max + 1))],
            9,
        ),
        Limit::BrTableTargets => LimitModules {
            at: |_| At::Byte(0x0e),
            function: Some(0),
            ..plain(
                br_table_module(max),
                vec![("targets", br_table_module(max + 1))],
                10,
            )
        },
        Limit::NestingDepth => LimitModules {
            at: |wasm| {
                let depth = Limits::CONSENSUS.nesting_depth as usize;
                At::Offset(nth_structured_offset(wasm, depth).expect("deep enough"))
            },
            function: Some(0),
            ..plain(
                nested_module(max, false),
                vec![
                    ("block, loop and if", nested_module(max + 1, false)),
                    ("blocks only", nested_module(max + 1, true)),
                ],
                10,
            )
        },
        Limit::FunctionBodyBytes => LimitModules {
            function: Some(0),
            ..plain(body_of_size(max), vec![("body", body_of_size(max + 1))], 10)
        },
        Limit::Imports => LimitModules {
            config: many_host_functions(max + 1),
            ..plain(
                imports_module(max),
                vec![("imports", imports_module(max + 1))],
                2,
            )
        },
        Limit::Exports => plain(
            exports_module(max),
            vec![("exports", exports_module(max + 1))],
            7,
        ),
        Limit::FrameSlots => {
            let overhead = gasworks_vm::limits::FRAME_OVERHEAD;
            let calls = (max - overhead - 16) / 16;
            let rest = max - overhead - 16 * calls;
            LimitModules {
                function: Some(1),
                ..plain(
                    frame_module(0, rest, calls, 0),
                    vec![
                        ("locals", frame_module(0, rest + 1, calls, 0)),
                        ("operands", frame_module(0, rest, calls, 1)),
                        ("params", frame_module(1, rest, calls, 0)),
                    ],
                    10,
                )
            }
        }
    }
}

#[test]
fn every_limit_is_accepted_at_its_value_and_rejected_one_over() {
    let limits = Limits::CONSENSUS;
    let mut failures = Vec::new();
    let mut checked = 0;
    for limit in ALL_LIMITS {
        let max = limit.value(&limits);
        let modules = limit_modules(limit, max);
        // Every module must be valid wasm: the limit is the only reason.
        for wasm in std::iter::once(&modules.at_limit).chain(modules.over.iter().map(|(_, w)| w)) {
            if let Err(error) = valid_with(WasmFeatures::default(), wasm) {
                failures.push(format!("{limit:?}: test module invalid: {error}"));
            }
        }
        match instrument_guarded(&modules.at_limit, &modules.config) {
            Ok(Ok(instrumented)) => {
                if let Err(error) = valid_with(WasmFeatures::default(), &instrumented.module) {
                    failures.push(format!("{limit:?} at {max}: output invalid: {error}"));
                }
            }
            Ok(Err(rejection)) => {
                failures.push(format!("{limit:?} at {max}: rejected: {rejection}"))
            }
            Err(panic) => failures.push(format!("{limit:?} at {max}: {panic}")),
        }
        checked += 1;
        for (how, wasm) in &modules.over {
            checked += 1;
            let expected_found = u64::from(max) + 1;
            let case = Case {
                name: format!("{limit:?} over by one ({how})"),
                wasm: wasm.clone(),
                config: modules.config.clone(),
                expect: rule!(Rule::Limit { limit: l, found, max: m }
                    if *l == limit && *found == expected_found && *m == u64::from(max)),
                at: (modules.at)(wasm),
                function: modules
                    .function
                    .map(|index| FunctionRef { index, name: None }),
                valid_with_all_features: true,
            };
            let mut result = run_case(&case);
            if result.is_err() && modules.function_optional {
                result = run_case(&Case {
                    function: None,
                    ..case
                });
            }
            if let Err(message) = result {
                failures.push(format!("{limit:?} over by one ({how}): {message}"));
            }
        }
    }
    println!("limits: {} limits, {checked} modules", ALL_LIMITS.len());
    assert!(
        failures.is_empty(),
        "{} limit cases failed:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

// ---------------------------------------------------------------------------
// Deep nesting and huge br_table: no recursion, no blow-up.

/// Runs `f` on a thread with a 256 KiB stack: a decoder or validator that
/// recursed per nesting level would overflow it (and abort the test binary).
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .name("small-stack".into())
        .stack_size(256 * 1024)
        .spawn(f)
        .expect("spawn a thread")
        .join()
        .expect("the instrumenter panicked on a small stack")
}

/// Time allowed for one of the huge modules (they take milliseconds).
const QUICKLY: Duration = Duration::from_secs(2);

fn timed(wasm: &[u8], config: &InstrumentConfig) -> (Result<Instrumented, Rejection>, Duration) {
    let start = Instant::now();
    let result = instrument(wasm, config);
    (result, start.elapsed())
}

/// Consensus limits, except that the module and body may be of any size, so
/// that the limit under test is the first one reached.
fn any_size() -> InstrumentConfig {
    InstrumentConfig {
        limits: Limits {
            module_bytes: u32::MAX,
            function_body_bytes: u32::MAX,
            ..Limits::CONSENSUS
        },
        ..InstrumentConfig::default()
    }
}

/// No static limit at all: the shape itself must not hurt.
fn unlimited() -> InstrumentConfig {
    let max = u32::MAX;
    InstrumentConfig {
        limits: Limits {
            module_bytes: max,
            functions: max,
            params_per_function: max,
            params_total: max,
            results_per_function: max,
            locals_per_function: max,
            locals_total: max,
            globals: max,
            types: max,
            tables: max,
            table_elements: max,
            memory_pages: max,
            data_segments: max,
            element_segments: max,
            br_table_targets: max,
            nesting_depth: max,
            function_body_bytes: max,
            imports: max,
            exports: max,
            frame_slots: max,
        },
        ..InstrumentConfig::default()
    }
}

#[test]
fn hundred_thousand_nested_blocks_are_rejected_quickly_on_a_small_stack() {
    on_small_stack(|| {
        let depth = 100_000;
        let wasm = nested_module(depth, true);
        let len = wasm.len() as u64;
        let body = section_range(&wasm, 10).expect("code");

        // Consensus: the body alone is over the body-size limit.
        let (result, elapsed) = timed(&wasm, &InstrumentConfig::default());
        let rejection = result.expect_err("rejected under consensus limits");
        assert!(
            matches!(
                rejection.rule,
                Rule::Limit {
                    limit: Limit::FunctionBodyBytes,
                    ..
                }
            ),
            "{rejection:?}"
        );
        assert!(body.contains(&rejection.offset));
        assert!(elapsed < QUICKLY, "took {elapsed:?}");

        // Size limits lifted: the nesting limit stops it at the first level
        // too deep.
        let (result, elapsed) = timed(&wasm, &any_size());
        let rejection = result.expect_err("rejected for nesting");
        let max = u64::from(Limits::CONSENSUS.nesting_depth);
        assert_eq!(
            rejection.rule,
            Rule::Limit {
                limit: Limit::NestingDepth,
                found: max + 1,
                max
            }
        );
        let expected = nth_structured_offset(&wasm, max as usize).expect("deep enough");
        assert_eq!(rejection.offset, expected);
        assert!(rejection.offset < len);
        assert_eq!(
            rejection.function,
            Some(FunctionRef {
                index: 0,
                name: None
            })
        );
        assert!(elapsed < QUICKLY, "took {elapsed:?}");

        // No limit at all: accepted, and the output is valid.
        let (result, elapsed) = timed(&wasm, &unlimited());
        let instrumented = result.expect("accepted without limits");
        valid_with(WasmFeatures::default(), &instrumented.module)
            .expect("instrumented deep module is valid");
        assert!(elapsed < QUICKLY, "took {elapsed:?}");
    });
}

#[test]
fn million_target_br_table_is_rejected_quickly_on_a_small_stack() {
    on_small_stack(|| {
        let targets = 1_000_000;
        let wasm = br_table_module(targets);
        let len = wasm.len() as u64;

        // Consensus: the module is over the module-size limit.
        let (result, elapsed) = timed(&wasm, &InstrumentConfig::default());
        let max_bytes = u64::from(Limits::CONSENSUS.module_bytes);
        assert_eq!(
            result.expect_err("rejected under consensus limits").rule,
            Rule::Limit {
                limit: Limit::ModuleBytes,
                found: len,
                max: max_bytes
            }
        );
        assert!(elapsed < QUICKLY, "took {elapsed:?}");

        // Size limits lifted: the br_table limit.
        let (result, elapsed) = timed(&wasm, &any_size());
        let rejection = result.expect_err("rejected for br_table targets");
        let max = u64::from(Limits::CONSENSUS.br_table_targets);
        assert_eq!(
            rejection.rule,
            Rule::Limit {
                limit: Limit::BrTableTargets,
                found: u64::from(targets),
                max
            }
        );
        assert_eq!(wasm.get(rejection.offset as usize), Some(&0x0e));
        assert_eq!(
            rejection.function,
            Some(FunctionRef {
                index: 0,
                name: None
            })
        );
        assert!(elapsed < QUICKLY, "took {elapsed:?}");

        // No limit: accepted, valid output.
        let (result, elapsed) = timed(&wasm, &unlimited());
        let instrumented = result.expect("accepted without limits");
        valid_with(WasmFeatures::default(), &instrumented.module)
            .expect("instrumented br_table module is valid");
        assert!(elapsed < QUICKLY, "took {elapsed:?}");
    });
}

// ---------------------------------------------------------------------------
// Truncations and byte flips: never a panic, never a wrong acceptance.

/// A module using most of what the profile allows, with a name section.
const FUZZ_BASE: &str = r#"
(module $fuzz_base
  (type $unary (func (param i32) (result i32)))
  (import "env" "f" (func $host (param i32) (result i32)))
  (memory (export "memory") 1 4)
  (table $t 4 funcref)
  (global $g (mut i32) (i32.const 7))
  (global $h i64 (i64.const -1))
  (elem (i32.const 0) $double $inc)
  (elem $passive func $inc)
  (data (i32.const 16) "hello, gas")
  (data $bytes "passive bytes")
  (func $inc (type $unary) (i32.add (local.get 0) (i32.const 1)))
  (func $double (type $unary) (i32.shl (local.get 0) (i32.const 1)))
  (func $main (export "main") (param $n i32) (result i32) (local $i i32) (local $acc i64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (block $a (block $b (block $c
          (br_table $a $b $c (i32.rem_u (local.get $i) (i32.const 3))))
          (local.set $acc (i64.add (local.get $acc) (i64.const 3))))
          (local.set $acc (i64.mul (local.get $acc) (i64.const 5))))
        (i32.store (i32.const 0)
          (call_indirect (type $unary) (local.get $i) (i32.and (local.get $i) (i32.const 1))))
        (global.set $g (call $host (global.get $g)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.wrap_i64 (local.get $acc)))
  (func (export "bulk") (param $n i32)
    (memory.fill (i32.const 0) (i32.const 0) (local.get $n))
    (memory.copy (i32.const 8) (i32.const 0) (local.get $n))
    (memory.init $bytes (i32.const 32) (i32.const 0) (i32.const 4))
    (data.drop $bytes)
    (table.init $t $passive (i32.const 2) (i32.const 0) (i32.const 1))
    (drop (memory.grow (local.get $n)))
    (drop (table.grow $t (ref.null func) (i32.const 1)))
    (drop (ref.func $double)))
  (func (export "pick") (param i32 i32) (result i32)
    (select (local.get 0) (local.get 1) (i32.extend8_s (local.get 0))))
  (func (result i32 i64) (i32.const 1) (i64.const 2))
  (func $rare (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0))
      (then (i64.const 1))
      (else (i64.div_s (local.get 0) (i64.extend32_s (i64.const 3))))))
)
"#;

/// Instruments a mutated module; fails on a panic, on an accepted module
/// that wasmparser rejects, and on invalid output.
fn check_mutant(wasm: &[u8], config: &InstrumentConfig, what: &str) -> Result<bool, String> {
    match instrument_guarded(wasm, config).map_err(|panic| format!("{what}: {panic}"))? {
        Ok(instrumented) => {
            valid_with(WasmFeatures::default(), wasm)
                .map_err(|e| format!("{what}: accepted, but wasmparser rejects the input: {e}"))?;
            valid_with(WasmFeatures::default(), &instrumented.module)
                .map_err(|e| format!("{what}: accepted, output invalid: {e}"))?;
            Ok(true)
        }
        Err(rejection) => {
            if rejection.offset > wasm.len() as u64 {
                return Err(format!(
                    "{what}: offset {:#x} past the end ({} bytes): {rejection}",
                    rejection.offset,
                    wasm.len()
                ));
            }
            Ok(false)
        }
    }
}

#[test]
fn truncations_and_byte_flips_never_panic_or_slip_through() {
    let config = config_with_host_function();
    let base = wat(FUZZ_BASE);
    let instrumented = instrument(&base, &config).expect("the fuzz base module is accepted");
    valid_with(WasmFeatures::default(), &instrumented.module).expect("valid output");

    let mut failures = Vec::new();
    let mut accepted = 0;
    let mut total = 0;
    for len in 0..base.len() {
        total += 1;
        match check_mutant(&base[..len], &config, &format!("prefix of {len} bytes")) {
            Ok(true) => accepted += 1,
            Ok(false) => {}
            Err(message) => failures.push(message),
        }
    }
    let truncations_accepted = accepted;

    const MUTANTS: usize = 4_000;
    let mut rng = SplitMix64(0x6761_7377_6f72_6b73); // "gasworks"
    for round in 0..MUTANTS {
        let mut wasm = base.clone();
        let edits = 1 + rng.index(3);
        for _ in 0..edits {
            // Leave the header alone most of the time: mutations of the
            // header only test the first check.
            let position = if rng.index(16) == 0 {
                rng.index(wasm.len())
            } else {
                8 + rng.index(wasm.len() - 8)
            };
            match rng.index(4) {
                0 => wasm[position] ^= 1 << rng.index(8),
                1 => wasm[position] = rng.next() as u8,
                2 => wasm[position] = [0x00, 0x7f, 0x80, 0xff][rng.index(4)],
                _ => wasm[position] = wasm[position].wrapping_add(1),
            }
        }
        total += 1;
        match check_mutant(&wasm, &config, &format!("mutant #{round}")) {
            Ok(true) => accepted += 1,
            Ok(false) => {}
            Err(message) => failures.push(message),
        }
    }
    println!(
        "fuzz: {total} inputs ({} truncations, {MUTANTS} mutants), {accepted} accepted \
         ({truncations_accepted} truncations), {} failures",
        base.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} inputs broke the instrumenter:\n  {}",
        failures.len(),
        failures
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n  ")
    );
    // Byte flips in code, data and names often keep the module valid: the
    // accepted path is exercised too.
    assert!(
        accepted > 0,
        "no mutant accepted: the test only saw rejections"
    );
}

/// Custom sections carry no semantics: an unknown one, even with bytes that
/// mean nothing, is no reason to reject (the control for the malformed
/// custom-section cases above).
#[test]
fn custom_sections_are_no_reason_to_reject() {
    let mut module = Module::new();
    let mut types = TypeSection::new();
    types.ty().function([], []);
    module.section(&types);
    module.section(&CustomSection {
        name: Cow::Borrowed("producers"),
        data: Cow::Borrowed(&[0xff, 0x00, 0x12]),
    });
    let wasm = module.finish();
    let instrumented = instrument(&wasm, &InstrumentConfig::default()).expect("accepted");
    valid_with(WasmFeatures::default(), &instrumented.module).expect("valid output");
}
