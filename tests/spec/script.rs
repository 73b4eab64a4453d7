//! The `.wast` scripts, parsed once (with the `wast` crate) into owned
//! commands that every configuration runs.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use wast::core::{AbstractHeapType, HeapType, WastArgCore, WastRetCore};
use wast::lexer::Lexer;
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastArg, WastDirective, WastExecute, WastInvoke, WastRet, Wat};

use crate::engine::Value;

/// An argument of an invocation.
#[derive(Debug, Clone)]
pub enum Arg {
    Value(Value),
    /// An `f32`, `f64` or `v128` argument.
    Float,
}

/// An expected result.
#[derive(Debug, Clone)]
pub enum Expected {
    I32(i32),
    I64(i64),
    /// An `f32`, `f64` or `v128` result.
    Float,
    /// A null reference; of this kind when given (`true` for funcref).
    Null(Option<bool>),
    /// An externref: the given host value, or any non-null one.
    Extern(Option<u32>),
    /// Any non-null funcref.
    Func,
    /// One of these.
    Either(Vec<Expected>),
    /// A result of a later proposal.
    Unsupported(String),
}

impl Expected {
    pub fn has_float(&self) -> bool {
        match self {
            Expected::Float => true,
            Expected::Either(options) => options.iter().any(Expected::has_float),
            _ => false,
        }
    }

