//! Gas profiles (`gasworks_vm::profile`): a profiled call has exactly the
//! outcome of the same call unprofiled (results, trap, gas, memory,
//! globals), and its profile accounts for every unit of gas it used, on
//! generated modules and on hand-written ones whose categories and stacks
//! are known. (The example contracts are checked the same way by every
//! call of `tests/examples`, which turns on `TestChain::check_profile`; a
//! generated chain by `node-sim/tests/determinism.rs`.)

mod common;

use common::{SplitMix64, accepted_profile, draw_minimums};
use gasworks_vm::engine::{Instance, Linker, Module, Outcome, Value};
use gasworks_vm::profile::{Category, FrameKind, Profile, Profiler};

/// Gas for each call of a generated module's exports.
const GAS: u64 = 200_000;

fn instrument(wasm: &[u8]) -> Option<Module> {
    let instrumented =
        gasworks_vm::instrument(wasm, &gasworks_host_api::instrument_config()).ok()?;
    Module::new(&instrumented).ok()
}

/// Exported functions of `wasm` with their parameter types, when every
/// parameter is an integer.
fn exported_functions(wasm: &[u8]) -> Vec<(String, Vec<wasmparser::ValType>)> {
    use wasmparser::{Payload, TypeRef};
    let mut types = Vec::new();
    let mut functions = Vec::new();
    let mut exports = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm).flatten() {
        match payload {
            Payload::TypeSection(reader) => {
                for ty in reader.into_iter_err_on_gc_types().flatten() {
                    types.push(ty.params().to_vec());
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports().flatten() {
                    if let TypeRef::Func(ty) = import.ty {
                        functions.push(ty);
                    }
                }
            }
            Payload::FunctionSection(reader) => functions.extend(reader.into_iter().flatten()),
            Payload::ExportSection(reader) => {
                for export in reader.into_iter().flatten() {
                    if export.kind == wasmparser::ExternalKind::Func {
                        exports.push((export.name.to_string(), export.index));
                    }
                }
            }
            _ => {}
        }
    }
    exports
        .into_iter()
        .filter_map(|(name, index)| {
            let params = types.get(*functions.get(index as usize)? as usize)?.clone();
            params
                .iter()
                .all(|t| matches!(t, wasmparser::ValType::I32 | wasmparser::ValType::I64))
                .then_some((name, params))
        })
        .collect()
}

fn arguments(params: &[wasmparser::ValType], rng: &mut SplitMix64) -> Vec<Value> {
    params
        .iter()
        .map(|t| {
            // Small values half the time: loop counts and addresses that
            // do something rather than trap at once.
            let raw = if rng.below(2) == 0 {
                rng.below(64)
            } else {
                rng.next()
            };
            match t {
                wasmparser::ValType::I32 => Value::I32(raw as i32),
                _ => Value::I64(raw as i64),
            }
        })
        .collect()
}

/// Calls `export` on two fresh instances, one profiled; asserts they agree
/// and the profile accounts for the gas. Returns the outcome and profile.
fn run_both(module: &Module, export: &str, args: &[Value], gas: u64) -> (Outcome, Profile) {
    let linker = Linker::new();
    let mut plain = Instance::new(module, &linker).expect("instantiates");
    let mut profiled = Instance::new(module, &linker).expect("instantiates");
    let expected = plain.call(export, args, gas).expect("the call is made");
    let mut profiler = Profiler::new();
    let outcome = profiled
        .call_profiled(export, args, gas, &mut (), &mut profiler)
        .expect("the call is made");
    assert_eq!(outcome, expected, "{export}: profiling changed the outcome");
    assert!(
        plain.memory() == profiled.memory(),
        "{export}: profiling changed the memory"
    );
    let profile = profiler.finish();
    assert_eq!(
        profile.total(),
        outcome.gas_used,
        "{export}: the profile does not account for the gas used:\n{}",
        profile.folded()
    );
    (outcome, profile)
}

#[test]
fn generated_modules_profile_every_unit_of_gas_and_change_nothing() {
    let mut rng = SplitMix64(0x9a5_9f11e);
    let mut calls = 0;
    let mut trapped = 0;
    for seed in 0..120u64 {
        let mut config = accepted_profile(seed % 4 != 0);
        config.max_funcs = 12;
        config.max_exports = 12;
        config.export_everything = true;
        config.max_memory32_bytes = 4 * 65_536;
        draw_minimums(&mut config, &mut rng);
        let bytes = rng.bytes(4096);
        let mut u = arbitrary::Unstructured::new(&bytes);
        let Ok(module) = wasm_smith::Module::new(config, &mut u) else {
            continue;
        };
        let wasm = module.to_bytes();
        let Some(compiled) = instrument(&wasm) else {
            continue;
        };
        if Instance::new(&compiled, &Linker::new()).is_err() {
            continue;
        }
        for (export, params) in exported_functions(&wasm) {
            let args = arguments(&params, &mut rng);
            // A limit that some calls exhaust: out of gas mid-block is
            // recorded exactly too.
            let gas = if rng.below(3) == 0 {
                rng.below(2_000)
            } else {
                GAS
            };
            let (outcome, _) = run_both(&compiled, &export, &args, gas);
            calls += 1;
            trapped += usize::from(outcome.result.is_err());
        }
    }
    // The property is worth something only over many calls, some of them
    // trapping.
    assert!(calls >= 200, "only {calls} calls made");
    assert!(trapped >= 20, "only {trapped} calls trapped");
}

