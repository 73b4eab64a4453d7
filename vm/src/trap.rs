//! Trap kinds: why an execution stopped, as consensus sees it.
//!
//! The kind of a trap enters consensus (receipts, state roots), so this enum
//! is small and stable: each kind has a fixed numeric [`TrapKind::code`] that
//! never changes meaning. Messages, backtraces and any other detail about a
//! trap are debug information and are kept apart from it.

use core::fmt;

/// Why an execution trapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TrapKind {
    /// `unreachable` was executed.
    Unreachable,
    /// A load, store or bulk memory operation went out of bounds.
    MemoryOutOfBounds,
    /// A table access or bulk table operation went out of bounds, or an
    /// indirect call's index was outside the table.
    TableOutOfBounds,
    /// An indirect call found a null entry.
    IndirectCallToNull,
    /// An indirect call's callee has another signature than expected.
    IndirectCallTypeMismatch,
    /// Integer division or remainder by zero.
    IntegerDivideByZero,
    /// Signed division of the minimum value by -1.
    IntegerOverflow,
    /// The deterministic stack limit was exceeded.
    StackExhausted,
    /// The gas limit was exceeded.
    OutOfGas,
    /// A host function failed, with its error code. The codes are the
    /// host API's (which names them); the engine itself never makes one.
    Host(u32),
}

impl TrapKind {
    /// The stable numeric code of this kind, as recorded in consensus data.
    /// Host errors carry their own code in the upper half.
    pub fn code(self) -> u64 {
        match self {
            TrapKind::Unreachable => 1,
            TrapKind::MemoryOutOfBounds => 2,
            TrapKind::TableOutOfBounds => 3,
            TrapKind::IndirectCallToNull => 4,
            TrapKind::IndirectCallTypeMismatch => 5,
            TrapKind::IntegerDivideByZero => 6,
            TrapKind::IntegerOverflow => 7,
            TrapKind::StackExhausted => 8,
            TrapKind::OutOfGas => 9,
            TrapKind::Host(code) => 10 | (u64::from(code) << 32),
        }
    }

    /// The kind whose [`TrapKind::code`] is `code`, if any.
    pub fn from_code(code: u64) -> Option<TrapKind> {
        Some(match code {
            1 => TrapKind::Unreachable,
            2 => TrapKind::MemoryOutOfBounds,
            3 => TrapKind::TableOutOfBounds,
            4 => TrapKind::IndirectCallToNull,
            5 => TrapKind::IndirectCallTypeMismatch,
            6 => TrapKind::IntegerDivideByZero,
            7 => TrapKind::IntegerOverflow,
            8 => TrapKind::StackExhausted,
            9 => TrapKind::OutOfGas,
            code if code & 0xffff_ffff == 10 => TrapKind::Host(u32::try_from(code >> 32).ok()?),
            _ => return None,
        })
    }

    /// A short stable name (`out_of_gas`), for JSON output and logs.
    pub fn name(self) -> &'static str {
        match self {
            TrapKind::Unreachable => "unreachable",
            TrapKind::MemoryOutOfBounds => "memory_out_of_bounds",
            TrapKind::TableOutOfBounds => "table_out_of_bounds",
            TrapKind::IndirectCallToNull => "indirect_call_to_null",
            TrapKind::IndirectCallTypeMismatch => "indirect_call_type_mismatch",
            TrapKind::IntegerDivideByZero => "integer_divide_by_zero",
            TrapKind::IntegerOverflow => "integer_overflow",
            TrapKind::StackExhausted => "stack_exhausted",
            TrapKind::OutOfGas => "out_of_gas",
            TrapKind::Host(_) => "host",
        }
    }
}

impl fmt::Display for TrapKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The host API names its codes (the engine does not know
            // them): `gasworks_host_api::docs::trap_name`.
            TrapKind::Host(code) => write!(f, "host trap {code}"),
            other => f.write_str(other.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_stable() {
        let kinds = [
            TrapKind::Unreachable,
            TrapKind::MemoryOutOfBounds,
            TrapKind::TableOutOfBounds,
            TrapKind::IndirectCallToNull,
            TrapKind::IndirectCallTypeMismatch,
            TrapKind::IntegerDivideByZero,
            TrapKind::IntegerOverflow,
            TrapKind::StackExhausted,
            TrapKind::OutOfGas,
            TrapKind::Host(0),
        ];
        let codes: Vec<u64> = kinds.iter().map(|k| k.code()).collect();
        // These numbers are consensus data: changing one is a hard fork.
        assert_eq!(codes, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert_eq!(TrapKind::Host(7).code(), 10 | (7 << 32));
        for kind in kinds
            .iter()
            .copied()
            .chain([TrapKind::Host(7), TrapKind::Host(u32::MAX)])
        {
            assert_eq!(TrapKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(TrapKind::from_code(0), None);
        assert_eq!(TrapKind::from_code(11), None);
    }
}
