//! [`Engine`] on the Gasworks engine (`gasworks_vm::engine`), metered.
//!
//! Imports are linked per module: the `spectest` print functions as no-ops,
//! and the function exports of registered instances as host functions that
//! call into those instances (with the caller's remaining gas as their limit,
//! and the gas they use charged to the caller).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use gasworks_vm::engine::{
    Caller, HostFunc, Instance, InstantiationError, Linker, Module, Value as GValue,
};
use gasworks_vm::instrument::ValType as HostType;
use gasworks_vm::trap::TrapKind as GTrap;
use wasmparser::{Parser, Payload, TypeRef, ValType};

use super::engine::{CallError, Engine, InstanceId, InstantiateError, TrapKind, Value};

/// [`Engine`] on the Gasworks engine; modules are instrumented by the
/// harness, and every `invoke` gets `gas_per_invocation` gas.
pub struct GasworksEngine {
    gas_per_invocation: u64,
    instances: Vec<Arc<Mutex<Instance>>>,
    /// Function exports of each instance, with their signatures, for linking.
    exports: Vec<BTreeMap<String, Signature>>,
    registered: BTreeMap<String, usize>,
    last_gas: Option<u64>,
}

impl GasworksEngine {
    pub fn new(gas_per_invocation: u64) -> GasworksEngine {
        GasworksEngine {
            gas_per_invocation,
            instances: Vec::new(),
            exports: Vec::new(),
            registered: BTreeMap::new(),
            last_gas: None,
        }
    }
}

fn to_gasworks(value: Value) -> GValue {
    match value {
        Value::I32(v) => GValue::I32(v),
        Value::I64(v) => GValue::I64(v),
        Value::FuncRef { is_null: true } => GValue::FuncRef(None),
        Value::FuncRef { is_null: false } => GValue::FuncRef(Some(0)),
        Value::ExternRef(r) => GValue::ExternRef(r),
    }
}

fn from_gasworks(value: GValue) -> Value {
    match value {
        GValue::I32(v) => Value::I32(v),
        GValue::I64(v) => Value::I64(v),
        GValue::FuncRef(r) => Value::FuncRef {
            is_null: r.is_none(),
        },
        GValue::ExternRef(r) => Value::ExternRef(r),
    }
}

fn host_types(types: &[ValType]) -> Option<Vec<HostType>> {
    types
        .iter()
        .map(|t| match t {
            ValType::I32 => Some(HostType::I32),
            ValType::I64 => Some(HostType::I64),
            _ => None,
        })
        .collect()
}

/// The function imports of `wasm`: (module, name, params, results).
type FunctionImport = (String, String, Vec<ValType>, Vec<ValType>);

/// A function signature: params and results.
type Signature = (Vec<ValType>, Vec<ValType>);

/// The function imports of `wasm`, and its function exports with their
/// signatures.
fn functions(wasm: &[u8]) -> Result<(Vec<FunctionImport>, BTreeMap<String, Signature>), String> {
    let mut types: Vec<Signature> = Vec::new();
    let mut imports = Vec::new();
    let mut function_types: Vec<u32> = Vec::new();
    let mut exports = BTreeMap::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| e.to_string())? {
            Payload::TypeSection(reader) => {
                for ty in reader.into_iter_err_on_gc_types() {
                    let ty = ty.map_err(|e| e.to_string())?;
                    types.push((ty.params().to_vec(), ty.results().to_vec()));
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.map_err(|e| e.to_string())?;
                    if let TypeRef::Func(ty) = import.ty {
                        function_types.push(ty);
                        let (params, results) = types
                            .get(ty as usize)
                            .cloned()
                            .ok_or("import type out of range")?;
                        imports.push((
                            import.module.to_string(),
                            import.name.to_string(),
                            params,
                            results,
                        ));
                    }
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    function_types.push(ty.map_err(|e| e.to_string())?);
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.map_err(|e| e.to_string())?;
                    if export.kind == wasmparser::ExternalKind::Func {
                        let signature = function_types
                            .get(export.index as usize)
                            .and_then(|ty| types.get(*ty as usize))
                            .cloned()
                            .ok_or("export type out of range")?;
                        exports.insert(export.name.to_string(), signature);
                    }
                }
            }
            _ => {}
        }
    }
    Ok((imports, exports))
}

/// A host function that calls export `name` of `target`.
fn forward(target: Arc<Mutex<Instance>>, name: String, params: Vec<ValType>) -> HostFunc {
    Arc::new(
        move |caller: &mut Caller<'_>, args: &[u64], results: &mut [u64]| {
            let values: Vec<GValue> = params
                .iter()
                .zip(args)
                .map(|(ty, slot)| match ty {
                    ValType::I64 => GValue::I64(*slot as i64),
                    _ => GValue::I32(*slot as u32 as i32),
                })
                .collect();
            // A call back into an instance that is already running is not
            // supported by this adapter.
            let mut instance = target.try_lock().map_err(|_| GTrap::Host(1))?;
            let outcome = instance
                .call(&name, &values, caller.gas_left())
                .map_err(|_| GTrap::Host(2))?;
            caller.charge_gas(outcome.gas_used)?;
            let values = outcome.result?;
            for (slot, value) in results.iter_mut().zip(values) {
                *slot = match value {
                    GValue::I32(v) => u64::from(v as u32),
                    GValue::I64(v) => v as u64,
                    _ => return Err(GTrap::Host(3)),
                };
            }
            Ok(())
        },
    )
}

