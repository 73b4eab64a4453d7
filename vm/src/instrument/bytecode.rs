//! The binary encoding of the instructions the instrumenter injects
//! (charges, stack prologues, shifted calls), and of LEB128 numbers,
//! written directly: this runs for every metered block, call and function,
//! and a general-purpose encoder would dominate the cost of tiny functions.
//! A unit test checks it against `wasm-encoder`.

pub const I32_ADD: u8 = 0x6a;
pub const I32_GT_U: u8 = 0x4b;
pub const I64_EXTEND_I32_U: u8 = 0xad;
pub const I64_MUL: u8 = 0x7e;
pub const IF: u8 = 0x04;
pub const EMPTY_BLOCK_TYPE: u8 = 0x40;
pub const END: u8 = 0x0b;

pub fn call(sink: &mut Vec<u8>, function: u32) {
    sink.push(0x10);
    uleb(sink, function);
}

pub fn ref_func(sink: &mut Vec<u8>, function: u32) {
    sink.push(0xd2);
    uleb(sink, function);
}

pub fn local_get(sink: &mut Vec<u8>, local: u32) {
    sink.push(0x20);
    uleb(sink, local);
}

pub fn local_tee(sink: &mut Vec<u8>, local: u32) {
    sink.push(0x22);
    uleb(sink, local);
}

pub fn global_get(sink: &mut Vec<u8>, global: u32) {
    sink.push(0x23);
    uleb(sink, global);
}

pub fn global_set(sink: &mut Vec<u8>, global: u32) {
    sink.push(0x24);
    uleb(sink, global);
}

pub fn i32_const(sink: &mut Vec<u8>, value: i32) {
    sink.push(0x41);
    sleb(sink, i64::from(value));
}

pub fn i64_const(sink: &mut Vec<u8>, value: i64) {
    sink.push(0x42);
    sleb(sink, value);
}

/// Unsigned LEB128, shortest form.
pub fn uleb(sink: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            sink.push(byte);
            return;
        }
        sink.push(byte | 0x80);
    }
}

/// Signed LEB128, shortest form.
pub fn sleb(sink: &mut Vec<u8>, mut value: i64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        let done = (value == 0 && byte & 0x40 == 0) || (value == -1 && byte & 0x40 != 0);
        if done {
            sink.push(byte);
            return;
        }
        sink.push(byte | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use wasm_encoder::{Encode, Instruction};

    #[test]
    fn matches_wasm_encoder() {
        for value in [
            0i64,
            1,
            -1,
            63,
            64,
            -64,
            -65,
            127,
            128,
            131072,
            i64::MAX,
            i64::MIN,
        ] {
            let mut ours = Vec::new();
            super::i64_const(&mut ours, value);
            let mut theirs = Vec::new();
            Instruction::I64Const(value).encode(&mut theirs);
            assert_eq!(ours, theirs, "{value}");
        }
        for value in [0u32, 1, 127, 128, 16383, 16384, u32::MAX] {
            let mut ours = Vec::new();
            super::call(&mut ours, value);
            let mut theirs = Vec::new();
            Instruction::Call(value).encode(&mut theirs);
            assert_eq!(ours, theirs, "{value}");
        }
    }
}
