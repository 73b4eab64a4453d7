//! The WebAssembly spec suite as a rejection corpus (issue 2, "Spec suite").
//!
//! Every `.wast` file of `tests/wasm-testsuite` (vendored from `../shared/wasm-testsuite`) is parsed with the `wast`
//! crate and every module in it is fed to [`gasworks_vm::instrument`] with the
//! consensus configuration. Three concerns:
//!
//! 1. Every `assert_invalid` and `assert_malformed` module is rejected. A
//!    `module quote` whose text does not even parse (most `assert_malformed`
//!    cases are text-format errors) never becomes bytes: it counts as rejected
//!    by the text parser, and the summary says how many were.
//! 2. Every module of the float files (`f32*`, `f64*`, `float_exprs`,
//!    `float_literals`, `float_misc`) and the float modules of `const.wast` is
//!    rejected with [`Rule::FloatingPoint`]; every module of the SIMD files
//!    (`simd_*`) with `Rule::Proposal { proposal: Proposal::Simd, .. }` or
//!    `Rule::FloatingPoint`.
//!
//!    Which of the two rules is right is decided per module, by an
//!    independent scan of the binary (the [`Oracle`] below, written against
//!    wasmparser's decoded form, not against the instrumenter): the
//!    instrumenter makes one pass in byte order and stops at the first
//!    offending construct, so the expected rule is that of the construct with
//!    the lowest offset. A module like `(func (param f32) (result v128) ...)`
//!    is a float rejection (the parameter comes first), a module with only
//!    `v128` types and SIMD operators a SIMD rejection. SIMD operators on
//!    float lanes (`f32x4.add`) and `v128.const f32x4 ...` are SIMD, not
//!    floating point: they are SIMD instructions, and a `v128.const` carries
//!    only bytes. `const.wast` mixes integer and float modules; a module of it
//!    is a float module when the scan finds a float in it.
//! 3. (Report, see `integer_files_are_accepted_or_rejected_by_policy`) the
//!    plain `module`s of the integer files the suite's README lists as "run
//!    as they are" are accepted unless they break a policy (limits, imports,
//!    start function); the rejected ones are printed with their rule. They are
//!    valid WebAssembly 2.0, so a `Malformed` or `Invalid` rejection of any
//!    plain module of a non-float, non-SIMD file fails that test, and so does
//!    an accepted module whose instrumented output does not validate.
//!
//! 4. Every rejection's offset lies inside its module
//!    (`rejection_offsets_are_inside_the_module`).
//!
//! One summary line is printed:
//! `spec-reject: N rejected, M wrongly accepted (...)`, where N and M count
//! the modules that must be rejected (concerns 1 and 2), and the parenthesis
//! says how many of the N were rejected by the text parser rather than the
//! instrumenter and how many float/SIMD modules got the wrong rule.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use gasworks_vm::instrument::Proposal;
use gasworks_vm::{InstrumentConfig, Rejection, Rule, instrument};
use wast::lexer::Lexer;
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastDirective, WastExecute, Wat};

/// The pinned spec testsuite, shared between the project's checkouts.
fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wasm-testsuite")
}

/// The files whose every module must be rejected as floating point.
fn is_float_file(stem: &str) -> bool {
    stem.starts_with("f32")
        || stem.starts_with("f64")
        || matches!(stem, "float_exprs" | "float_literals" | "float_misc")
}

/// The files whose every module must be rejected as SIMD (or floating point).
fn is_simd_file(stem: &str) -> bool {
    stem.starts_with("simd_")
}

/// The integer files the suite's README lists as "run as they are".
fn is_run_as_is_file(stem: &str) -> bool {
    const FILES: &[&str] = &[
        "i32",
        "i64",
        "int_exprs",
        "int_literals",
        "labels",
        "nop",
        "switch",
        "stack",
        "forward",
        "func_ptrs",
        "load",
        "store",
        "address",
        "memory_size",
        "memory_grow",
        "linking",
        "imports",
        "exports",
        "start",
        "comments",
        "fac",
        "skip-stack-guard-page",
        "bulk",
        "memory_copy",
        "memory_fill",
        "memory_init",
        "data",
        "elem",
    ];
    FILES.contains(&stem) || stem.starts_with("table") || stem.starts_with("ref_")
}

/// Which command of the script a module comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `module` or `module definition`.
    Module,
    AssertInvalid,
    AssertMalformed,
    /// The module of `assert_unlinkable` (valid, fails to link).
    AssertUnlinkable,
    /// The module of `assert_trap (module ...)` (valid, traps when started).
    AssertTrap,
}

