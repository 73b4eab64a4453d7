//! Exact gas semantics (issue 2, point 7) and stack metering (point 5).
//!
//! Instrumented modules run on wasmi 2.0 (its own fuel metering off) with the
//! two metering imports implemented by the host, as any third party auditing
//! a gas bill would run them. Their gas totals are checked against an
//! independent reference count: the same module rewritten, naively, to call a
//! counting import before every original instruction with that instruction's
//! price from the cost table (plus the dynamic part from the count operand,
//! plus `LOCAL_COST` per declared local at function entry). The reference
//! rewriter knows nothing of metered blocks, so the reference total is "the
//! cost of the executed instructions plus dynamic costs", by construction.
//!
//! # The rules these tests pin down
//!
//! 1. A call that returns normally uses exactly the reference total.
//! 2. A call that traps (other than out of gas) uses the reference total
//!    (which includes the trapping instruction, charged before it runs) plus,
//!    for every frame on the call stack at the trap, the static price of the
//!    rest of that frame's current metered block: the instructions after the
//!    trapping instruction in the innermost frame, after the `call` in the
//!    outer ones. A metered block is charged in full at its head and nothing
//!    is refunded.
//! 3. With a gas limit equal to the total, the call succeeds and leaves 0 gas;
//!    with one less it traps with out of gas, having consumed all gas, and no
//!    side effect of the metered block whose charge failed has happened.
//!    A dynamic charge (bulk-memory bytes, pages, table elements) is a charge
//!    point of its own, right before its operator: when it is the one that
//!    fails, the side effects earlier in the same metered block have
//!    happened, the operator's have not.
//! 4. Every frame takes `FRAME_OVERHEAD + params + declared locals + maximum
//!    operand stack height` units; a call that would take the height above
//!    `STACK_LIMIT` traps with stack exhausted (its own kind); a call from the
//!    host that returns leaves the height as it found it, one that traps
//!    leaves it where it was at the trap (a trapped instance is discarded).

mod common;

use std::collections::BTreeMap;
use std::convert::Infallible;

use common::wasmi_reference::{self as wasmi_ref, GasMeter, Stop};
use gasworks_vm::instrument::cost::{LOCAL_COST, OPERATORS, Price, Unit, Verdict};
use gasworks_vm::instrument::{FRAME_OVERHEAD, InstrumentConfig, STACK_LIMIT};
use gasworks_vm::trap::TrapKind;

/// A gas limit no case comes near (failing `memory.grow`s included).
const UNLIMITED: u64 = 1 << 60;

// ===========================================================================
// Harness: running a module on wasmi with the metering imports.
// ===========================================================================

/// A value passed to or returned from an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Value {
    I32(i32),
    I64(i64),
}

use Value::{I32, I64};

/// How a call ended, when it did not return.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Trap {
    /// The `gas` import found less gas than it was asked for.
    OutOfGas,
    /// The `stack_exhausted` import was called.
    StackExhausted,
    Unreachable,
    MemoryOutOfBounds,
    TableOutOfBounds,
    IndirectCallToNull,
    IntegerDivisionByZero,
    IntegerOverflow,
    BadSignature,
    /// wasmi's own call-stack limit: must never be what stops a module.
    EngineStackOverflow,
    /// Anything else (a harness problem, not a wasm trap).
    Other(String),
}

/// What one call of an export did.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    results: Vec<Value>,
    /// Metered runs: the limit minus the gas left. Reference runs: the count.
    gas_used: u64,
    trap: Option<Trap>,
}

/// Store data: the gas meter of a metered run, the counter of a reference run.
#[derive(Debug, Default)]
struct Meter {
    gas_left: u64,
    counted: u64,
}

impl GasMeter for Meter {
    fn gas_left(&mut self) -> &mut u64 {
        &mut self.gas_left
    }
}

fn classify(error: &wasmi::Error) -> Trap {
    match wasmi_ref::classify(error) {
        Stop::Trap(TrapKind::OutOfGas) => Trap::OutOfGas,
        Stop::Trap(TrapKind::StackExhausted) => Trap::StackExhausted,
        Stop::Trap(TrapKind::Unreachable) => Trap::Unreachable,
        Stop::Trap(TrapKind::MemoryOutOfBounds) => Trap::MemoryOutOfBounds,
        Stop::Trap(TrapKind::TableOutOfBounds) => Trap::TableOutOfBounds,
        Stop::Trap(TrapKind::IndirectCallToNull) => Trap::IndirectCallToNull,
        Stop::Trap(TrapKind::IntegerDivideByZero) => Trap::IntegerDivisionByZero,
        Stop::Trap(TrapKind::IntegerOverflow) => Trap::IntegerOverflow,
        Stop::Trap(TrapKind::IndirectCallTypeMismatch) => Trap::BadSignature,
        Stop::EngineStackOverflow => Trap::EngineStackOverflow,
        Stop::Trap(TrapKind::Host(_)) | Stop::Other(_) => Trap::Other(error.to_string()),
    }
}

/// Which import set a module is linked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Instrumented by gasworks: `gasworks.gas` and `gasworks.stack_exhausted`.
    Metered,
    /// Rewritten by [`reference`]: `reference.count`.
    Reference,
}

fn linker(engine: &wasmi::Engine) -> wasmi::Linker<Meter> {
    let mut linker = wasmi_ref::linker(engine);
    linker
        .func_wrap(
            reference::MODULE,
            reference::COUNT,
            |mut caller: wasmi::Caller<'_, Meter>, amount: i64| {
                let meter = caller.data_mut();
                meter.counted = meter
                    .counted
                    .checked_add(amount as u64)
                    .expect("reference count overflows");
            },
        )
        .expect("define count");
    linker
}

/// One instance of a metered or reference module, kept across calls.
struct Running {
    kind: Kind,
    store: wasmi::Store<Meter>,
    instance: wasmi::Instance,
}

impl Running {
    fn new(kind: Kind, engine: &wasmi::Engine, module: &wasmi::Module) -> Running {
        let mut store = wasmi::Store::new(engine, Meter::default());
        let instance = linker(engine)
            .instantiate_and_start(&mut store, module)
            .expect("instantiate");
        Running {
            kind,
            store,
            instance,
        }
    }

    /// Calls `export(args)`; metered runs get `gas_limit` gas, reference
    /// runs count from zero (the limit is ignored).
    fn call(&mut self, export: &str, args: &[Value], gas_limit: u64) -> Outcome {
        self.store.data_mut().counted = 0;
        let func = self
            .instance
            .get_func(&self.store, export)
            .unwrap_or_else(|| panic!("no export {export}"));
        let inputs: Vec<wasmi::Val> = args
            .iter()
            .map(|v| match *v {
                I32(x) => wasmi::Val::I32(x),
                I64(x) => wasmi::Val::I64(x),
            })
            .collect();
        let (result, metered_gas) = wasmi_ref::call(&mut self.store, func, &inputs, gas_limit);
        let gas_used = match self.kind {
            Kind::Metered => metered_gas,
            Kind::Reference => self.store.data().counted,
        };
        match result {
            Ok(outputs) => Outcome {
                results: outputs.iter().map(value).collect(),
                gas_used,
                trap: None,
            },
            Err(error) => Outcome {
                results: Vec::new(),
                gas_used,
                trap: Some(classify(&error)),
            },
        }
    }

