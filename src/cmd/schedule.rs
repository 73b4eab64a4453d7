//! `gasworks schedule`: the gas schedule, rendered from the constants that
//! decide it, as `docs/gas-schedule.md` or as JSON.
//!
//! Sources, all read through the crates' public items (none of them is
//! copied here): the VM's cost table (`gasworks_vm::instrument::cost`), its
//! static limits and run-time constants (`gasworks_vm::limits`), the host
//! API's manifest and limits (`gasworks_host_api::{manifest, limits}`) and
//! the node's prices and block limits (`gasworks_node_sim::schedule`). The
//! page names the hashes that identify the schedule and says which of them
//! covers each part.
//!
//! `tests/gas_schedule.rs` compares [`render`] with the committed page and
//! fails when it is stale; `GASWORKS_BLESS=1` rewrites it (so does
//! `gasworks schedule > docs/gas-schedule.md`).

use std::fmt::Write;
use std::process::ExitCode;

use gasworks_host_api::limits::LIMITS as HOST_LIMITS;
use gasworks_host_api::manifest::{CALL_COST, Cost, MANIFEST, ManifestEntry, Provider};
use gasworks_node_sim::schedule as node;
use gasworks_vm::instrument::cost::{self, OPERATORS, Price, Unit, Verdict};
use gasworks_vm::limits::{self as vm_limits, Limit, Limits};

/// Every static limit of [`Limits`], in the order of its fields.
const VM_LIMITS: [Limit; 20] = [
    Limit::ModuleBytes,
    Limit::Functions,
    Limit::ParamsPerFunction,
    Limit::ParamsTotal,
    Limit::ResultsPerFunction,
    Limit::LocalsPerFunction,
    Limit::LocalsTotal,
    Limit::Globals,
    Limit::Types,
    Limit::Tables,
    Limit::TableElements,
    Limit::MemoryPages,
    Limit::DataSegments,
    Limit::ElementSegments,
    Limit::BrTableTargets,
    Limit::NestingDepth,
    Limit::FunctionBodyBytes,
    Limit::Imports,
    Limit::Exports,
    Limit::FrameSlots,
];

/// The field names of [`Limits`], read from its `Debug` form: the form the
/// schedule hash is taken over (`node-sim/src/schedule.rs`), so that a
/// limit added there and missing from [`VM_LIMITS`] shows (see
/// [`vm_limit_rows`]).
fn vm_limit_fields() -> Vec<String> {
    let text = format!("{:?}", Limits::CONSENSUS);
    let inner = text
        .trim_start_matches("Limits")
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}');
    inner
        .split(',')
        .filter_map(|field| field.split(':').next())
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .collect()
}

