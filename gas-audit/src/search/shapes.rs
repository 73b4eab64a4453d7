//! Structured shapes: hand-written program skeletons with numeric knobs,
//! written as WebAssembly text.
//!
//! Each shape is one way of spending gas that the issue names as a
//! suspect: a loop of one operator class, bulk memory and table operations
//! with various counts and segment sizes, `memory.grow`, call chains,
//! recursion, `call_indirect`, `br_table`, many locals, host calls, and a
//! heavy instantiation with a trivial body. A [`Shape`] is a kind and up to
//! [`PARAMS`] numbers whose meaning the kind's [`Kind::params`] table gives
//! (name and range); the operator of a loop, a bulk operation or a host
//! function is one of those numbers, so that one mutation
//! ([`Shape::mutate`]: a knob redrawn, doubled, halved or nudged) can
//! change the operator as well as the counts.
//!
//! Every shape exports `execute: () -> ()` (the contracts' entry point);
//! the looping ones loop forever, so every run spends the whole gas budget.

use std::fmt::Write as _;

use super::rng::SplitMix64;

/// How many numeric knobs a shape has at most.
pub const PARAMS: usize = 8;

/// The kind of a shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A loop whose body is one operator class repeated.
    OpLoop,
    /// A loop of one bulk memory or table operation (or `memory.grow`).
    Bulk,
    /// A loop of a recursion to a given depth.
    Recursion,
    /// A loop of a chain of distinct functions.
    CallChain,
    /// A loop of a `br_table` over nested blocks.
    BrTable,
    /// A loop calling a function with many locals.
    Locals,
    /// A loop of one host call.
    Host,
    /// Large memory, tables, globals and segments, and an empty body: the
    /// instantiation every call pays for.
    Instance,
}

/// Every kind, in the order the generator draws them.
pub const KINDS: [Kind; 8] = [
    Kind::OpLoop,
    Kind::Bulk,
    Kind::Recursion,
    Kind::CallChain,
    Kind::BrTable,
    Kind::Locals,
    Kind::Host,
    Kind::Instance,
];

/// One knob of a shape: its name and inclusive range.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// Name, shown in descriptions.
    pub name: &'static str,
    /// Smallest value.
    pub min: u32,
    /// Largest value.
    pub max: u32,
}

impl Param {
    /// Whether the knob picks an operation (drawn uniformly, never
    /// doubled or halved in a meaningful way) rather than a size.
    pub fn is_categorical(&self) -> bool {
        matches!(self.name, "op" | "func")
    }
}

const fn p(name: &'static str, min: u32, max: u32) -> Param {
    Param { name, min, max }
}

impl Kind {
    /// The kind's knobs.
    pub fn params(self) -> &'static [Param] {
        match self {
            Kind::OpLoop => &OPLOOP_PARAMS,
            Kind::Bulk => &BULK_PARAMS,
            Kind::Recursion => &RECURSION_PARAMS,
            Kind::CallChain => &CHAIN_PARAMS,
            Kind::BrTable => &BR_TABLE_PARAMS,
            Kind::Locals => &LOCALS_PARAMS,
            Kind::Host => &HOST_PARAMS,
            Kind::Instance => &INSTANCE_PARAMS,
        }
    }

    /// A short lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::OpLoop => "loop",
            Kind::Bulk => "bulk",
            Kind::Recursion => "recursion",
            Kind::CallChain => "call-chain",
            Kind::BrTable => "br-table",
            Kind::Locals => "locals",
            Kind::Host => "host",
            Kind::Instance => "instance",
        }
    }
}

