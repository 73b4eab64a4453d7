//! Errors a person can act on: what the engine's and the runtime's errors
//! say, where they point, and what they carry as their source.

use std::error::Error as _;

use gasworks_host_api::{DeployError, Runtime};
use gasworks_vm::engine::{CompileError, Instance, InstantiationError, Linker, Module, Value};
use gasworks_vm::instrument::{Rejection, Rule};
use gasworks_vm::trap::TrapKind;

fn parse(text: &str) -> Vec<u8> {
    wat::parse_str(text).expect("test module parses")
}

/// A deployment the instrumenter refuses displays the rejection's
/// message (not its `Debug` form) and has the rejection as its source.
#[test]
fn a_rejected_deployment_says_why_and_keeps_the_rejection() {
    let mut runtime = Runtime::new();
    let wasm = parse(r#"(module (func (export "execute") (drop (f32.const 1))))"#);
    let error = runtime
        .deploy(Default::default(), &wasm)
        .expect_err("floats are refused");
    let text = error.to_string();
    assert!(text.starts_with("module rejected: "), "{text}");
    assert!(text.contains("floating point is not allowed"), "{text}");
    assert!(!text.contains("Rejection {"), "Debug form: {text}");
    let source = error.source().expect("the rejection is the source");
    let rejection = source
        .downcast_ref::<Box<Rejection>>()
        .expect("the source is the rejection");
    assert!(matches!(rejection.rule, Rule::FloatingPoint { .. }));
}

/// `Compile` and `Instantiation` keep their cause as `source()`.
#[test]
fn deploy_errors_keep_their_source() {
    let compile = DeployError::Compile(CompileError::Internal {
        what: "a test",
        offset: 7,
    });
    let source = compile.source().expect("a source");
    assert!(source.downcast_ref::<CompileError>().is_some());
    let instantiation =
        DeployError::Instantiation(InstantiationError::Trap(TrapKind::MemoryOutOfBounds));
    let source = instantiation.source().expect("a source");
    assert!(source.downcast_ref::<InstantiationError>().is_some());
}

/// Compile errors point at the byte where the problem is, not offset 0.
#[test]
fn compile_errors_carry_the_offset_of_the_problem() {
    // An operator outside the profile: at its own offset inside the body.
    let wasm = parse(r#"(module (func (drop (f32.const 1))))"#);
    let error = Module::new_unmetered(&wasm)
        .err()
        .expect("floats do not run");
    match &error {
        CompileError::Unsupported { offset, .. } | CompileError::Invalid { offset, .. } => {
            assert!(*offset > 8, "{error}");
            assert_eq!(
                wasm[*offset as usize], 0x43,
                "f32.const at {offset:#x}: {error}"
            );
        }
        other => panic!("{other}"),
    }
    // A type error: at the operator the validator refuses.
    let wasm = parse(r#"(module (func (result i32) (i64.const 1)))"#);
    let error = Module::new_unmetered(&wasm).err().expect("invalid");
    let CompileError::Invalid { offset, .. } = error else {
        panic!("{error}");
    };
    assert!(offset > 8, "{error}");
    assert!(
        error.to_string().contains(&format!("{offset:#x}")),
        "{error}"
    );
}

/// A rejection for a bug in the instrumenter says so, and is not the
/// module's `Rule::Invalid`.
#[test]
fn an_internal_error_is_not_the_users_fault() {
    let rejection = Rejection {
        rule: Rule::Internal {
            message: "a test".into(),
        },
        offset: 0x10,
        function: None,
    };
    let text = rejection.to_string();
    assert!(text.contains("bug in Gasworks"), "{text}");
    assert!(text.contains("not a fault of the module"), "{text}");
    let error = CompileError::Internal {
        what: "a test",
        offset: 0x10,
    };
    assert!(error.to_string().contains("a bug in the engine"), "{error}");
}

/// A call with the wrong arguments says what the export expects.
#[test]
fn bad_arguments_name_the_expected_signature() {
    let wasm =
        parse(r#"(module (func (export "add") (param i32 i64) (result i64) (local.get 1)))"#);
    let module = Module::new_unmetered(&wasm).expect("compiles");
    let mut instance = Instance::new(&module, &Linker::new()).expect("instantiates");
    let error = instance
        .call("add", &[Value::I64(1), Value::I32(2)], 1_000)
        .expect_err("arguments in the wrong order");
    assert_eq!(
        error.to_string(),
        r#"arguments (i64 i32) do not match the signature of "add": (param i32 i64) (result i64)"#
    );
}

/// Host traps are named by the host API; the engine's own text says it is
/// a host trap and its code, with no magic value for "missing".
#[test]
fn host_traps_are_named_by_the_host_api() {
    let code = gasworks_host_api::HostTrap::KeyLength.code();
    let kind = TrapKind::Host(code);
    assert_eq!(kind.to_string(), format!("host trap {code}"));
    let named = gasworks_host_api::docs::trap_name(kind);
    assert!(named.contains("key_length"), "{named}");
}

/// An import that the linker defines with another signature: both are
/// named.
#[test]
fn a_mistyped_import_names_both_signatures() {
    use gasworks_vm::instrument::ValType;
    let wasm = parse(r#"(module (import "env" "f" (func (param i64) (result i32))))"#);
    let module = Module::new_unmetered(&wasm).expect("compiles");
    let mut linker = Linker::new();
    linker.define(
        "env",
        "f",
        &[ValType::I32],
        &[],
        std::sync::Arc::new(
            |_: &mut gasworks_vm::engine::Caller<'_>, _: &[u64], _: &mut [u64]| Ok(()),
        ),
    );
    let error = Instance::new(&module, &linker).err().expect("mistyped");
    assert_eq!(
        error.to_string(),
        "import env.f is (param i64) (result i32) in the module, but (param i32) in the linker"
    );
}

/// Where a person reads a host trap (the CLI), it has the host API's name,
/// not only its code.
#[test]
fn the_cli_names_host_traps() {
    let wasm = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/wasm/callee.wasm");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_gasworks"))
        .arg("call")
        .arg(&wasm)
        .args(["set_and_fail", "u64:7", "--gas", "1000000"])
        .output()
        .expect("the CLI runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with("trap: host(1) abort (panicked at "),
        "{stdout}"
    );
}