const CATEGORIES: &str = r#"
(module
  (memory 1 64)
  (table 1 100 funcref)
  (func $grow (export "grow") (param $pages i32)
    (drop (memory.grow (local.get $pages))))
  (func $fill (export "fill") (param $len i32)
    (memory.fill (i32.const 0) (i32.const 7) (local.get $len)))
  (func $table_grow (export "table_grow") (param $n i32)
    (drop (table.grow (ref.null func) (local.get $n))))
  (func $leaf (param $n i32) (result i32)
    (local.get $n) (i32.const 1) (i32.add))
  (func $middle (param $n i32) (result i32)
    (call $leaf (local.get $n)))
  (func $outer (export "outer") (param $n i32) (result i32)
    (call $middle (local.get $n)))
  (func $down (export "down") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (call $down (i32.sub (local.get $n) (i32.const 1)))))))
"#;

fn gas_of(profile: &Profile, category: Category) -> u64 {
    profile
        .by_category()
        .into_iter()
        .find(|(c, _)| *c == category)
        .map_or(0, |(_, gas)| gas)
}

#[test]
fn dynamic_charges_are_categorised_by_their_operator() {
    let wasm = wat::parse_str(CATEGORIES).expect("parses");
    let module = instrument(&wasm).expect("accepted");
    let (_, one) = run_both(&module, "grow", &[Value::I32(1)], GAS);
    let (_, three) = run_both(&module, "grow", &[Value::I32(3)], GAS);
    let per_page = gas_of(&one, Category::MemoryGrowth);
    assert!(per_page > 0);
    assert_eq!(gas_of(&three, Category::MemoryGrowth), 3 * per_page);
    // The rest of the call is the same whatever the pages.
    assert_eq!(
        three.total() - gas_of(&three, Category::MemoryGrowth),
        one.total() - per_page
    );
    let (_, small) = run_both(&module, "fill", &[Value::I32(100)], GAS);
    let (_, large) = run_both(&module, "fill", &[Value::I32(300)], GAS);
    let bulk = gas_of(&small, Category::BulkOperations);
    assert!(bulk > 0);
    assert_eq!(gas_of(&large, Category::BulkOperations), 3 * bulk);
    assert_eq!(gas_of(&small, Category::MemoryGrowth), 0);
    let (_, table) = run_both(&module, "table_grow", &[Value::I32(5)], GAS);
    assert!(gas_of(&table, Category::MemoryGrowth) > 0);
    for profile in [&one, &small, &table] {
        assert!(gas_of(profile, Category::Instructions) > 0);
    }
}

#[test]
fn stacks_name_functions_and_totals_include_callees() {
    let wasm = wat::parse_str(CATEGORIES).expect("parses");
    let module = instrument(&wasm).expect("accepted");
    let (outcome, profile) = run_both(&module, "outer", &[Value::I32(5)], GAS);
    assert_eq!(outcome.result, Ok(vec![Value::I32(6)]));
    let folded = profile.folded();
    assert!(folded.contains("outer;middle;leaf "), "{folded}");
    let functions = profile.functions();
    let find = |name: &str| {
        functions
            .iter()
            .find(|f| f.frame.name == name && f.frame.kind == FrameKind::Wasm)
            .unwrap_or_else(|| panic!("no {name} in {functions:?}"))
    };
    let (outer, middle, leaf) = (find("outer"), find("middle"), find("leaf"));
    assert_eq!(outer.total_gas, profile.total());
    assert_eq!(outer.total_gas, outer.self_gas + middle.total_gas);
    assert_eq!(middle.total_gas, middle.self_gas + leaf.total_gas);
    assert_eq!(leaf.total_gas, leaf.self_gas);

    // Recursion: one frame per level in the stacks, the function's total
    // counted once per stack.
    let (_, profile) = run_both(&module, "down", &[Value::I32(4)], GAS);
    assert!(profile.folded().contains("down;down;down;down;down "));
    let functions = profile.functions();
    assert_eq!(functions.len(), 1);
    assert_eq!(functions[0].total_gas, profile.total());
    assert_eq!(functions[0].self_gas, profile.total());
}

#[test]
fn an_out_of_gas_charge_records_what_it_took() {
    let wasm = wat::parse_str(CATEGORIES).expect("parses");
    let module = instrument(&wasm).expect("accepted");
    let (full, _) = run_both(&module, "down", &[Value::I32(50)], GAS);
    for limit in [0, 1, full.gas_used / 2, full.gas_used - 1] {
        let (outcome, profile) = run_both(&module, "down", &[Value::I32(50)], limit);
        assert_eq!(outcome.result, Err(gasworks_vm::trap::TrapKind::OutOfGas));
        assert_eq!(profile.total(), limit);
    }
}
