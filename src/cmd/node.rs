//! `gasworks node --data DIR --chain CHAIN [--to HEIGHT]`: apply a chain
//! to one node's data directory, resuming from its head.
//!
//! Exit codes: 0 at the end of the chain (or `--to`), 1 when a block does
//! not check against its header (the error names the block and field),
//! 2 when the chain file or the data directory cannot be used.

use std::path::Path;
use std::process::ExitCode;

use gasworks_node_sim::chain::ChainError;
use gasworks_node_sim::chain::ExecutedBlock;
use gasworks_node_sim::chainfile::ChainReader;
use gasworks_node_sim::node::{Node, NodeError, NodeOptions, SyncObserver};
use gasworks_node_sim::state::Head;

use super::{FAILED, USAGE_OR_IO};

/// Where a test asks the node to stop and wait to be killed: before or
/// after the commit of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StopAt {
    /// The block.
    pub height: u64,
    /// After its commit (else before).
    pub after_commit: bool,
}

impl std::str::FromStr for StopAt {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (height, when) = text
            .split_once(':')
            .ok_or("write HEIGHT:before or HEIGHT:after")?;
        Ok(StopAt {
            height: height.parse().map_err(|_| "bad height")?,
            after_commit: match when {
                "before" => false,
                "after" => true,
                _ => return Err("write HEIGHT:before or HEIGHT:after".into()),
            },
        })
    }
}

fn pause(height: u64, when: &str) -> ! {
    say!("paused {height} {when}");
    loop {
        std::thread::sleep(std::time::Duration::from_secs(3600));
    }
}

/// Runs the command.
pub fn run(
    data: &Path,
    chain: &Path,
    to: Option<u64>,
    json: bool,
    progress: bool,
    stop_at: Option<StopAt>,
) -> ExitCode {
    let mut reader = match ChainReader::open(chain) {
        Ok(reader) => reader,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(USAGE_OR_IO);
        }
    };
    let genesis = reader.genesis.clone();
    let mut node = match Node::open(data, &genesis, NodeOptions::default()) {
        Ok(node) => node,
        Err(error) => {
            eprintln!("error: {}: {error}", data.display());
            return ExitCode::from(USAGE_OR_IO);
        }
    };
    struct Observer {
        progress: bool,
        stop_at: Option<StopAt>,
    }
    impl SyncObserver for Observer {
        fn executed(&mut self, block: &ExecutedBlock) {
            let height = block.header.height;
            if self.stop_at
                == Some(StopAt {
                    height,
                    after_commit: false,
                })
            {
                pause(height, "before");
            }
        }
        fn committed(&mut self, head: &Head) {
            if self.progress {
                say!("committed {} {}", head.height, head.state_root);
            }
            if self.stop_at
                == Some(StopAt {
                    height: head.height,
                    after_commit: true,
                })
            {
                pause(head.height, "after");
            }
        }
    }
    let result = node.sync_observed(&mut reader, to, &mut Observer { progress, stop_at });
    let head = node.head();
    match result {
        Ok(_) => {
            if json {
                say!(
                    "{}",
                    serde_json::json!({"height": head.height, "state_root": head.state_root.to_hex()})
                );
            } else {
                say!("head: block {} state root {}", head.height, head.state_root);
            }
            ExitCode::SUCCESS
        }
        Err(NodeError::ChainFile(error)) => {
            eprintln!("error: {error} (head stays at block {})", head.height);
            ExitCode::from(USAGE_OR_IO)
        }
        Err(NodeError::Chain(error)) => {
            let code = match error {
                ChainError::Store(_) => USAGE_OR_IO,
                _ => FAILED,
            };
            if json {
                say!(
                    "{}",
                    serde_json::json!({"height": head.height, "state_root": head.state_root.to_hex(), "error": error.to_string()})
                );
            }
            eprintln!("error: {error} (head stays at block {})", head.height);
            ExitCode::from(code)
        }
    }
}
