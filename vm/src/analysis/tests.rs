//! Unit tests of the analysis: small modules with known call graphs.

use super::*;
use crate::instrument::{FRAME_OVERHEAD, HostImport, InstrumentConfig, ValType, instrument};
use crate::limits::Limits;

fn config() -> InstrumentConfig {
    const NONE: &[ValType] = &[];
    const I32: &[ValType] = &[ValType::I32];
    let host = |name, params, results| HostImport {
        module: "host",
        name,
        params,
        results,
    };
    InstrumentConfig {
        limits: Limits::CONSENSUS,
        host_imports: vec![
            host("a", NONE, NONE),
            host("b", NONE, NONE),
            host("c", NONE, NONE),
            host("id", I32, I32),
        ],
    }
}

fn analyse_wasm(wasm: &[u8]) -> Analysis {
    let instrumented = instrument(wasm, &config()).expect("accepted");
    let analysis = analyse(wasm, &instrumented).expect("analysed");
    let charges: u64 = analysis.functions.iter().map(|f| f.metered_blocks).sum();
    assert_eq!(charges, instrumented.report.metered_blocks);
    analysis
}

fn analyse_wat(text: &str) -> Analysis {
    analyse_wasm(&wat::parse_str(text).expect("test module parses"))
}

fn export<'a>(analysis: &'a Analysis, name: &str) -> &'a ExportInfo {
    analysis
        .exports
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("no export {name}"))
}

fn hosts(analysis: &Analysis, name: &str) -> Vec<String> {
    export(analysis, name)
        .host_functions
        .iter()
        .map(|f| analysis.function_name(*f))
        .collect()
}

fn names(analysis: &Analysis, steps: &[PathStep]) -> Vec<String> {
    steps
        .iter()
        .map(|s| analysis.function_name(s.function))
        .collect()
}

fn cycle(analysis: &Analysis, name: &str) -> Vec<String> {
    match &export(analysis, name).stack {
        StackBound::Recursive { cycle, .. } => names(analysis, cycle),
        bounded => panic!("{name} is not recursive: {bounded:?}"),
    }
}

fn bound(analysis: &Analysis, name: &str) -> (u64, Vec<String>) {
    match &export(analysis, name).stack {
        StackBound::Bounded {
            units,
            deepest_path,
        } => (*units, names(analysis, deepest_path)),
        recursive => panic!("{name} is recursive: {recursive:?}"),
    }
}

fn frame(analysis: &Analysis, name: &str) -> u32 {
    analysis
        .functions
        .iter()
        .find(|f| f.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no function {name}"))
        .frame_units
}

#[test]
fn direct_calls_reach_host_functions_per_export() {
    let analysis = analyse_wat(
        r#"(module
            (import "host" "a" (func $a))
            (import "host" "b" (func $b))
            (import "host" "c" (func $c))
            (func $uses_a call $a)
            (func $uses_b call $b)
            (func $both call $uses_a call $uses_b)
            (func $dead call $c)
            (func (export "one") call $uses_a)
            (func (export "two") call $both)
            (func (export "none"))
            (export "b_itself" (func $b)))"#,
    );
    assert_eq!(hosts(&analysis, "one"), ["host.a"]);
    assert_eq!(hosts(&analysis, "two"), ["host.a", "host.b"]);
    assert!(hosts(&analysis, "none").is_empty());
    assert_eq!(hosts(&analysis, "b_itself"), ["host.b"]);
    assert_eq!(export(&analysis, "two").reachable_functions, 4);
    assert_eq!(
        export(&analysis, "b_itself").stack,
        StackBound::Bounded {
            units: 0,
            deepest_path: Vec::new()
        }
    );
    assert_eq!(analysis.recursive_components, 0);
}

