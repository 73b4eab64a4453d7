//! The flagging rule, apart from any measurement so that tests can feed it
//! data: a case is flagged when its wall time per gas unit is more than
//! [`BOUND`] times the median time per gas of plain wasm code.
//!
//! Instructions per gas (callgrind) are judged the same way against their
//! own median and reported beside, as a noise-free cross-check, but they
//! do not flag on their own: they are not time. Under valgrind a `rep
//! stos`/`rep movs` (every memset and memcpy) counts one instruction per
//! iteration where the hardware moves 32-64 bytes a cycle, so bulk memory
//! work shows 5-16x the plain median in instructions at well under 1x in
//! time; and straight-line host code (calls, hashing) retires several
//! instructions per cycle against the interpreter's dispatch. A case whose
//! instruction ratio alone is over the bound is marked for a look
//! ([`Verdict::instructions_over`]), not flagged.
//!
//! "Plain code" is the [`crate::calibrate::Group::Plain`] cases: ordinary
//! metered loops of arithmetic, locals, branches and memory accesses, the
//! code the cost table's unit (1 gas for a simple operator) was set by. Their
//! median is the yardstick; a case's ratio is its *worst* point (the size an
//! attacker would pick) against it.

use super::fit::median;

/// How many times the plain median a case may reach before it is flagged.
pub const BOUND: f64 = 3.0;

/// One measured point of a case: the work minus its baseline (the same
/// program doing zero operations), so that fixed costs the case does not
/// price (a transaction's signature check, an instance's entry) cancel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointResult {
    /// The size the point was measured at (bytes, items, pages; 0 when the
    /// case has no size).
    pub size: u64,
    /// Operations the difference covers (calls, iterations), for the
    /// per-operation fit.
    pub ops: u64,
    /// Gas charged for them.
    pub gas: u64,
    /// Wall time for them, nanoseconds (median of the repetitions).
    pub ns: f64,
    /// Instructions executed for them (callgrind), when counted.
    pub instructions: Option<f64>,
}

impl PointResult {
    /// Nanoseconds per gas unit; infinite for work that is charged nothing.
    pub fn ns_per_gas(&self) -> f64 {
        per_gas(self.ns, self.gas)
    }

    /// Instructions per gas unit, when counted.
    pub fn instructions_per_gas(&self) -> Option<f64> {
        self.instructions.map(|i| per_gas(i, self.gas))
    }
}

fn per_gas(amount: f64, gas: u64) -> f64 {
    let amount = amount.max(0.0);
    if gas == 0 {
        if amount > 0.0 { f64::INFINITY } else { 0.0 }
    } else {
        amount / gas as f64
    }
}

/// The yardstick: the median time (and instructions) per gas of plain code.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Baseline {
    /// Median nanoseconds per gas of the plain cases.
    pub ns_per_gas: f64,
    /// Median instructions per gas of the plain cases, when counted.
    pub instructions_per_gas: Option<f64>,
}

/// The baseline from the plain cases' `(ns per gas, instructions per gas)`;
/// `None` without plain cases. Instructions count only if every plain case
/// has them.
pub fn baseline(plain: &[(f64, Option<f64>)]) -> Option<Baseline> {
    let ns: Vec<f64> = plain.iter().map(|p| p.0).collect();
    let instructions: Option<Vec<f64>> = plain.iter().map(|p| p.1).collect();
    Some(Baseline {
        ns_per_gas: median(&ns)?,
        instructions_per_gas: instructions.and_then(|i| median(&i)),
    })
}

/// What the rule says of one case.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict {
    /// The worst point's nanoseconds per gas.
    pub ns_per_gas: f64,
    /// That, over the plain median.
    pub ns_ratio: f64,
    /// The worst point's instructions per gas, when counted.
    pub instructions_per_gas: Option<f64>,
    /// That, over the plain median.
    pub instructions_ratio: Option<f64>,
    /// Wall time per gas above [`BOUND`] times the plain median.
    pub flagged: bool,
    /// Instructions per gas above [`BOUND`] times their plain median (a
    /// cross-check; see the module docs).
    pub instructions_over: bool,
}

