//! Gas accounting of one call: the gas left, and the charge that takes
//! it all when it is not enough.
//!
//! The handlers keep the gas left in a register and charge it inline; this
//! is the same rule for everything else that charges (the gas import called
//! other than by a fused charge, and host functions through
//! [`Caller::charge_gas`](super::super::Caller::charge_gas)).

#![forbid(unsafe_code)]

use crate::trap::TrapKind;

/// Gas accounting of one call.
pub(crate) struct Gas {
    pub left: u64,
}

impl Gas {
    #[inline(always)]
    pub fn charge(&mut self, amount: u64) -> Result<(), TrapKind> {
        match self.left.checked_sub(amount) {
            Some(left) => {
                self.left = left;
                Ok(())
            }
            None => {
                self.left = 0;
                Err(TrapKind::OutOfGas)
            }
        }
    }
}
