//! One module per subcommand.

/// `println!` that never panics: a closed stdout (`gasworks node --progress
/// | head -1`, a replay whose parent is gone) must not crash a node, so
/// write errors are ignored and the command goes on.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

pub mod audit;
pub mod calibrate;
pub mod call;
pub mod check;
pub mod demo;
pub mod generate;
pub mod instrument;
mod module;
pub mod node;
pub mod profile;
pub mod query;
pub mod replay;
pub mod schedule;
pub mod search;

pub use module::{instrument_file, read_module};

/// Exit code for a rejected module, a trapped call, a block that does not
/// check, or nodes that disagree.
pub const REJECTED: u8 = 1;
/// Same code, named for the chain commands.
pub const FAILED: u8 = 1;
/// Exit code for a usage or I/O error.
pub const USAGE_OR_IO: u8 = 2;
