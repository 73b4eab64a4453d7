//! Running one script in one configuration: modules prepared (stripped,
//! instrumented when metering is on), instantiated on the engine, each
//! assertion checked and recorded with its verdict.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use gasworks_vm::instrument::ValType as HostType;
use gasworks_vm::limits::{Limit, Limits};
use gasworks_vm::{HostImport, InstrumentConfig, Rejection, Rule, instrument};
use wasmparser::ValType;

use crate::engine::{CallError, Engine, InstanceId, InstantiateError, Value};
use crate::script::{Action, Arg, CommandKind, Encoded, Expected, Script};
use crate::{Configuration, spec_limits, spectest_functions, strip, trap_kind_of};

/// Why an assertion was not run.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Skip {
    /// The file is a SIMD file: a rejection corpus only.
    SimdFile,
    /// In a float file (`f32*`, `f64*`, `float_exprs`, `float_literals`,
    /// `float_misc`: the float rejection corpus), an argument or expected
    /// result is an `f32`/`f64`.
    FloatFile,
    /// An argument or expected result is an `f32`/`f64`/`v128`.
    FloatValue,
    /// The invoked export is a function stripped of floats.
    StrippedExport,
    /// Execution reached a function stripped of floats (detected through
    /// the marker global when the call trapped).
    ReachedStrippedCode,
    /// An earlier top-level `invoke` on the same instance was skipped, so
    /// the instance's state is not what the script expects.
    AfterSkippedAction,
    /// The start function of the module uses floats.
    StrippedStart,
    /// `assert_unlinkable` of a module whose import types, or the types of
    /// the exports it imports, stripping changed (float globals and
    /// functions).
    StrippedImportTypes,
    /// A module skipped in this configuration imported from this instance:
    /// its state may differ from the script's.
    AfterSkippedModule,
    /// Metering on: the module imports a memory, table or global, and the
    /// instrumenter accepts function imports (from the manifest) only.
    MeteredNonFunctionImport,
    /// The engine links integer function imports only, and the module
    /// imports something else.
    FunctionImportsOnly,
    /// Metering on: the module imports a function with a reference-typed
    /// parameter or result, which a host import cannot declare.
    MeteredReferenceImport,
    /// Metering on: the instrumenter rejects the module by a policy rule
    /// (a static limit).
    MeteredPolicy(String),
    /// A directive of a later proposal.
    Unsupported(String),
}

impl Skip {
    pub fn describe(&self) -> String {
        match self {
            Skip::SimdFile => "SIMD file (rejection corpus only)".into(),
            Skip::FloatFile => {
                "float file (rejection corpus): an argument or expected result is f32/f64".into()
            }
            Skip::FloatValue => "an argument or expected result is f32/f64/v128".into(),
            Skip::StrippedExport => "invokes a function stripped of floats".into(),
            Skip::ReachedStrippedCode => "execution reached a function stripped of floats".into(),
            Skip::AfterSkippedAction => {
                "follows a skipped `invoke` action on the same instance".into()
            }
            Skip::StrippedStart => "the module's start function uses floats".into(),
            Skip::StrippedImportTypes => {
                "assert_unlinkable of a module whose import types stripping changed".into()
            }
            Skip::AfterSkippedModule => {
                "a module skipped in this configuration imported from this instance".into()
            }
            Skip::MeteredNonFunctionImport => {
                "metering on: module imports a memory/table/global (instrumenter accepts \
                 function imports only)"
                    .into()
            }
            Skip::MeteredReferenceImport => {
                "metering on: module imports a function with reference types in its signature"
                    .into()
            }
            Skip::MeteredPolicy(rule) => format!("metering on: instrumenter policy ({rule})"),
            Skip::FunctionImportsOnly => "the engine links integer function imports only (module \
                imports a memory/table/global or a function with reference types)"
                .into(),
            Skip::Unsupported(what) => format!("unsupported directive ({what})"),
        }
    }
}

/// What an assertion came to.
#[derive(Debug, Clone)]
pub enum Verdict {
    Pass,
    Fail(String),
    Skip(Skip),
}

/// One assertion's result in one configuration.
#[derive(Debug, Clone)]
pub struct Record {
    pub place: String,
    pub command: &'static str,
    pub verdict: Verdict,
    /// What the engine did, for comparing configurations (`None` if not run).
    pub observed: Option<String>,
    /// Gas the command's invocation used, when it invoked a metered engine.
    pub gas: Option<u64>,
}

