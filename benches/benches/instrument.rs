//! Instrumentation throughput; filled below.
fn main() {}
