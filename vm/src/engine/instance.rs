//! Instances: a compiled module with its memory, tables, globals and
//! bound imports, and the calls into it.
//!
//! [`Instance::new`] binds every import (the metering imports to the
//! engine's own implementations, the others to the linker's host functions,
//! by name and typed signature), checks the initial sizes against the
//! engine's limits and initialises memory, tables, globals and segments with
//! the spec's bounds rules. [`Instance::call`] checks the arguments against
//! the export's signature, lends the call a value stack and runs it in the
//! executor, with a gas limit; the [`Outcome`] is the results or the trap,
//! and the gas used.

use std::any::Any;
use std::sync::Arc;

use super::code::REF_NULL;
use super::compile::{Compiled, ImportKind, Init};
use super::error::signature_text;
use super::{
    ArgumentMismatch, Binding, CallError, Caller, Export, InstantiationError, Linker,
    MAX_MEMORY_PAGES, MAX_TABLE_ELEMENTS, Module, PAGE_SIZE, Value, execute,
};
use crate::profile::{Category, Profiler};
use crate::trap::TrapKind;

/// The outcome of a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The results, or the trap kind.
    pub result: Result<Vec<Value>, TrapKind>,
    /// Gas used (the whole limit when out of gas).
    pub gas_used: u64,
}

/// A table's elements (function indices or host values; [`REF_NULL`] for
/// null) and its maximum size.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub elements: Vec<u64>,
    pub max: u64,
}

impl Table {
    pub(super) fn grow(&mut self, delta: u32, init: u64) -> u32 {
        let old = self.elements.len() as u64;
        let new = old + u64::from(delta);
        if new > self.max {
            return u32::MAX;
        }
        // Capacity held to the maximum, as for memory.
        super::execute::grow_within(&mut self.elements, new as usize, self.max as usize, init);
        old as u32
    }

    pub(super) fn fill(&mut self, start: u32, value: u64, len: u32) -> Result<(), TrapKind> {
        let end = u64::from(start) + u64::from(len);
        if end > self.elements.len() as u64 {
            return Err(TrapKind::TableOutOfBounds);
        }
        self.elements[start as usize..end as usize].fill(value);
        Ok(())
    }
}

/// An instance: a module with its memory, tables, globals and host
/// functions. After a trap, the instrumented stack height is put back to
/// where the call found it; memory, tables and other globals keep whatever
/// the call did before it trapped (a chain rolls those back by discarding
/// the instance or its state).
pub struct Instance {
    pub(super) module: Arc<Compiled>,
    pub(super) memory: Vec<u8>,
    pub(super) memory_pages: u32,
    pub(super) memory_max_pages: u32,
    pub(super) tables: Vec<Table>,
    pub(super) globals: Vec<u64>,
    pub(super) dropped_data: Vec<bool>,
    pub(super) dropped_elements: Vec<bool>,
    /// What each import is bound to, by import index.
    pub(super) imports: Vec<Binding>,
    /// Value slots a call needs ([`execute::stack_capacity`]); the stack
    /// itself is lent by [`execute::ValueStack`] for each call.
    stack_slots: usize,
    pub(super) native_stack_used: usize,
}

/// The value of a constant initialiser, `globals` being the instance's
/// globals so far.
pub(super) fn evaluate_init(globals: &[u64], init: Init) -> u64 {
    match init {
        Init::Value(v) => v,
        Init::Func(f) => u64::from(f),
        Init::Global(g) => globals.get(g as usize).copied().unwrap_or(0),
    }
}