impl Engine for GasworksEngine {
    fn instantiate(&mut self, wasm: &[u8]) -> Result<InstanceId, InstantiateError> {
        // The harness runs the suite's modules with gas off and, with gas
        // on, the instrumented ones it prepared itself: metered by their
        // code either way.
        let module =
            Module::new_unmetered(wasm).map_err(|e| InstantiateError::Other(e.to_string()))?;
        let mut linker = Linker::new();
        let (imports, exports) = functions(wasm).map_err(InstantiateError::Other)?;
        for (module_name, name, params, results) in imports {
            if module_name == "gasworks" {
                continue;
            }
            let (Some(host_params), Some(host_results)) =
                (host_types(&params), host_types(&results))
            else {
                return Err(InstantiateError::Link(format!(
                    "{module_name}.{name}: reference types in a host signature"
                )));
            };
            let unknown = || InstantiateError::Link(format!("unknown import {module_name}.{name}"));
            let offered: Option<Signature> = if module_name == "spectest" {
                crate::spectest_functions()
                    .into_iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, params)| (params, Vec::new()))
            } else {
                self.registered
                    .get(&module_name)
                    .and_then(|target| self.exports[*target].get(&name).cloned())
            };
            let offered = offered.ok_or_else(unknown)?;
            if offered != (params.clone(), results.clone()) {
                return Err(InstantiateError::Link(format!(
                    "incompatible import type for {module_name}.{name}"
                )));
            }
            let func: HostFunc = if module_name == "spectest" {
                Arc::new(|_: &mut Caller<'_>, _: &[u64], _: &mut [u64]| Ok(()))
            } else {
                let target = *self.registered.get(&module_name).ok_or_else(unknown)?;
                forward(self.instances[target].clone(), name.clone(), params.clone())
            };
            linker.define(&module_name, &name, &host_params, &host_results, func);
        }
        let instance = Instance::new(&module, &linker).map_err(|e| match e {
            InstantiationError::UnknownImport { .. }
            | InstantiationError::SignatureMismatch { .. } => InstantiateError::Link(e.to_string()),
            InstantiationError::Trap(kind) => InstantiateError::Trap(TrapKind::from(kind)),
            InstantiationError::TooLarge { .. } => InstantiateError::Other(e.to_string()),
        })?;
        self.instances.push(Arc::new(Mutex::new(instance)));
        self.exports.push(exports);
        Ok(InstanceId(self.instances.len() - 1))
    }

    fn register(&mut self, name: &str, instance: InstanceId) -> Result<(), String> {
        if instance.0 >= self.instances.len() {
            return Err("no such instance".into());
        }
        self.registered.insert(name.to_string(), instance.0);
        Ok(())
    }

    fn invoke(
        &mut self,
        instance: InstanceId,
        name: &str,
        args: &[Value],
    ) -> Result<Vec<Value>, CallError> {
        let target = self
            .instances
            .get(instance.0)
            .ok_or_else(|| CallError::Engine("no such instance".into()))?
            .clone();
        let mut instance = target
            .lock()
            .map_err(|_| CallError::Engine("instance poisoned".into()))?;
        let args: Vec<GValue> = args.iter().copied().map(to_gasworks).collect();
        let outcome = instance
            .call(name, &args, self.gas_per_invocation)
            .map_err(|e| CallError::Engine(e.to_string()))?;
        self.last_gas = Some(outcome.gas_used);
        // Threaded dispatch must not grow the native stack per instruction
        // (see `Instance::native_stack_used`).
        let native = instance.native_stack_used();
        if native > super::NATIVE_STACK_BOUND {
            return Err(CallError::Engine(format!(
                "{name}: the executor held {native} bytes of native stack at the end \
                 (bound {}): a handler made a real call instead of a jump",
                super::NATIVE_STACK_BOUND
            )));
        }
        match outcome.result {
            Ok(values) => Ok(values.into_iter().map(from_gasworks).collect()),
            Err(kind) => Err(CallError::Trap(TrapKind::from(kind))),
        }
    }

    fn global(&mut self, instance: InstanceId, name: &str) -> Result<Value, String> {
        let target = self.instances.get(instance.0).ok_or("no such instance")?;
        let instance = target.lock().map_err(|_| "instance poisoned")?;
        instance
            .global(name)
            .map(from_gasworks)
            .ok_or_else(|| format!("no exported global {name:?}"))
    }

    fn gas_used(&self) -> Option<u64> {
        self.last_gas
    }
}