#[test]
fn indirect_calls_reach_the_table_functions_of_the_same_type_only() {
    let analysis = analyse_wat(
        r#"(module
            (import "host" "a" (func $a))
            (import "host" "b" (func $b))
            (import "host" "id" (func $id (param i32) (result i32)))
            (type $unary (func (param i32) (result i32)))
            (type $unary_again (func (param i32) (result i32)))
            (type $other (func (param i32) (result i64)))
            (table 4 funcref)
            (elem (i32.const 0) $double $wide $calls_a $id)
            (func $double (type $unary_again) local.get 0 i32.const 2 i32.mul)
            (func $wide (type $other) local.get 0 i64.extend_i32_u)
            (func $calls_a (param i32) (result i32) call $a local.get 0)
            (func $not_in_table (type $unary) call $b local.get 0)
            (func (export "dispatch") (param i32) (result i32)
                i32.const 7 local.get 0 call_indirect (type $unary))
            (func (export "dispatch_wide") (param i32) (result i64)
                i32.const 7 local.get 0 call_indirect (type $other)))"#,
    );
    // `$double` has another type index with the same signature: the same
    // type. `$wide` differs in its result; `$not_in_table` is never in a
    // table; the host function `id` is, and is reached indirectly.
    assert_eq!(hosts(&analysis, "dispatch"), ["host.a", "host.id"]);
    let dispatch = export(&analysis, "dispatch");
    assert!(dispatch.calls_indirect);
    // dispatch, $double, $calls_a
    assert_eq!(dispatch.reachable_functions, 3);
    assert!(hosts(&analysis, "dispatch_wide").is_empty());
    assert_eq!(export(&analysis, "dispatch_wide").reachable_functions, 2);
    assert_eq!(analysis.indirect_targets, [2, 3, 4, 5]);
    let (_, path) = bound(&analysis, "dispatch");
    assert_eq!(path.len(), 2);
    let StackBound::Bounded { deepest_path, .. } = &dispatch.stack else {
        panic!("bounded");
    };
    assert!(deepest_path[1].indirect && !deepest_path[0].indirect);
}

#[test]
fn functions_made_by_ref_func_or_passive_segments_may_be_in_a_table() {
    let analysis = analyse_wat(
        r#"(module
            (import "host" "a" (func $a))
            (import "host" "b" (func $b))
            (import "host" "c" (func $c))
            (table 2 funcref)
            (elem declare func $via_ref_func)
            (elem $passive func $via_passive)
            (global funcref (ref.func $via_global))
            (func $via_ref_func call $a)
            (func $via_passive call $b)
            (func $via_global call $c)
            (func $never)
            (func (export "store") i32.const 0 ref.func $via_ref_func table.set 0)
            (func (export "call") i32.const 0 call_indirect))"#,
    );
    assert_eq!(hosts(&analysis, "call"), ["host.a", "host.b", "host.c"]);
    assert!(hosts(&analysis, "store").is_empty());
    // $never is in no segment and no `ref.func`: not a target.
    assert_eq!(analysis.indirect_targets, [3, 4, 5]);
}

#[test]
fn recursion_is_named_by_its_cycle() {
    let analysis = analyse_wat(
        r#"(module
            (import "host" "a" (func $a))
            (type $t (func (param i32)))
            (table 1 funcref)
            (elem (i32.const 0) $indirect_self)
            (func $fact (param i32) (result i32)
                local.get 0 i32.eqz if (result i32) i32.const 1
                else local.get 0 local.get 0 i32.const 1 i32.sub call $fact i32.mul end)
            (func $even (param i32) (result i32)
                local.get 0 i32.eqz if (result i32) i32.const 1
                else local.get 0 i32.const 1 i32.sub call $odd end)
            (func $odd (param i32) (result i32)
                local.get 0 i32.eqz if (result i32) i32.const 0
                else local.get 0 i32.const 1 i32.sub call $even end)
            (func $indirect_self (type $t)
                local.get 0 if local.get 0 i32.const 1 i32.sub i32.const 0 call_indirect (type $t) end
                call $a)
            (func $leaf)
            (func (export "fact") (param i32) (result i32) call $leaf local.get 0 call $fact)
            (func (export "odd") (param i32) (result i32) local.get 0 call $odd)
            (func (export "indirect") (param i32) local.get 0 call $indirect_self)
            (func (export "flat") call $leaf))"#,
    );
    assert_eq!(cycle(&analysis, "fact"), ["fact", "fact"]);
    // The cycle goes through the lower-numbered function of the component.
    assert_eq!(cycle(&analysis, "odd"), ["even", "odd", "even"]);
    assert_eq!(
        cycle(&analysis, "indirect"),
        ["indirect_self", "indirect_self"]
    );
    let odd = export(&analysis, "odd");
    let StackBound::Recursive {
        cycle: steps,
        units_per_trip,
        units_without_reentry,
    } = &odd.stack
    else {
        panic!("recursive");
    };
    let component = u64::from(frame(&analysis, "even") + frame(&analysis, "odd"));
    assert_eq!(*units_per_trip, component);
    let entry = u64::from(analysis.functions[odd.function as usize].frame_units);
    assert_eq!(*units_without_reentry, entry + component);
    assert!(steps.iter().all(|s| !s.indirect));
    let StackBound::Recursive { cycle: steps, .. } = &export(&analysis, "indirect").stack else {
        panic!("recursive");
    };
    assert!(steps[1].indirect);
    assert_eq!(hosts(&analysis, "indirect"), ["host.a"]);
    assert!(bound(&analysis, "flat").0 > 0);
    assert_eq!(analysis.recursive_components, 3);
    let even = analysis
        .functions
        .iter()
        .find(|f| f.name.as_deref() == Some("even"));
    assert!(even.is_some_and(|f| f.recursive && f.max_stack_units.is_none()));
}