impl Instance {
    /// Instantiates `module`, linking its host imports from `linker`.
    ///
    /// # Errors
    ///
    /// [`InstantiationError`] for unknown or mistyped imports and for
    /// segments that do not fit.
    pub fn new(module: &Module, linker: &Linker) -> Result<Instance, InstantiationError> {
        let compiled = module.compiled.clone();
        let mut imports = Vec::with_capacity(compiled.imports.len());
        for import in &compiled.imports {
            match &import.kind {
                ImportKind::Gas => imports.push(Binding::Gas),
                ImportKind::StackExhausted => imports.push(Binding::StackExhausted),
                ImportKind::Host { module, name } => {
                    let definition = linker
                        .functions
                        .get(module.as_str())
                        .and_then(|functions| functions.get(name.as_str()))
                        .ok_or_else(|| InstantiationError::UnknownImport {
                            module: module.clone(),
                            name: name.clone(),
                        })?;
                    let signature = &compiled.signatures[import.signature as usize];
                    if definition.params != signature.params
                        || definition.results != signature.results
                    {
                        return Err(InstantiationError::SignatureMismatch {
                            module: module.clone(),
                            name: name.clone(),
                            imported: signature_text(&signature.params, &signature.results),
                            defined: signature_text(&definition.params, &definition.results),
                        });
                    }
                    imports.push(Binding::Host(definition.func.clone()));
                }
            }
        }
        let (memory_pages, memory_max_pages) = match compiled.memory {
            Some((initial, _)) if initial > MAX_MEMORY_PAGES => {
                return Err(InstantiationError::TooLarge {
                    what: "memory pages",
                    size: initial,
                    max: MAX_MEMORY_PAGES,
                });
            }
            Some((initial, maximum)) => (
                initial as u32,
                maximum.unwrap_or(MAX_MEMORY_PAGES).min(MAX_MEMORY_PAGES) as u32,
            ),
            None => (0, 0),
        };
        if let Some((initial, _)) = compiled
            .tables
            .iter()
            .find(|(initial, _)| *initial > MAX_TABLE_ELEMENTS)
        {
            return Err(InstantiationError::TooLarge {
                what: "table elements",
                size: *initial,
                max: MAX_TABLE_ELEMENTS,
            });
        }
        let mut globals = Vec::with_capacity(compiled.globals.len());
        for (_, _, init) in &compiled.globals {
            let value = match *init {
                Init::Value(v) => v,
                Init::Func(f) => u64::from(f),
                Init::Global(g) => globals.get(g as usize).copied().unwrap_or(0),
            };
            globals.push(value);
        }
        let tables = compiled
            .tables
            .iter()
            .map(|(initial, maximum)| Table {
                elements: vec![REF_NULL; *initial as usize],
                max: maximum
                    .unwrap_or(MAX_TABLE_ELEMENTS)
                    .min(MAX_TABLE_ELEMENTS),
            })
            .collect();
        let mut instance = Instance {
            memory: super::memory_pool::take(memory_pages as usize * PAGE_SIZE),
            memory_pages,
            memory_max_pages,
            tables,
            dropped_data: vec![false; compiled.data.len()],
            dropped_elements: vec![false; compiled.elements.len()],
            imports,
            stack_slots: execute::stack_capacity(compiled.max_frame_slots),
            native_stack_used: 0,
            globals,
            module: compiled.clone(),
        };
        // Element segments, then data segments, in order (WebAssembly 2.0).
        for (index, segment) in compiled.elements.iter().enumerate() {
            if let Some((table, offset)) = segment.active {
                let offset = instance.init_value(offset) as u32;
                let len = segment.items.len() as u32;
                instance
                    .table_init(table, index as u32, offset, 0, len)
                    .map_err(InstantiationError::Trap)?;
            }
            if segment.active.is_some() || segment.declared {
                instance.dropped_elements[index] = true;
            }
        }
        for (index, segment) in compiled.data.iter().enumerate() {
            if let Some(offset) = segment.active {
                let offset = instance.init_value(offset) as u32;
                let end = u64::from(offset) + segment.bytes.len() as u64;
                if end > instance.memory.len() as u64 {
                    return Err(InstantiationError::Trap(TrapKind::MemoryOutOfBounds));
                }
                instance.memory[offset as usize..end as usize].copy_from_slice(&segment.bytes);
                instance.dropped_data[index] = true;
            }
        }
        // Instrumented modules have no start function (the instrumenter
        // rejects it); a module run without metering may, and it runs here
        // without a gas limit.
        if let Some(start) = compiled.start {
            let imported = compiled.imports.len() as u32;
            let mut stack = execute::ValueStack::take(instance.stack_slots);
            let mut gas = execute::Gas { left: u64::MAX };
            let result = match start.checked_sub(imported) {
                Some(defined) => instance.execute(defined, &mut stack, &mut gas, &mut (), None),
                None => instance.call_host_export(start, &mut stack, &mut gas, &mut ()),
            };
            stack.give_back();
            result.map_err(InstantiationError::Trap)?;
        }
        Ok(instance)
    }

    /// Ends the instance, giving its linear memory to this thread's pool
    /// for the next instance ([`super::memory_pool`]): what an embedder
    /// that instantiates per call should do with an instance it is done
    /// with (dropping it frees the memory instead).
    pub fn recycle(mut self) {
        super::memory_pool::give_back(std::mem::take(&mut self.memory));
    }

