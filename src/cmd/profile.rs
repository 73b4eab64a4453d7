//! Gas profile output shared by the commands that run code (`call`,
//! `replay`): `--profile` prints the profile's table (or adds it to
//! `--json`), `--folded FILE` writes folded stacks, `--flamegraph FILE` an
//! SVG whose widths are gas (see `gasworks_vm::profile`).

use std::path::{Path, PathBuf};

use gasworks_vm::profile::Profile;

/// The profile options of a command.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ProfileArgs {
    /// Profile the gas: per wasm function (self and total), host function
    /// and cost category; printed as a table, or as `profile` in `--json`.
    #[arg(long)]
    pub profile: bool,
    /// Write the profile as folded stacks (one line per stack: frames
    /// separated by `;`, then the gas), for flame-graph tools.
    #[arg(long, value_name = "FILE")]
    pub folded: Option<PathBuf>,
    /// Write the profile as a flame graph (SVG, widths in gas).
    #[arg(long, value_name = "FILE")]
    pub flamegraph: Option<PathBuf>,
}

/// Functions shown in a printed table.
pub const TOP_FUNCTIONS: usize = 25;

impl ProfileArgs {
    /// Whether any profile output is asked for.
    pub fn wanted(&self) -> bool {
        self.profile || self.folded.is_some() || self.flamegraph.is_some()
    }

    /// Writes the files asked for (`--folded`, `--flamegraph`) of
    /// `profile`, titled `title`.
    ///
    /// # Errors
    ///
    /// A message naming the file that could not be written.
    pub fn write_files(&self, profile: &Profile, title: &str) -> Result<(), String> {
        if let Some(path) = &self.folded {
            write(path, profile.folded().as_bytes())?;
        }
        if let Some(path) = &self.flamegraph {
            let svg = profile
                .flame_graph(title)
                .map_err(|e| format!("cannot render the flame graph: {e}"))?;
            write(path, &svg)?;
        }
        Ok(())
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
