//! Operators in a module's code, by text name: how often each appears and
//! how deep in loops, and each one's static price from the cost table.
//!
//! The report uses it to say what a worst program is made of; the
//! [model evaluator](super::evaluate::ModelEvaluator) uses it as a
//! deterministic stand-in for time.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use gasworks_vm::instrument::cost::{self, OPERATORS, Verdict};

/// How much an operator inside `n` nested loops weighs against one outside
/// any loop: `LOOP_WEIGHT^n` (capped at four levels), a rough stand-in
/// for how often it runs.
pub const LOOP_WEIGHT: u64 = 8;

/// One operator's presence in a module.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OperatorUse {
    /// Occurrences in the code.
    pub count: u64,
    /// Occurrences weighted by loop depth ([`LOOP_WEIGHT`]).
    pub weighted: u64,
    /// The static price (`base`) of one occurrence.
    pub price: u64,
}

/// The operators of every function body of `wasm`, by text name
/// (`i64.div_u`). A module that does not parse gives what was read before
/// the error.
pub fn operator_uses(wasm: &[u8]) -> BTreeMap<String, OperatorUse> {
    let mut uses: BTreeMap<String, OperatorUse> = BTreeMap::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        let Ok(wasmparser::Payload::CodeSectionEntry(body)) = payload else {
            continue;
        };
        let Ok(mut reader) = body.get_operators_reader() else {
            continue;
        };
        // Kinds of the open blocks: true for a loop.
        let mut open: Vec<bool> = Vec::new();
        while !reader.eof() {
            let Ok(visit) = reader.visit_operator(&mut VisitName) else {
                break;
            };
            let loops = open.iter().filter(|is_loop| **is_loop).count().min(4) as u32;
            match visit {
                "visit_block" | "visit_if" => open.push(false),
                "visit_loop" => open.push(true),
                "visit_end" => {
                    open.pop();
                }
                _ => {}
            }
            let entry = uses.entry(cost::operator_name(visit)).or_default();
            entry.count += 1;
            entry.weighted += LOOP_WEIGHT.pow(loops);
            entry.price = price(visit);
        }
    }
    uses
}

/// The static price of an operator by its visitor name (0 for a rejected
/// one).
pub fn price(visit_name: &str) -> u64 {
    static TABLE: OnceLock<BTreeMap<&'static str, u64>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        OPERATORS
            .iter()
            .filter_map(|(name, verdict)| match verdict {
                Verdict::Accept(price) => Some((*name, price.base)),
                _ => None,
            })
            .collect()
    });
    table.get(visit_name).copied().unwrap_or(0)
}

/// A visitor that names each operator (its wasmparser visitor name).
struct VisitName;

macro_rules! define_visit_name {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
        $(
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
                $($(let _ = $arg;)*)?
                stringify!($visit)
            }
        )*
    };
}

impl<'a> wasmparser::VisitOperator<'a> for VisitName {
    type Output = &'static str;
    wasmparser::for_each_visit_operator!(define_visit_name);

    fn simd_visitor(
        &mut self,
    ) -> Option<&mut dyn wasmparser::VisitSimdOperator<'a, Output = Self::Output>> {
        Some(self)
    }
}

impl<'a> wasmparser::VisitSimdOperator<'a> for VisitName {
    wasmparser::for_each_visit_simd_operator!(define_visit_name);
}

/// The operators of `wasm` with the largest weighted counts, as
/// `name×weighted` text (at most `n`).
pub fn summary(wasm: &[u8], n: usize) -> String {
    let mut uses: Vec<(String, OperatorUse)> = operator_uses(wasm)
        .into_iter()
        .filter(|(name, _)| !matches!(name.as_str(), "end" | "block" | "loop"))
        .collect();
    uses.sort_by(|a, b| b.1.weighted.cmp(&a.1.weighted).then(a.0.cmp(&b.0)));
    uses.iter()
        .take(n)
        .map(|(name, used)| format!("{name}×{}", used.weighted))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_loop_weights() {
        let wasm = wat::parse_str(
            "(module (func (local i64) (i64.div_u (local.get 0) (i64.const 3)) drop
               (loop (i64.div_u (local.get 0) (i64.const 3)) drop)))",
        )
        .expect("parses");
        let uses = operator_uses(&wasm);
        let div = uses["i64.div_u"];
        assert_eq!(div.count, 2);
        assert_eq!(div.weighted, 1 + LOOP_WEIGHT);
        assert_eq!(div.price, 12);
        assert_eq!(uses["local.get"].count, 2);
    }
}