const RECURSION_PARAMS: [Param; 3] = [
    p("depth", 1, 5_000),
    p("locals", 0, 512),
    p("params", 0, 16),
];
const CHAIN_PARAMS: [Param; 3] = [p("depth", 1, 64), p("params", 0, 32), p("locals", 0, 64)];
const BR_TABLE_PARAMS: [Param; 2] = [p("targets", 1, 1_000), p("index", 0, 1_100)];
const LOCALS_PARAMS: [Param; 2] = [p("locals", 1, 4_096), p("i64", 0, 1)];
const OPLOOP_PARAMS: [Param; 7] = [
    p("op", 0, LOOP_OPS.len() as u32 - 1),
    p("reps", 1, 256),
    p("a", 0, INTERESTING.len() as u32 - 1),
    p("b", 0, INTERESTING.len() as u32 - 1),
    p("addr", 0, 65_528),
    p("index", 0, 15),
    p("cond", 0, 1),
];
const BULK_PARAMS: [Param; 7] = [
    p("op", 0, BULK_OPS.len() as u32 - 1),
    p("n", 0, 1 << 20),
    p("segment", 1, 400_000),
    p("src", 0, 1 << 20),
    p("dst", 0, 1 << 20),
    p("pages", 1, 512),
    p("table", 1, 10_000),
];
const HOST_PARAMS: [Param; 6] = [
    p("func", 0, HOST_OPS.len() as u32 - 1),
    p("len", 0, 65_536),
    p("key_len", 1, 256),
    p("prewrite", 0, 1),
    p("limit", 0, 100),
    p("seed", 0, 1_000),
];
const INSTANCE_PARAMS: [Param; 6] = [
    p("pages", 0, 512),
    p("table", 0, 10_000),
    p("globals", 0, 256),
    p("data", 0, 400_000),
    p("elems", 0, 10_000),
    p("segments", 1, 200),
];

/// Operand values a loop may start from (as i64; i32 operands take the low
/// bits).
pub const INTERESTING: [i64; 12] = [
    0,
    1,
    2,
    7,
    255,
    -1,
    i64::MIN,
    i64::MAX,
    0x5555_5555_5555_5555,
    1 << 31,
    12_345_678_901,
    -7,
];