#[test]
fn the_stack_bound_sums_the_frames_of_the_deepest_path() {
    let analysis = analyse_wat(
        r#"(module
            (func $leaf (param i32) (local i64 i64)
                local.get 0 local.get 0 i32.add drop)
            (func $shallow (local i32)
                i32.const 1 call $leaf)
            (func $deep (param i32 i32) (result i32)
                i32.const 5 call $leaf
                local.get 0 local.get 1 i32.add)
            (func (export "entry") (result i32)
                call $shallow
                i32.const 1 i32.const 2 i32.const 3 drop call $deep))"#,
    );
    // FRAME_OVERHEAD + params + declared locals + maximum operand height.
    assert_eq!(frame(&analysis, "leaf"), FRAME_OVERHEAD + 1 + 2 + 2);
    assert_eq!(frame(&analysis, "shallow"), FRAME_OVERHEAD + 1 + 1);
    assert_eq!(frame(&analysis, "deep"), FRAME_OVERHEAD + 2 + 2);
    let entry = analysis.exports[0].function;
    assert_eq!(
        analysis.functions[entry as usize].frame_units,
        FRAME_OVERHEAD + 3
    );
    let (units, path) = bound(&analysis, "entry");
    assert_eq!(path, ["entry", "deep", "leaf"]);
    assert_eq!(
        units,
        u64::from(FRAME_OVERHEAD + 3 + frame(&analysis, "deep") + frame(&analysis, "leaf"))
    );
    assert_eq!(
        export(&analysis, "entry").stack.within(STACK_LIMIT),
        Some(true)
    );
    assert_eq!(
        analysis
            .functions
            .iter()
            .find(|f| f.name.as_deref() == Some("shallow"))
            .and_then(|f| f.max_stack_units),
        Some(u64::from(
            frame(&analysis, "shallow") + frame(&analysis, "leaf")
        ))
    );
}

#[test]
fn memory_data_and_sizes() {
    let text = r#"(module
        (memory 2 8)
        (data (i32.const 16) "abcd")
        (data (i32.const 70000) "xyz")
        (data "passive!")
        (func (export "f") i32.const 0 i32.const 0 i32.const 4 memory.init 2))"#;
    let wasm = wat::parse_str(text).expect("parses");
    let analysis = analyse_wasm(&wasm);
    assert_eq!(
        analysis.memory,
        Some(MemoryInfo {
            initial_pages: 2,
            declared_maximum_pages: Some(8),
            maximum_pages: 8,
        })
    );
    assert_eq!(analysis.data.active_segments, 2);
    assert_eq!(analysis.data.passive_segments, 1);
    assert_eq!(analysis.data.bytes, 15);
    assert_eq!(analysis.data.active_end, Some(70_003));
    assert_eq!(analysis.data.pages_needed(), Some(2));
    assert_eq!(analysis.module_bytes, wasm.len() as u64);
    assert!(analysis.code_bytes > 0 && analysis.instrumented_bytes > analysis.module_bytes);

    let unbounded = analyse_wat("(module (memory 1))");
    assert_eq!(
        unbounded.memory.map(|m| m.maximum_pages),
        Some(u64::from(Limits::CONSENSUS.memory_pages))
    );
}

