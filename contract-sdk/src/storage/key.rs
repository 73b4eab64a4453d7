//! Order-preserving key encodings.
//!
//! The host scans a contract's entries in ascending bytewise key order. For
//! a [`Map`](super::Map) to iterate in the order of its keys' values, the
//! encoding of a key must compare bytewise as the values compare:
//!
//! - unsigned integers: big-endian, fixed width;
//! - signed integers: big-endian with the sign bit flipped (so negative
//!   values come first);
//! - `bool`: one byte, 0 or 1;
//! - [`Address`] and `[u8; N]`: the bytes as they are;
//! - `String`, `&str`-like text and `Vec<u8>`: as the last component of a
//!   key, the bytes as they are; inside a tuple, with every `0x00` written
//!   as `0x00 0xFF` and a `0x00 0x00` terminator, so that a shorter string
//!   sorts before its extensions whatever follows it;
//! - tuples of up to four keys: the components in order.
//!
//! This is not borsh: borsh writes integers little-endian and lengths
//! first, which does not sort. Values stay borsh.

use alloc::string::String;
use alloc::vec::Vec;

use crate::Address;

/// A type that can be a storage key: an encoding whose bytewise order is
/// the type's order, and its inverse.
///
/// `last` says whether the key is the last component of the whole key
/// (nothing follows), which lets variable-length types skip their
/// terminator.
pub trait StorageKey: Sized {
    /// Appends the encoding of `self` to `out`.
    fn encode_key(&self, out: &mut Vec<u8>, last: bool);

    /// Decodes a key from the front of `input` and advances it; `None`
    /// when the bytes are not an encoding of `Self`. When `last` is true
    /// the whole input must be consumed.
    fn decode_key(input: &mut &[u8], last: bool) -> Option<Self>;

    /// The encoding of `self` as a whole key.
    fn to_key(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_key(&mut out, true);
        out
    }

    /// Decodes a whole key: `None` unless all of `bytes` is one encoding.
    fn from_key(mut bytes: &[u8]) -> Option<Self> {
        let key = Self::decode_key(&mut bytes, true)?;
        bytes.is_empty().then_some(key)
    }
}

fn take<'a>(input: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    if input.len() < n {
        return None;
    }
    let (head, tail) = input.split_at(n);
    *input = tail;
    Some(head)
}

fn take_array<const N: usize>(input: &mut &[u8]) -> Option<[u8; N]> {
    take(input, N)?.try_into().ok()
}

macro_rules! unsigned_key {
    ($($t:ty),*) => {$(
        impl StorageKey for $t {
            fn encode_key(&self, out: &mut Vec<u8>, _last: bool) {
                out.extend_from_slice(&self.to_be_bytes());
            }
            fn decode_key(input: &mut &[u8], _last: bool) -> Option<Self> {
                Some(<$t>::from_be_bytes(take_array(input)?))
            }
        }
    )*};
}

unsigned_key!(u8, u16, u32, u64, u128);

macro_rules! signed_key {
    ($($t:ty => $u:ty),*) => {$(
        impl StorageKey for $t {
            fn encode_key(&self, out: &mut Vec<u8>, _last: bool) {
                let flipped = (*self as $u) ^ (1 << (<$u>::BITS - 1));
                out.extend_from_slice(&flipped.to_be_bytes());
            }
            fn decode_key(input: &mut &[u8], _last: bool) -> Option<Self> {
                let flipped = <$u>::from_be_bytes(take_array(input)?);
                Some((flipped ^ (1 << (<$u>::BITS - 1))) as $t)
            }
        }
    )*};
}

signed_key!(i8 => u8, i16 => u16, i32 => u32, i64 => u64, i128 => u128);

impl StorageKey for bool {
    fn encode_key(&self, out: &mut Vec<u8>, _last: bool) {
        out.push(u8::from(*self));
    }
    fn decode_key(input: &mut &[u8], _last: bool) -> Option<Self> {
        match take(input, 1)? {
            [0] => Some(false),
            [1] => Some(true),
            _ => None,
        }
    }
}

impl<const N: usize> StorageKey for [u8; N] {
    fn encode_key(&self, out: &mut Vec<u8>, _last: bool) {
        out.extend_from_slice(self);
    }
    fn decode_key(input: &mut &[u8], _last: bool) -> Option<Self> {
        take_array(input)
    }
}

impl StorageKey for Address {
    fn encode_key(&self, out: &mut Vec<u8>, _last: bool) {
        out.extend_from_slice(&self.0);
    }
    fn decode_key(input: &mut &[u8], _last: bool) -> Option<Self> {
        take_array(input).map(Address)
    }
}

/// Writes variable-length bytes: as they are when last, else escaped and
/// terminated.
fn encode_bytes(bytes: &[u8], out: &mut Vec<u8>, last: bool) {
    if last {
        out.extend_from_slice(bytes);
        return;
    }
    for &byte in bytes {
        out.push(byte);
        if byte == 0 {
            out.push(0xFF);
        }
    }
    out.extend_from_slice(&[0, 0]);
}

fn decode_bytes(input: &mut &[u8], last: bool) -> Option<Vec<u8>> {
    if last {
        let bytes = input.to_vec();
        *input = &[];
        return Some(bytes);
    }
    let mut out = Vec::new();
    loop {
        let [byte] = take_array::<1>(input)?;
        if byte != 0 {
            out.push(byte);
            continue;
        }
        match take_array::<1>(input)? {
            [0xFF] => out.push(0),
            [0] => return Some(out),
            _ => return None,
        }
    }
}

impl StorageKey for Vec<u8> {
    fn encode_key(&self, out: &mut Vec<u8>, last: bool) {
        encode_bytes(self, out, last);
    }
    fn decode_key(input: &mut &[u8], last: bool) -> Option<Self> {
        decode_bytes(input, last)
    }
}