/// How a loop operator's snippet is written.
#[derive(Debug, Clone, Copy)]
enum Form {
    /// `local.get $a32 (local.get $b32 OP)* local.set $a32`.
    Chain32,
    /// As `Chain32` on the i64 locals.
    Chain64,
    /// `local.get $a32 (OP)* local.set $a32` (unary).
    Unary32,
    /// As `Unary32` on `$a64`.
    Unary64,
    /// The text itself, repeated (stack-neutral).
    Text(&'static str),
}

/// The operator classes of [`Kind::OpLoop`]: a name and how one
/// repetition is written.
#[rustfmt::skip]
const LOOP_OPS: &[(&str, Form)] = &[
    ("i32.add", Form::Chain32), ("i32.sub", Form::Chain32), ("i32.mul", Form::Chain32),
    ("i32.div_s", Form::Chain32), ("i32.div_u", Form::Chain32), ("i32.rem_s", Form::Chain32),
    ("i32.rem_u", Form::Chain32), ("i32.and", Form::Chain32), ("i32.or", Form::Chain32),
    ("i32.xor", Form::Chain32), ("i32.shl", Form::Chain32), ("i32.shr_s", Form::Chain32),
    ("i32.shr_u", Form::Chain32), ("i32.rotl", Form::Chain32), ("i32.rotr", Form::Chain32),
    ("i32.eq", Form::Chain32), ("i32.lt_u", Form::Chain32), ("i32.ge_s", Form::Chain32),
    ("i64.add", Form::Chain64), ("i64.sub", Form::Chain64), ("i64.mul", Form::Chain64),
    ("i64.div_s", Form::Chain64), ("i64.div_u", Form::Chain64), ("i64.rem_s", Form::Chain64),
    ("i64.rem_u", Form::Chain64), ("i64.and", Form::Chain64), ("i64.or", Form::Chain64),
    ("i64.xor", Form::Chain64), ("i64.shl", Form::Chain64), ("i64.shr_s", Form::Chain64),
    ("i64.shr_u", Form::Chain64), ("i64.rotl", Form::Chain64), ("i64.rotr", Form::Chain64),
    ("i32.clz", Form::Unary32), ("i32.ctz", Form::Unary32), ("i32.popcnt", Form::Unary32),
    ("i32.eqz", Form::Unary32), ("i32.extend8_s", Form::Unary32), ("i32.extend16_s", Form::Unary32),
    ("i64.clz", Form::Unary64), ("i64.ctz", Form::Unary64), ("i64.popcnt", Form::Unary64),
    ("i64.extend8_s", Form::Unary64), ("i64.extend16_s", Form::Unary64),
    ("i64.extend32_s", Form::Unary64),
    ("i64.eqz", Form::Text("local.get $a64 i64.eqz drop")),
    ("i64.lt_s", Form::Text("local.get $a64 local.get $b64 i64.lt_s drop")),
    ("i32.wrap_i64", Form::Text("local.get $a64 i32.wrap_i64 drop")),
    ("i64.extend_i32_u", Form::Text("local.get $a32 i64.extend_i32_u drop")),
    ("i32.load", Form::Text("local.get $p i32.load drop")),
    ("i64.load", Form::Text("local.get $p i64.load drop")),
    ("i32.load8_s", Form::Text("local.get $p i32.load8_s drop")),
    ("i32.load16_u", Form::Text("local.get $p i32.load16_u drop")),
    ("i64.load8_u", Form::Text("local.get $p i64.load8_u drop")),
    ("i64.load32_s", Form::Text("local.get $p i64.load32_s drop")),
    ("i32.load offset", Form::Text("local.get $p i32.load offset=65000 drop")),
    ("i32.store", Form::Text("local.get $p local.get $a32 i32.store")),
    ("i64.store", Form::Text("local.get $p local.get $a64 i64.store")),
    ("i32.store8", Form::Text("local.get $p local.get $a32 i32.store8")),
    ("i64.store32", Form::Text("local.get $p local.get $a64 i64.store32")),
    ("local.get/set", Form::Text("local.get $a32 local.set $c")),
    ("local.tee", Form::Text("local.get $a32 local.tee $c drop")),
    ("global.get", Form::Text("global.get $g drop")),
    ("global.set", Form::Text("global.get $g global.set $g")),
    ("select", Form::Text("local.get $a32 local.get $b32 local.get $c select drop")),
    ("drop", Form::Text("i32.const 1 drop")),
    ("memory.size", Form::Text("memory.size drop")),
    ("memory.grow 0", Form::Text("i32.const 0 memory.grow drop")),
    ("table.size", Form::Text("table.size $t drop")),
    ("table.get", Form::Text("local.get $i table.get $t drop")),
    ("table.set", Form::Text("local.get $i ref.func $leaf table.set $t")),
    ("ref.func", Form::Text("ref.func $leaf drop")),
    ("ref.is_null", Form::Text("ref.null func ref.is_null drop")),
    ("call", Form::Text("call $leaf")),
    ("call_indirect", Form::Text("local.get $i call_indirect $t (type $v)")),
    ("if", Form::Text("local.get $c if end")),
    ("if/else", Form::Text("local.get $c if nop else nop end")),
    ("br_if", Form::Text("block $b local.get $c br_if $b end")),
    ("br", Form::Text("block $b br $b end")),
    ("nop", Form::Text("nop")),
    ("block", Form::Text("block end")),
    ("data.drop", Form::Text("data.drop $d")),
    ("elem.drop", Form::Text("elem.drop $e")),
];

/// The operations of [`Kind::Bulk`].
const BULK_OPS: &[&str] = &[
    "memory.copy",
    "memory.fill",
    "memory.init",
    "table.copy",
    "table.fill",
    "table.init",
    "table.grow",
    "memory.grow",
];

/// The host functions of [`Kind::Host`], by manifest name.
const HOST_OPS: &[&str] = &[
    "storage_read",
    "storage_has",
    "storage_write",
    "storage_remove",
    "storage_scan",
    "emit_event",
    "caller",
    "address",
    "block_height",
    "gas_left",
    "input",
    "set_return_data",
    "return_data",
    "log",
    "sha256",
    "secp256k1_verify",
    "secp256k1_recover",
    "call",
];

/// A structured shape: a kind and its knobs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Shape {
    /// The kind.
    pub kind: Kind,
    /// The knobs, in the order of [`Kind::params`] (the rest are unused).
    pub values: [u32; PARAMS],
}

impl Shape {
    /// A shape of a random kind with random knobs.
    pub fn random(rng: &mut SplitMix64) -> Shape {
        let kind = KINDS[rng.below(KINDS.len() as u64) as usize];
        Shape::random_of(kind, rng)
    }

    /// A shape of `kind` with random knobs.
    pub fn random_of(kind: Kind, rng: &mut SplitMix64) -> Shape {
        let mut values = [0; PARAMS];
        for (value, param) in values.iter_mut().zip(kind.params()) {
            *value = draw(param, rng);
        }
        Shape { kind, values }
    }