/// `snake_case` of a limit's variant name (`ModuleBytes` → `module_bytes`),
/// the name of its field in [`Limits`].
fn field_name(limit: Limit) -> String {
    let mut out = String::new();
    for (i, c) in format!("{limit:?}").chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Field name, value and description of every static limit.
///
/// # Panics
///
/// When [`Limits`] has a field that [`VM_LIMITS`] does not list (a new
/// limit: add it there), so that the page cannot silently leave it out.
fn vm_limit_rows() -> Vec<(String, u32, &'static str)> {
    let fields = vm_limit_fields();
    let rows: Vec<(String, u32, &'static str)> = VM_LIMITS
        .iter()
        .map(|limit| {
            (
                field_name(*limit),
                limit.value(&Limits::CONSENSUS),
                limit.describe(),
            )
        })
        .collect();
    let listed: Vec<&String> = rows.iter().map(|(name, _, _)| name).collect();
    assert_eq!(
        fields.iter().collect::<Vec<_>>(),
        listed,
        "Limits and src/cmd/schedule.rs's VM_LIMITS list different limits"
    );
    rows
}

/// Groups digits in threes with commas.
fn grouped(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn unit_name(unit: Unit) -> &'static str {
    match unit {
        Unit::None => "",
        Unit::Pages => "page (64 KiB)",
        Unit::Bytes => "byte",
        Unit::Elements => "table element",
    }
}

/// The accepted operators with their prices, in wasmparser's order, by
/// text-format name (with wasmparser's visitor name where two share one:
/// `select` and `typed_select`).
fn accepted() -> Vec<(String, Price)> {
    let accepted: Vec<(&str, Price)> = OPERATORS
        .iter()
        .filter_map(|(visit, verdict)| match verdict {
            Verdict::Accept(price) => Some((*visit, *price)),
            _ => None,
        })
        .collect();
    let shared = |name: &str| {
        accepted
            .iter()
            .filter(|(visit, _)| cost::operator_name(visit) == name)
            .count()
            > 1
    };
    accepted
        .iter()
        .map(|(visit, price)| {
            let name = cost::operator_name(visit);
            if shared(&name) {
                (format!("{name} ({visit})"), *price)
            } else {
                (name, *price)
            }
        })
        .collect()
}

/// The node's prices and block limits: name, value, what it is.
fn node_rows() -> Vec<(&'static str, u64, &'static str)> {
    vec![
        (
            "TX_BASE_GAS",
            node::TX_BASE_GAS,
            "every transaction that passes the checks",
        ),
        (
            "TX_BYTE_GAS",
            node::TX_BYTE_GAS,
            "per byte of the encoded transaction",
        ),
        (
            "TRANSFER_GAS",
            node::TRANSFER_GAS,
            "a native transfer's own work",
        ),
        (
            "DEPLOY_BASE_GAS",
            node::DEPLOY_BASE_GAS,
            "a deployment's fixed work",
        ),
        (
            "DEPLOY_GAS_PER_BYTE",
            node::DEPLOY_GAS_PER_BYTE,
            "per byte of code deployed (instrumenting and compiling it)",
        ),
        (
            "DEPLOY_GAS_PER_FUNCTION",
            node::DEPLOY_GAS_PER_FUNCTION,
            "per function the deployed module declares",
        ),
        (
            "DEPLOY_GAS_PER_TYPE",
            node::DEPLOY_GAS_PER_TYPE,
            "per function type the deployed module declares",
        ),
        (
            "CODE_STORAGE_GAS_PER_BYTE",
            node::CODE_STORAGE_GAS_PER_BYTE,
            "per byte of code stored, when the code is new",
        ),
        (
            "RECEIPT_BYTE_GAS",
            node::RECEIPT_BYTE_GAS,
            "per byte a successful transaction's receipt keeps (return data; each event's \
             address, topics and data), charged after the body ran",
        ),
        (
            "MAX_BLOCK_TXS",
            node::MAX_BLOCK_TXS as u64,
            "transactions in one block, rejected ones included",
        ),
        (
            "MAX_BLOCK_BYTES",
            node::MAX_BLOCK_BYTES as u64,
            "bytes of transactions in one block",
        ),
        (
            "MAX_TX_BYTES",
            gasworks_node_sim::tx::MAX_TX_BYTES as u64,
            "bytes of one encoded signed transaction",
        ),
    ]
}

/// Engine capacities: name, value, what it bounds. Not consensus rules for
/// instrumented modules (see the page).
fn engine_rows() -> Vec<(&'static str, u64, &'static str)> {
    vec![
        (
            "MAX_MEMORY_PAGES",
            vm_limits::MAX_MEMORY_PAGES,
            "pages of any memory",
        ),
        (
            "MAX_TABLE_ELEMENTS",
            vm_limits::MAX_TABLE_ELEMENTS,
            "elements of any table",
        ),
        (
            "MAX_FRAMES",
            vm_limits::MAX_FRAMES as u64,
            "frames on the executor's frame stack",
        ),
        (
            "VALUE_STACK_SLACK",
            vm_limits::VALUE_STACK_SLACK as u64,
            "value slots above STACK_LIMIT's worth",
        ),
    ]
}

fn host_price(cost: &Cost) -> (String, String) {
    let per_byte = if cost.per_byte > 0 {
        format!("{} ({})", grouped(cost.per_byte), cost.bytes)
    } else {
        String::new()
    };
    let per_item = if cost.per_item > 0 {
        format!("{} ({})", grouped(cost.per_item), cost.item)
    } else {
        String::new()
    };
    (per_byte, per_item)
}

fn host_entries() -> impl Iterator<Item = &'static ManifestEntry> {
    MANIFEST.iter()
}

/// The whole of `docs/gas-schedule.md`.
pub fn render() -> String {
    let mut out = String::new();
    out.push_str("# Gas schedule\n\n");
    out.push_str(
        "<!-- Generated by `gasworks schedule` (src/cmd/schedule.rs) from the cost table \
         (vm/src/instrument/cost.rs), the VM's limits (vm/src/limits.rs), the host API's \
         manifest and limits (host-api/src/manifest.rs, host-api/src/limits.rs) and the \
         node's prices (node-sim/src/schedule.rs). Do not edit by hand: \
         `GASWORKS_BLESS=1 cargo test --release --test gas_schedule` rewrites it. -->\n\n",
    );
    out.push_str(
        "Every price and limit that decides gas or results, in one place. The rules that \
         use them (where charges are placed, what happens at zero, what each trap means) \
         are in [gas.md](gas.md); the reasons for the limits and the peers' values in \
         [limits.md](limits.md) and [host-api.md](host-api.md).\n\n",
    );

    // Identities.
    out.push_str("## Identities\n\n");
    out.push_str("| Name | Value | Taken over |\n| --- | --- | --- |\n");
    let _ = writeln!(
        out,
        "| Schedule hash | `{}` | SHA-256, tagged `gasworks/schedule/v1`, of \
         `gasworks_node_sim::schedule::canonical_schedule()` (shown at the end of this page): \
         the node's rules version, the engine version, the cost-table hash, the manifest \
         hash, the VM's static limits, and the node's prices and block limits. Every block \
         header carries it; a node refuses a block under another. |",
        node::schedule_hash().to_hex()
    );
    let _ = writeln!(
        out,
        "| Cost-table hash | `{}` | SHA-256 of `gasworks_vm::instrument::cost::canonical_schedule()`: \
         the metering-rules version, every accepted operator's price, `LOCAL_COST`, \
         `STACK_LIMIT`, `FRAME_OVERHEAD`. Part of every compiled module's cache key. |",
        cost::cost_table_hash()
    );
    let _ = writeln!(
        out,
        "| Manifest hash | `{}` | SHA-256 of `gasworks_host_api::manifest::canonical_manifest()`: \
         every host function's signature and price, the host API's limits and codes. |",
        gasworks_host_api::manifest_hash()
    );
    let _ = writeln!(
        out,
        "| Engine version | `{}` | Set by hand; part of the schedule hash and of every \
         compiled module's cache key. |",
        gasworks_vm::engine::ENGINE_VERSION
    );
    out.push('\n');
    out.push_str(
        "The compiled-module cache key (`gasworks_vm::engine::Module::cache_key`) is SHA-256 \
         over the instrumented code's SHA-256, the cost-table hash and the engine version: \
         what decides the compiled code (prices are in the instrumented code itself; host \
         prices and limits are charged and checked at run time). It does not contain the \
         schedule hash. This page's own text is not hashed: the test that keeps it current \
         (`tests/gas_schedule.rs`) makes the hashes above the ones the code computes.\n\n",
    );
    out.push_str("What covers each section below:\n\n");
    out.push_str(
        "| Section | Covered by |\n| --- | --- |\n\
         | 1. Operators, `LOCAL_COST` | cost-table hash, so schedule hash and cache key |\n\
         | 2. Host functions | manifest hash, so schedule hash |\n\
         | 3. Transactions and blocks | schedule hash (each value on its own line) |\n\
         | 4.1 Module limits | schedule hash (`vm limits:` line) |\n\
         | 4.2 Stack limit | cost-table hash |\n\
         | 4.3 Host API limits | manifest hash |\n\
         | 4.4 Engine capacities | no hash but the engine version, changed by hand |\n\n",
    );

    // Operators.
    let operators = accepted();
    out.push_str("## 1. Operators\n\n");
    let _ = writeln!(
        out,
        "{} accepted operators, in wasmparser's order. An operator's base price is charged \
         with its metered block, before the block runs; the dynamic part, `per unit` times \
         the count operand (the `i32` on top of the stack), right before the operator runs. \
         Each declared local costs `LOCAL_COST` = {} at function entry.\n",
        operators.len(),
        cost::LOCAL_COST
    );
    out.push_str("| Operator | Base | Per unit | Unit |\n| --- | ---: | ---: | --- |\n");
    for (name, price) in &operators {
        let per_unit = if price.is_dynamic() {
            grouped(price.per_unit)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "| `{name}` | {} | {per_unit} | {} |",
            grouped(price.base),
            unit_name(price.unit)
        );
    }
    let floats = OPERATORS
        .iter()
        .filter(|(_, v)| *v == Verdict::Float)
        .count();
    let mut proposals: Vec<(String, usize)> = Vec::new();
    for (_, verdict) in OPERATORS {
        if let Verdict::Proposal(proposal) = verdict {
            let name = format!("{proposal:?}");
            match proposals.iter_mut().find(|(n, _)| *n == name) {
                Some((_, count)) => *count += 1,
                None => proposals.push((name, 1)),
            }
        }
    }
    let _ = writeln!(
        out,
        "\nRejected at upload: {floats} floating-point operators, and the operators of \
         proposals outside the accepted profile ({}).\n",
        proposals
            .iter()
            .map(|(name, count)| format!("{name} {count}"))
            .collect::<Vec<_>>()
            .join(", ")
    );

    // Host functions.
    out.push_str("## 2. Host functions\n\n");
    out.push_str(
        "A host function charges `base + per byte * bytes + per item * items`, the base \
         before it looks at its arguments. What each price was derived from is in \
         [host-api.md](host-api.md).\n\n",
    );
    out.push_str(
        "| Function | Base | Per byte (bytes counted) | Per item (item) |\n\
         | --- | ---: | --- | --- |\n",
    );
    for entry in host_entries() {
        let (per_byte, per_item) = host_price(&entry.cost);
        let provider = match entry.provider {
            Provider::Metering => " (injected metering)",
            Provider::Host => "",
        };
        let _ = writeln!(
            out,
            "| `{}.{}`{provider} | {} | {per_byte} | {per_item} |",
            entry.module,
            entry.name,
            grouped(entry.cost.base)
        );
    }
    let (per_byte, per_item) = host_price(&CALL_COST);
    let _ = writeln!(
        out,
        "| transaction entry (as `host.call`: `CALL_COST`) | {} | {per_byte} | {per_item} |\n",
        grouped(CALL_COST.base)
    );
    let _ = writeln!(
        out,
        "Every entry into a contract (`host.call` and the transaction's) also charges \
         `CALL_TABLE_ELEMENT_GAS` = {} per initial table element of the callee, with the \
         per-page charge.\n",
        gasworks_host_api::CALL_TABLE_ELEMENT_GAS
    );

    // Node.
    out.push_str("## 3. Transactions and blocks\n\n");
    let _ = writeln!(
        out,
        "The node's own rules (`{}`). A transaction's fee is gas used times gas price.\n",
        node::NODE_RULES_VERSION
    );
    out.push_str("| Constant | Value | What |\n| --- | ---: | --- |\n");
    for (name, value, what) in node_rows() {
        let _ = writeln!(out, "| `{name}` | {} | {what} |", grouped(value));
    }
    out.push('\n');

    // Limits.
    out.push_str("## 4. Limits\n\n");
    out.push_str("### 4.1 Module limits (checked at upload)\n\n");
    out.push_str(
        "`gasworks_vm::limits::Limits::CONSENSUS`; reasons and peers in \
         [limits.md](limits.md).\n\n",
    );
    out.push_str("| Limit | Value | What is counted |\n| --- | ---: | --- |\n");
    for (name, value, what) in vm_limit_rows() {
        let _ = writeln!(out, "| `{name}` | {} | {what} |", grouped(u64::from(value)));
    }
    out.push_str("\n### 4.2 Stack limit (injected metering)\n\n");
    out.push_str("| Constant | Value | What |\n| --- | ---: | --- |\n");
    let _ = writeln!(
        out,
        "| `STACK_LIMIT` | {} | stack units (value slots) a call stack may use |",
        grouped(u64::from(vm_limits::STACK_LIMIT))
    );
    let _ = writeln!(
        out,
        "| `FRAME_OVERHEAD` | {} | units every frame takes besides its parameters, locals \
         and operands |\n",
        grouped(u64::from(vm_limits::FRAME_OVERHEAD))
    );
    out.push_str("### 4.3 Host API limits (checked at run time)\n\n");
    out.push_str("| Limit | Value | Bounds |\n| --- | ---: | --- |\n");
    for limit in HOST_LIMITS {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            limit.name,
            grouped(u64::from(limit.value)),
            limit.bounds
        );
    }
    out.push_str("\n### 4.4 Engine capacities\n\n");
    out.push_str(
        "The engine's own bounds, for modules run without instrumentation (tools, the spec \
         suite): an instrumented module reaches the limits above first (`memory_pages`, \
         `table_elements`, `STACK_LIMIT`), so these decide nothing on a chain, and no hash \
         covers them but the engine version.\n\n",
    );
    out.push_str("| Constant | Value | Bounds |\n| --- | ---: | --- |\n");
    for (name, value, what) in engine_rows() {
        let _ = writeln!(out, "| `{name}` | {} | {what} |", grouped(value));
    }

    out.push_str("\n## What the schedule hash is taken over\n\n");
    out.push_str(
        "`gasworks_node_sim::schedule::canonical_schedule()`, verbatim; the schedule hash \
         above is its tagged SHA-256.\n\n```text\n",
    );
    out.push_str(&node::canonical_schedule());
    out.push_str("```\n");
    out
}

