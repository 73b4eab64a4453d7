//! Host functions (storage and `call` apart: [`super::storage`],
//! [`super::entry`]): each one called in a loop by a contract of its own,
//! through the host API's runtime as a node runs it (a transaction's call
//! against an in-memory store), at several sizes of its per-byte or
//! per-item operand.
//!
//! The contract's `execute` reads its input (`n: u32, count: u32`, then a
//! payload) and calls the function `count` times with size `n`; a point
//! is `count` calls against `count = 0` with the same input, so the
//! transaction's entry and the input copy cancel. Each function gets its
//! own module, so no dispatch code dilutes the host function's share of
//! the gas. The fitted line over the sizes gives the measured base and
//! per-unit time beside the manifest's `base + per_byte * n`.

use std::sync::Arc;

use gasworks_host_api::{
    Address, BlockEnv, CallRequest, MemoryStorage, Runtime, StorageBackend, crypto, host_entry,
};
use gasworks_vm::trap::TrapKind;

use super::measure::{BoxProbe, Scale};
use super::{Case, Group, Point};

/// Gas limit of a calibration transaction (never reached).
pub(crate) const CALL_GAS: u64 = 1 << 40;

/// The block every calibration call runs in.
pub(crate) const BLOCK: BlockEnv = BlockEnv {
    height: 1,
    time: 1_700_000_000,
    chain_id: 7,
};

/// An address from a number.
pub(crate) fn address(n: u8) -> Address {
    Address([n; 32])
}

/// A probe running one transaction's call through `runtime` and checking
/// how it ended (`expect`: the trap it must end with, `None`: success).
pub(crate) fn call_probe(
    runtime: Runtime,
    storage: Arc<dyn StorageBackend>,
    request: CallRequest,
    expect: Option<TrapKind>,
) -> BoxProbe {
    Box::new(move || {
        let (receipt, _) = runtime
            .execute(&BLOCK, storage.clone(), &request)
            .map_err(|e| e.to_string())?;
        if receipt.trap != expect {
            return Err(format!(
                "the call ended with {:?}, not {expect:?}",
                receipt.trap
            ));
        }
        Ok(receipt.gas_used)
    })
}

/// Input of a loop contract: `n`, `count`, then `payload`.
pub(crate) fn loop_input(n: u32, count: u32, payload: &[u8]) -> Vec<u8> {
    let mut input = Vec::with_capacity(8 + payload.len());
    input.extend_from_slice(&n.to_le_bytes());
    input.extend_from_slice(&count.to_le_bytes());
    input.extend_from_slice(payload);
    input
}

/// A contract importing `imports` whose `execute` copies its input to
/// address 0 and runs `body` `count` times (`$n`: the size); memory 4
/// pages: the input at 0 (header at 0..8, payload from 8), data at 131072,
/// output at 196608.
pub(crate) fn loop_contract(imports: &str, body: &str) -> String {
    format!(
        r#"(module
  (import "host" "input" (func $input (param i32 i32) (result i32)))
  {imports}
  (memory 4)
  (func (export "execute") (local $n i32) (local $count i32)
    (drop (call $input (i32.const 0) (i32.const 131072)))
    (local.set $n (i32.load (i32.const 0)))
    (local.set $count (i32.load (i32.const 4)))
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $count)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        {body}
        (br $l)))))"#
    )
}

/// A deployed loop contract and the points over `sizes`: `count` chosen
/// so that a run is charged about the scale's target (at most `max_count`).
pub(crate) struct LoopCase {
    pub imports: String,
    pub body: String,
    pub payload: Vec<u8>,
    pub sizes: Vec<u32>,
    pub max_count: u32,
    pub expect: Option<TrapKind>,
}

impl LoopCase {
    pub(crate) fn points(&self, scale: Scale) -> Result<Vec<Point>, String> {
        self.points_with(scale, &[])
    }