    fn gas_left(&self) -> u64 {
        self.store.data().gas_left
    }

    fn global(&self, name: &str) -> Value {
        let global = self
            .instance
            .get_global(&self.store, name)
            .unwrap_or_else(|| panic!("no global {name}"));
        value(&global.get(&self.store))
    }

    fn memory(&self, offset: usize, len: usize) -> Vec<u8> {
        let memory = self
            .instance
            .get_memory(&self.store, "mem")
            .expect("the module exports its memory as \"mem\"");
        memory.data(&self.store)[offset..offset + len].to_vec()
    }

    /// The injected stack-height global (exported by [`expose_stack_height`]).
    fn stack_height(&self) -> i32 {
        match self.global(STACK_HEIGHT_EXPORT) {
            I32(height) => height,
            other => panic!("stack height is {other:?}"),
        }
    }
}

fn value(val: &wasmi::Val) -> Value {
    match val {
        wasmi::Val::I32(x) => I32(*x),
        wasmi::Val::I64(x) => I64(*x),
        other => panic!("unexpected result {other:?}"),
    }
}

const STACK_HEIGHT_EXPORT: &str = "__stack_height";

/// Adds an export of the injected stack-height global (the last global) to
/// an instrumented module, so that tests can read it. Nothing else changes.
fn expose_stack_height(module: &[u8]) -> Vec<u8> {
    use wasm_encoder::reencode::{Error, Reencode, utils};

    struct Expose {
        global: u32,
    }
    impl Reencode for Expose {
        type Error = Infallible;
        fn parse_export_section(
            &mut self,
            exports: &mut wasm_encoder::ExportSection,
            section: wasmparser::ExportSectionReader<'_>,
        ) -> Result<(), Error<Infallible>> {
            utils::parse_export_section(self, exports, section)?;
            exports.export(
                STACK_HEIGHT_EXPORT,
                wasm_encoder::ExportKind::Global,
                self.global,
            );
            Ok(())
        }
    }

    let mut globals = None;
    let mut has_exports = false;
    for payload in wasmparser::Parser::new(0).parse_all(module) {
        match payload.expect("instrumented module parses") {
            wasmparser::Payload::GlobalSection(reader) => globals = Some(reader.count()),
            wasmparser::Payload::ExportSection(_) => has_exports = true,
            _ => {}
        }
    }
    let globals = globals.expect("instrumented module has the stack global");
    assert!(has_exports, "test modules export something");
    let mut out = wasm_encoder::Module::new();
    Expose {
        global: globals - 1,
    }
    .parse_core_module(&mut out, wasmparser::Parser::new(0), module)
    .expect("re-encode");
    out.finish()
}

/// A test module, compiled both ways.
struct Case {
    engine: wasmi::Engine,
    metered: wasmi::Module,
    reference: wasmi::Module,
}

impl Case {
    fn new(wat: &str) -> Case {
        let wasm = wat::parse_str(wat).expect("test module parses");
        let instrumented = gasworks_vm::instrument(&wasm, &InstrumentConfig::default())
            .unwrap_or_else(|rejection| panic!("test module rejected: {rejection}"));
        let metered = expose_stack_height(&instrumented.module);
        let reference = reference::rewrite(&wasm);
        let engine = wasmi_ref::engine();
        Case {
            metered: wasmi::Module::new(&engine, &metered).expect("metered module loads"),
            reference: wasmi::Module::new(&engine, &reference).expect("reference module loads"),
            engine,
        }
    }

    fn metered(&self) -> Running {
        Running::new(Kind::Metered, &self.engine, &self.metered)
    }

    fn reference(&self) -> Running {
        Running::new(Kind::Reference, &self.engine, &self.reference)
    }

    /// Runs `export(args)` on fresh instances of both modules; checks that
    /// they agree on results and trap kind; returns (metered, reference).
    fn run_both(&self, export: &str, args: &[Value]) -> (Outcome, Outcome) {
        let metered = self.metered().call(export, args, UNLIMITED);
        let reference = self.reference().call(export, args, 0);
        assert_eq!(
            (&metered.results, &metered.trap),
            (&reference.results, &reference.trap),
            "{export}{args:?}: metered and reference runs disagree"
        );
        (metered, reference)
    }

    /// Rule 1: a call that returns uses exactly the reference total.
    fn check(&self, export: &str, args: &[Value]) -> Outcome {
        let (metered, reference) = self.run_both(export, args);
        assert_eq!(metered.trap, None, "{export}{args:?} trapped");
        assert_eq!(
            metered.gas_used, reference.gas_used,
            "{export}{args:?}: block-metered gas differs from the reference count"
        );
        metered
    }

    /// Rule 2: a call that traps with `trap` uses the reference total plus
    /// `tail`, the unexecuted rest of the metered blocks on the call stack.
    fn check_trap(&self, export: &str, args: &[Value], trap: Trap, tail: u64) -> Outcome {
        let (metered, reference) = self.run_both(export, args);
        assert_eq!(metered.trap, Some(trap), "{export}{args:?}");
        assert_eq!(
            metered.gas_used,
            reference.gas_used + tail,
            "{export}{args:?}: block-metered gas is not the reference count plus the tail"
        );
        metered
    }

    /// Rule 3: the call succeeds with exactly its cost as the limit, leaving
    /// no gas, and traps with out of gas, consuming everything, with one
    /// less. Returns the cost.
    fn check_exact_limit(&self, export: &str, args: &[Value]) -> u64 {
        let cost = self.check(export, args).gas_used;
        assert!(cost > 0);
        let mut exact = self.metered();
        let outcome = exact.call(export, args, cost);
        assert_eq!(outcome.trap, None, "{export}{args:?} with limit = cost");
        assert_eq!(exact.gas_left(), 0);
        let mut short = self.metered();
        let outcome = short.call(export, args, cost - 1);
        assert_eq!(
            outcome.trap,
            Some(Trap::OutOfGas),
            "{export}{args:?} with limit = cost - 1"
        );
        assert_eq!(short.gas_left(), 0, "out of gas consumes all gas");
        assert_eq!(outcome.gas_used, cost - 1);
        cost
    }

    /// Rule 3 for every limit from 0 to the cost: the call succeeds exactly
    /// when the limit covers the cost, and otherwise uses all of the limit.
    fn check_every_limit(&self, export: &str, args: &[Value]) {
        let cost = self.check(export, args).gas_used;
        assert!(cost <= 20_000, "keep swept cases small");
        for limit in 0..=cost + 1 {
            let outcome = self.metered().call(export, args, limit);
            if limit >= cost {
                assert_eq!(outcome.trap, None, "{export}{args:?} limit {limit}");
                assert_eq!(outcome.gas_used, cost);
            } else {
                assert_eq!(
                    outcome.trap,
                    Some(Trap::OutOfGas),
                    "{export}{args:?} limit {limit} < cost {cost}"
                );
                assert_eq!(outcome.gas_used, limit);
            }
        }
    }
}

