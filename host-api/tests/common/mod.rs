//! Shared harness for the host API's integration tests: a small chain (a
//! runtime, an in-memory store, a block), WAT modules with every host
//! import declared from the manifest, and gas measurement.

#![allow(dead_code)]

use std::sync::Arc;

use gasworks_host_api::{
    Address, BlockEnv, CallRequest, DebugInfo, HOST_MODULE, MANIFEST, MemoryStorage, Provider,
    Receipt, Runtime, StorageBackend, host_entry,
};
use gasworks_vm::instrument::ValType;
use gasworks_vm::trap::TrapKind;

/// The transaction signer in every test.
pub const ORIGIN: Address = Address([0xaa; 32]);

/// Plenty of gas.
pub const GAS: u64 = 100_000_000;

/// A contract address.
pub fn addr(n: u8) -> Address {
    Address([n; 32])
}

/// `(import "host" "name" (func $name ...))` for every host function.
pub fn imports() -> String {
    let mut out = String::new();
    for entry in MANIFEST.iter().filter(|e| e.provider == Provider::Host) {
        let ty = |t: &ValType| match t {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
        };
        let params: Vec<&str> = entry.params.iter().map(ty).collect();
        let results: Vec<&str> = entry.results.iter().map(ty).collect();
        out.push_str(&format!(
            "(import \"{HOST_MODULE}\" \"{}\" (func ${} (param {}) (result {})))\n",
            entry.name,
            entry.name,
            params.join(" "),
            results.join(" ")
        ));
    }
    out
}

/// A module with every host import, one page of memory, and `items`.
pub fn module(items: &str) -> String {
    format!("(module\n{}(memory 1)\n{items})", imports())
}

/// A contract whose `execute` runs `body`.
pub fn contract(body: &str) -> String {
    module(&format!(
        "(func (export \"execute\") (local $a i32) (local $b i64) (local $c i64)\n{body})"
    ))
}

/// A contract that copies its input to address 0, runs `setup`, then
/// measures `op` between two `gas_left` calls in one metered block and
/// returns the difference (the op's host charges plus one `gas_left`) as
/// its 8-byte return data. `op` must not branch.
pub fn measuring_contract(setup: &str, op: &str) -> String {
    contract(&format!(
        "(drop (call $input (i32.const 0) (i32.const 4096)))
         {setup}
         (local.set $b (call $gas_left))
         {op}
         (local.set $c (call $gas_left))
         (i64.store (i32.const 60000) (i64.sub (local.get $b) (local.get $c)))
         (call $set_return_data (i32.const 60000) (i32.const 8))"
    ))
}

/// The base price of a host function, from the manifest.
pub fn base(name: &str) -> u64 {
    host_entry(name).expect("in the manifest").cost.base
}

/// The manifest's price of `name` for `bytes` and `items`.
pub fn price(name: &str, bytes: u64, items: u64) -> u64 {
    host_entry(name)
        .expect("in the manifest")
        .cost
        .total(bytes, items)
}