    /// [`LoopCase::points`] with `others` deployed beside the contract.
    pub(crate) fn points_with(
        &self,
        scale: Scale,
        others: &[(Address, Vec<u8>)],
    ) -> Result<Vec<Point>, String> {
        let wasm = wat::parse_str(loop_contract(&self.imports, &self.body))
            .map_err(|e| format!("case does not parse: {e}"))?;
        let mut runtime = Runtime::new();
        let contract = address(1);
        runtime
            .deploy(contract, &wasm)
            .map_err(|e| format!("deploy: {e}"))?;
        for (at, code) in others {
            runtime
                .deploy(*at, code)
                .map_err(|e| format!("deploy: {e}"))?;
        }
        let storage: Arc<dyn StorageBackend> = Arc::new(MemoryStorage::new());
        let request = |n: u32, count: u32| CallRequest {
            origin: address(9),
            contract,
            input: loop_input(n, count, &self.payload),
            gas_limit: CALL_GAS,
        };
        let mut points = Vec::new();
        for &n in &self.sizes {
            let trial = self.max_count.min(4);
            let mut probe = call_probe(
                runtime.clone(),
                storage.clone(),
                request(n, trial),
                self.expect,
            );
            let mut base = call_probe(runtime.clone(), storage.clone(), request(n, 0), None);
            let per_call = (probe.run()? - base.run()?).max(1) / u64::from(trial);
            let count = (scale.target_gas() / per_call).clamp(1, u64::from(self.max_count)) as u32;
            points.push(Point {
                size: u64::from(n),
                ops: u64::from(count),
                work: call_probe(
                    runtime.clone(),
                    storage.clone(),
                    request(n, count),
                    self.expect,
                ),
                base: Some(base),
            });
        }
        Ok(points)
    }
}

fn price(name: &str) -> String {
    match host_entry(name) {
        Some(entry) => {
            let c = entry.cost;
            let mut text = format!("{}", c.base);
            if c.per_byte > 0 {
                text += &format!(" + {}/byte", c.per_byte);
            }
            if c.per_item > 0 {
                text += &format!(" + {}/item", c.per_item);
            }
            text
        }
        None => "not in the manifest".into(),
    }
}

fn import(name: &str, params: &str, results: &str) -> String {
    format!("(import \"host\" \"{name}\" (func ${name} (param {params}) (result {results})))")
        .replace(" (param )", "")
        .replace(" (result )", "")
}

#[allow(clippy::too_many_arguments)]
fn host_case(
    name: &str,
    variant: &str,
    about: &str,
    unit: &'static str,
    imports: String,
    body: &str,
    payload: Vec<u8>,
    sizes: fn(Scale) -> Vec<u32>,
    max_count: u32,
    expect: Option<TrapKind>,
) -> Case {
    let id = if variant.is_empty() {
        format!("host.{name}")
    } else {
        format!("host.{name}.{variant}")
    };
    let body = body.to_string();
    Case {
        id,
        group: Group::Host,
        about: about.to_string(),
        price: price(name),
        unit,
        build: Box::new(move |scale| {
            LoopCase {
                imports: imports.clone(),
                body: body.clone(),
                payload: payload.clone(),
                sizes: sizes(scale),
                max_count,
                expect,
            }
            .points(scale)
        }),
    }
}

fn none(_: Scale) -> Vec<u32> {
    vec![0]
}

fn copy_sizes(scale: Scale) -> Vec<u32> {
    if scale.is_small() {
        vec![0, 65_536]
    } else {
        vec![0, 256, 4_096, 65_536]
    }
}

/// Copies out of the input, which holds at most `MAX_INPUT_LEN` bytes
/// with the 8-byte header.
fn input_sizes(scale: Scale) -> Vec<u32> {
    if scale.is_small() {
        vec![0, 65_000]
    } else {
        vec![0, 256, 4_096, 65_000]
    }
}

fn message_sizes(_: Scale) -> Vec<u32> {
    vec![0, 256, 1_024]
}

fn event_sizes(_: Scale) -> Vec<u32> {
    vec![0, 512, 4_096]
}

fn hash_sizes(scale: Scale) -> Vec<u32> {
    if scale.is_small() {
        vec![0, 65_536]
    } else {
        vec![0, 64, 1_024, 16_384, 65_536]
    }
}

/// A message hash, a signature of it, the signer's compressed key and the
/// recovery id: the crypto functions' payload (hash at 8, signature at 40,
/// key at 104 in the contract's memory).
fn signed_payload() -> Vec<u8> {
    let hash = crypto::sha256(b"gasworks calibration");
    let secret = [0x42; 32];
    let (signature, recovery_id) = crypto::secp256k1_sign(&hash, &secret).unwrap_or(([0; 64], 0));
    let key = crypto::secp256k1_public_key(&secret).unwrap_or([0; 33]);
    let mut payload = hash.to_vec();
    payload.extend_from_slice(&signature);
    payload.extend_from_slice(&key);
    payload.push(recovery_id);
    payload
}