fn i32s(values: &[i32]) -> Vec<Value> {
    values.iter().map(|v| I32(*v)).collect()
}

// ===========================================================================
// Reference count: a naive per-instruction rewriter.
// ===========================================================================

mod reference {
    //! Rewrites a module so that, before every original instruction, it calls
    //! `reference.count` with that instruction's base price from the cost
    //! table, and before each operator with a dynamic cost, the per-unit price
    //! times the count operand; each function first counts `LOCAL_COST` per
    //! declared local. Original function indices move up by one (the import).
    //! No block analysis, no stack metering: the count is the cost of the
    //! executed instructions plus the dynamic costs, by construction.

    use super::*;
    use wasm_encoder::reencode::{Error, Reencode, utils};
    use wasm_encoder::{Instruction, SectionId};

    pub const MODULE: &str = "reference";
    pub const COUNT: &str = "count";
    /// The count import is function 0 of the rewritten module.
    const COUNT_INDEX: u32 = 0;

    /// The wasmparser visitor name of an operator (`visit_i32_add`), the key
    /// of [`OPERATORS`].
    struct OperatorName;

    macro_rules! define_operator_name {
        ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
            $(
                fn $visit(&mut self $($(, $arg: $argty)*)?) -> &'static str {
                    $($(let _ = $arg;)*)?
                    stringify!($visit)
                }
            )*
        };
    }

    impl<'a> wasmparser::VisitOperator<'a> for OperatorName {
        type Output = &'static str;
        wasmparser::for_each_visit_operator!(define_operator_name);
    }

    fn price(op: &wasmparser::Operator<'_>) -> Price {
        use std::sync::OnceLock;
        use wasmparser::VisitOperator;
        static PRICES: OnceLock<BTreeMap<&'static str, Verdict>> = OnceLock::new();
        let prices = PRICES.get_or_init(|| OPERATORS.iter().copied().collect());
        let name = OperatorName.visit_operator(op);
        match prices.get(name) {
            Some(Verdict::Accept(price)) => *price,
            other => panic!("{name} is not an accepted operator: {other:?}"),
        }
    }

    #[derive(Default)]
    struct Rewriter {
        /// Parameter count of each type of the type section.
        type_params: Vec<u32>,
        /// Index of the `(func (param i64))` type appended for the import.
        count_type: Option<u32>,
        imports_written: bool,
        imported_functions: u32,
        /// Type index of each defined function.
        function_types: Vec<u32>,
        next_body: usize,
    }

    impl Rewriter {
        fn count_import(&self, imports: &mut wasm_encoder::ImportSection) {
            let ty = self.count_type.expect("the type section comes first");
            imports.import(MODULE, COUNT, wasm_encoder::EntityType::Function(ty));
        }
    }

    fn charge(function: &mut wasm_encoder::Function, amount: u64) {
        function.instruction(&Instruction::I64Const(amount as i64));
        function.instruction(&Instruction::Call(COUNT_INDEX));
    }

    impl Reencode for Rewriter {
        type Error = Infallible;

        fn function_index(&mut self, func: u32) -> Result<u32, Error<Infallible>> {
            Ok(func + 1)
        }

        fn parse_type_section(
            &mut self,
            types: &mut wasm_encoder::TypeSection,
            section: wasmparser::TypeSectionReader<'_>,
        ) -> Result<(), Error<Infallible>> {
            for group in section.clone() {
                for ty in group?.into_types() {
                    let params = match &ty.composite_type.inner {
                        wasmparser::CompositeInnerType::Func(f) => f.params().len() as u32,
                        _ => 0,
                    };
                    self.type_params.push(params);
                }
            }
            utils::parse_type_section(self, types, section)?;
            self.count_type = Some(self.type_params.len() as u32);
            types.ty().function([wasm_encoder::ValType::I64], []);
            Ok(())
        }

        fn parse_import_section(
            &mut self,
            imports: &mut wasm_encoder::ImportSection,
            section: wasmparser::ImportSectionReader<'_>,
        ) -> Result<(), Error<Infallible>> {
            self.count_import(imports);
            self.imports_written = true;
            for import in section.clone().into_imports() {
                if let wasmparser::TypeRef::Func(_) = import?.ty {
                    self.imported_functions += 1;
                }
            }
            utils::parse_import_section(self, imports, section)
        }

        fn intersperse_section_hook(
            &mut self,
            module: &mut wasm_encoder::Module,
            _after: Option<SectionId>,
            before: Option<SectionId>,
        ) -> Result<(), Error<Infallible>> {
            // A module without imports: add an import section right after
            // the type section.
            if !self.imports_written
                && self.count_type.is_some()
                && before != Some(SectionId::Import)
            {
                let mut imports = wasm_encoder::ImportSection::new();
                self.count_import(&mut imports);
                module.section(&imports);
                self.imports_written = true;
            }
            Ok(())
        }

        fn parse_function_section(
            &mut self,
            functions: &mut wasm_encoder::FunctionSection,
            section: wasmparser::FunctionSectionReader<'_>,
        ) -> Result<(), Error<Infallible>> {
            for ty in section.clone() {
                self.function_types.push(ty?);
            }
            utils::parse_function_section(self, functions, section)
        }

        fn parse_function_body(
            &mut self,
            code: &mut wasm_encoder::CodeSection,
            body: wasmparser::FunctionBody<'_>,
        ) -> Result<(), Error<Infallible>> {
            let ty = self.function_types[self.next_body];
            self.next_body += 1;
            let params = self.type_params[ty as usize];
            let mut locals = Vec::new();
            let mut declared: u32 = 0;
            for pair in body.get_locals_reader()? {
                let (count, ty) = pair?;
                declared += count;
                locals.push((count, self.val_type(ty)?));
            }
            // One extra local holds the count operand of a dynamic cost.
            let scratch = params + declared;
            locals.push((1, wasm_encoder::ValType::I32));
            let mut function = wasm_encoder::Function::new(locals);
            charge(&mut function, LOCAL_COST * u64::from(declared));
            let mut reader = body.get_operators_reader()?;
            while !reader.eof() {
                let op = reader.read()?;
                let price = price(&op);
                charge(&mut function, price.base);
                if price.unit != Unit::None {
                    // The count operand is the i32 on top of the stack.
                    function.instruction(&Instruction::LocalTee(scratch));
                    function.instruction(&Instruction::I64ExtendI32U);
                    function.instruction(&Instruction::I64Const(price.per_unit as i64));
                    function.instruction(&Instruction::I64Mul);
                    function.instruction(&Instruction::Call(COUNT_INDEX));
                    function.instruction(&Instruction::LocalGet(scratch));
                }
                function.instruction(&self.instruction(op)?);
            }
            code.function(&function);
            Ok(())
        }
    }

    /// The reference module of an (uninstrumented) module.
    pub fn rewrite(wasm: &[u8]) -> Vec<u8> {
        let mut module = wasm_encoder::Module::new();
        Rewriter::default()
            .parse_core_module(&mut module, wasmparser::Parser::new(0), wasm)
            .expect("reference rewrite");
        let module = module.finish();
        wasmparser::Validator::new()
            .validate_all(&module)
            .expect("reference module is valid");
        module
    }
}

