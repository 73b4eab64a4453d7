//! Benchmarks live in `benches/benches/`; see `docs/performance.md`.