/// One case per host function (storage and `call` apart).
pub fn cases() -> Vec<Case> {
    let fixed = |name: &'static str, body: &'static str, imports: String| {
        host_case(
            name,
            "",
            "a host call with a fixed-size result",
            "",
            imports,
            body,
            Vec::new(),
            none,
            u32::MAX,
            None,
        )
    };
    let out_only = |name: &'static str| {
        fixed(
            name,
            match name {
                "caller" => "(call $caller (i32.const 196608))",
                "origin" => "(call $origin (i32.const 196608))",
                _ => "(call $address (i32.const 196608))",
            },
            import(name, "i32", ""),
        )
    };
    let scalar = |name: &'static str| {
        fixed(
            name,
            match name {
                "block_height" => "(drop (call $block_height))",
                "block_time" => "(drop (call $block_time))",
                "chain_id" => "(drop (call $chain_id))",
                _ => "(drop (call $gas_left))",
            },
            import(name, "", "i64"),
        )
    };
    vec![
        out_only("caller"),
        out_only("origin"),
        out_only("address"),
        scalar("block_height"),
        scalar("block_time"),
        scalar("chain_id"),
        scalar("gas_left"),
        host_case(
            "input",
            "",
            "the input copied out again, n bytes",
            "bytes",
            String::new(),
            "(drop (call $input (i32.const 131072) (local.get $n)))",
            vec![0; 65_000],
            input_sizes,
            u32::MAX,
            None,
        ),
        host_case(
            "set_return_data",
            "",
            "return data of n bytes set",
            "bytes",
            import("set_return_data", "i32 i32", ""),
            "(call $set_return_data (i32.const 131072) (local.get $n))",
            Vec::new(),
            copy_sizes,
            u32::MAX,
            None,
        ),
        host_case(
            "return_data",
            "",
            "the (empty) return data of the last call read",
            "",
            import("return_data", "i32 i32", "i32"),
            "(drop (call $return_data (i32.const 196608) (local.get $n)))",
            Vec::new(),
            none,
            u32::MAX,
            None,
        ),
        host_case(
            "emit_event",
            "",
            "events of n data bytes, no topics (at most MAX_EVENTS per transaction)",
            "bytes",
            import("emit_event", "i32 i32 i32 i32", ""),
            "(call $emit_event (i32.const 131072) (i32.const 4) (i32.const 135168) (local.get $n))",
            Vec::new(),
            event_sizes,
            64,
            None,
        ),
        host_case(
            "log",
            "",
            "debug messages of n bytes (at most MAX_LOGS kept)",
            "bytes",
            import("log", "i32 i32", ""),
            "(call $log (i32.const 131072) (local.get $n))",
            Vec::new(),
            message_sizes,
            256,
            None,
        ),
        host_case(
            "abort",
            "",
            "an abort with an n-byte message (once: it ends the call)",
            "bytes",
            import("abort", "i32 i32", ""),
            "(call $abort (i32.const 131072) (local.get $n))",
            Vec::new(),
            message_sizes,
            1,
            Some(gasworks_host_api::HostTrap::Abort.kind()),
        ),
        host_case(
            "sha256",
            "",
            "SHA-256 of n bytes",
            "bytes",
            import("sha256", "i32 i32 i32", ""),
            "(call $sha256 (i32.const 131072) (local.get $n) (i32.const 196608))",
            Vec::new(),
            hash_sizes,
            u32::MAX,
            None,
        ),
        host_case(
            "secp256k1_verify",
            "",
            "a valid signature verified",
            "",
            import("secp256k1_verify", "i32 i32 i32 i32 i32 i32", "i32"),
            "(drop (call $secp256k1_verify (i32.const 8) (i32.const 32) (i32.const 40) (i32.const 64) (i32.const 104) (i32.const 33)))",
            signed_payload(),
            none,
            u32::MAX,
            None,
        ),
        host_case(
            "secp256k1_recover",
            "",
            "a public key recovered",
            "",
            import("secp256k1_recover", "i32 i32 i32 i32 i32 i32", "i32"),
            "(drop (call $secp256k1_recover (i32.const 8) (i32.const 32) (i32.const 40) (i32.const 64) (i32.load8_u (i32.const 137)) (i32.const 196608)))",
            signed_payload(),
            none,
            u32::MAX,
            None,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The crypto payload is a real signature: the cases measure the
    /// verification that succeeds, not an early refusal.
    #[test]
    fn the_signature_verifies() {
        let payload = signed_payload();
        assert_eq!(
            crypto::secp256k1_verify(&payload[0..32], &payload[32..96], &payload[96..129]),
            Ok(true)
        );
        let key = crypto::secp256k1_recover(&payload[0..32], &payload[32..96], payload[129])
            .expect("recovers");
        assert_eq!(&key[..], &payload[96..129]);
    }
}