// ===========================================================================
// Cases: the reference itself.
// ===========================================================================

/// The reference count is what the cost table says, worked out by hand on a
/// straight-line function, and the metered total agrees.
#[test]
fn reference_count_matches_a_hand_count() {
    let case = Case::new(
        r#"(module
             (func (export "f") (param i32) (result i32) (local i64 i32)
               local.get 0   ;; 1
               i32.const 3   ;; 1
               i32.mul       ;; 2
               i32.const 2   ;; 1
               i32.div_u     ;; 12
               local.set 2   ;; 1
               local.get 2   ;; 1
               i64.extend_i32_u ;; 3
               local.set 1   ;; 1
               local.get 2)) ;; 1, end 0"#,
    );
    let outcome = case.check("f", &[I32(7)]);
    assert_eq!(outcome.results, vec![I32(10)]);
    // 24 for the instructions, LOCAL_COST for each of the 2 declared locals.
    assert_eq!(outcome.gas_used, 24 + 2 * LOCAL_COST);
}

// ===========================================================================
// Cases: control flow, calls, bulk operations (rule 1).
// ===========================================================================

#[test]
fn loops_for_several_iteration_counts() {
    let case = Case::new(
        r#"(module
             (func (export "sum") (param $n i32) (result i32) (local $i i32) (local $acc i32)
               block $exit
                 loop $l
                   local.get $i local.get $n i32.ge_u br_if $exit
                   local.get $acc local.get $i i32.add local.set $acc
                   local.get $i i32.const 1 i32.add local.set $i
                   br $l
                 end
               end
               local.get $acc)
             ;; a loop whose body is entered by falling through and left by
             ;; a br_table
             (func (export "count") (param $n i32) (result i32) (local $i i32)
               block $exit
                 loop $l
                   local.get $i i32.const 1 i32.add local.tee $i
                   local.get $n i32.lt_u
                   br_table $exit $l
                 end
               end
               local.get $i)
             ;; nested loops
             (func (export "grid") (param $n i32) (result i32) (local $i i32) (local $j i32) (local $acc i32)
               loop $outer
                 i32.const 0 local.set $j
                 loop $inner
                   local.get $acc local.get $i local.get $j i32.mul i32.add local.set $acc
                   local.get $j i32.const 1 i32.add local.tee $j
                   local.get $n i32.lt_u br_if $inner
                 end
                 local.get $i i32.const 1 i32.add local.tee $i
                 local.get $n i32.lt_u br_if $outer
               end
               local.get $acc))"#,
    );
    let mut previous = 0;
    for n in [0, 1, 2, 3, 10, 100, 1000] {
        let outcome = case.check("sum", &[I32(n)]);
        assert_eq!(
            outcome.results,
            vec![I32(n * (n - 1) / 2 * i32::from(n > 0))]
        );
        assert!(outcome.gas_used > previous, "each iteration costs gas");
        previous = outcome.gas_used;
        let outcome = case.check("count", &[I32(n)]);
        assert_eq!(outcome.results, vec![I32(n.max(1))]);
    }
    for n in [1, 2, 7, 30] {
        case.check("grid", &[I32(n)]);
    }
    // Per iteration, "sum" costs the same: the total is affine in n.
    let gas = |n| case.check("sum", &[I32(n)]).gas_used;
    assert_eq!(gas(20) - gas(10), gas(30) - gas(20));
}

#[test]
fn if_else_arms_of_different_cost() {
    let case = Case::new(
        r#"(module
             (func (export "arms") (param $x i32) (result i32)
               local.get $x
               if (result i32)
                 i32.const 1
               else
                 local.get $x i32.const 1000 i32.add i32.const 7 i32.rem_u
                 i32.const 3 i32.shl i32.const 5 i32.div_s
               end
               i32.const 2 i32.add)
             ;; if without else, taken and not taken
             (func (export "half") (param $x i32) (result i32) (local $y i32)
               local.get $x
               if
                 local.get $x i32.const 2 i32.mul local.set $y
                 global.get 0 global.set 0
               end
               local.get $y i32.const 1 i32.add)
             ;; nested ifs inside arms
             (func (export "nested") (param $x i32) (result i32)
               local.get $x i32.const 1 i32.and
               if (result i32)
                 local.get $x i32.const 2 i32.and
                 if (result i32) i32.const 10 else i32.const 20 i32.const 1 i32.add end
               else
                 local.get $x i32.const 2 i32.and
                 if (result i32) i32.const 30 i32.const 2 i32.mul else i32.const 40 end
               end)
             (global (mut i32) (i32.const 0)))"#,
    );
    let then_arm = case.check("arms", &[I32(1)]);
    let else_arm = case.check("arms", &[I32(0)]);
    assert_eq!(then_arm.results, vec![I32(3)]);
    assert_eq!(else_arm.results, vec![I32(11)]);
    assert_ne!(
        then_arm.gas_used, else_arm.gas_used,
        "arms cost differently"
    );
    let taken = case.check("half", &[I32(4)]);
    let skipped = case.check("half", &[I32(0)]);
    assert_eq!(
        (taken.results, skipped.results),
        (vec![I32(9)], vec![I32(1)])
    );
    assert!(taken.gas_used > skipped.gas_used);
    for x in 0..4 {
        case.check("nested", &[I32(x)]);
    }
}

#[test]
fn br_table_each_target_and_the_default() {
    let case = Case::new(
        r#"(module
             (func (export "switch") (param $x i32) (result i32)
               block $d
                 block $c2
                   block $c1
                     block $c0
                       local.get $x
                       br_table $c0 $c1 $c2 $d
                     end
                     i32.const 10 return
                   end
                   i32.const 20 i32.const 3 i32.mul return
                 end
                 i32.const 30 i32.const 7 i32.div_u i32.const 1 i32.add return
               end
               i32.const 99))"#,
    );
    let mut costs = Vec::new();
    for (x, expected) in [
        (0, 10),
        (1, 60),
        (2, 5),
        (3, 99),
        (4, 99),
        (1000, 99),
        (-1, 99),
    ] {
        let outcome = case.check("switch", &[I32(x)]);
        assert_eq!(outcome.results, vec![I32(expected)], "switch({x})");
        costs.push(outcome.gas_used);
    }
    // The three cases and the default cost differently.
    let distinct: std::collections::BTreeSet<_> = costs[..4].iter().collect();
    assert_eq!(distinct.len(), 4, "{costs:?}");
}

#[test]
fn early_return() {
    let case = Case::new(
        r#"(module
             (func (export "early") (param $x i32) (result i32) (local $i i32)
               local.get $x i32.eqz
               if i32.const 42 return end
               ;; a return from inside a loop inside a block
               block $b
                 loop $l
                   local.get $i i32.const 1 i32.add local.tee $i
                   local.get $x i32.eq
                   if local.get $i i32.const 100 i32.mul return end
                   local.get $i i32.const 10 i32.lt_u br_if $l
                 end
               end
               local.get $i i32.const 7 i32.rem_u)
             ;; return as the last instruction and in dead code
             (func (export "tail") (param $x i32) (result i32)
               local.get $x
               return
               i32.const 1 drop))"#,
    );
    assert_eq!(case.check("early", &[I32(0)]).results, vec![I32(42)]);
    assert_eq!(case.check("early", &[I32(3)]).results, vec![I32(300)]);
    assert_eq!(case.check("early", &[I32(20)]).results, vec![I32(3)]);
    case.check("tail", &[I32(5)]);
}

