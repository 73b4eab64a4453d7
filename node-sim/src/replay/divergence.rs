//! The divergence finder: from two nodes' records of one block, the first
//! differing transaction, receipt field and storage key.

use crate::hash::hex;
use crate::receipt::TxRecord;
use crate::state::keys;

/// Where two nodes first differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    /// The first block whose roots differ.
    pub height: u64,
    /// The header field that differs first (`state_root`, `receipts_root`, ...).
    pub header_field: String,
    /// The two nodes compared (reference first).
    pub nodes: (String, String),
    /// The first transaction whose records differ, if any.
    pub tx: Option<u32>,
    /// The first receipt field that differs in it (`status`, `gas_used`,
    /// `fee`, `return_data`, `events`, `write_set_hash`, `contract`), or
    /// `write_set` when only the write sets differ.
    pub field: Option<String>,
    /// The two values of that field, as text.
    pub values: Option<(String, String)>,
    /// The first differing key of the write sets.
    pub key: Option<KeyDivergence>,
}

/// A state key two nodes wrote differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDivergence {
    /// The state key, hex.
    pub key: String,
    /// What the key is (its preimage in words: account, code, contract,
    /// storage of a contract at a key).
    pub preimage: String,
    /// The reference node's value (hex; `None`: removed or not written).
    pub left: Option<String>,
    /// The other node's value.
    pub right: Option<String>,
}

/// The first difference between two nodes' records of a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordDifference {
    /// The transaction's index.
    pub tx: u32,
    /// The first differing receipt field (or `write_set`, `missing`).
    pub field: String,
    /// Its two values, as text.
    pub values: (String, String),
    /// The first differing write-set key.
    pub key: Option<KeyDivergence>,
}

fn show<T: std::fmt::Debug>(value: &T) -> String {
    format!("{value:?}")
}

/// The first difference between two nodes' records of a block: transaction,
/// receipt field, write-set key. `None` when they are equal.
pub fn compare_records(left: &[TxRecord], right: &[TxRecord]) -> Option<RecordDifference> {
    let count = left.len().max(right.len());
    for index in 0..count {
        let index32 = u32::try_from(index).unwrap_or(u32::MAX);
        let (Some(a), Some(b)) = (left.get(index), right.get(index)) else {
            return Some(RecordDifference {
                tx: index32,
                field: "missing".into(),
                values: (
                    left.get(index)
                        .map_or("absent".into(), |_| "present".into()),
                    right
                        .get(index)
                        .map_or("absent".into(), |_| "present".into()),
                ),
                key: None,
            });
        };
        if a.receipt == b.receipt && a.writes == b.writes {
            continue;
        }
        let (ra, rb) = (&a.receipt, &b.receipt);
        let fields: [(&str, String, String); 7] = [
            ("status", ra.status.name(), rb.status.name()),
            ("gas_used", ra.gas_used.to_string(), rb.gas_used.to_string()),
            ("fee", ra.fee.to_string(), rb.fee.to_string()),
            ("return_data", hex(&ra.return_data), hex(&rb.return_data)),
            ("events", show(&ra.events), show(&rb.events)),
            ("contract", show(&ra.contract), show(&rb.contract)),
            (
                "write_set_hash",
                ra.write_set_hash.to_hex(),
                rb.write_set_hash.to_hex(),
            ),
        ];
        let key = first_key_difference(&a.writes, &b.writes);
        for (field, va, vb) in fields {
            if va != vb {
                return Some(RecordDifference {
                    tx: index32,
                    field: field.into(),
                    values: (va, vb),
                    key,
                });
            }
        }
        return Some(RecordDifference {
            tx: index32,
            field: "write_set".into(),
            values: (String::new(), String::new()),
            key,
        });
    }
    None
}

fn first_key_difference(
    left: &[crate::receipt::Change],
    right: &[crate::receipt::Change],
) -> Option<KeyDivergence> {
    let left: std::collections::BTreeMap<_, _> = left.iter().cloned().collect();
    let right: std::collections::BTreeMap<_, _> = right.iter().cloned().collect();
    let mut all: Vec<&Vec<u8>> = left.keys().chain(right.keys()).collect();
    all.sort();
    all.dedup();
    for key in all {
        let a = left.get(key).cloned().flatten();
        let b = right.get(key).cloned().flatten();
        let written_a = left.contains_key(key);
        let written_b = right.contains_key(key);
        if a != b || written_a != written_b {
            return Some(KeyDivergence {
                key: hex(key),
                preimage: keys::describe(key),
                left: a.map(|v| hex(&v)),
                right: b.map(|v| hex(&v)),
            });
        }
    }
    None
}