/// A module of the script, as far as this configuration got with it.
enum ModuleState {
    Ready(Box<ReadyModule>),
    Skipped(Skip),
    Failed(String),
}

struct ReadyModule {
    instance: InstanceId,
    stripped_exports: BTreeSet<String>,
    /// Exports whose type stripping changed.
    altered_exports: BTreeSet<String>,
    /// Whether the module has the marker global, and its last value read.
    marker: Option<Value>,
    /// Why the instance's state can no longer be trusted, if it cannot.
    tainted: Option<Skip>,
    /// The modules it imports from (indices into the runner's modules).
    imports_from: BTreeSet<usize>,
    /// Function exports and their signatures (for the manifest of importers).
    functions: BTreeMap<String, wasmparser::FuncType>,
}

/// Interned strings and signatures for the `'static` fields of
/// [`HostImport`].
fn intern(text: &str) -> &'static str {
    static STRINGS: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    let mut strings = STRINGS.lock().expect("interner");
    if let Some(s) = strings.get(text) {
        return s;
    }
    let leaked: &'static str = Box::leak(text.to_string().into_boxed_str());
    strings.insert(leaked);
    leaked
}

fn intern_types(types: &[HostType]) -> &'static [HostType] {
    static TYPES: Mutex<BTreeMap<Vec<HostType>, &'static [HostType]>> = Mutex::new(BTreeMap::new());
    let mut map = TYPES.lock().expect("interner");
    if let Some(t) = map.get(types) {
        return t;
    }
    let leaked: &'static [HostType] = Box::leak(types.to_vec().into_boxed_slice());
    map.insert(types.to_vec(), leaked);
    leaked
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

/// A module's imports: (module, name, kind and function type).
struct Imports {
    items: Vec<(String, String, Option<wasmparser::FuncType>)>,
}

fn imports_of(wasm: &[u8]) -> Result<Imports, String> {
    use wasmparser::{Parser, Payload, TypeRef};
    let error = |e: wasmparser::BinaryReaderError| e.to_string();
    let mut types = Vec::new();
    let mut items = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(error)? {
            Payload::TypeSection(reader) => {
                for ty in reader.into_iter_err_on_gc_types() {
                    types.push(ty.map_err(error)?);
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.map_err(error)?;
                    let ty = match import.ty {
                        TypeRef::Func(index) => Some(
                            types
                                .get(index as usize)
                                .cloned()
                                .ok_or("import of an unknown type")?,
                        ),
                        _ => None,
                    };
                    items.push((import.module.to_string(), import.name.to_string(), ty));
                }
            }
            _ => {}
        }
    }
    Ok(Imports { items })
}

/// Exports of a module that are functions, with their signatures.
fn function_exports(wasm: &[u8]) -> Result<BTreeMap<String, wasmparser::FuncType>, String> {
    use wasmparser::{Parser, Payload};
    let error = |e: wasmparser::BinaryReaderError| e.to_string();
    let mut types = Vec::new();
    let mut functions = Vec::new();
    let mut exports = BTreeMap::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(error)? {
            Payload::TypeSection(reader) => {
                for ty in reader.into_iter_err_on_gc_types() {
                    types.push(ty.map_err(error)?);
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    if let wasmparser::TypeRef::Func(ty) = import.map_err(error)?.ty {
                        functions.push(ty);
                    }
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    functions.push(ty.map_err(error)?);
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.map_err(error)?;
                    if export.kind == wasmparser::ExternalKind::Func {
                        let ty = functions
                            .get(export.index as usize)
                            .and_then(|ty| types.get(*ty as usize))
                            .ok_or("export of an unknown function")?;
                        exports.insert(export.name.to_string(), ty.clone());
                    }
                }
            }
            _ => {}
        }
    }
    Ok(exports)
}

/// How a module's preparation ended, before the engine sees it.
enum Prepared {
    Ready {
        wasm: Vec<u8>,
        stripped: Box<strip::Stripped>,
    },
    Skipped(Skip),
    /// The instrumenter did not accept it for an import it cannot resolve:
    /// the manifest has no such function (or not with that signature).
    Unresolved(String),
    Failed(String),
}