#[test]
fn nested_blocks_with_br_out_of_several_levels() {
    let case = Case::new(
        r#"(module
             (func (export "nest") (param $x i32) (result i32) (local $acc i32)
               block $a
                 block $b
                   block $c
                     local.get $x i32.const 1 i32.and br_if $a
                     local.get $acc i32.const 1 i32.add local.set $acc
                     local.get $x i32.const 2 i32.and br_if $b
                     local.get $acc i32.const 10 i32.add local.set $acc
                     local.get $x i32.const 4 i32.and
                     if br $a end
                     local.get $acc i32.const 100 i32.mul local.set $acc
                     local.get $x i32.const 8 i32.and br_if $c
                     local.get $acc i32.const 5 i32.add local.set $acc
                   end
                   local.get $acc i32.const 1000 i32.add local.set $acc
                 end
                 local.get $acc i32.const 3 i32.div_u local.set $acc
               end
               local.get $acc)
             ;; dead code after br and br_table is never charged
             (func (export "dead") (param $x i32) (result i32)
               block $b
                 local.get $x br_table $b $b
                 i32.const 1 i32.const 2 i32.add drop
               end
               block $c
                 br $c
                 i32.const 3 i32.const 4 i32.mul drop
               end
               block $out
                 loop $l
                   local.get $x i32.const 1 i32.sub local.tee $x
                   br_if $l
                   br $out
                   i32.const 5 drop
                 end
               end
               i32.const 6)
             ;; blocks with results, left by br with a value
             (func (export "valued") (param $x i32) (result i32)
               block $outer (result i32)
                 block $inner (result i32)
                   i32.const 7
                   local.get $x br_if $outer
                   drop
                   i32.const 8
                   local.get $x i32.const 1 i32.add br_if $inner
                   i32.const 1 i32.add
                 end
                 i32.const 2 i32.mul
               end))"#,
    );
    let mut results = std::collections::BTreeSet::new();
    for x in 0..16 {
        results.insert(case.check("nest", &[I32(x)]).results);
    }
    assert!(results.len() >= 4, "the paths differ: {results:?}");
    for x in [-1, 0, 1] {
        case.check("valued", &[I32(x)]);
    }
    for x in [1, 3] {
        case.check("dead", &[I32(x)]);
    }
}

#[test]
fn calls_call_indirect_and_recursion() {
    let case = Case::new(
        r#"(module
             (type $t (func (param i32) (result i32)))
             (table 4 funcref)
             (elem (i32.const 0) $cheap $dear $other)
             (func $cheap (type $t) local.get 0 i32.const 1 i32.add)
             (func $dear (type $t) (local i32 i32 i32)
               local.get 0 i32.const 3 i32.mul i32.const 7 i32.rem_u)
             (func $other (result i64) i64.const 1)
             (func (export "direct") (param $x i32) (result i32)
               local.get $x call $cheap
               local.get $x call $dear
               i32.add
               call $dear)
             (func (export "indirect") (param $i i32) (param $x i32) (result i32)
               local.get $x local.get $i call_indirect (type $t)
               i32.const 1 i32.add)
             (func $fib (export "fib") (param $n i32) (result i32)
               local.get $n i32.const 2 i32.lt_u
               if (result i32)
                 local.get $n
               else
                 local.get $n i32.const 1 i32.sub call $fib
                 local.get $n i32.const 2 i32.sub call $fib
                 i32.add
               end)
             (func $even (param $n i32) (result i32)
               local.get $n i32.eqz if (result i32) i32.const 1
               else local.get $n i32.const 1 i32.sub call $odd end)
             (func $odd (param $n i32) (result i32)
               local.get $n i32.eqz if (result i32) i32.const 0
               else local.get $n i32.const 1 i32.sub call $even end)
             (func (export "even") (param i32) (result i32) local.get 0 call $even))"#,
    );
    for x in [0, 5, 1000] {
        case.check("direct", &[I32(x)]);
    }
    let cheap = case.check("indirect", &i32s(&[0, 41]));
    let dear = case.check("indirect", &i32s(&[1, 41]));
    assert_eq!(cheap.results, vec![I32(43)]);
    assert_eq!(dear.results, vec![I32(41 * 3 % 7 + 1)]);
    assert!(dear.gas_used > cheap.gas_used);
    let fib: Vec<i32> = (0..16)
        .map(|n| match case.check("fib", &[I32(n)]).results[..] {
            [I32(r)] => r,
            ref other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(fib[15], 610);
    for n in [0, 1, 2, 101, 1000] {
        case.check("even", &[I32(n)]);
    }
}

#[test]
fn memory_grow_is_charged_per_page_requested_even_when_it_fails() {
    let case = Case::new(
        r#"(module
             (memory (export "mem") 1 4)
             (func (export "grow") (param i32) (result i32)
               local.get 0
               memory.grow))"#,
    );
    // memory.grow: its base, and its price per page requested (read as
    // unsigned); the check against the reference count is the same rule
    // counted independently, this one the arithmetic written out.
    let grow = operator_price("visit_memory_grow");
    assert_eq!(grow.unit, Unit::Pages);
    for (pages, expected) in [(0, 1), (1, 1), (3, 1), (4, -1), (100_000, -1), (-1, -1)] {
        let outcome = case.check("grow", &[I32(pages)]);
        assert_eq!(outcome.results, vec![I32(expected)], "grow({pages})");
        // local.get 1, memory.grow base + per page, end 0.
        assert_eq!(
            outcome.gas_used,
            1 + grow.base + grow.per_unit * u64::from(pages as u32),
            "grow({pages})"
        );
    }
    // A second grow in the same instance, after a failed one.
    let mut instance = case.metered();
    let first = instance.call("grow", &[I32(5)], UNLIMITED);
    let second = instance.call("grow", &[I32(2)], UNLIMITED);
    assert_eq!(first.results, vec![I32(-1)]);
    assert_eq!(second.results, vec![I32(1)]);
    assert_eq!(second.gas_used, 1 + grow.base + 2 * grow.per_unit);
}