impl Kind {
    fn must_be_rejected(self) -> bool {
        matches!(self, Kind::AssertInvalid | Kind::AssertMalformed)
    }

    fn text(self) -> &'static str {
        match self {
            Kind::Module => "module",
            Kind::AssertInvalid => "assert_invalid",
            Kind::AssertMalformed => "assert_malformed",
            Kind::AssertUnlinkable => "assert_unlinkable",
            Kind::AssertTrap => "assert_trap",
        }
    }
}

/// The first floating-point and first SIMD construct of a module, by byte
/// offset, found without the instrumenter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Oracle {
    first_float: Option<u64>,
    first_simd: Option<u64>,
}

/// The rule family the oracle expects for a module of a float or SIMD file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expected {
    Float,
    Simd,
    /// Neither floats nor SIMD: no feature rejection expected.
    Nothing,
}

impl Oracle {
    fn note_float(&mut self, offset: u64) {
        self.first_float.get_or_insert(offset);
    }

    fn note_simd(&mut self, offset: u64) {
        self.first_simd.get_or_insert(offset);
    }

    fn note_val_type(&mut self, ty: wasmparser::ValType, offset: u64) {
        match ty {
            wasmparser::ValType::F32 | wasmparser::ValType::F64 => self.note_float(offset),
            wasmparser::ValType::V128 => self.note_simd(offset),
            _ => {}
        }
    }

    /// Classifies one operator from wasmparser's own naming of it: lane
    /// shapes and `V128` are SIMD, any other mention of `F32`/`F64` (in the
    /// operator's name or in a block/select type) is floating point.
    fn note_operator(&mut self, op: &wasmparser::Operator<'_>, offset: u64) {
        let text = format!("{op:?}");
        let simd = ["V128", "x16", "x8", "x4", "x2"]
            .iter()
            .any(|marker| text.contains(marker));
        if simd {
            self.note_simd(offset);
        } else if text.contains("F32") || text.contains("F64") {
            self.note_float(offset);
        }
    }

    fn note_const_expr(&mut self, expr: &wasmparser::ConstExpr<'_>) {
        let mut reader = expr.get_operators_reader();
        while !reader.eof() {
            match reader.read_with_offset() {
                Ok((op, offset)) => self.note_operator(&op, offset),
                Err(_) => return,
            }
        }
    }

    /// Scans a module. Decoding errors end the scan (the oracle is only used
    /// on modules the suite says are valid).
    fn scan(wasm: &[u8]) -> Oracle {
        let mut oracle = Oracle::default();
        for payload in wasmparser::Parser::new(0).parse_all(wasm) {
            let Ok(payload) = payload else { break };
            oracle.scan_payload(&payload);
        }
        oracle
    }