/// Judges a case by its worst point (in each measure) against `baseline`.
pub fn judge(points: &[PointResult], baseline: &Baseline) -> Verdict {
    let worst = |values: &mut dyn Iterator<Item = f64>| values.fold(0.0_f64, f64::max);
    let ns_per_gas = worst(&mut points.iter().map(PointResult::ns_per_gas));
    let instructions_per_gas =
        if points.iter().all(|p| p.instructions.is_some()) && !points.is_empty() {
            Some(worst(
                &mut points.iter().filter_map(PointResult::instructions_per_gas),
            ))
        } else {
            None
        };
    let ns_ratio = ratio(ns_per_gas, baseline.ns_per_gas);
    let instructions_ratio = match (instructions_per_gas, baseline.instructions_per_gas) {
        (Some(value), Some(median)) => Some(ratio(value, median)),
        _ => None,
    };
    Verdict {
        ns_per_gas,
        ns_ratio,
        instructions_per_gas,
        instructions_ratio,
        flagged: ns_ratio > BOUND,
        instructions_over: instructions_ratio.is_some_and(|r| r > BOUND),
    }
}

fn ratio(value: f64, median: f64) -> f64 {
    if median > 0.0 {
        value / median
    } else {
        f64::INFINITY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(gas: u64, ns: f64, instructions: Option<f64>) -> PointResult {
        PointResult {
            size: 0,
            ops: 1,
            gas,
            ns,
            instructions,
        }
    }

    /// The plain programs as measured on this machine (ns per gas; about
    /// 0.5-1 ns per gas, issue 10), with instruction counts of that order.
    fn plain() -> Baseline {
        baseline(&[
            (0.55, Some(4.1)),
            (0.70, Some(5.0)),
            (0.62, Some(4.4)),
            (0.95, Some(6.3)),
            (0.51, Some(3.9)),
        ])
        .expect("plain cases")
    }

    #[test]
    fn the_baseline_is_the_median_of_plain_code() {
        let b = plain();
        assert_eq!(b.ns_per_gas, 0.62);
        assert_eq!(b.instructions_per_gas, Some(4.4));
        assert_eq!(baseline(&[]), None);
        // Without instruction counts on every plain case, none are used.
        let b = baseline(&[(1.0, Some(3.0)), (2.0, None)]).expect("two");
        assert_eq!(b.instructions_per_gas, None);
    }

    /// Issue 10's first hole as it was measured before a703540: a loop of
    /// `table.init` with n = 0 from a 200,000-item segment at about 23,000
    /// ns per gas. The rule flags it by far.
    #[test]
    fn the_table_init_hole_is_flagged() {
        // 2,000,000 gas of the loop took 46 s.
        let hole = [point(2_000_000, 46e9, None)];
        let verdict = judge(&hole, &plain());
        assert!(verdict.flagged);
        assert!(verdict.ns_ratio > 10_000.0, "{verdict:?}");
    }

    /// The holes at the edge: `memory.init` n = 0 from a 400 KB segment
    /// (about 2.4x, under the bound) and a deep recursion at 3.3x (over).
    /// The worst point decides: a bulk case with a fine large size and a
    /// bad n = 0 point is flagged.
    #[test]
    fn the_worst_point_decides() {
        let median = plain().ns_per_gas;
        let at = |x: f64| point(1_000_000, x * median * 1e6, None);
        assert!(!judge(&[at(2.4)], &plain()).flagged);
        assert!(judge(&[at(3.3)], &plain()).flagged);
        assert!(judge(&[at(0.8), at(1.1), at(3.3)], &plain()).flagged);
        assert!(!judge(&[at(0.8), at(1.1), at(2.9)], &plain()).flagged);
    }

    /// Work that is charged nothing (a deliberately zero-priced operation:
    /// the difference between the work and its baseline costs time but no
    /// gas) is infinitely underpriced.
    #[test]
    fn unpriced_work_is_flagged() {
        let verdict = judge(&[point(0, 5_000.0, None)], &plain());
        assert!(verdict.flagged);
        assert!(verdict.ns_per_gas.is_infinite());
        // No work and no gas (noise cancelled out) is not.
        assert!(!judge(&[point(0, -3.0, None)], &plain()).flagged);
    }

    /// Instructions are judged and marked, but time decides: a memset
    /// counted per byte by valgrind at 4x the plain instructions per gas
    /// and 0.5x its time is marked, not flagged; 3.5x the time is flagged
    /// whatever the instructions say.
    #[test]
    fn instructions_are_marked_time_decides() {
        let median = plain();
        let at = |time: f64, instructions: f64| {
            point(
                1_000_000,
                time * median.ns_per_gas * 1e6,
                Some(instructions * 4.4 * 1e6),
            )
        };
        let verdict = judge(&[at(0.5, 4.0)], &median);
        assert!(!verdict.flagged);
        assert!(verdict.instructions_over);
        assert_eq!(verdict.instructions_ratio, Some(4.0));
        let verdict = judge(&[at(3.5, 1.0)], &median);
        assert!(verdict.flagged);
        assert!(!verdict.instructions_over);
    }
}