    fn init_value(&self, init: Init) -> u64 {
        evaluate_init(&self.globals, init)
    }

    /// The number of items of element segment `elem` (0 once dropped).
    pub(super) fn element_count(&self, elem: u32) -> u64 {
        if self.dropped_elements[elem as usize] {
            return 0;
        }
        self.module.elements[elem as usize].items.len() as u64
    }

    /// The instance's linear memory.
    pub fn memory(&self) -> &[u8] {
        &self.memory
    }

    /// The instance's linear memory, writable.
    pub fn memory_mut(&mut self) -> &mut [u8] {
        &mut self.memory
    }

    /// Native stack, in bytes, that the executor's handler chain held when
    /// the last call into WebAssembly code ended (returned or trapped); 0
    /// before any. A diagnostic: the executor passes control from
    /// instruction to instruction by jumps, so this is a small constant of
    /// the build, whatever the code ran; a value that grows with the work a
    /// call did means a handler made a real call, and a long run would
    /// exhaust the thread's stack. The test suites check it.
    pub fn native_stack_used(&self) -> usize {
        self.native_stack_used
    }

    /// The value of an exported global.
    pub fn global(&self, name: &str) -> Option<Value> {
        match self.module.exports.get(name)? {
            Export::Global(index) => {
                let value = *self.globals.get(*index as usize)?;
                let (ty, _, _) = self.module.globals.get(*index as usize)?;
                Some(Value::from_slot(value, *ty))
            }
            _ => None,
        }
    }

    /// Calls the exported function `name` with `args` and at most
    /// `gas_limit` gas.
    ///
    /// # Errors
    ///
    /// [`CallError`] when there is no such export or the arguments do not
    /// match; a trap is not an error but an [`Outcome`].
    pub fn call(
        &mut self,
        name: &str,
        args: &[Value],
        gas_limit: u64,
    ) -> Result<Outcome, CallError> {
        self.call_with(name, args, gas_limit, &mut ())
    }

    /// [`Instance::call`] with a context that host functions reach through
    /// [`Caller::context`]: the embedder's per-call state (storage, events,
    /// the call's environment). A host function may call into another
    /// instance with the same context, reborrowed; the executor does not
    /// recurse natively per WebAssembly call, so the native stack grows
    /// only with such host-level nesting, which the embedder bounds.
    ///
    /// # Errors
    ///
    /// As [`Instance::call`].
    pub fn call_with(
        &mut self,
        name: &str,
        args: &[Value],
        gas_limit: u64,
        context: &mut dyn Any,
    ) -> Result<Outcome, CallError> {
        self.run(name, args, gas_limit, context, None)
    }

    /// [`Instance::call_with`], recording where the gas goes in `profiler`
    /// (see [`crate::profile`]): the same results, gas and trap as without
    /// it; every unit of gas used is recorded once. A host function reaches
    /// the profiler through [`Caller::profiler`] (to call another instance
    /// profiled, say).
    ///
    /// # Errors
    ///
    /// As [`Instance::call`].
    pub fn call_profiled(
        &mut self,
        name: &str,
        args: &[Value],
        gas_limit: u64,
        context: &mut dyn Any,
        profiler: &mut Profiler,
    ) -> Result<Outcome, CallError> {
        self.run(name, args, gas_limit, context, Some(profiler))
    }