impl StorageKey for String {
    fn encode_key(&self, out: &mut Vec<u8>, last: bool) {
        encode_bytes(self.as_bytes(), out, last);
    }
    fn decode_key(input: &mut &[u8], last: bool) -> Option<Self> {
        String::from_utf8(decode_bytes(input, last)?).ok()
    }
}

macro_rules! tuple_key {
    ($($name:ident)+ ; $last:ident) => {
        impl<$($name: StorageKey,)+ $last: StorageKey> StorageKey for ($($name,)+ $last) {
            #[allow(non_snake_case)]
            fn encode_key(&self, out: &mut Vec<u8>, last: bool) {
                let ($($name,)+ $last) = self;
                $($name.encode_key(out, false);)+
                $last.encode_key(out, last);
            }
            #[allow(non_snake_case)]
            fn decode_key(input: &mut &[u8], last: bool) -> Option<Self> {
                $(let $name = $name::decode_key(input, false)?;)+
                let $last = $last::decode_key(input, last)?;
                Some(($($name,)+ $last))
            }
        }
    };
}

tuple_key!(A; B);
tuple_key!(A B; C);
tuple_key!(A B C; D);

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn key<K: StorageKey>(k: &K) -> Vec<u8> {
        k.to_key()
    }

    fn roundtrip<K: StorageKey + PartialEq + core::fmt::Debug>(k: K) {
        let bytes = key(&k);
        assert_eq!(K::from_key(&bytes).as_ref(), Some(&k), "{bytes:?}");
    }

    /// A small deterministic generator (xorshift64*), so that the SDK has
    /// no dev-dependency for the examples' workspace to resolve.
    struct Random(u64);

    impl Random {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        /// Bytes biased towards 0, 1 and 0xFF, the interesting ones.
        fn bytes(&mut self) -> Vec<u8> {
            let len = (self.next() % 5) as usize;
            (0..len)
                .map(|_| match self.next() % 4 {
                    0 => 0,
                    1 => 1,
                    2 => 0xFF,
                    _ => self.next() as u8,
                })
                .collect()
        }
    }

    const CASES: usize = 20_000;

    #[test]
    fn integers_sort_as_their_values() {
        let mut random = Random(1);
        for _ in 0..CASES {
            let (a, b) = (random.next() as i64, random.next() as i64);
            assert_eq!(a.cmp(&b), key(&a).cmp(&key(&b)));
            let (c, d) = (
                u128::from(random.next()) << 64 | u128::from(random.next()),
                u128::from(random.next()),
            );
            assert_eq!(c.cmp(&d), key(&c).cmp(&key(&d)));
            let (e, f) = (random.next() as i8, random.next() as i8);
            assert_eq!(e.cmp(&f), key(&e).cmp(&key(&f)));
            roundtrip(a);
            roundtrip(c);
            roundtrip(e);
        }
    }

    #[test]
    fn tuples_with_strings_sort_as_their_values() {
        let mut random = Random(2);
        for _ in 0..CASES {
            let a = (random.bytes(), random.next() as u32 % 3);
            let b = (random.bytes(), random.next() as u32 % 3);
            assert_eq!(a.cmp(&b), key(&a).cmp(&key(&b)), "{a:?} {b:?}");
            let text = |r: &mut Random| String::from_utf8_lossy(&r.bytes()).into_owned();
            let c = (text(&mut random), random.next() as i16 % 2, random.bytes());
            let d = (text(&mut random), random.next() as i16 % 2, random.bytes());
            assert_eq!(c.cmp(&d), key(&c).cmp(&key(&d)), "{c:?} {d:?}");
            roundtrip(a);
            roundtrip(c);
        }
    }

    #[test]
    fn address_pairs_sort_as_their_values() {
        let mut random = Random(3);
        for _ in 0..CASES {
            let mut address = || {
                let mut bytes = [0u8; 32];
                bytes[0] = random.next() as u8 % 2;
                bytes[31] = random.next() as u8;
                Address(bytes)
            };
            let p = (address(), address());
            let q = (address(), address());
            assert_eq!(p.cmp(&q), key(&p).cmp(&key(&q)));
            roundtrip(p);
        }
    }

    #[test]
    fn strings_inside_tuples_are_escaped_and_terminated() {
        assert_eq!(key(&(vec![1u8, 0, 2], 7u8)), vec![1, 0, 0xFF, 2, 0, 0, 7]);
        assert_eq!(key(&vec![1u8, 0, 2]), vec![1, 0, 2]);
        // A shorter string sorts before its extensions, whatever follows.
        assert!(key(&(vec![1u8], 0xFFu8)) < key(&(vec![1u8, 0], 0u8)));
        roundtrip((vec![1u8], 0xFFu8));
        roundtrip((vec![0u8, 0], 0u8));
    }

    #[test]
    fn malformed_keys_are_refused() {
        assert_eq!(u32::from_key(&[1, 2, 3]), None);
        assert_eq!(u32::from_key(&[1, 2, 3, 4, 5]), None);
        assert_eq!(bool::from_key(&[2]), None);
        assert_eq!(<(Vec<u8>, u8)>::from_key(&[1, 2]), None);
        assert_eq!(<(Vec<u8>, u8)>::from_key(&[1, 0, 7, 2]), None);
        assert_eq!(String::from_key(&[0xFF]), None);
    }

    #[test]
    fn signed_integers_flip_the_sign_bit() {
        assert_eq!(key(&-1i32), vec![0x7F, 0xFF, 0xFF, 0xFF]);
        assert_eq!(key(&0i32), vec![0x80, 0, 0, 0]);
    }
}