/// The schedule as one JSON object (hashes, operators, host prices, node
/// prices, limits).
pub fn to_json() -> serde_json::Value {
    use serde_json::json;
    let operators: Vec<_> = accepted()
        .into_iter()
        .map(|(name, price)| {
            json!({
                "operator": name,
                "base": price.base,
                "per_unit": price.per_unit,
                "unit": format!("{:?}", price.unit),
            })
        })
        .collect();
    let host: Vec<_> = host_entries()
        .map(|entry| {
            json!({
                "function": format!("{}.{}", entry.module, entry.name),
                "base": entry.cost.base,
                "per_byte": entry.cost.per_byte,
                "per_item": entry.cost.per_item,
            })
        })
        .collect();
    let rows = |rows: Vec<(&'static str, u64, &'static str)>| {
        rows.into_iter()
            .map(|(name, value, _)| (name.to_string(), json!(value)))
            .collect::<serde_json::Map<_, _>>()
    };
    let module_limits = vm_limit_rows()
        .into_iter()
        .map(|(name, value, _)| (name, json!(value)))
        .collect::<serde_json::Map<_, _>>();
    let host_limits = HOST_LIMITS
        .iter()
        .map(|limit| (limit.name.to_string(), json!(limit.value)))
        .collect::<serde_json::Map<_, _>>();
    json!({
        "schedule_hash": node::schedule_hash().to_hex(),
        "cost_table_hash": cost::cost_table_hash(),
        "manifest_hash": gasworks_host_api::manifest_hash(),
        "engine_version": gasworks_vm::engine::ENGINE_VERSION,
        "local_cost": cost::LOCAL_COST,
        "operators": operators,
        "host_functions": host,
        "transaction_entry": {
            "base": CALL_COST.base,
            "per_byte": CALL_COST.per_byte,
            "per_item": CALL_COST.per_item,
        },
        "node": rows(node_rows()),
        "module_limits": module_limits,
        "stack": {
            "STACK_LIMIT": vm_limits::STACK_LIMIT,
            "FRAME_OVERHEAD": vm_limits::FRAME_OVERHEAD,
        },
        "host_limits": host_limits,
        "engine_capacities": rows(engine_rows()),
    })
}

/// Prints the schedule: the page (Markdown), or JSON.
pub fn run(json: bool) -> ExitCode {
    if json {
        say!("{}", to_json());
    } else {
        use std::io::Write as _;
        let _ = std::io::stdout().write_all(render().as_bytes());
    }
    ExitCode::SUCCESS
}
