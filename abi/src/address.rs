//! Addresses.

use core::fmt;

use borsh::{BorshDeserialize, BorshSerialize};

/// A contract's or account's address: 32 bytes. Borsh encodes it as the 32
/// bytes as they are (no length prefix); `Debug` and `Display` print `0x`
/// and 64 lowercase hex digits.
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, BorshSerialize, BorshDeserialize,
)]
pub struct Address(pub [u8; 32]);

impl Address {
    /// The all-zero address, which no key hashes to in practice: used as
    /// "nobody" (for example the `from` of a mint).
    pub const ZERO: Address = Address([0; 32]);

    /// The address's bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl From<[u8; 32]> for Address {
    fn from(bytes: [u8; 32]) -> Address {
        Address(bytes)
    }
}

impl From<Address> for [u8; 32] {
    fn from(address: Address) -> [u8; 32] {
        address.0
    }
}

impl AsRef<[u8]> for Address {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("0x")?;
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use std::format;

    use super::*;

    #[test]
    fn prints_as_0x_and_lowercase_hex() {
        let mut bytes = [0u8; 32];
        bytes[0] = 0xc0;
        bytes[31] = 0x0a;
        let expected = format!("0xc0{}0a", "00".repeat(30));
        assert_eq!(format!("{:?}", Address(bytes)), expected);
        assert_eq!(format!("{}", Address(bytes)), expected);
    }

    #[test]
    fn borsh_is_the_bytes_as_they_are() {
        let address = Address([7; 32]);
        let encoded = borsh::to_vec(&address).expect("encodes");
        assert_eq!(encoded, [7; 32]);
        assert_eq!(
            borsh::from_slice::<Address>(&encoded).expect("decodes"),
            address
        );
    }
}