    fn scan_payload(&mut self, payload: &wasmparser::Payload<'_>) {
        use wasmparser::Payload;
        match payload {
            Payload::TypeSection(reader) => {
                for group in reader.clone().into_iter_with_offsets() {
                    let Ok((offset, group)) = group else { return };
                    for sub_type in group.types() {
                        if let wasmparser::CompositeInnerType::Func(func) =
                            &sub_type.composite_type.inner
                        {
                            for ty in func.params().iter().chain(func.results()) {
                                self.note_val_type(*ty, offset);
                            }
                        }
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.clone().into_imports_with_offsets() {
                    let Ok((offset, import)) = import else { return };
                    if let wasmparser::TypeRef::Global(global) = import.ty {
                        self.note_val_type(global.content_type, offset);
                    }
                }
            }
            Payload::GlobalSection(reader) => {
                for global in reader.clone().into_iter_with_offsets() {
                    let Ok((offset, global)) = global else { return };
                    self.note_val_type(global.ty.content_type, offset);
                    self.note_const_expr(&global.init_expr);
                }
            }
            Payload::ElementSection(reader) => {
                for element in reader.clone() {
                    let Ok(element) = element else { return };
                    if let wasmparser::ElementKind::Active { offset_expr, .. } = &element.kind {
                        self.note_const_expr(offset_expr);
                    }
                }
            }
            Payload::DataSection(reader) => {
                for data in reader.clone() {
                    let Ok(data) = data else { return };
                    if let wasmparser::DataKind::Active { offset_expr, .. } = &data.kind {
                        self.note_const_expr(offset_expr);
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let Ok(mut locals) = body.get_locals_reader() else {
                    return;
                };
                for _ in 0..locals.get_count() {
                    let offset = locals.original_position();
                    let Ok((_, ty)) = locals.read() else { return };
                    self.note_val_type(ty, offset);
                }
                let Ok(mut operators) = body.get_operators_reader() else {
                    return;
                };
                while !operators.eof() {
                    let Ok((op, offset)) = operators.read_with_offset() else {
                        return;
                    };
                    self.note_operator(&op, offset);
                }
            }
            _ => {}
        }
    }

    fn expected(self) -> Expected {
        match (self.first_float, self.first_simd) {
            (Some(float), Some(simd)) if simd < float => Expected::Simd,
            (Some(_), _) => Expected::Float,
            (None, Some(_)) => Expected::Simd,
            (None, None) => Expected::Nothing,
        }
    }
}

/// What happened to one module of the suite.
#[derive(Debug)]
enum Outcome {
    /// The text did not become bytes (a parse or name-resolution error of
    /// the `wast` crate). `quoted` for `module quote`.
    Text { quoted: bool, message: String },
    /// The bytes went through the instrumenter.
    Checked {
        /// Size of the module in bytes.
        len: usize,
        result: Result<(), Rejection>,
        /// For accepted modules: whether the output validates.
        output: Option<Result<(), String>>,
        oracle: Oracle,
    },
}

#[derive(Debug)]
struct Record {
    stem: String,
    line: usize,
    kind: Kind,
    /// The assertion's expected message, for assertions.
    message: String,
    outcome: Outcome,
}

impl Record {
    fn place(&self) -> String {
        format!("{}.wast:{}", self.stem, self.line)
    }
}

/// Everything the tests need, computed once per test binary.
struct Corpus {
    records: Vec<Record>,
    /// Directives that carry no module we check, by name, for the record.
    files: usize,
}

fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(load_corpus)
}

fn load_corpus() -> Corpus {
    let dir = suite_dir();
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
    let config = InstrumentConfig::default();
    let mut records = Vec::new();
    for path in &paths {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("file name is UTF-8")
            .to_string();
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        // `names.wast` uses bidirectional overrides and other confusing
        // characters in names on purpose.
        let mut lexer = Lexer::new(&text);
        lexer.allow_confusing_unicode(true);
        let buffer = ParseBuffer::new_with_lexer(lexer)
            .unwrap_or_else(|e| panic!("lexing {}: {e}", path.display()));
        let script: Wast =
            parser::parse(&buffer).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()));
        for directive in script.directives {
            let line = directive.span().linecol_in(&text).0 + 1;
            let (kind, message, encoded) = match directive {
                WastDirective::Module(mut module) | WastDirective::ModuleDefinition(mut module) => {
                    (Kind::Module, String::new(), encode_quote(&mut module))
                }
                WastDirective::AssertInvalid {
                    mut module,
                    message,
                    ..
                } => (
                    Kind::AssertInvalid,
                    message.to_string(),
                    encode_quote(&mut module),
                ),
                WastDirective::AssertMalformed {
                    mut module,
                    message,
                    ..
                } => (
                    Kind::AssertMalformed,
                    message.to_string(),
                    encode_quote(&mut module),
                ),
                WastDirective::AssertUnlinkable {
                    mut module,
                    message,
                    ..
                } => (
                    Kind::AssertUnlinkable,
                    message.to_string(),
                    encode_wat(&mut module),
                ),
                WastDirective::AssertTrap {
                    exec: WastExecute::Wat(mut module),
                    message,
                    ..
                } => (
                    Kind::AssertTrap,
                    message.to_string(),
                    encode_wat(&mut module),
                ),
                _ => continue,
            };
            let outcome = match encoded {
                Err((quoted, message)) => Outcome::Text { quoted, message },
                Ok(wasm) => check(&wasm, &config, &format!("{stem}.wast:{line}")),
            };
            records.push(Record {
                stem: stem.clone(),
                line,
                kind,
                message,
                outcome,
            });
        }
    }
    Corpus {
        records,
        files: paths.len(),
    }
}

/// Bytes of a script module; `Err((quoted, message))` when the text does not
/// parse or resolve.
fn encode_quote(module: &mut QuoteWat<'_>) -> Result<Vec<u8>, (bool, String)> {
    let quoted = !matches!(module, QuoteWat::Wat(_));
    module.encode().map_err(|e| (quoted, e.to_string()))
}

fn encode_wat(module: &mut Wat<'_>) -> Result<Vec<u8>, (bool, String)> {
    module.encode().map_err(|e| (false, e.to_string()))
}

/// Instruments `wasm`; a panic fails the whole run, naming the module.
fn check(wasm: &[u8], config: &InstrumentConfig, place: &str) -> Outcome {
    let result = std::panic::catch_unwind(|| instrument(wasm, config).map_err(Box::new));
    let result = match result {
        Ok(result) => result.map_err(|rejection| *rejection),
        Err(_) => panic!("instrument panicked on the module at {place}"),
    };
    let oracle = Oracle::scan(wasm);
    match result {
        Ok(instrumented) => {
            let output = wasmparser::Validator::new()
                .validate_all(&instrumented.module)
                .map(|_| ())
                .map_err(|e| e.to_string());
            Outcome::Checked {
                len: wasm.len(),
                result: Ok(()),
                output: Some(output),
                oracle,
            }
        }
        Err(rejection) => Outcome::Checked {
            len: wasm.len(),
            result: Err(rejection),
            output: None,
            oracle,
        },
    }
}

/// A short name for a rule, for the report.
fn rule_name(rule: &Rule) -> String {
    match rule {
        Rule::Malformed { .. } => "Malformed".into(),
        Rule::Invalid { .. } => "Invalid".into(),
        Rule::FloatingPoint { .. } => "FloatingPoint".into(),
        Rule::Proposal { proposal, .. } => format!("Proposal({proposal:?})"),
        Rule::Limit { limit, .. } => format!("Limit({limit:?})"),
        Rule::UnknownImport { .. } => "UnknownImport".into(),
        Rule::ImportSignature { .. } => "ImportSignature".into(),
        Rule::ReservedName { .. } => "ReservedName".into(),
        Rule::StartFunction => "StartFunction".into(),
        Rule::Internal { .. } => "Internal".into(),
    }
}

/// Whether `rule` is the feature rule `expected` asks for.
fn rule_matches(expected: Expected, rule: &Rule) -> bool {
    match expected {
        Expected::Float => matches!(rule, Rule::FloatingPoint { .. }),
        Expected::Simd => matches!(
            rule,
            Rule::Proposal {
                proposal: Proposal::Simd,
                ..
            }
        ),
        Expected::Nothing => false,
    }
}

/// The modules whose feature rule is checked (concern 2): every module of
/// the float and SIMD files, and the float modules of `const.wast`.
fn feature_expectation(record: &Record) -> Option<Expected> {
    let Outcome::Checked { oracle, .. } = &record.outcome else {
        return None;
    };
    if is_float_file(&record.stem) || is_simd_file(&record.stem) {
        return Some(oracle.expected());
    }
    if record.stem == "const" && oracle.expected() != Expected::Nothing {
        return Some(oracle.expected());
    }
    None
}

#[test]
fn spec_reject() {
    let corpus = corpus();
    let mut rejected = 0usize;
    let mut rejected_assertions = 0usize;
    let mut by_text_parser = 0usize;
    let mut by_text_parser_quoted = 0usize;
    let mut wrongly_accepted = Vec::new();
    let mut wrong_rule = Vec::new();
    let mut feature_checked = 0usize;
    let mut feature_rules: BTreeMap<String, usize> = BTreeMap::new();
    let mut without_feature = Vec::new();

    for record in &corpus.records {
        let expectation = feature_expectation(record);
        let must_reject = record.kind.must_be_rejected()
            || matches!(expectation, Some(Expected::Float | Expected::Simd));
        if let Some(Expected::Nothing) = expectation {
            // A module of a float or SIMD file without any float or SIMD
            // construct: nothing to reject it for. Listed, not counted.
            without_feature.push(record.place());
        }
        if !must_reject {
            continue;
        }
        match &record.outcome {
            Outcome::Text { quoted, .. } => {
                rejected += 1;
                rejected_assertions += usize::from(record.kind.must_be_rejected());
                by_text_parser += 1;
                if *quoted {
                    by_text_parser_quoted += 1;
                }
            }
            Outcome::Checked { result: Ok(()), .. } => {
                wrongly_accepted.push(format!(
                    "{} ({} {:?})",
                    record.place(),
                    record.kind.text(),
                    record.message
                ));
            }
            Outcome::Checked {
                result: Err(rejection),
                ..
            } => {
                rejected += 1;
                rejected_assertions += usize::from(record.kind.must_be_rejected());
                // The feature rule is required of the modules the suite says
                // are valid; an invalid or malformed module of a float file
                // may be rejected for its own defect first.
                if let Some(expected @ (Expected::Float | Expected::Simd)) = expectation
                    && !record.kind.must_be_rejected()
                {
                    feature_checked += 1;
                    *feature_rules.entry(rule_name(&rejection.rule)).or_default() += 1;
                    if !rule_matches(expected, &rejection.rule) {
                        wrong_rule.push(format!(
                            "{} ({}): expected {expected:?}, got {}",
                            record.place(),
                            record.kind.text(),
                            rejection
                        ));
                    }
                }
            }
        }
    }

    for place in &wrongly_accepted {
        println!("wrongly accepted: {place}");
    }
    for line in &wrong_rule {
        println!("wrong rule: {line}");
    }
    for place in &without_feature {
        println!("note: no float or SIMD construct in {place}, not counted");
    }
    println!(
        "float/SIMD modules checked for their rule: {feature_checked}, rules: {feature_rules:?}"
    );
    println!(
        "spec-reject: {rejected} rejected, {} wrongly accepted \
         ({rejected_assertions} assert_invalid/assert_malformed and {} float/SIMD modules; \
         {by_text_parser} of the rejected are text that the wast parser refused before \
         the instrumenter saw bytes, {by_text_parser_quoted} of them `module quote`; \
         {} float/SIMD modules with the wrong rule; {} files)",
        wrongly_accepted.len(),
        rejected - rejected_assertions,
        wrong_rule.len(),
        corpus.files
    );
    assert!(
        rejected > 1_000,
        "the corpus is unexpectedly small ({rejected} rejections): is the suite there?"
    );
    assert!(
        wrongly_accepted.is_empty() && wrong_rule.is_empty(),
        "{} modules wrongly accepted, {} float/SIMD modules with the wrong rule (listed above)",
        wrongly_accepted.len(),
        wrong_rule.len()
    );
}

/// The plain modules of the integer files: accepted, or rejected by a
/// policy rule (never as malformed or invalid: they are valid wasm 2.0).
#[test]
fn integer_files_are_accepted_or_rejected_by_policy() {
    let corpus = corpus();
    let mut accepted = 0usize;
    let mut policy: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut text_errors = Vec::new();
    for record in &corpus.records {
        let feature_file = is_float_file(&record.stem) || is_simd_file(&record.stem);
        if record.kind != Kind::Module || feature_file {
            continue;
        }
        let run_as_is = is_run_as_is_file(&record.stem);
        match &record.outcome {
            Outcome::Text { message, .. } => {
                text_errors.push(format!("{}: {message}", record.place()));
            }
            Outcome::Checked {
                result: Ok(()),
                output,
                ..
            } => {
                if run_as_is {
                    accepted += 1;
                }
                if let Some(Err(error)) = output {
                    failures.push(format!(
                        "{}: accepted, but the instrumented module is invalid: {error}",
                        record.place()
                    ));
                }
            }
            Outcome::Checked {
                result: Err(rejection),
                ..
            } => match &rejection.rule {
                Rule::Malformed { .. } | Rule::Invalid { .. } | Rule::Internal { .. } => failures
                    .push(format!(
                        "{}: a valid module rejected as {}: {rejection}",
                        record.place(),
                        rule_name(&rejection.rule)
                    )),
                rule if run_as_is => {
                    policy.entry(rule_name(rule)).or_default().push(match rule {
                        // Imports are the bulk: the suite links against
                        // `spectest` and its own modules.
                        Rule::UnknownImport { module, name } => {
                            format!("{}: \"{module}\" \"{name}\"", record.place())
                        }
                        _ => format!("{}: {rejection}", record.place()),
                    });
                }
                _ => {}
            },
        }
    }
    for (rule, places) in &policy {
        println!("run-as-is modules rejected by {rule}: {}", places.len());
        for place in places {
            println!("  {place}");
        }
    }
    for failure in &failures {
        println!("FAIL {failure}");
    }
    let rejected: usize = policy.values().map(Vec::len).sum();
    println!(
        "run-as-is integer files: {accepted} plain modules accepted, {rejected} rejected by policy; \
         {} plain modules of non-float files wrongly rejected as malformed/invalid or with invalid output",
        failures.len()
    );
    assert!(
        text_errors.is_empty(),
        "plain modules that the wast crate cannot encode: {text_errors:#?}"
    );
    assert!(accepted > 100, "only {accepted} integer modules accepted");
    assert!(
        failures.is_empty(),
        "{} plain modules wrongly rejected or badly instrumented (listed above)",
        failures.len()
    );
}

/// Every rejection of every module of the suite points into the module (its
/// end included, for truncated input).
#[test]
fn rejection_offsets_are_inside_the_module() {
    let mut outside = Vec::new();
    let mut checked = 0usize;
    for record in &corpus().records {
        if let Outcome::Checked {
            len,
            result: Err(rejection),
            ..
        } = &record.outcome
        {
            checked += 1;
            if rejection.offset > *len as u64 {
                outside.push(format!(
                    "{}: offset {:#x} in a {len}-byte module: {rejection}",
                    record.place(),
                    rejection.offset
                ));
            }
        }
    }
    assert!(checked > 1_000, "only {checked} rejections");
    assert!(outside.is_empty(), "{outside:#?}");
}
