//! Panics: on wasm32, the SDK's panic handler ends the call with the host's
//! `abort`, whose message is `panicked at FILE:LINE:COLUMN: MESSAGE`. The
//! call is rolled back, its receipt records the `abort` trap kind, and the
//! message (at most 1,024 bytes, the host's `MAX_MESSAGE_LEN`) appears in
//! the outcome's debug part, where the test harness reads it back.
//!
//! The message is written into a fixed buffer on the stack, without the
//! allocator, so that a panic inside the allocator (or out of memory) still
//! reports itself.

use core::fmt::{self, Write};

/// The longest message the host keeps.
pub const MESSAGE_CAPACITY: usize = 1024;

/// A byte buffer that keeps what fits and drops the rest.
struct Truncating<'a> {
    buffer: &'a mut [u8],
    len: usize,
}

impl Write for Truncating<'_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let room = self.buffer.len() - self.len;
        let mut take = text.len().min(room);
        // Cut on a character boundary.
        while !text.is_char_boundary(take) {
            take -= 1;
        }
        self.buffer[self.len..self.len + take].copy_from_slice(&text.as_bytes()[..take]);
        self.len += take;
        Ok(())
    }
}

/// Writes `panicked at FILE:LINE:COLUMN: MESSAGE` into `buffer`, cut to
/// its size on a character boundary, and returns the length written.
pub fn format_panic(
    buffer: &mut [u8],
    location: Option<(&str, u32, u32)>,
    message: &dyn fmt::Display,
) -> usize {
    let mut out = Truncating { buffer, len: 0 };
    let _ = match location {
        Some((file, line, column)) => {
            write!(out, "panicked at {file}:{line}:{column}: {message}")
        }
        None => write!(out, "panicked: {message}"),
    };
    out.len
}

#[cfg(all(target_arch = "wasm32", feature = "panic-handler"))]
#[panic_handler]
fn on_panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let mut buffer = [0u8; MESSAGE_CAPACITY];
    let location = info.location().map(|l| (l.file(), l.line(), l.column()));
    let len = format_panic(&mut buffer, location, &info.message());
    crate::sys::abort(&buffer[..len])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_has_the_location_and_is_cut_on_a_character_boundary() {
        let mut buffer = [0u8; 64];
        let len = format_panic(&mut buffer, Some(("src/lib.rs", 12, 5)), &"overflow");
        assert_eq!(&buffer[..len], b"panicked at src/lib.rs:12:5: overflow");
        let mut small = [0u8; 14];
        let len = format_panic(&mut small, None, &"\u{e9}\u{e9}\u{e9}");
        // "panicked: " is 10 bytes; two 2-byte characters fit in 14.
        assert_eq!(
            core::str::from_utf8(&small[..len]),
            Ok("panicked: \u{e9}\u{e9}")
        );
    }
}