/// The price of the operator whose visitor method is `visit`.
fn operator_price(visit: &str) -> Price {
    OPERATORS
        .iter()
        .find_map(|(name, verdict)| match verdict {
            Verdict::Accept(price) if *name == visit => Some(*price),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{visit} is an accepted operator"))
}

#[test]
fn bulk_memory_with_various_lengths() {
    let case = Case::new(
        r#"(module
             (memory (export "mem") 1)
             (data $d "0123456789abcdefghij")
             (func (export "copy") (param $n i32)
               i32.const 1000 i32.const 0 local.get $n memory.copy)
             (func (export "fill") (param $n i32)
               i32.const 0 i32.const 0xAA local.get $n memory.fill)
             (func (export "init") (param $n i32)
               i32.const 10 i32.const 0 local.get $n memory.init $d)
             (func (export "drop") data.drop $d)
             ;; several bulk operations in one metered block
             (func (export "mixed") (param $n i32) (result i32)
               i32.const 0 i32.const 1 local.get $n memory.fill
               i32.const 100 i32.const 0 local.get $n i32.const 2 i32.div_u memory.copy
               i32.const 100 i32.load8_u))"#,
    );
    for n in [0, 1, 17, 1000, 65536 - 1000] {
        let outcome = case.check("copy", &[I32(n)]);
        // 3 operands, memory.copy 5 + 1 per byte.
        assert_eq!(outcome.gas_used, 3 + 5 + n as u64);
        case.check("fill", &[I32(n)]);
    }
    case.check("fill", &[I32(65536)]);
    for n in [0, 1, 20] {
        case.check("init", &[I32(n)]);
    }
    case.check("drop", &[]);
    for n in [0, 2, 77] {
        case.check("mixed", &[I32(n)]);
    }
}

#[test]
fn table_operations_with_various_counts() {
    let case = Case::new(
        r#"(module
             (table $t 2 8 funcref)
             (elem $e func $a $b $a)
             (func $a)
             (func $b)
             (func (export "grow") (param $n i32) (result i32)
               ref.null func local.get $n table.grow $t)
             (func (export "fill") (param $n i32)
               i32.const 0 ref.func $a local.get $n table.fill $t)
             (func (export "copy") (param $n i32)
               i32.const 0 i32.const 1 local.get $n table.copy $t $t)
             (func (export "init") (param $n i32)
               i32.const 0 i32.const 0 local.get $n table.init $t $e)
             (func (export "size") (result i32) table.size $t)
             (func (export "get_set")
               i32.const 1 i32.const 0 table.get $t table.set $t))"#,
    );
    for (n, expected) in [(0, 2), (1, 2), (6, 2), (7, -1), (1000, -1), (-1, -1)] {
        let outcome = case.check("grow", &[I32(n)]);
        assert_eq!(outcome.results, vec![I32(expected)], "table.grow({n})");
        // ref.null 1, local.get 1, table.grow 5 + 1 per element.
        assert_eq!(outcome.gas_used, 2 + 5 + u64::from(n as u32));
    }
    for n in [0, 1, 2] {
        case.check("fill", &[I32(n)]);
        case.check("init", &[I32(n)]);
    }
    for n in [0, 1] {
        case.check("copy", &[I32(n)]);
    }
    // Three elements from offset 0 do not fit a table of two: the dynamic
    // part is charged, table.init traps, and nothing follows it but `end`.
    case.check_trap("init", &[I32(3)], Trap::TableOutOfBounds, 0);
    case.check("size", &[]);
    case.check("get_set", &[]);
}

// ===========================================================================
// Cases: traps in the middle of a metered block (rule 2).
// ===========================================================================

#[test]
fn trap_in_the_middle_of_a_block_charges_the_rest_of_that_block() {
    let case = Case::new(
        r#"(module
             (memory (export "mem") 1)
             (func $divide (export "divide") (param $d i32) (result i32)
               i32.const 100 local.get $d i32.div_u
               i32.const 5 i32.add
               i32.const 3 i32.mul)
             (func (export "load_after_loop") (param $n i32) (param $addr i32) (result i32) (local $i i32)
               loop $l
                 local.get $i i32.const 1 i32.add local.tee $i
                 local.get $n i32.lt_u br_if $l
               end
               local.get $addr i32.load
               i32.const 1 i32.add
               local.get $i i32.mul)
             (func (export "div_in_loop") (param $d i32) (local $i i32)
               loop $l
                 local.get $i i32.const 1 i32.add local.set $i
                 i32.const 10 local.get $d local.get $i i32.sub i32.div_u drop
                 local.get $i i32.const 5 i32.lt_u br_if $l
               end)
             (func (export "call_divide") (param $d i32) (result i32)
               local.get $d call $divide
               i32.const 3 i32.mul
               global.get 0 i32.add)
             (func (export "overflow") (param $x i32) (result i32)
               local.get $x i32.const -1 i32.div_s
               i32.const 1 i32.add drop
               i32.const 0)
             (func (export "fill_oob") (param $n i32)
               i32.const 65530 i32.const 0 local.get $n memory.fill
               i32.const 1 drop)
             (func (export "unreachable_mid")
               i32.const 1 drop
               unreachable
               i32.const 2 drop)
             (global i32 (i32.const 4)))"#,
    );

    // divide(0): the trapping i32.div_u is charged before it runs, in both
    // counts; the block-metered count also paid, at the block's head, for
    //   i32.const 5 (1) + i32.add (1) + i32.const 3 (1) + i32.mul (2) + end (0) = 5.
    case.check_trap("divide", &[I32(0)], Trap::IntegerDivisionByZero, 5);
    case.check("divide", &[I32(7)]);

    // load_after_loop(n, 70000): the trap is in the block after the loop:
    //   i32.const 1 (1) + i32.add (1) + local.get (1) + i32.mul (2) + end (0) = 5.
    for n in [0, 1, 4] {
        case.check_trap(
            "load_after_loop",
            &i32s(&[n, 70_000]),
            Trap::MemoryOutOfBounds,
            5,
        );
        case.check("load_after_loop", &i32s(&[n, 16]));
    }
    // The last in-bounds address and the first out of bounds one.
    case.check("load_after_loop", &i32s(&[1, 65_532]));
    case.check_trap(
        "load_after_loop",
        &i32s(&[1, 65_533]),
        Trap::MemoryOutOfBounds,
        5,
    );

    // div_in_loop(3): the third iteration divides by zero; the loop body's
    // block after i32.div_u:
    //   drop (1) + local.get (1) + i32.const (1) + i32.lt_u (1) + br_if (4) = 8.
    case.check_trap("div_in_loop", &[I32(3)], Trap::IntegerDivisionByZero, 8);
    case.check("div_in_loop", &[I32(100)]);

    // call_divide(0): two frames on the stack at the trap. Callee: 5 as in
    // divide(0). Caller, after the call:
    //   i32.const 3 (1) + i32.mul (2) + global.get (2) + i32.add (1) + end (0) = 6.
    case.check_trap("call_divide", &[I32(0)], Trap::IntegerDivisionByZero, 5 + 6);

    // overflow(i32::MIN): i32.div_s overflows; after it:
    //   i32.const 1 (1) + i32.add (1) + drop (1) + i32.const 0 (1) + end (0) = 4.
    case.check_trap("overflow", &[I32(i32::MIN)], Trap::IntegerOverflow, 4);

    // fill_oob(100): the dynamic part (100) is charged before memory.fill in
    // both counts; after memory.fill: i32.const 1 (1) + drop (1) + end (0) = 2.
    let outcome = case.check_trap("fill_oob", &[I32(100)], Trap::MemoryOutOfBounds, 2);
    assert_eq!(outcome.gas_used, 3 + 5 + 100 + 2);
    case.check("fill_oob", &[I32(6)]);

    // `unreachable` ends its metered block: nothing after it was charged.
    case.check_trap("unreachable_mid", &[], Trap::Unreachable, 0);
}