    /// A neighbour: one knob (sometimes two) redrawn, doubled, halved or
    /// nudged by one, kept in range.
    pub fn mutate(&self, rng: &mut SplitMix64) -> Shape {
        let mut next = self.clone();
        let params = self.kind.params();
        let changes = if rng.chance(1, 4) { 2 } else { 1 };
        for _ in 0..changes {
            let index = rng.below(params.len() as u64) as usize;
            let param = &params[index];
            let old = u64::from(next.values[index]);
            let new = match if param.is_categorical() {
                0
            } else {
                rng.below(5)
            } {
                0 => u64::from(draw(param, rng)),
                1 => old.saturating_mul(2).max(1),
                2 => old / 2,
                3 => old + 1,
                _ => old.saturating_sub(1),
            };
            next.values[index] = new.clamp(u64::from(param.min), u64::from(param.max)) as u32;
        }
        next
    }

    /// The value of the knob named `name` (0 when the kind has none).
    pub fn get(&self, name: &str) -> u32 {
        self.kind
            .params()
            .iter()
            .position(|param| param.name == name)
            .map_or(0, |index| self.values[index])
    }

    /// The operator, bulk operation or host function the shape exercises,
    /// if its kind has one.
    pub fn operation(&self) -> Option<&'static str> {
        let index = self.values[0] as usize;
        match self.kind {
            Kind::OpLoop => LOOP_OPS.get(index).map(|(name, _)| *name),
            Kind::Bulk => BULK_OPS.get(index).copied(),
            Kind::Host => HOST_OPS.get(index).copied(),
            _ => None,
        }
    }

    /// A one-line description: kind, operation and knobs.
    pub fn describe(&self) -> String {
        let mut text = self.kind.name().to_string();
        if let Some(operation) = self.operation() {
            let _ = write!(text, " {operation}");
        }
        let skip = usize::from(self.operation().is_some());
        for (param, value) in self.kind.params().iter().zip(self.values).skip(skip) {
            let _ = write!(text, " {}={}", param.name, value);
        }
        text
    }

    /// The family for the report: kind and operation.
    pub fn family(&self) -> String {
        match self.operation() {
            Some(operation) => format!("{} {}", self.kind.name(), operation),
            None => self.kind.name().to_string(),
        }
    }

    /// The module as WebAssembly text.
    pub fn wat(&self) -> String {
        match self.kind {
            Kind::OpLoop => self.op_loop(),
            Kind::Bulk => self.bulk(),
            Kind::Recursion => self.recursion(),
            Kind::CallChain => self.call_chain(),
            Kind::BrTable => self.br_table(),
            Kind::Locals => self.locals(),
            Kind::Host => self.host(),
            Kind::Instance => self.instance(),
        }
    }

    fn op_loop(&self) -> String {
        let (name, form) = LOOP_OPS
            .get(self.values[0] as usize)
            .copied()
            .unwrap_or(LOOP_OPS[0]);
        let reps = self.get("reps").max(1) as usize;
        let a = INTERESTING[self.get("a") as usize % INTERESTING.len()];
        let b = INTERESTING[self.get("b") as usize % INTERESTING.len()];
        let body = match form {
            Form::Chain32 => format!(
                "local.get $a32 {} local.set $a32",
                format!("local.get $b32 {name} ").repeat(reps)
            ),
            Form::Chain64 => format!(
                "local.get $a64 {} local.set $a64",
                format!("local.get $b64 {name} ").repeat(reps)
            ),
            Form::Unary32 => format!(
                "local.get $a32 {} local.set $a32",
                format!("{name} ").repeat(reps)
            ),
            Form::Unary64 => format!(
                "local.get $a64 {} local.set $a64",
                format!("{name} ").repeat(reps)
            ),
            Form::Text(text) => format!("{text}\n      ").repeat(reps),
        };
        format!(
            r#"(module
  (type $v (func))
  (memory 1)
  (table $t 16 funcref)
  (global $g (mut i64) (i64.const 1))
  (func $leaf)
  (elem (table $t) (i32.const 0) func {leaves})
  (elem $e func $leaf)
  (data $d "gasworks")
  (func (export "execute")
    (local $a32 i32) (local $b32 i32) (local $a64 i64) (local $b64 i64)
    (local $c i32) (local $p i32) (local $i i32)
    (local.set $a32 (i32.const {a32}))
    (local.set $b32 (i32.const {b32}))
    (local.set $a64 (i64.const {a}))
    (local.set $b64 (i64.const {b}))
    (local.set $c (i32.const {cond}))
    (local.set $p (i32.const {addr}))
    (local.set $i (i32.const {index}))
    (loop $l
      {body}
      br $l)))
"#,
            leaves = "$leaf ".repeat(16),
            a32 = a as i32,
            b32 = b as i32,
            cond = self.get("cond"),
            addr = self.get("addr"),
            index = self.get("index"),
        )
    }

    fn bulk(&self) -> String {
        let op = BULK_OPS
            .get(self.values[0] as usize)
            .copied()
            .unwrap_or(BULK_OPS[0]);
        let n = self.get("n");
        let segment = self.get("segment").max(1);
        let (src, dst) = (self.get("src"), self.get("dst"));
        let pages = self.get("pages").max(1);
        let table = self.get("table").max(1);
        let mut extra = String::new();
        let body = match op {
            "memory.copy" => {
                format!("(memory.copy (i32.const {dst}) (i32.const {src}) (i32.const {n}))")
            }
            "memory.fill" => {
                format!("(memory.fill (i32.const {dst}) (i32.const 0) (i32.const {n}))")
            }
            "memory.init" => {
                let _ = write!(extra, "(data $d \"{}\")", "\\00".repeat(segment as usize));
                format!("(memory.init $d (i32.const {dst}) (i32.const {src}) (i32.const {n}))")
            }
            "table.copy" => {
                format!("(table.copy $t $t (i32.const {dst}) (i32.const {src}) (i32.const {n}))")
            }
            "table.fill" => {
                format!("(table.fill $t (i32.const {dst}) (ref.func $leaf) (i32.const {n}))")
            }
            "table.init" => {
                let items = segment.min(10_000) as usize;
                let _ = write!(extra, "(elem $e func {})", "$leaf ".repeat(items));
                format!("(table.init $t $e (i32.const {dst}) (i32.const {src}) (i32.const {n}))")
            }
            "table.grow" => format!("(drop (table.grow $t (ref.null func) (i32.const {n})))"),
            _ => format!("(drop (memory.grow (i32.const {})))", n.min(1 << 16)),
        };
        format!(
            r#"(module
  (memory {pages})
  (table $t {table} funcref)
  (func $leaf)
  (elem declare func $leaf)
  {extra}
  (func (export "execute")
    (loop $l
      {body}
      br $l)))
"#
        )
    }

    fn recursion(&self) -> String {
        let depth = self.get("depth");
        let locals = " i64".repeat(self.get("locals") as usize);
        let params = self.get("params") as usize;
        let extra_params = " i32".repeat(params);
        let extra_args = " (i32.const 0)".repeat(params);
        let forward = (1..=params)
            .map(|i| format!(" (local.get {i})"))
            .collect::<String>();
        format!(
            r#"(module
  (func $rec (param $d i32){extra_params_decl} {locals_decl}
    (if (local.get $d)
      (then (call $rec (i32.sub (local.get $d) (i32.const 1)){forward}))))
  (func (export "execute")
    (loop $l
      (call $rec (i32.const {depth}){extra_args})
      br $l)))
"#,
            extra_params_decl = if params > 0 {
                format!(" (param{extra_params})")
            } else {
                String::new()
            },
            locals_decl = if locals.is_empty() {
                String::new()
            } else {
                format!("(local{locals})")
            },
        )
    }

    fn call_chain(&self) -> String {
        let depth = self.get("depth").max(1);
        let params = self.get("params") as usize;
        let locals = self.get("locals") as usize;
        let param_decl = if params > 0 {
            format!("(param{})", " i32".repeat(params))
        } else {
            String::new()
        };
        let local_decl = if locals > 0 {
            format!("(local{})", " i64".repeat(locals))
        } else {
            String::new()
        };
        let forward: String = (0..params).map(|i| format!(" (local.get {i})")).collect();
        let mut text = String::from("(module\n");
        for k in 0..depth {
            let call = if k + 1 < depth {
                format!("(call $f{}{forward})", k + 1)
            } else {
                String::new()
            };
            let _ = writeln!(text, "  (func $f{k} {param_decl} {local_decl} {call})");
        }
        let args = " (i32.const 1)".repeat(params);
        let _ = write!(
            text,
            "  (func (export \"execute\")\n    (loop $l\n      (call $f0{args})\n      br $l)))\n"
        );
        text
    }

    fn br_table(&self) -> String {
        let targets = self.get("targets").max(1) as usize;
        let index = self.get("index");
        let labels: String = (0..targets).map(|k| format!(" $b{k}")).collect();
        let mut text = String::from("(module\n  (func (export \"execute\") (local $i i32)\n");
        let _ = writeln!(text, "    (local.set $i (i32.const {index}))\n    (loop $l");
        for k in 0..targets {
            let _ = writeln!(text, "      (block $b{k}");
        }
        let _ = writeln!(text, "      (br_table{labels} (local.get $i))");
        text.push_str(&")".repeat(targets));
        text.push_str("\n      br $l)))\n");
        text
    }

    fn locals(&self) -> String {
        let ty = if self.get("i64") == 1 { "i64" } else { "i32" };
        let locals = format!(" {ty}").repeat(self.get("locals").max(1) as usize);
        format!(
            r#"(module
  (func $many (local{locals}))
  (func (export "execute")
    (loop $l
      call $many
      br $l)))
"#
        )
    }

    fn host(&self) -> String {
        let func = HOST_OPS
            .get(self.values[0] as usize)
            .copied()
            .unwrap_or(HOST_OPS[0]);
        let len = self.get("len");
        let key = self.get("key_len").clamp(1, 256);
        let limit = self.get("limit");
        let signature = host_signature(func);
        // Memory: 0x0000 scratch and keys, 0x1000 event topics (none),
        // 0x2000 values and outputs (64 KiB + 8 KiB), a random block for
        // the crypto functions at 0x100 (hash 32, signature 64, key 33).
        let mut random = SplitMix64::new(u64::from(self.get("seed")));
        let mut crypto = String::new();
        for k in 0..160 {
            let byte = if k == 96 { 2 } else { random.next_u64() as u8 };
            let _ = write!(crypto, "\\{byte:02x}");
        }
        let len = len.min(65_536);
        let call = match func {
            "storage_read" => format!("(drop (call $h (i32.const 0) (i32.const {key}) (i32.const 0x2000) (i32.const {len})))"),
            "storage_has" => format!("(drop (call $h (i32.const 0) (i32.const {key})))"),
            "storage_write" => format!("(call $h (i32.const 0) (i32.const {key}) (i32.const 0x2000) (i32.const {len}))"),
            "storage_remove" => format!("(call $h (i32.const 0) (i32.const {key}))"),
            "storage_scan" => format!("(drop (call $h (i32.const 0) (i32.const {prefix}) (i32.const 0) (i32.const 0) (i32.const {limit}) (i32.const 0x2000) (i32.const {len})))", prefix = key.min(4) - 1),
            "emit_event" => format!("(call $h (i32.const 0x1000) (i32.const 4) (i32.const 0x2000) (i32.const {}))", len.min(4 * 1024)),
            "caller" | "address" => "(call $h (i32.const 0x2000))".to_string(),
            "block_height" | "gas_left" => "(drop (call $h))".to_string(),
            "input" | "return_data" => format!("(drop (call $h (i32.const 0x2000) (i32.const {len})))"),
            "set_return_data" | "log" => format!("(call $h (i32.const 0x2000) (i32.const {len}))"),
            "sha256" => format!("(call $h (i32.const 0x2000) (i32.const {len}) (i32.const 0))"),
            "secp256k1_verify" => "(drop (call $h (i32.const 0x100) (i32.const 32) (i32.const 0x120) (i32.const 64) (i32.const 0x160) (i32.const 33)))".to_string(),
            "secp256k1_recover" => format!("(drop (call $h (i32.const 0x100) (i32.const 32) (i32.const 0x120) (i32.const 64) (i32.const {}) (i32.const 0x2000)))", limit % 4),
            _ => "(drop (call $h (i32.const 0x3000) (i32.const 0) (i32.const 0) (i64.const 100000)))".to_string(),
        };
        let prewrite = if self.get("prewrite") == 1 {
            "(import \"host\" \"storage_write\" (func $w (param i32 i32 i32 i32)))".to_string()
        } else {
            String::new()
        };
        let prewrite_call = if prewrite.is_empty() || func == "storage_write" {
            String::new()
        } else {
            format!(
                "(call $w (i32.const 0) (i32.const {key}) (i32.const 0x2000) (i32.const {}))",
                len.min(65_536)
            )
        };
        let (prewrite, prewrite_call) = if func == "storage_write" {
            (String::new(), String::new())
        } else {
            (prewrite, prewrite_call)
        };
        format!(
            r#"(module
  (import "host" "{func}" (func $h {signature}))
  {prewrite}
  (memory 2)
  (data (i32.const 0x1000) "\00\00\00\00")
  (data (i32.const 0x100) "{crypto}")
  (func (export "execute")
    {prewrite_call}
    (loop $l
      {call}
      br $l)))
"#
        )
    }

    fn instance(&self) -> String {
        let pages = self.get("pages");
        let table = self.get("table");
        let globals = self.get("globals") as usize;
        let segments = self.get("segments").max(1) as usize;
        let data = (self.get("data") as u64).min(u64::from(pages) * 65_536) as usize;
        let elems = self.get("elems").min(table) as usize;
        let mut text = String::from("(module\n  (func $leaf)\n");
        let _ = writeln!(text, "  (memory {pages})\n  (table {table} funcref)");
        for k in 0..globals {
            let _ = writeln!(text, "  (global (mut i64) (i64.const {k}))");
        }
        if data > 0 {
            let per = data.div_ceil(segments);
            let mut at = 0;
            while at < data {
                let size = per.min(data - at);
                let _ = writeln!(
                    text,
                    "  (data (i32.const {at}) \"{}\")",
                    "\\01".repeat(size)
                );
                at += size;
            }
        }
        if elems > 0 {
            let per = elems.div_ceil(segments);
            let mut at = 0;
            while at < elems {
                let size = per.min(elems - at);
                let _ = writeln!(
                    text,
                    "  (elem (i32.const {at}) func {})",
                    "$leaf ".repeat(size)
                );
                at += size;
            }
        }
        text.push_str("  (func (export \"execute\")))\n");
        text
    }
}

