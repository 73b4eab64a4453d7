//! Compiled modules: [`Module`], compiled from the instrumenter's output
//! (or, for tools, from any module) and cheap to share, and
//! [`ModuleCache`], which compiles each code once per cost table and engine
//! version.

use std::collections::BTreeMap;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::compile::{self, Compiled};
use super::{CompileError, ENGINE_VERSION};
use crate::instrument::Instrumented;

/// An export of a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    /// A function, by index.
    Function(u32),
    /// The memory.
    Memory,
    /// A global, by index.
    Global(u32),
    /// A table, by index.
    Table(u32),
}

/// A compiled module, ready to instantiate; cheap to clone and share.
///
/// Two constructors, for two kinds of input:
///
/// - [`Module::new`] takes the instrumenter's output, an [`Instrumented`]
///   (which only [`crate::instrument()`] makes): every block is charged, the
///   stack is accounted, there is no start function. This is the only one
///   for consensus use.
/// - [`Module::new_unmetered`] takes any module of the accepted profile as
///   it is, for tools that meter otherwise or not at all (the spec
///   harness, the differential harness's rewritten modules): nothing is
///   charged but what its code charges, the executor's own capacities bound
///   its stack, and a start function runs at instantiation without a gas
///   limit.
///
/// Bytes do not compile through [`Module::new`]:
///
/// ```compile_fail
/// let wasm = wat::parse_str("(module)").unwrap();
/// gasworks_vm::engine::Module::new(&wasm);
/// ```
///
/// and an [`Instrumented`] cannot be made from them outside the
/// instrumenter:
///
/// ```compile_fail
/// let wasm = wat::parse_str("(module)").unwrap();
/// let report = gasworks_vm::instrument(&wasm, &Default::default()).unwrap().report;
/// let forged = gasworks_vm::Instrumented { module: wasm, report };
/// ```
///
/// while the instrumenter's output does:
///
/// ```
/// let wasm = wat::parse_str("(module)").unwrap();
/// let instrumented = gasworks_vm::instrument(&wasm, &Default::default()).unwrap();
/// assert!(gasworks_vm::engine::Module::new(&instrumented).unwrap().is_metered());
/// ```
#[derive(Clone)]
pub struct Module {
    pub(super) compiled: Arc<Compiled>,
    key: [u8; 32],
    metered: bool,
}

impl Module {
    /// Compiles an instrumented module.
    ///
    /// # Errors
    ///
    /// [`CompileError`]: for the instrumenter's output, only bugs:
    /// [`CompileError::Internal`], [`CompileError::Unverified`] (the
    /// verifier refused the compiler's code), or a module that the
    /// instrumenter accepts and the engine does not run.
    pub fn new(instrumented: &Instrumented) -> Result<Module, CompileError> {
        Module::compile(&instrumented.module, true)
    }

    /// Compiles a module that was not (or not only) instrumented: metered
    /// by nothing but its own code. Not for consensus use; see [`Module`].
    ///
    /// # Errors
    ///
    /// [`CompileError`] when the module is not valid under the accepted
    /// profile or uses what the engine does not run.
    pub fn new_unmetered(wasm: &[u8]) -> Result<Module, CompileError> {
        Module::compile(wasm, false)
    }

    fn compile(wasm: &[u8], metered: bool) -> Result<Module, CompileError> {
        let compiled = compile::compile(wasm)?;
        Ok(Module {
            compiled: Arc::new(compiled),
            key: Module::cache_key(wasm),
            metered,
        })
    }

    /// Whether the module came from the instrumenter ([`Module::new`]).
    pub fn is_metered(&self) -> bool {
        self.metered
    }

    /// The key under which a compiled module is cached: SHA-256 over the
    /// code hash, the cost table's hash and the engine version.
    pub fn cache_key(wasm: &[u8]) -> [u8; 32] {
        let code_hash = Sha256::digest(wasm);
        let mut hasher = Sha256::new();
        hasher.update(code_hash);
        hasher.update(crate::instrument::cost::cost_table_hash().as_bytes());
        hasher.update(ENGINE_VERSION.as_bytes());
        hasher.finalize().into()
    }