#[test]
fn call_indirect_traps() {
    let case = Case::new(
        r#"(module
             (type $t (func (param i32) (result i32)))
             (table 4 funcref)
             (elem (i32.const 0) $cheap $other)
             (func $cheap (type $t) local.get 0 i32.const 1 i32.add)
             (func $other (result i64) i64.const 1)
             (func (export "indirect") (param $i i32) (param $x i32) (result i32)
               local.get $x local.get $i call_indirect (type $t)
               i32.const 1 i32.add))"#,
    );
    // After call_indirect: i32.const 1 (1) + i32.add (1) + end (0) = 2.
    case.check("indirect", &i32s(&[0, 1]));
    case.check_trap("indirect", &i32s(&[1, 1]), Trap::BadSignature, 2);
    case.check_trap("indirect", &i32s(&[2, 1]), Trap::IndirectCallToNull, 2);
    case.check_trap("indirect", &i32s(&[4, 1]), Trap::TableOutOfBounds, 2);
}

// ===========================================================================
// Cases: gas limit of exactly the cost and of the cost minus one (rule 3).
// ===========================================================================

#[test]
fn limit_of_exactly_the_cost_succeeds_and_one_less_runs_out() {
    let case = Case::new(
        r#"(module
             (memory (export "mem") 1 2)
             (func (export "arms") (param $x i32) (result i32)
               local.get $x
               if (result i32) i32.const 1
               else local.get $x i32.const 3 i32.mul i32.const 2 i32.div_u end)
             (func (export "switch") (param $x i32) (result i32)
               block $b block $a
                 local.get $x br_table $a $b
               end i32.const 1 return end
               i32.const 2)
             (func (export "sum") (param $n i32) (result i32) (local $i i32) (local $acc i32)
               loop $l
                 local.get $acc local.get $i i32.add local.set $acc
                 local.get $i i32.const 1 i32.add local.tee $i
                 local.get $n i32.lt_u br_if $l
               end
               local.get $acc)
             (func $fib (export "fib") (param $n i32) (result i32)
               local.get $n i32.const 2 i32.lt_u
               if (result i32) local.get $n
               else
                 local.get $n i32.const 1 i32.sub call $fib
                 local.get $n i32.const 2 i32.sub call $fib
                 i32.add
               end)
             (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
             (func (export "copy") (param $n i32)
               i32.const 100 i32.const 0 local.get $n memory.copy))"#,
    );
    case.check_exact_limit("arms", &[I32(0)]);
    case.check_exact_limit("arms", &[I32(1)]);
    case.check_exact_limit("switch", &[I32(0)]);
    case.check_exact_limit("switch", &[I32(9)]);
    case.check_exact_limit("sum", &[I32(50)]);
    case.check_exact_limit("fib", &[I32(12)]);
    case.check_exact_limit("grow", &[I32(1)]);
    case.check_exact_limit("grow", &[I32(2)]); // fails (-1), still charged
    case.check_exact_limit("copy", &[I32(1000)]);

    // Every limit from 0 to the cost: success exactly from the cost on.
    case.check_every_limit("arms", &[I32(0)]);
    case.check_every_limit("switch", &[I32(1)]);
    case.check_every_limit("sum", &[I32(7)]);
    case.check_every_limit("fib", &[I32(6)]);
    case.check_every_limit("copy", &[I32(300)]);
}

#[test]
fn out_of_gas_happens_before_the_side_effects_of_the_failing_block() {
    let case = Case::new(
        r#"(module
             (memory (export "mem") 1)
             (global $g (export "g") (mut i32) (i32.const 0))
             (func (export "work") (param $n i32) (local $i i32)
               ;; entry block: an early side effect
               i32.const 0 i32.const 1 i32.store
               loop $l
                 local.get $i i32.const 1 i32.add local.tee $i
                 local.get $n i32.lt_u br_if $l
               end
               ;; the last metered block: a store and a global.set
               i32.const 4 i32.const 2 i32.store
               i32.const 7 global.set $g)
             ;; a dynamic charge is the last charge: the store before it
             ;; (same metered block) happens, the fill does not
             (func (export "fill") (param $n i32)
               i32.const 0 i32.const 9 i32.store8
               i32.const 1 i32.const 0xAA local.get $n memory.fill))"#,
    );
    let cost = case.check_exact_limit("work", &[I32(3)]);

    let mut exact = case.metered();
    assert_eq!(exact.call("work", &[I32(3)], cost).trap, None);
    assert_eq!(exact.memory(0, 8), [1, 0, 0, 0, 2, 0, 0, 0]);
    assert_eq!(exact.global("g"), I32(7));

    let mut short = case.metered();
    let outcome = short.call("work", &[I32(3)], cost - 1);
    assert_eq!(outcome.trap, Some(Trap::OutOfGas));
    // The earlier blocks ran, the last one did not start.
    assert_eq!(short.memory(0, 8), [1, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(short.global("g"), I32(0));

    // The last block costs i32.const 1 + i32.const 1 + i32.store 2 +
    // i32.const 1 + global.set 2 + end 0 = 7: for every limit from cost - 7
    // to cost - 1 its charge is the one that fails, after all the others.
    for limit in cost - 7..cost {
        let mut short = case.metered();
        let outcome = short.call("work", &[I32(3)], limit);
        assert_eq!(outcome.trap, Some(Trap::OutOfGas), "limit {limit}");
        assert_eq!(
            short.memory(0, 8),
            [1, 0, 0, 0, 0, 0, 0, 0],
            "limit {limit}"
        );
        assert_eq!(short.global("g"), I32(0), "limit {limit}");
    }
    // The entry block costs i32.const 1 + i32.const 1 + i32.store 2 +
    // loop 0 + LOCAL_COST for $i: with less, not even the first store runs.
    let entry = 4 + LOCAL_COST;
    let mut starved = case.metered();
    let outcome = starved.call("work", &[I32(3)], entry - 1);
    assert_eq!(outcome.trap, Some(Trap::OutOfGas));
    assert_eq!(starved.memory(0, 8), [0; 8]);
    let mut fed = case.metered();
    assert_eq!(
        fed.call("work", &[I32(3)], entry).trap,
        Some(Trap::OutOfGas)
    );
    assert_eq!(fed.memory(0, 8), [1, 0, 0, 0, 0, 0, 0, 0]);

    let n = 50;
    let cost = case.check_exact_limit("fill", &[I32(n)]);
    let mut short = case.metered();
    assert_eq!(
        short.call("fill", &[I32(n)], cost - 1).trap,
        Some(Trap::OutOfGas)
    );
    assert_eq!(short.memory(0, 3), [9, 0, 0], "store ran, fill did not");
    let mut exact = case.metered();
    assert_eq!(exact.call("fill", &[I32(n)], cost).trap, None);
    assert_eq!(exact.memory(0, 3), [9, 0xAA, 0xAA]);
}

// ===========================================================================
// Cases: stack metering (rule 4).
// ===========================================================================

/// Two recursive functions whose frame sizes are worked out by hand from the
/// formula `FRAME_OVERHEAD + params + declared locals + max operand height`.
const RECURSION: &str = r#"(module
  ;; params 1, declared locals 2. Operand stack height after each operator:
  ;; local.get→1, if→0, local.get→1, i32.const→2, i32.sub→1, call→0, end→0.
  ;; Maximum 2: frame = FRAME_OVERHEAD + 1 + 2 + 2.
  (func $down (export "down") (param $n i32) (local i64 i64)
    local.get $n
    if
      local.get $n i32.const 1 i32.sub call $down
    end)
  ;; params 3, no declared locals. Operand stack height after each operator:
  ;; local.get→1, local.get→2, i64.add→1, local.get→2, if→1,
  ;; then: local.get→2, i32.const→3, i32.sub→2, local.get→3, local.get→4,
  ;; call→2; else: i64.const→2; end→2, i64.add→1.
  ;; Maximum 4: frame = FRAME_OVERHEAD + 3 + 0 + 4.
  (func $wide (export "wide") (param $n i32) (param $a i64) (param $b i64) (result i64)
    local.get $a local.get $b i64.add
    local.get $n
    if (result i64)
      local.get $n i32.const 1 i32.sub
      local.get $a local.get $b
      call $wide
    else
      i64.const 0
    end
    i64.add)
  ;; no params, locals or operands: the smallest frame, FRAME_OVERHEAD
  (func $forever (export "forever") call $forever)
  (func (export "noop")))"#;