    fn run(
        &mut self,
        name: &str,
        args: &[Value],
        gas_limit: u64,
        context: &mut dyn Any,
        profiler: Option<&mut Profiler>,
    ) -> Result<Outcome, CallError> {
        let module = self.module.clone();
        let Some(Export::Function(index)) = module.exports.get(name).copied() else {
            return Err(CallError::NoSuchExport(name.to_string()));
        };
        let signature_id = module
            .function_signature(index)
            .ok_or_else(|| CallError::NoSuchExport(name.to_string()))?;
        let signature = &module.signatures[signature_id as usize];
        if args.len() != signature.params.len()
            || !args
                .iter()
                .zip(&signature.params)
                .all(|(a, t)| a.matches(*t))
        {
            return Err(CallError::BadArguments(ArgumentMismatch::new(
                name, signature, args,
            )));
        }
        let mut gas = execute::Gas { left: gas_limit };
        // A trap leaves the instrumented stack height where it was; put it
        // back so that the instance stays usable.
        let height = module
            .stack_global
            .and_then(|g| self.globals.get(g as usize).copied());
        let mut stack = execute::ValueStack::take(self.stack_slots);
        for (slot, arg) in stack.iter_mut().zip(args) {
            *slot = arg.to_slot();
        }
        let imported = module.imports.len() as u32;
        let result = if index < imported {
            let before = gas.left;
            let result = self.call_host_export(index, &mut stack, &mut gas, context);
            if let Some(profiler) = profiler {
                profiler.record(Category::Host, before - gas.left);
            }
            result
        } else {
            self.execute(index - imported, &mut stack, &mut gas, context, profiler)
        };
        let result = result.map(|()| {
            signature
                .results
                .iter()
                .zip(stack.iter())
                .map(|(ty, slot)| Value::from_slot(*slot, *ty))
                .collect()
        });
        stack.give_back();
        if let (Err(_), Some(height), Some(global)) = (&result, height, module.stack_global) {
            self.globals[global as usize] = height;
        }
        Ok(Outcome {
            result,
            gas_used: gas_limit - gas.left,
        })
    }

    fn call_host_export(
        &mut self,
        import: u32,
        stack: &mut [u64],
        gas: &mut execute::Gas,
        context: &mut dyn Any,
    ) -> Result<(), TrapKind> {
        // A re-exported import: call it as the host would.
        let module = self.module.clone();
        match &self.imports[import as usize] {
            Binding::Gas => {
                let amount = stack.first().copied().unwrap_or(0);
                gas.charge(amount)
            }
            Binding::StackExhausted => Err(TrapKind::StackExhausted),
            Binding::Host(func) => {
                let func = func.clone();
                let signature =
                    &module.signatures[module.imports[import as usize].signature as usize];
                let args: Vec<u64> = stack[..signature.params.len()].to_vec();
                stack[..signature.results.len()].fill(0);
                let mut caller = Caller {
                    memory: &mut self.memory,
                    gas_left: &mut gas.left,
                    context,
                    profiler: None,
                };
                func(&mut caller, &args, &mut stack[..signature.results.len()])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::compile_wat;
    use super::*;

    #[test]
    fn call_reports_results_gas_and_traps() {
        let module = compile_wat(
            r#"(module
                 (func (export "div") (param i32 i32) (result i32)
                   (i32.div_s (local.get 0) (local.get 1)))
                 (func $loop (export "spin") (loop (br 0))))"#,
        );
        let mut instance = Instance::new(&module, &Linker::new()).expect("instantiates");
        let ok = instance
            .call("div", &[Value::I32(7), Value::I32(2)], 1_000)
            .expect("call made");
        assert_eq!(ok.result, Ok(vec![Value::I32(3)]));
        assert!(ok.gas_used > 0);
        let trap = instance
            .call("div", &[Value::I32(7), Value::I32(0)], 1_000)
            .expect("call made");
        assert_eq!(trap.result, Err(TrapKind::IntegerDivideByZero));
        let overflow = instance
            .call("div", &[Value::I32(i32::MIN), Value::I32(-1)], 1_000)
            .expect("call made");
        assert_eq!(overflow.result, Err(TrapKind::IntegerOverflow));
        let spin = instance.call("spin", &[], 10_000).expect("call made");
        assert_eq!(spin.result, Err(TrapKind::OutOfGas));
        assert_eq!(spin.gas_used, 10_000);
        let mismatch = instance
            .call("div", &[Value::I32(1)], 10)
            .expect_err("one argument for two");
        assert_eq!(
            mismatch.to_string(),
            r#"arguments (i32) do not match the signature of "div": (param i32 i32) (result i32)"#
        );
        let mismatch = instance
            .call("spin", &[Value::I64(1)], 10)
            .expect_err("an argument for none");
        assert_eq!(
            mismatch.to_string(),
            r#"arguments (i64) do not match the signature of "spin": (no parameters, no results)"#
        );
        assert_eq!(
            instance.call("nope", &[], 10),
            Err(CallError::NoSuchExport("nope".into()))
        );
    }

    #[test]
    fn host_functions_reach_the_call_context() {
        use crate::instrument::ValType;
        let wasm = wat::parse_str(
            r#"(module (import "env" "bump" (func $bump (param i64) (result i64)))
                 (func (export "f") (param i64) (result i64)
                   (call $bump (call $bump (local.get 0)))))"#,
        )
        .expect("parses");
        let module = Module::new_unmetered(&wasm).expect("compiles");
        let mut linker = Linker::new();
        linker.define(
            "env",
            "bump",
            &[ValType::I64],
            &[ValType::I64],
            Arc::new(
                |caller: &mut Caller<'_>, args: &[u64], results: &mut [u64]| {
                    let Some(calls) = caller.context::<Vec<u64>>() else {
                        return Err(TrapKind::Host(7));
                    };
                    calls.push(args[0]);
                    results[0] = args[0] * 10;
                    Ok(())
                },
            ),
        );
        let mut instance = Instance::new(&module, &linker).expect("instantiates");
        let mut calls: Vec<u64> = Vec::new();
        let outcome = instance
            .call_with("f", &[Value::I64(3)], 1_000, &mut calls)
            .expect("call made");
        assert_eq!(outcome.result, Ok(vec![Value::I64(300)]));
        assert_eq!(calls, [3, 30]);
        // Without a context of the expected type the host function sees none.
        let outcome = instance
            .call("f", &[Value::I64(3)], 1_000)
            .expect("call made");
        assert_eq!(outcome.result, Err(TrapKind::Host(7)));
    }