    /// This module's cache key (see [`Module::cache_key`]).
    pub fn key(&self) -> [u8; 32] {
        self.key
    }

    /// The parameter and result counts of the exported function `name`,
    /// or `None` when there is no such exported function.
    pub fn export_arity(&self, name: &str) -> Option<(usize, usize)> {
        let Some(Export::Function(index)) = self.compiled.exports.get(name).copied() else {
            return None;
        };
        let signature = self.compiled.function_signature(index)?;
        let signature = self.compiled.signatures.get(signature as usize)?;
        Some((signature.params.len(), signature.results.len()))
    }

    /// Initial elements of all the module's tables together: what
    /// instantiation allocates for tables (8 bytes an element), which an
    /// embedder charges for as it charges initial memory pages.
    pub fn initial_table_elements(&self) -> u64 {
        self.compiled
            .tables
            .iter()
            .fold(0u64, |sum, (initial, _)| sum.saturating_add(*initial))
    }

    /// Number of internal instructions (for reports).
    pub fn instruction_count(&self) -> usize {
        self.compiled.code.len()
    }
}

/// Compiled modules by cache key ([`Module::cache_key`]): a module is
/// compiled once per code, cost table and engine version. Ordered, so that
/// nothing about it depends on hashing.
#[derive(Clone, Default)]
pub struct ModuleCache {
    modules: BTreeMap<[u8; 32], Module>,
}

impl ModuleCache {
    /// An empty cache.
    pub fn new() -> Self {
        ModuleCache::default()
    }

    /// The compiled module for `instrumented`, compiled now if it is not
    /// cached. (Instrumented modules only: the cache serves consensus.)
    ///
    /// # Errors
    ///
    /// [`CompileError`] when the module does not compile (nothing is
    /// cached).
    pub fn get_or_compile(&mut self, instrumented: &Instrumented) -> Result<Module, CompileError> {
        let key = Module::cache_key(&instrumented.module);
        if let Some(module) = self.modules.get(&key) {
            return Ok(module.clone());
        }
        let module = Module::new(instrumented)?;
        self.modules.insert(key, module.clone());
        Ok(module)
    }

    /// Number of cached modules.
    pub fn len(&self) -> usize {
        self.modules.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.modules.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::super::compile_wat;
    use super::*;

    #[test]
    fn export_arity_reports_exported_functions_only() {
        let module = compile_wat(
            r#"(module
                 (func (export "two_one") (param i32 i64) (result i32) (local.get 0))
                 (func (export "none"))
                 (global (export "g") i32 (i32.const 0)))"#,
        );
        assert_eq!(module.export_arity("two_one"), Some((2, 1)));
        assert_eq!(module.export_arity("none"), Some((0, 0)));
        assert_eq!(module.export_arity("g"), None);
        assert_eq!(module.export_arity("missing"), None);
    }

    #[test]
    fn cache_key_covers_code_and_engine() {
        assert_ne!(Module::cache_key(b"a"), Module::cache_key(b"b"));
        assert_eq!(Module::cache_key(b"a"), Module::cache_key(b"a"));
    }

    #[test]
    fn module_cache_compiles_each_code_once() {
        let wasm = wat::parse_str(r#"(module (func (export "f") (result i32) i32.const 7))"#)
            .expect("parses");
        let instrumented =
            crate::instrument(&wasm, &crate::InstrumentConfig::default()).expect("accepted");
        let mut cache = ModuleCache::new();
        let first = cache.get_or_compile(&instrumented).expect("compiles");
        let second = cache.get_or_compile(&instrumented).expect("cached");
        assert!(Arc::ptr_eq(&first.compiled, &second.compiled));
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.len(), 1);
        assert!(first.is_metered());
    }
}