pub struct Runner<'a> {
    config: &'a Configuration,
    stem: &'a str,
    engine: Box<dyn Engine>,
    modules: Vec<ModuleState>,
    named: BTreeMap<String, usize>,
    current: Option<usize>,
    /// Registered names: the module index.
    registered: BTreeMap<String, usize>,
    pub records: Vec<Record>,
    pub modules_instantiated: usize,
    pub modules_stripped: usize,
    pub functions_stripped: usize,
    /// Metering on: modules the consensus limits reject, by limit.
    pub beyond_consensus: BTreeMap<Limit, usize>,
    /// Gas used by all invocations (metered engines).
    pub gas_used: u64,
    /// The most gas one invocation used.
    pub max_gas_used: u64,
    /// Gas of the last invocation, until it is recorded.
    last_gas: Option<u64>,
}

impl<'a> Runner<'a> {
    pub fn new(config: &'a Configuration, stem: &'a str) -> Runner<'a> {
        Runner {
            config,
            stem,
            engine: (config.engine)(),
            modules: Vec::new(),
            named: BTreeMap::new(),
            current: None,
            registered: BTreeMap::new(),
            records: Vec::new(),
            modules_instantiated: 0,
            modules_stripped: 0,
            functions_stripped: 0,
            beyond_consensus: BTreeMap::new(),
            gas_used: 0,
            max_gas_used: 0,
            last_gas: None,
        }
    }

    /// The skip for an assertion with float values.
    fn float_skip(&self) -> Skip {
        let float_file = self.stem.starts_with("f32")
            || self.stem.starts_with("f64")
            || matches!(self.stem, "float_exprs" | "float_literals" | "float_misc");
        if float_file {
            Skip::FloatFile
        } else {
            Skip::FloatValue
        }
    }

    fn record(
        &mut self,
        line: usize,
        command: &'static str,
        verdict: Verdict,
        observed: Option<String>,
    ) {
        self.records.push(Record {
            place: format!("{}.wast:{line}", self.stem),
            command,
            verdict,
            observed,
            gas: self.last_gas.take(),
        });
    }

    /// Strips (and, metering on, instruments) a module.
    fn prepare(&mut self, wasm: &[u8]) -> Prepared {
        let stripped = match strip::strip(wasm, self.config.metering) {
            Ok(stripped) => stripped,
            Err(message) => return Prepared::Failed(format!("stripping failed: {message}")),
        };
        if stripped.start_stripped {
            return Prepared::Skipped(Skip::StrippedStart);
        }
        let imports = match imports_of(&stripped.wasm) {
            Ok(imports) => imports,
            Err(message) => return Prepared::Failed(message),
        };
        // Importing from a module that this configuration skipped: skipped
        // for the same reason.
        for (module, _, _) in &imports.items {
            if let Some(index) = self.registered.get(module)
                && let Some(ModuleState::Skipped(skip)) = self.modules.get(*index)
            {
                return Prepared::Skipped(skip.clone());
            }
        }
        if !self.config.metering {
            if self.config.function_imports_only
                && imports.items.iter().any(|(_, _, ty)| {
                    ty.as_ref().is_none_or(|ty| {
                        host_types(ty.params()).is_none() || host_types(ty.results()).is_none()
                    })
                })
            {
                return Prepared::Skipped(Skip::FunctionImportsOnly);
            }
            return Prepared::Ready {
                wasm: stripped.wasm.clone(),
                stripped: Box::new(stripped),
            };
        }
        let mut host_imports = Vec::new();
        for (module, name, ty) in &imports.items {
            let Some(ty) = ty else {
                return Prepared::Skipped(Skip::MeteredNonFunctionImport);
            };
            if host_types(ty.params()).is_none() || host_types(ty.results()).is_none() {
                return Prepared::Skipped(Skip::MeteredReferenceImport);
            }
            // The manifest: what the linker offers under that name, with the
            // offered signature (the instrumenter checks the import's).
            let offered = if module == "spectest" {
                spectest_functions()
                    .into_iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, params)| wasmparser::FuncType::new(params, []))
            } else {
                self.registered
                    .get(module)
                    .and_then(|index| match self.modules.get(*index) {
                        Some(ModuleState::Ready(ready)) => ready.functions.get(name).cloned(),
                        _ => None,
                    })
            };
            if let Some(offered) = offered
                && let (Some(params), Some(results)) =
                    (host_types(offered.params()), host_types(offered.results()))
            {
                host_imports.push(HostImport {
                    module: intern(module),
                    name: intern(name),
                    params: intern_types(&params),
                    results: intern_types(&results),
                });
            }
        }
        let mut config = InstrumentConfig {
            limits: Limits::CONSENSUS,
            host_imports,
        };
        if let Err(Rejection {
            rule: Rule::Limit { limit, .. },
            ..
        }) = instrument(&stripped.wasm, &config)
        {
            *self.beyond_consensus.entry(limit).or_default() += 1;
        }
        config.limits = spec_limits();
        match instrument(&stripped.wasm, &config) {
            Ok(instrumented) => {
                if let Err(error) = wasmparser::Validator::new().validate_all(&instrumented.module)
                {
                    return Prepared::Failed(format!(
                        "INSTRUMENTER BUG: the instrumented module does not validate: {error}"
                    ));
                }
                Prepared::Ready {
                    wasm: instrumented.module,
                    stripped: Box::new(stripped),
                }
            }
            Err(rejection) => match &rejection.rule {
                Rule::UnknownImport { .. } | Rule::ImportSignature { .. } => {
                    Prepared::Unresolved(rejection.to_string())
                }
                Rule::Limit { limit, .. } => {
                    Prepared::Skipped(Skip::MeteredPolicy(format!("limit {limit:?}")))
                }
                _ => Prepared::Failed(format!(
                    "INSTRUMENTER BUG?: the stripped module is rejected: {rejection}"
                )),
            },
        }
    }

    /// Instantiates a prepared module; calls the moved start function.
    fn instantiate(
        &mut self,
        wasm: &[u8],
        stripped: &strip::Stripped,
    ) -> Result<ReadyModule, InstantiateError> {
        let instance = self.engine.instantiate(wasm)?;
        if stripped.start_exported {
            match self.engine.invoke(instance, strip::START_EXPORT, &[]) {
                Ok(_) => {}
                Err(CallError::Trap(kind)) => return Err(InstantiateError::Trap(kind)),
                Err(CallError::Engine(message)) => return Err(InstantiateError::Other(message)),
            }
        }
        let functions = function_exports(&stripped.wasm).map_err(InstantiateError::Other)?;
        let marker = if stripped.marker {
            Some(
                self.engine
                    .global(instance, strip::MARKER_EXPORT)
                    .map_err(InstantiateError::Other)?,
            )
        } else {
            None
        };
        Ok(ReadyModule {
            instance,
            stripped_exports: stripped.stripped_exports.clone(),
            altered_exports: stripped.altered_exports.clone(),
            marker,
            tainted: None,
            imports_from: self.imported_modules(&stripped.wasm),
            functions,
        })
    }

    fn add_module(&mut self, id: Option<&str>, state: ModuleState) {
        self.modules.push(state);
        let index = self.modules.len() - 1;
        self.current = Some(index);
        if let Some(id) = id {
            self.named.insert(id.to_string(), index);
        }
    }

    fn module_command(&mut self, line: usize, id: Option<&str>, wasm: &Encoded) {
        let state = match wasm {
            Err(message) => ModuleState::Failed(format!("text does not encode: {message}")),
            Ok(wasm) => match self.prepare(wasm) {
                Prepared::Ready { wasm, stripped } => {
                    if stripped.stripped_functions > 0 {
                        self.modules_stripped += 1;
                        self.functions_stripped += stripped.stripped_functions;
                    }
                    match self.instantiate(&wasm, &stripped) {
                        Ok(ready) => {
                            self.modules_instantiated += 1;
                            ModuleState::Ready(Box::new(ready))
                        }
                        Err(error) => ModuleState::Failed(format!("instantiation failed: {error}")),
                    }
                }
                Prepared::Skipped(skip) => {
                    self.taint_exporters(wasm);
                    ModuleState::Skipped(skip)
                }
                Prepared::Unresolved(message) => {
                    ModuleState::Failed(format!("imports not resolved: {message}"))
                }
                Prepared::Failed(message) => ModuleState::Failed(message),
            },
        };
        let verdict = match &state {
            ModuleState::Ready(_) => Verdict::Pass,
            ModuleState::Skipped(skip) => Verdict::Skip(skip.clone()),
            ModuleState::Failed(message) => Verdict::Fail(message.clone()),
        };
        let observed = match &state {
            ModuleState::Ready(_) => Some("instantiated".to_string()),
            ModuleState::Failed(message) => Some(message.clone()),
            ModuleState::Skipped(_) => None,
        };
        self.record(line, "module", verdict, observed);
        self.add_module(id, state);
    }

    /// The module an action refers to: its index, or the verdict without it.
    fn resolve(&self, module: Option<&str>) -> Result<usize, Verdict> {
        let index = match module {
            Some(id) => self.named.get(id).copied(),
            None => self.current,
        };
        let index = index.ok_or_else(|| Verdict::Fail(format!("no module {module:?}")))?;
        match &self.modules[index] {
            ModuleState::Ready(ready) if ready.tainted.is_some() => Err(Verdict::Skip(
                ready.tainted.clone().unwrap_or(Skip::AfterSkippedAction),
            )),
            ModuleState::Ready(_) => Ok(index),
            ModuleState::Skipped(skip) => Err(Verdict::Skip(skip.clone())),
            ModuleState::Failed(message) => Err(Verdict::Fail(format!(
                "its module is not available: {message}"
            ))),
        }
    }

    fn ready(&self, index: usize) -> &ReadyModule {
        match &self.modules[index] {
            ModuleState::Ready(ready) => ready,
            _ => unreachable!("resolve returns ready modules only"),
        }
    }

    /// Whether any marker global moved since it was last read (stripped
    /// code was entered); updates the markers.
    fn stripped_code_reached(&mut self) -> bool {
        let mut reached = false;
        for state in &mut self.modules {
            if let ModuleState::Ready(ready) = state
                && let Some(before) = ready.marker
            {
                let now = self
                    .engine
                    .global(ready.instance, strip::MARKER_EXPORT)
                    .ok();
                if now != Some(before) {
                    reached = true;
                    ready.marker = now;
                }
            }
        }
        reached
    }

    /// Runs an action; `Err` is the verdict when it was not run.
    fn act(&mut self, action: &Action) -> Result<Result<Vec<Value>, CallError>, Verdict> {
        let index = self.resolve(action.module())?;
        let instance = self.ready(index).instance;
        match action {
            Action::Invoke(invoke) => {
                let mut args = Vec::new();
                for arg in &invoke.args {
                    match arg {
                        Arg::Value(value) => args.push(*value),
                        Arg::Float => return Err(Verdict::Skip(self.float_skip())),
                    }
                }
                if self.ready(index).stripped_exports.contains(&invoke.name) {
                    return Err(Verdict::Skip(Skip::StrippedExport));
                }
                let result = self.engine.invoke(instance, &invoke.name, &args);
                self.last_gas = self.engine.gas_used();
                let gas = self.last_gas.unwrap_or(0);
                self.gas_used += gas;
                self.max_gas_used = self.max_gas_used.max(gas);
                if let Err(CallError::Trap(_)) = result
                    && self.stripped_code_reached()
                {
                    return Err(Verdict::Skip(Skip::ReachedStrippedCode));
                }
                Ok(result)
            }
            Action::Get { name, .. } => Ok(self
                .engine
                .global(instance, name)
                .map(|value| vec![value])
                .map_err(CallError::Engine)),
        }
    }

    fn taint(&mut self, module: Option<&str>) {
        let index = match module {
            Some(id) => self.named.get(id).copied(),
            None => self.current,
        };
        if let Some(ModuleState::Ready(ready)) = index.and_then(|i| self.modules.get_mut(i)) {
            ready.tainted.get_or_insert(Skip::AfterSkippedAction);
        }
    }

    /// A module that would have been instantiated was skipped: the
    /// instances it imports from may have been changed by it (through an
    /// imported table, memory or global, or its start function), so their
    /// state is no longer what the script expects.
    fn taint_exporters(&mut self, wasm: &[u8]) {
        let Ok(imports) = imports_of(wasm) else {
            return;
        };
        for (module, _, _) in &imports.items {
            if let Some(index) = self.registered.get(module)
                && let Some(ModuleState::Ready(ready)) = self.modules.get_mut(*index)
            {
                ready.tainted.get_or_insert(Skip::AfterSkippedModule);
            }
        }
        // Whoever imports from a tainted instance sees its state.
        loop {
            let tainted: BTreeSet<usize> = (0..self.modules.len())
                .filter(
                    |i| matches!(&self.modules[*i], ModuleState::Ready(r) if r.tainted.is_some()),
                )
                .collect();
            let mut changed = false;
            for state in &mut self.modules {
                if let ModuleState::Ready(ready) = state
                    && ready.tainted.is_none()
                    && !ready.imports_from.is_disjoint(&tainted)
                {
                    ready.tainted = Some(Skip::AfterSkippedModule);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// The modules `wasm` imports from, by the current registrations.
    fn imported_modules(&self, wasm: &[u8]) -> BTreeSet<usize> {
        imports_of(wasm)
            .map(|imports| {
                imports
                    .items
                    .iter()
                    .filter_map(|(module, _, _)| self.registered.get(module).copied())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether an import of `wasm` resolves to an export whose type
    /// stripping changed.
    fn imports_altered_exports(&self, wasm: &[u8]) -> bool {
        let Ok(imports) = imports_of(wasm) else {
            return false;
        };
        imports.items.iter().any(|(module, name, _)| {
            self.registered
                .get(module)
                .and_then(|index| self.modules.get(*index))
                .is_some_and(|state| match state {
                    ModuleState::Ready(ready) => ready.altered_exports.contains(name),
                    _ => false,
                })
        })
    }

    /// Runs `script`; returns how many assert_invalid/assert_malformed it
    /// left to `tests/spec_reject.rs`.
    pub fn run(&mut self, script: &Script) -> usize {
        let mut rejections = 0;
        for command in &script.commands {
            let line = command.line;
            let label = command.kind.label();
            if script.is_simd() {
                match &command.kind {
                    CommandKind::Rejection => rejections += 1,
                    CommandKind::Module { .. } | CommandKind::Register { .. } => {}
                    _ => self.record(line, label, Verdict::Skip(Skip::SimdFile), None),
                }
                continue;
            }
            match &command.kind {
                CommandKind::Module { id, wasm } => self.module_command(line, id.as_deref(), wasm),
                CommandKind::Register { name, module } => {
                    let index = match module {
                        Some(id) => self.named.get(id).copied(),
                        None => self.current,
                    };
                    let Some(index) = index else {
                        self.record(
                            line,
                            "module",
                            Verdict::Fail("register: no module".into()),
                            None,
                        );
                        continue;
                    };
                    self.registered.insert(name.clone(), index);
                    if let ModuleState::Ready(ready) = &self.modules[index] {
                        let instance = ready.instance;
                        if let Err(message) = self.engine.register(name, instance) {
                            self.record(line, "module", Verdict::Fail(message), None);
                        }
                    }
                }
                CommandKind::Invoke(invoke) => {
                    let action = Action::Invoke(invoke.clone());
                    let (verdict, observed) = match self.act(&action) {
                        Err(verdict) => {
                            if let Verdict::Skip(_) = verdict {
                                self.taint(invoke.module.as_deref());
                            }
                            (verdict, None)
                        }
                        Ok(Ok(values)) => (Verdict::Pass, Some(format!("returned {values:?}"))),
                        Ok(Err(error)) => (
                            Verdict::Fail(format!("expected to return, got {error:?}")),
                            Some(format!("{error:?}")),
                        ),
                    };
                    self.record(line, label, verdict, observed);
                }
                CommandKind::AssertReturn { action, expected } => {
                    if expected.iter().any(Expected::has_float) {
                        self.record(line, label, Verdict::Skip(self.float_skip()), None);
                        continue;
                    }
                    if let Some(Expected::Unsupported(what)) = expected
                        .iter()
                        .find(|e| matches!(e, Expected::Unsupported(_)))
                    {
                        let skip = Skip::Unsupported(format!("expected {what}"));
                        self.record(line, label, Verdict::Skip(skip), None);
                        continue;
                    }
                    let (verdict, observed) = match self.act(action) {
                        Err(verdict) => (verdict, None),
                        Ok(Ok(values)) => {
                            let ok = values.len() == expected.len()
                                && expected.iter().zip(&values).all(|(e, v)| e.matches(v));
                            let verdict = if ok {
                                Verdict::Pass
                            } else {
                                Verdict::Fail(format!("expected {expected:?}, got {values:?}"))
                            };
                            (verdict, Some(format!("returned {values:?}")))
                        }
                        Ok(Err(error)) => (
                            Verdict::Fail(format!("expected {expected:?}, got {error:?}")),
                            Some(format!("{error:?}")),
                        ),
                    };
                    self.record(line, label, verdict, observed);
                }
                CommandKind::AssertTrap { action, message } => {
                    let (verdict, observed) = match self.act(action) {
                        Err(verdict) => (verdict, None),
                        Ok(result) => {
                            let observed = format!("{result:?}");
                            (expect_trap(result, message), Some(observed))
                        }
                    };
                    self.record(line, label, verdict, observed);
                }
                CommandKind::AssertExhaustion { invoke, message } => {
                    let action = Action::Invoke(invoke.clone());
                    let (verdict, observed) = match self.act(&action) {
                        Err(verdict) => (verdict, None),
                        Ok(result) => {
                            let observed = format!("{result:?}");
                            (expect_trap(result, message), Some(observed))
                        }
                    };
                    self.record(line, label, verdict, observed);
                }
                CommandKind::AssertTrapModule { wasm, message } => {
                    let (verdict, observed) = self.assert_trap_module(wasm, message);
                    self.record(line, label, verdict, observed);
                }
                CommandKind::AssertUnlinkable { wasm } => {
                    let (verdict, observed) = self.assert_unlinkable(wasm);
                    self.record(line, label, verdict, observed);
                }
                CommandKind::Rejection => rejections += 1,
                CommandKind::Unsupported(what) => {
                    self.record(
                        line,
                        label,
                        Verdict::Skip(Skip::Unsupported(what.to_string())),
                        None,
                    );
                }
            }
        }
        rejections
    }

    fn assert_trap_module(&mut self, wasm: &Encoded, message: &str) -> (Verdict, Option<String>) {
        let Some(expected) = trap_kind_of(message) else {
            return (Verdict::Fail(format!("no trap kind for {message:?}")), None);
        };
        let wasm = match wasm {
            Ok(wasm) => wasm,
            Err(e) => return (Verdict::Fail(format!("text does not encode: {e}")), None),
        };
        match self.prepare(wasm) {
            Prepared::Ready { wasm, stripped } => match self.instantiate(&wasm, &stripped) {
                Ok(_) => (
                    Verdict::Fail(format!("expected {expected:?}, instantiated")),
                    Some("instantiated".into()),
                ),
                Err(InstantiateError::Trap(kind)) if kind == expected => {
                    (Verdict::Pass, Some(format!("trap {kind:?}")))
                }
                Err(error) => (
                    Verdict::Fail(format!("expected {expected:?}, got {error}")),
                    Some(error.to_string()),
                ),
            },
            Prepared::Skipped(skip) => {
                self.taint_exporters(wasm);
                (Verdict::Skip(skip), None)
            }
            Prepared::Unresolved(message) | Prepared::Failed(message) => {
                (Verdict::Fail(message.clone()), Some(message))
            }
        }
    }

    fn assert_unlinkable(&mut self, wasm: &Encoded) -> (Verdict, Option<String>) {
        let wasm = match wasm {
            Ok(wasm) => wasm,
            Err(e) => return (Verdict::Fail(format!("text does not encode: {e}")), None),
        };
        match strip::strip(wasm, false) {
            Ok(stripped) if stripped.altered_imports || self.imports_altered_exports(wasm) => {
                return (Verdict::Skip(Skip::StrippedImportTypes), None);
            }
            Ok(_) => {}
            Err(message) => return (Verdict::Fail(message), None),
        }
        match self.prepare(wasm) {
            Prepared::Ready { wasm, stripped } => match self.instantiate(&wasm, &stripped) {
                Err(InstantiateError::Link(_)) => (Verdict::Pass, Some("link error".into())),
                Ok(_) => (
                    Verdict::Fail("expected a link error, instantiated".into()),
                    Some("instantiated".into()),
                ),
                Err(error) => (
                    Verdict::Fail(format!("expected a link error, got {error}")),
                    Some(error.to_string()),
                ),
            },
            // Metering on: the manifest (spectest and the registered
            // exports) has no such function, or not with that signature.
            Prepared::Unresolved(_) => (Verdict::Pass, Some("link error".into())),
            Prepared::Skipped(skip) => (Verdict::Skip(skip), None),
            Prepared::Failed(message) => (Verdict::Fail(message.clone()), Some(message)),
        }
    }
}

fn expect_trap(result: Result<Vec<Value>, CallError>, message: &str) -> Verdict {
    let Some(expected) = trap_kind_of(message) else {
        return Verdict::Fail(format!("no trap kind for {message:?}"));
    };
    match result {
        Err(CallError::Trap(kind)) if kind == expected => Verdict::Pass,
        other => Verdict::Fail(format!(
            "expected trap {expected:?} ({message:?}), got {other:?}"
        )),
    }
}