/// Encodes `u32`s little-endian, for inputs read with `i32.load`.
pub fn words(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A small chain.
pub struct Chain {
    pub runtime: Runtime,
    pub storage: Arc<MemoryStorage>,
    pub block: BlockEnv,
}

impl Chain {
    pub fn new() -> Chain {
        Chain {
            runtime: Runtime::new(),
            storage: Arc::new(MemoryStorage::new()),
            block: BlockEnv {
                height: 7,
                time: 1_700_000_000,
                chain_id: 42,
            },
        }
    }

    /// Deploys a WAT module at `address`.
    pub fn deploy(&mut self, address: Address, wat: &str) {
        let wasm = wat::parse_str(wat).unwrap_or_else(|e| panic!("test module parses: {e}\n{wat}"));
        self.runtime
            .deploy(address, &wasm)
            .unwrap_or_else(|e| panic!("deploys: {e}"));
    }

    /// Executes without committing.
    pub fn execute(&self, contract: Address, input: &[u8], gas_limit: u64) -> (Receipt, DebugInfo) {
        let storage: Arc<dyn StorageBackend> = self.storage.clone();
        self.runtime
            .execute(
                &self.block,
                storage,
                &CallRequest {
                    origin: ORIGIN,
                    contract,
                    input: input.to_vec(),
                    gas_limit,
                },
            )
            .expect("the memory backend does not fail")
    }

    /// Executes and commits the changes of a successful call.
    pub fn run(&mut self, contract: Address, input: &[u8], gas_limit: u64) -> (Receipt, DebugInfo) {
        let (receipt, debug) = self.execute(contract, input, gas_limit);
        if receipt.is_success() {
            Arc::make_mut(&mut self.storage).apply(&receipt.changes);
        }
        (receipt, debug)
    }

    /// A committed value of `contract`'s key.
    pub fn get(&self, contract: Address, key: &[u8]) -> Option<Vec<u8>> {
        let mut full = contract.0.to_vec();
        full.extend_from_slice(key);
        self.storage.entries().get(&full).cloned()
    }
}

/// The return data as a little-endian u64.
pub fn returned_u64(receipt: &Receipt) -> u64 {
    assert!(receipt.is_success(), "call failed: {receipt:?}");
    u64::from_le_bytes(
        receipt
            .return_data
            .as_slice()
            .try_into()
            .unwrap_or_else(|_| panic!("8 bytes of return data: {:?}", receipt.return_data)),
    )
}

/// The return data as little-endian i32s.
pub fn returned_i32s(receipt: &Receipt) -> Vec<i32> {
    assert!(receipt.is_success(), "call failed: {receipt:?}");
    receipt
        .return_data
        .chunks(4)
        .map(|c| i32::from_le_bytes(c.try_into().expect("4-byte chunks")))
        .collect()
}

/// Runs a measuring contract and returns the host charges of its op (the
/// measured difference minus the second `gas_left`).
pub fn measure(setup: &str, op: &str, input: &[u8]) -> u64 {
    let mut chain = Chain::new();
    chain.deploy(addr(1), &measuring_contract(setup, op));
    let (receipt, _) = chain.execute(addr(1), input, GAS);
    returned_u64(&receipt) - base("gas_left")
}

/// Checks that `receipt` trapped with `kind` and that the manifest lists
/// `kind` among `function`'s traps.
pub fn assert_trap(receipt: &Receipt, function: &str, kind: TrapKind) {
    assert_eq!(receipt.trap, Some(kind), "{function}: {receipt:?}");
    assert!(
        receipt.changes.is_empty() && receipt.events.is_empty() && receipt.return_data.is_empty()
    );
    let entry = host_entry(function).expect("in the manifest");
    assert!(
        kind == TrapKind::OutOfGas || entry.traps.contains(&kind),
        "{function} raised {kind:?}, which its manifest entry does not list"
    );
}

/// A contract that runs a script from its input (see [`Script`]): storage,
/// events, nested calls with their own scripts, traps. Results of reads,
/// calls, scans and return-data reads are appended to a log that becomes
/// its return data.
pub fn script_contract() -> String {
    contract(
        r#"
  (local $p i32) (local $end i32) (local $op i32) (local $n i32) (local $m i32) (local $log i32)
  (local.set $end (call $input (i32.const 0) (i32.const 40000)))
  (local.set $log (i32.const 50000))
  (block $done
    (loop $next
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $op (i32.load8_u (local.get $p)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      ;; 1 write: key_len, key, value_len, value
      (if (i32.eq (local.get $op) (i32.const 1)) (then
        (local.set $n (i32.load (local.get $p)))
        (local.set $m (i32.load (i32.add (local.get $p) (i32.add (i32.const 4) (local.get $n)))))
        (call $storage_write
          (i32.add (local.get $p) (i32.const 4)) (local.get $n)
          (i32.add (local.get $p) (i32.add (i32.const 8) (local.get $n))) (local.get $m))
        (local.set $p (i32.add (local.get $p) (i32.add (i32.const 8) (i32.add (local.get $n) (local.get $m)))))))
      ;; 2 remove: key_len, key
      (if (i32.eq (local.get $op) (i32.const 2)) (then
        (local.set $n (i32.load (local.get $p)))
        (call $storage_remove (i32.add (local.get $p) (i32.const 4)) (local.get $n))
        (local.set $p (i32.add (local.get $p) (i32.add (i32.const 4) (local.get $n))))))
      ;; 3 event: topics_len, topics, data_len, data
      (if (i32.eq (local.get $op) (i32.const 3)) (then
        (local.set $n (i32.load (local.get $p)))
        (local.set $m (i32.load (i32.add (local.get $p) (i32.add (i32.const 4) (local.get $n)))))
        (call $emit_event
          (i32.add (local.get $p) (i32.const 4)) (local.get $n)
          (i32.add (local.get $p) (i32.add (i32.const 8) (local.get $n))) (local.get $m))
        (local.set $p (i32.add (local.get $p) (i32.add (i32.const 8) (i32.add (local.get $n) (local.get $m)))))))
      ;; 4 call: address (32), gas (u64), input_len, input; logs the status
      (if (i32.eq (local.get $op) (i32.const 4)) (then
        (local.set $n (i32.load (i32.add (local.get $p) (i32.const 40))))
        (i32.store (local.get $log)
          (call $call (local.get $p) (i32.add (local.get $p) (i32.const 44)) (local.get $n)
            (i64.load (i32.add (local.get $p) (i32.const 32)))))
        (local.set $log (i32.add (local.get $log) (i32.const 4)))
        (local.set $p (i32.add (local.get $p) (i32.add (i32.const 44) (local.get $n))))))
      ;; 5 abort: msg_len, msg
      (if (i32.eq (local.get $op) (i32.const 5)) (then
        (call $abort (i32.add (local.get $p) (i32.const 4)) (i32.load (local.get $p)))))
      ;; 6 unreachable
      (if (i32.eq (local.get $op) (i32.const 6)) (then unreachable))
      ;; 7 burn every unit of gas
      (if (i32.eq (local.get $op) (i32.const 7)) (then (loop $spin (br $spin))))
      ;; 8 read: key_len, key; logs the returned length
      (if (i32.eq (local.get $op) (i32.const 8)) (then
        (local.set $n (i32.load (local.get $p)))
        (i32.store (local.get $log)
          (call $storage_read (i32.add (local.get $p) (i32.const 4)) (local.get $n)
            (i32.const 45000) (i32.const 4096)))
        (local.set $log (i32.add (local.get $log) (i32.const 4)))
        (local.set $p (i32.add (local.get $p) (i32.add (i32.const 4) (local.get $n))))))
      ;; 9 log: msg_len, msg
      (if (i32.eq (local.get $op) (i32.const 9)) (then
        (local.set $n (i32.load (local.get $p)))
        (call $log (i32.add (local.get $p) (i32.const 4)) (local.get $n))
        (local.set $p (i32.add (local.get $p) (i32.add (i32.const 4) (local.get $n))))))
      ;; 10 last call's return data: logs its length, then its bytes
      (if (i32.eq (local.get $op) (i32.const 10)) (then
        (local.set $n (call $return_data (i32.add (local.get $log) (i32.const 4)) (i32.const 4096)))
        (i32.store (local.get $log) (local.get $n))
        (local.set $log (i32.add (local.get $log) (i32.add (i32.const 4) (local.get $n))))))
      ;; 11 return: data_len, data (ends the script)
      (if (i32.eq (local.get $op) (i32.const 11)) (then
        (call $set_return_data (i32.add (local.get $p) (i32.const 4)) (i32.load (local.get $p)))
        (return)))
      ;; 12 scan: prefix_len, prefix, after_len, after, limit, out_cap;
      ;;    logs the i64 result, then out_cap bytes of output
      (if (i32.eq (local.get $op) (i32.const 12)) (then
        (local.set $n (i32.load (local.get $p)))
        (local.set $m (i32.load (i32.add (local.get $p) (i32.add (i32.const 4) (local.get $n)))))
        (i64.store (local.get $log)
          (call $storage_scan
            (i32.add (local.get $p) (i32.const 4)) (local.get $n)
            (i32.add (local.get $p) (i32.add (i32.const 8) (local.get $n))) (local.get $m)
            (i32.load (i32.add (local.get $p) (i32.add (i32.const 8) (i32.add (local.get $n) (local.get $m)))))
            (i32.add (local.get $log) (i32.const 8))
            (i32.load (i32.add (local.get $p) (i32.add (i32.const 12) (i32.add (local.get $n) (local.get $m)))))))
        (local.set $log (i32.add (local.get $log) (i32.add (i32.const 8)
          (i32.load (i32.add (local.get $p) (i32.add (i32.const 12) (i32.add (local.get $n) (local.get $m))))))))
        (local.set $p (i32.add (local.get $p) (i32.add (i32.const 16) (i32.add (local.get $n) (local.get $m)))))))
      ;; 13 has: key_len, key; logs 1 or 0
      (if (i32.eq (local.get $op) (i32.const 13)) (then
        (local.set $n (i32.load (local.get $p)))
        (i32.store (local.get $log)
          (call $storage_has (i32.add (local.get $p) (i32.const 4)) (local.get $n)))
        (local.set $log (i32.add (local.get $log) (i32.const 4)))
        (local.set $p (i32.add (local.get $p) (i32.add (i32.const 4) (local.get $n))))))
      (br $next)))
  (call $set_return_data (i32.const 50000) (i32.sub (local.get $log) (i32.const 50000)))
"#,
    )
}

fn push_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

/// Encodes topics as borsh `Vec<Vec<u8>>`.
pub fn topics(topics: &[&[u8]]) -> Vec<u8> {
    let mut out = (topics.len() as u32).to_le_bytes().to_vec();
    for topic in topics {
        push_bytes(&mut out, topic);
    }
    out
}

/// The input of [`script_contract`].
#[derive(Debug, Clone, Default)]
pub struct Script(pub Vec<u8>);

impl Script {
    pub fn new() -> Script {
        Script::default()
    }
    pub fn write(mut self, key: &[u8], value: &[u8]) -> Script {
        self.0.push(1);
        push_bytes(&mut self.0, key);
        push_bytes(&mut self.0, value);
        self
    }
    pub fn remove(mut self, key: &[u8]) -> Script {
        self.0.push(2);
        push_bytes(&mut self.0, key);
        self
    }
    pub fn event(mut self, topic_list: &[&[u8]], data: &[u8]) -> Script {
        self.0.push(3);
        push_bytes(&mut self.0, &topics(topic_list));
        push_bytes(&mut self.0, data);
        self
    }
    pub fn call(mut self, address: Address, gas: u64, input: &Script) -> Script {
        self.0.push(4);
        self.0.extend_from_slice(&address.0);
        self.0.extend_from_slice(&gas.to_le_bytes());
        push_bytes(&mut self.0, &input.0);
        self
    }
    pub fn abort(mut self, message: &[u8]) -> Script {
        self.0.push(5);
        push_bytes(&mut self.0, message);
        self
    }
    pub fn unreachable(mut self) -> Script {
        self.0.push(6);
        self
    }
    pub fn burn(mut self) -> Script {
        self.0.push(7);
        self
    }
    pub fn read(mut self, key: &[u8]) -> Script {
        self.0.push(8);
        push_bytes(&mut self.0, key);
        self
    }
    pub fn log(mut self, message: &[u8]) -> Script {
        self.0.push(9);
        push_bytes(&mut self.0, message);
        self
    }
    pub fn last_return(mut self) -> Script {
        self.0.push(10);
        self
    }
    pub fn ret(mut self, data: &[u8]) -> Script {
        self.0.push(11);
        push_bytes(&mut self.0, data);
        self
    }
    pub fn scan(mut self, prefix: &[u8], after: &[u8], limit: u32, out_cap: u32) -> Script {
        self.0.push(12);
        push_bytes(&mut self.0, prefix);
        push_bytes(&mut self.0, after);
        self.0.extend_from_slice(&limit.to_le_bytes());
        self.0.extend_from_slice(&out_cap.to_le_bytes());
        self
    }
    pub fn has(mut self, key: &[u8]) -> Script {
        self.0.push(13);
        push_bytes(&mut self.0, key);
        self
    }
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

/// Entries decoded from a scan's output.
pub fn scan_entries(out: &[u8], count: u32) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut rest = out;
    let mut take = |n: usize| {
        let (head, tail) = rest.split_at(n);
        rest = tail;
        head.to_vec()
    };
    (0..count)
        .map(|_| {
            let k = u32::from_le_bytes(take(4).try_into().expect("4 bytes")) as usize;
            let key = take(k);
            let v = u32::from_le_bytes(take(4).try_into().expect("4 bytes")) as usize;
            (key, take(v))
        })
        .collect()
}