#[test]
fn metered_blocks_and_code_bytes_are_counted_per_function_and_per_export() {
    let analysis = analyse_wat(
        r#"(module
            (func $loop (param i32)
                loop local.get 0 i32.const 1 i32.sub local.tee 0 br_if 0 end)
            (func $other i32.const 1 drop)
            (func (export "run") i32.const 3 call $loop))"#,
    );
    let run = export(&analysis, "run");
    let reached: Vec<&FunctionInfo> = analysis
        .functions
        .iter()
        .filter(|f| f.name.as_deref() != Some("other"))
        .collect();
    assert_eq!(
        run.metered_blocks,
        reached.iter().map(|f| f.metered_blocks).sum::<u64>()
    );
    assert_eq!(
        run.code_bytes,
        reached.iter().map(|f| f.body_bytes).sum::<u64>()
    );
    assert!(run.metered_blocks < analysis.metered_blocks);
    assert!(frame(&analysis, "loop") > 0);
}

/// A hostile shape: 10,000 functions in one call chain, in one cycle, and
/// all calling each other through a table. Nothing recurses natively and
/// the graph stays linear (the indirect calls would be 10^8 edges without
/// the type nodes).
#[test]
fn ten_thousand_functions_in_a_chain_a_cycle_and_a_table() {
    const N: usize = 10_000;
    let chain = |closing: bool| {
        let mut text = String::from("(module\n");
        for i in 0..N {
            let call = if i + 1 < N {
                format!("call $f{}", i + 1)
            } else if closing {
                "call $f0".to_string()
            } else {
                String::new()
            };
            text.push_str(&format!("(func $f{i} {call})\n"));
        }
        text.push_str("(export \"run\" (func $f0)))");
        text
    };
    let analysis = analyse_wat(&chain(false));
    let (units, path) = bound(&analysis, "run");
    assert_eq!(path.len(), N);
    assert_eq!(path[N - 1], format!("f{}", N - 1));
    assert_eq!(
        units,
        analysis
            .functions
            .iter()
            .map(|f| u64::from(f.frame_units))
            .sum::<u64>()
    );
    assert_eq!(units, N as u64 * u64::from(FRAME_OVERHEAD));

    let analysis = analyse_wat(&chain(true));
    let names = cycle(&analysis, "run");
    assert_eq!(names.len(), N + 1);
    assert_eq!((names[0].as_str(), names[N].as_str()), ("f0", "f0"));
    assert_eq!(names[N - 1], format!("f{}", N - 1));
    assert_eq!(analysis.recursive_components, 1);

    let mut text = String::from("(module (type $t (func (param i32)))\n");
    text.push_str(&format!("(table {N} funcref)\n(elem (i32.const 0)"));
    for i in 0..N {
        text.push_str(&format!(" $g{i}"));
    }
    text.push_str(")\n");
    for i in 0..N {
        text.push_str(&format!(
            "(func $g{i} (type $t) local.get 0 if local.get 0 i32.const 1 i32.sub local.get 0 call_indirect (type $t) end)\n"
        ));
    }
    text.push_str("(export \"run\" (func $g0)))");
    let analysis = analyse_wat(&text);
    assert_eq!(cycle(&analysis, "run"), ["g0", "g0"]);
    assert_eq!(export(&analysis, "run").reachable_functions, N as u32);
    assert_eq!(analysis.recursive_components, 1);
    assert!(analysis.functions.iter().all(|f| f.recursive));
}

#[test]
fn an_instrumented_module_of_another_upload_is_an_error() {
    let one = wat::parse_str("(module (func (export \"f\")))").expect("parses");
    let two = wat::parse_str("(module (func (export \"f\")) (func))").expect("parses");
    let instrumented = instrument(&one, &config()).expect("accepted");
    let error = analyse(&two, &instrumented).expect_err("mismatch");
    assert!(error.to_string().contains("functions differ"), "{error}");
    // An uninstrumented body has no prologue.
    let mut fake = instrumented.clone();
    fake.module = wat::parse_str(
        r#"(module (import "gasworks" "gas" (func (param i64)))
                   (import "gasworks" "stack_exhausted" (func))
                   (func (export "f")) (func))"#,
    )
    .expect("parses");
    let error = analyse(&one, &fake).expect_err("no prologue");
    assert!(
        error.message.contains("canonical stack prologue"),
        "{error}"
    );
}