    #[test]
    fn growth_never_reserves_past_the_maximum() {
        // Grown one page (element) at a time from 3, `Vec`'s doubling
        // reserved up to 768 pages (15,000 elements) for a 512-page
        // (10,000-element) maximum.
        let module = Module::new_unmetered(
            &wat::parse_str(
                r#"(module (table 3 10000 funcref) (memory 3 512)
                     (func (export "grow")
                       (loop $l
                         (br_if $l (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
                       (loop $t
                         (br_if $t (i32.ne (table.grow (ref.null func) (i32.const 1))
                                           (i32.const -1))))))"#,
            )
            .expect("parses"),
        )
        .expect("compiles");
        let mut instance = Instance::new(&module, &Linker::new()).expect("instantiates");
        let outcome = instance.call("grow", &[], u64::MAX).expect("call made");
        assert_eq!(outcome.result, Ok(vec![]));
        assert_eq!(instance.memory.len(), 512 * PAGE_SIZE);
        assert_eq!(instance.memory.capacity(), 512 * PAGE_SIZE);
        assert_eq!(instance.tables[0].elements.len(), 10_000);
        assert_eq!(instance.tables[0].elements.capacity(), 10_000);
    }

    #[test]
    fn uninstrumented_modules_cannot_claim_unbounded_host_memory() {
        let module = |text: &str| {
            Module::new_unmetered(&wat::parse_str(text).expect("parses")).expect("compiles")
        };
        // Initial sizes past the engine's limits do not instantiate.
        let table = module("(module (table 0xffffffff funcref))");
        assert!(matches!(
            Instance::new(&table, &Linker::new()),
            Err(InstantiationError::TooLarge {
                what: "table elements",
                ..
            })
        ));
        let memory = module("(module (memory 65536))");
        assert!(matches!(
            Instance::new(&memory, &Linker::new()),
            Err(InstantiationError::TooLarge {
                what: "memory pages",
                ..
            })
        ));
        // Growth past them fails as WebAssembly allows, with -1.
        let grow = module(
            r#"(module (table 1 funcref) (memory 1)
                 (func (export "table") (param i32) (result i32)
                   (table.grow (ref.null func) (local.get 0)))
                 (func (export "memory") (param i32) (result i32)
                   (memory.grow (local.get 0))))"#,
        );
        let mut instance = Instance::new(&grow, &Linker::new()).expect("instantiates");
        let result = |instance: &mut Instance, name: &str, arg: u64| {
            instance
                .call(name, &[Value::I32(arg as u32 as i32)], u64::MAX)
                .expect("call made")
                .result
        };
        assert_eq!(
            result(&mut instance, "table", 0x7fff_ffff),
            Ok(vec![Value::I32(-1)])
        );
        assert_eq!(
            result(&mut instance, "table", MAX_TABLE_ELEMENTS),
            Ok(vec![Value::I32(-1)])
        );
        assert_eq!(
            result(&mut instance, "table", MAX_TABLE_ELEMENTS - 1),
            Ok(vec![Value::I32(1)])
        );
        assert_eq!(
            result(&mut instance, "memory", MAX_MEMORY_PAGES),
            Ok(vec![Value::I32(-1)])
        );
        assert_eq!(result(&mut instance, "memory", 3), Ok(vec![Value::I32(1)]));
    }
}