/// The text signature of a host function, from the manifest.
fn host_signature(name: &str) -> String {
    let Some(entry) = gasworks_host_api::host_entry(name) else {
        return String::new();
    };
    let text = |types: &[gasworks_vm::instrument::ValType]| {
        types
            .iter()
            .map(|t| match t {
                gasworks_vm::instrument::ValType::I32 => " i32",
                gasworks_vm::instrument::ValType::I64 => " i64",
            })
            .collect::<String>()
    };
    let mut signature = String::new();
    if !entry.params.is_empty() {
        let _ = write!(signature, "(param{})", text(entry.params));
    }
    if !entry.results.is_empty() {
        let _ = write!(signature, " (result{})", text(entry.results));
    }
    signature
}

/// A value for `param`: on a logarithmic scale over its range, or one of
/// its ends.
fn draw(param: &Param, rng: &mut SplitMix64) -> u32 {
    let (min, max) = (u64::from(param.min), u64::from(param.max));
    if param.is_categorical() {
        return rng.range(min, max) as u32;
    }
    let value = match rng.below(8) {
        0 => min,
        1 => max,
        2 | 3 => rng.range(min, max),
        _ => min + rng.log_size(max - min + 1) - 1,
    };
    value.clamp(min, max) as u32
}

/// The operator class names of [`Kind::OpLoop`], for tests and docs.
pub fn loop_operations() -> impl Iterator<Item = &'static str> {
    LOOP_OPS.iter().map(|(name, _)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every operator of every kind, at its smallest and largest knobs,
    /// parses as text (the instrumenter's verdict is tested elsewhere).
    #[test]
    fn every_shape_parses() {
        for kind in KINDS {
            let params = kind.params();
            let ops = if matches!(kind, Kind::OpLoop | Kind::Bulk | Kind::Host) {
                params[0].max + 1
            } else {
                1
            };
            for op in 0..ops {
                for end in [0, 1] {
                    let mut values = [0; PARAMS];
                    for (value, param) in values.iter_mut().zip(params) {
                        *value = if end == 0 {
                            param.min
                        } else {
                            param.max.min(64)
                        };
                    }
                    if ops > 1 {
                        values[0] = op;
                    }
                    let shape = Shape { kind, values };
                    let text = shape.wat();
                    if let Err(error) = wat::parse_str(&text) {
                        panic!("{}: {error}\n{text}", shape.describe());
                    }
                }
            }
        }
    }
}