    pub fn matches(&self, value: &Value) -> bool {
        match (self, value) {
            (Expected::I32(a), Value::I32(b)) => a == b,
            (Expected::I64(a), Value::I64(b)) => a == b,
            (Expected::Null(None), Value::FuncRef { is_null }) => *is_null,
            (Expected::Null(None), Value::ExternRef(None)) => true,
            (Expected::Null(Some(true)), Value::FuncRef { is_null }) => *is_null,
            (Expected::Null(Some(false)), Value::ExternRef(None)) => true,
            (Expected::Extern(Some(a)), Value::ExternRef(Some(b))) => a == b,
            (Expected::Extern(None), Value::ExternRef(Some(_))) => true,
            (Expected::Func, Value::FuncRef { is_null }) => !is_null,
            (Expected::Either(options), value) => options.iter().any(|e| e.matches(value)),
            _ => false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Invoke {
    pub module: Option<String>,
    pub name: String,
    pub args: Vec<Arg>,
}

#[derive(Debug, Clone)]
pub enum Action {
    Invoke(Invoke),
    Get {
        module: Option<String>,
        name: String,
    },
}

impl Action {
    pub fn module(&self) -> Option<&str> {
        match self {
            Action::Invoke(invoke) => invoke.module.as_deref(),
            Action::Get { module, .. } => module.as_deref(),
        }
    }
}

/// A module's bytes, or why the text did not become bytes.
pub type Encoded = Result<Vec<u8>, String>;

#[derive(Debug)]
pub enum CommandKind {
    Module {
        id: Option<String>,
        wasm: Encoded,
    },
    Register {
        name: String,
        module: Option<String>,
    },
    /// A top-level `invoke`: must return (any results).
    Invoke(Invoke),
    AssertReturn {
        action: Action,
        expected: Vec<Expected>,
    },
    AssertTrap {
        action: Action,
        message: String,
    },
    /// `assert_trap (module ...)`: instantiation traps.
    AssertTrapModule {
        wasm: Encoded,
        message: String,
    },
    AssertExhaustion {
        invoke: Invoke,
        message: String,
    },
    AssertUnlinkable {
        wasm: Encoded,
    },
    /// `assert_invalid`, `assert_malformed`: the rejection corpus of
    /// `tests/spec_reject.rs`, not run here.
    Rejection,
    /// A directive of a later proposal.
    Unsupported(&'static str),
}

impl CommandKind {
    /// The command's name in the per-command breakdown.
    pub fn label(&self) -> &'static str {
        match self {
            CommandKind::Module { .. } => "module",
            CommandKind::Register { .. } => "register",
            CommandKind::Invoke(_) => "invoke",
            CommandKind::AssertReturn { .. } => "assert_return",
            CommandKind::AssertTrap { .. } => "assert_trap",
            CommandKind::AssertTrapModule { .. } => "assert_trap (module)",
            CommandKind::AssertExhaustion { .. } => "assert_exhaustion",
            CommandKind::AssertUnlinkable { .. } => "assert_unlinkable",
            CommandKind::Rejection => "assert_invalid/assert_malformed",
            CommandKind::Unsupported(what) => what,
        }
    }
}

#[derive(Debug)]
pub struct Command {
    pub line: usize,
    pub kind: CommandKind,
}

#[derive(Debug)]
pub struct Script {
    pub stem: String,
    pub commands: Vec<Command>,
}

impl Script {
    /// SIMD files are a rejection corpus only.
    pub fn is_simd(&self) -> bool {
        self.stem.starts_with("simd_")
    }
}

pub fn scripts() -> &'static [Script] {
    static SCRIPTS: OnceLock<Vec<Script>> = OnceLock::new();
    SCRIPTS.get_or_init(load_scripts)
}

fn load_scripts() -> Vec<Script> {
    let dir = crate::suite_dir();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wast"))
        .collect();
    paths.sort();
    assert!(
        paths.len() > 80,
        "expected the spec suite's .wast files in {}, found {}",
        dir.display(),
        paths.len()
    );
    paths.iter().map(|path| load_script(path)).collect()
}

fn load_script(path: &Path) -> Script {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("file name is UTF-8");
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    parse_script(stem, &text)
}

/// Parses the text of a script; `stem` names it in the records.
///
/// # Panics
///
/// When the text is not a script (the suite is pinned; the harness's own
/// scripts are fixed).
pub fn parse_script(stem: &str, text: &str) -> Script {
    // `names.wast` uses bidirectional overrides and other confusing
    // characters in names on purpose.
    let mut lexer = Lexer::new(text);
    lexer.allow_confusing_unicode(true);
    let buffer =
        ParseBuffer::new_with_lexer(lexer).unwrap_or_else(|e| panic!("lexing {stem}: {e}"));
    let wast: Wast = parser::parse(&buffer).unwrap_or_else(|e| panic!("parsing {stem}: {e}"));
    let commands = wast
        .directives
        .into_iter()
        .map(|directive| {
            let line = directive.span().linecol_in(text).0 + 1;
            Command {
                line,
                kind: command(directive),
            }
        })
        .collect();
    Script {
        stem: stem.to_string(),
        commands,
    }
}

fn command(directive: WastDirective<'_>) -> CommandKind {
    match directive {
        WastDirective::Module(mut module) => {
            let id = match &module {
                QuoteWat::Wat(Wat::Module(m)) => m.id.map(|id| id.name().to_string()),
                _ => None,
            };
            CommandKind::Module {
                id,
                wasm: module.encode().map_err(|e| e.to_string()),
            }
        }
        WastDirective::ModuleDefinition(_) => CommandKind::Unsupported("module definition"),
        WastDirective::ModuleInstance { .. } => CommandKind::Unsupported("module instance"),
        WastDirective::Register { name, module, .. } => CommandKind::Register {
            name: name.to_string(),
            module: module.map(|id| id.name().to_string()),
        },
        WastDirective::Invoke(invoke) => CommandKind::Invoke(convert_invoke(invoke)),
        WastDirective::AssertReturn { exec, results, .. } => match convert_exec(exec) {
            Ok(action) => CommandKind::AssertReturn {
                action,
                expected: results.iter().map(convert_ret).collect(),
            },
            Err(wasm) => CommandKind::Unsupported(if wasm.is_ok() {
                "assert_return (module)"
            } else {
                "assert_return (module text error)"
            }),
        },
        WastDirective::AssertTrap { exec, message, .. } => match convert_exec(exec) {
            Ok(action) => CommandKind::AssertTrap {
                action,
                message: message.to_string(),
            },
            Err(wasm) => CommandKind::AssertTrapModule {
                wasm,
                message: message.to_string(),
            },
        },
        WastDirective::AssertExhaustion { call, message, .. } => CommandKind::AssertExhaustion {
            invoke: convert_invoke(call),
            message: message.to_string(),
        },
        WastDirective::AssertUnlinkable { mut module, .. } => CommandKind::AssertUnlinkable {
            wasm: module.encode().map_err(|e| e.to_string()),
        },
        WastDirective::AssertInvalid { .. }
        | WastDirective::AssertMalformed { .. }
        | WastDirective::AssertInvalidCustom { .. }
        | WastDirective::AssertMalformedCustom { .. } => CommandKind::Rejection,
        WastDirective::AssertException { .. } => CommandKind::Unsupported("assert_exception"),
        WastDirective::AssertSuspension { .. } => CommandKind::Unsupported("assert_suspension"),
        WastDirective::Thread(_) => CommandKind::Unsupported("thread"),
        WastDirective::Wait { .. } => CommandKind::Unsupported("wait"),
    }
}

/// An action, or the bytes of the module of `assert_trap (module ...)`.
fn convert_exec(exec: WastExecute<'_>) -> Result<Action, Encoded> {
    match exec {
        WastExecute::Invoke(invoke) => Ok(Action::Invoke(convert_invoke(invoke))),
        WastExecute::Get { module, global, .. } => Ok(Action::Get {
            module: module.map(|id| id.name().to_string()),
            name: global.to_string(),
        }),
        WastExecute::Wat(mut wat) => Err(wat.encode().map_err(|e| e.to_string())),
    }
}

fn convert_invoke(invoke: WastInvoke<'_>) -> Invoke {
    Invoke {
        module: invoke.module.map(|id| id.name().to_string()),
        name: invoke.name.to_string(),
        args: invoke.args.iter().map(convert_arg).collect(),
    }
}

fn is_func_heap(heap: &HeapType<'_>) -> Option<bool> {
    match heap {
        HeapType::Abstract {
            ty: AbstractHeapType::Func,
            ..
        } => Some(true),
        HeapType::Abstract {
            ty: AbstractHeapType::Extern,
            ..
        } => Some(false),
        _ => None,
    }
}

fn convert_arg(arg: &WastArg<'_>) -> Arg {
    match arg {
        WastArg::Core(WastArgCore::I32(x)) => Arg::Value(Value::I32(*x)),
        WastArg::Core(WastArgCore::I64(x)) => Arg::Value(Value::I64(*x)),
        WastArg::Core(WastArgCore::RefNull(heap)) => match is_func_heap(heap) {
            Some(true) => Arg::Value(Value::FuncRef { is_null: true }),
            _ => Arg::Value(Value::ExternRef(None)),
        },
        WastArg::Core(WastArgCore::RefExtern(n)) => Arg::Value(Value::ExternRef(Some(*n))),
        _ => Arg::Float,
    }
}

fn convert_ret(ret: &WastRet<'_>) -> Expected {
    let WastRet::Core(ret) = ret else {
        return Expected::Unsupported("a component value".into());
    };
    convert_ret_core(ret)
}

fn convert_ret_core(ret: &WastRetCore<'_>) -> Expected {
    match ret {
        WastRetCore::I32(x) => Expected::I32(*x),
        WastRetCore::I64(x) => Expected::I64(*x),
        WastRetCore::F32(_) | WastRetCore::F64(_) | WastRetCore::V128(_) => Expected::Float,
        WastRetCore::RefNull(heap) => Expected::Null(heap.as_ref().and_then(is_func_heap)),
        WastRetCore::RefExtern(n) => Expected::Extern(*n),
        WastRetCore::RefFunc(_) => Expected::Func,
        WastRetCore::Either(options) => {
            Expected::Either(options.iter().map(convert_ret_core).collect())
        }
        other => Expected::Unsupported(format!("{other:?}")),
    }
}