/// The deepest `n` for which `f(n)` (which makes n + 1 nested calls) fits.
fn deepest(frame: u32) -> i32 {
    let frames = STACK_LIMIT / frame;
    (frames - 1) as i32
}

#[test]
fn unbounded_recursion_traps_with_stack_exhausted() {
    let case = Case::new(RECURSION);
    let mut instance = case.metered();
    let outcome = instance.call("forever", &[], UNLIMITED);
    assert_eq!(outcome.trap, Some(Trap::StackExhausted));
    // The frame is FRAME_OVERHEAD units: the trap comes at the call that
    // would take the height over the limit. Each call costs `call`'s base.
    let frames = u64::from(STACK_LIMIT / FRAME_OVERHEAD);
    let call = operator_price("visit_call").base;
    assert_eq!(outcome.gas_used, call * (frames + 1));
}

#[test]
fn recursion_just_under_the_stack_limit_succeeds() {
    let case = Case::new(RECURSION);
    // Frame sizes from the comments in RECURSION.
    let down_frame = FRAME_OVERHEAD + 1 + 2 + 2;
    let wide_frame = FRAME_OVERHEAD + 3 + 4;

    let n = deepest(down_frame);
    case.check("down", &[I32(n)]);
    let outcome = case.metered().call("down", &[I32(n + 1)], UNLIMITED);
    assert_eq!(outcome.trap, Some(Trap::StackExhausted), "down({})", n + 1);

    let n = deepest(wide_frame);
    let outcome = case.check("wide", &[I32(n), I64(1), I64(2)]);
    assert_eq!(outcome.results, vec![I64(3 * (i64::from(n) + 1))]);
    let outcome = case
        .metered()
        .call("wide", &[I32(n + 1), I64(1), I64(2)], UNLIMITED);
    assert_eq!(outcome.trap, Some(Trap::StackExhausted), "wide({})", n + 1);
}

#[test]
fn a_successful_export_call_leaves_the_stack_height_unchanged() {
    let case = Case::new(RECURSION);
    let mut instance = case.metered();
    assert_eq!(instance.stack_height(), 0);
    let n = deepest(FRAME_OVERHEAD + 1 + 2 + 2);
    // Called twice in the same instance: a leaked height would make the
    // second call exhaust the stack.
    let first = instance.call("down", &[I32(n)], UNLIMITED);
    assert_eq!(instance.stack_height(), 0);
    let second = instance.call("down", &[I32(n)], UNLIMITED);
    assert_eq!(first.trap, None);
    assert_eq!(first, second);
    assert_eq!(instance.stack_height(), 0);
    let first = instance.call("wide", &[I32(10), I64(1), I64(1)], UNLIMITED);
    let second = instance.call("wide", &[I32(10), I64(1), I64(1)], UNLIMITED);
    assert_eq!(first, second);
    assert_eq!(instance.stack_height(), 0);
}

/// The stack height measures the depth of the call stack, not the number of
/// calls made: callers restore it after every call, direct or indirect.
#[test]
fn calls_in_a_loop_do_not_accumulate_stack_height() {
    let case = Case::new(
        r#"(module
             (type $leaf (func (param i32) (result i32)))
             (table 1 funcref)
             (elem (i32.const 0) $leaf)
             (func $leaf (type $leaf) local.get 0 i32.const 1 i32.add)
             ;; far more calls than STACK_LIMIT / frame size of $leaf
             (func (export "direct") (param $n i32) (result i32) (local $i i32)
               loop $l
                 local.get $i call $leaf local.set $i
                 local.get $i local.get $n i32.lt_u br_if $l
               end
               local.get $i)
             (func (export "indirect") (param $n i32) (result i32) (local $i i32)
               loop $l
                 local.get $i i32.const 0 call_indirect (type $leaf) local.set $i
                 local.get $i local.get $n i32.lt_u br_if $l
               end
               local.get $i))"#,
    );
    let calls = STACK_LIMIT as i32;
    let outcome = case.check("direct", &[I32(calls)]);
    assert_eq!(outcome.results, vec![I32(calls)]);
    let outcome = case.check("indirect", &[I32(calls)]);
    assert_eq!(outcome.results, vec![I32(calls)]);
}

/// A trap leaves the stack height where it was (module docs of `instrument`,
/// docs/gas.md section 5): the thunk restores it only on a normal return, so
/// an instance that trapped must be discarded.
#[test]
fn a_trap_leaves_the_stack_height_where_it_was() {
    let case = Case::new(RECURSION);

    // Stack exhausted: the failing prologue had already added its frame.
    let mut instance = case.metered();
    let trapped = instance.call("forever", &[], UNLIMITED);
    assert_eq!(trapped.trap, Some(Trap::StackExhausted));
    let frames = STACK_LIMIT / FRAME_OVERHEAD + 1;
    assert_eq!(instance.stack_height(), (frames * FRAME_OVERHEAD) as i32);
    // So the next call in the same instance exhausts the stack at once.
    let outcome = instance.call("noop", &[], UNLIMITED);
    assert_eq!(outcome.trap, Some(Trap::StackExhausted));

    // Out of gas with one unit less than down(5) costs: the last charge is
    // down(0)'s entry charge (the blocks after each call cost 0), which
    // fails before down(0)'s prologue, with down(5) .. down(1) on the stack.
    let cost = case.check("down", &[I32(5)]).gas_used;
    let mut instance = case.metered();
    let outcome = instance.call("down", &[I32(5)], cost - 1);
    assert_eq!(outcome.trap, Some(Trap::OutOfGas));
    let down_frame = FRAME_OVERHEAD + 1 + 2 + 2;
    assert_eq!(instance.stack_height(), (5 * down_frame) as i32);
}
