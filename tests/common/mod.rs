//! Helpers shared by the integration tests.

#[allow(dead_code)] // each test file uses a part
pub mod wasmi_reference;

/// `wasm` with exports added by `add`: into its export section, or into a
/// new one in the export section's place when it has none. Every other
/// section is copied as it is.
#[allow(dead_code)] // each test file uses a part
pub fn with_exports(
    wasm: &[u8],
    add: impl Fn(&mut wasm_encoder::ExportSection),
) -> Result<Vec<u8>, String> {
    use wasmparser::{Parser, Payload};
    let error = |e: wasmparser::BinaryReaderError| e.to_string();
    let mut out = wasm_encoder::Module::new();
    let mut pending = true;
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(error)?;
        let Some((id, range)) = payload.as_section() else {
            continue;
        };
        // Sections after the export section's place: start (8), element
        // (9), data count (12), code (10), data (11).
        if pending && matches!(id, 8..=12) {
            let mut exports = wasm_encoder::ExportSection::new();
            add(&mut exports);
            out.section(&exports);
            pending = false;
        }
        if let Payload::ExportSection(reader) = payload {
            let mut exports = wasm_encoder::ExportSection::new();
            for export in reader {
                let export = export.map_err(error)?;
                exports.export(export.name, export.kind.into(), export.index);
            }
            add(&mut exports);
            out.section(&exports);
            pending = false;
            continue;
        }
        out.section(&wasm_encoder::RawSection {
            id,
            data: &wasm[range.start as usize..range.end as usize],
        });
    }
    if pending {
        let mut exports = wasm_encoder::ExportSection::new();
        add(&mut exports);
        out.section(&exports);
    }
    Ok(out.finish())
}

/// SplitMix64: a small, fixed, portable pseudo-random stream, so that
/// generated inputs are the same on every run and every machine.
#[allow(dead_code)] // each test file uses a part
pub struct SplitMix64(pub u64);

#[allow(dead_code)] // each test file uses a part
impl SplitMix64 {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`bound` > 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    /// An index in `0..len` (`len` > 0).
    pub fn index(&mut self, len: usize) -> usize {
        (self.next() % len as u64) as usize
    }

    /// `len` random bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 8);
        while out.len() < len {
            out.extend_from_slice(&self.next().to_le_bytes());
        }
        out.truncate(len);
        out
    }
}

/// A wasm-smith configuration of the accepted profile: the integer subset of
/// WebAssembly 2.0 (reference types optional), no imports (the host-API
/// manifest offers none yet), no start function, one memory. Sizes are the
/// caller's.
#[allow(dead_code)] // each test file uses a part
pub fn accepted_profile(reference_types: bool) -> wasm_smith::Config {
    wasm_smith::Config {
        sign_extension_ops_enabled: true,
        multi_value_enabled: true,
        bulk_memory_enabled: true,
        reference_types_enabled: reference_types,
        allow_floats: false,
        saturating_float_to_int_enabled: false,
        simd_enabled: false,
        relaxed_simd_enabled: false,
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        acquire_release_atomics_enabled: false,
        exceptions_enabled: false,
        tail_call_enabled: false,
        gc_enabled: false,
        custom_descriptors_enabled: false,
        multibyte_array_access_enabled: false,
        memory64_enabled: false,
        custom_page_sizes_enabled: false,
        extended_const_enabled: false,
        wide_arithmetic_enabled: false,
        compact_imports_enabled: false,
        max_imports: 0,
        allow_start_export: false,
        max_memories: 1,
        ..wasm_smith::Config::default()
    }
}

/// Lower bounds drawn below each maximum: without them wasm-smith stops each
/// list with probability 1/2 per entry, and most modules would hold one
/// function or none.
#[allow(dead_code)] // each test file uses a part
pub fn draw_minimums(config: &mut wasm_smith::Config, rng: &mut SplitMix64) {
    config.min_types = 1 + rng.below(config.max_types as u64) as usize;
    config.min_funcs = rng.below(config.max_funcs as u64 + 1) as usize;
    config.min_globals = rng.below(config.max_globals as u64 + 1) as usize;
    config.min_exports = rng.below(config.max_exports as u64 + 1) as usize;
    config.min_data_segments = rng.below(config.max_data_segments as u64 + 1) as usize;
    config.min_element_segments = rng.below(config.max_element_segments as u64 + 1) as usize;
}
