//! Chain files: a genesis and its blocks, as `gasworks gen` writes them and
//! `gasworks node` and `replay` read them.
//!
//! Layout: the magic `GWCHAIN1`, then records, each a 4-byte little-endian
//! length, the borsh bytes and their SHA-256 (32 bytes). The first record
//! is the [`Genesis`], every other one a [`Block`], in height order. The
//! checksum gives a damaged file a clear error at the record where the
//! damage is; the block's own header then checks its content.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use crate::block::{Block, Genesis};

/// The file's first bytes.
pub const MAGIC: &[u8; 8] = b"GWCHAIN1";
/// The largest record a reader accepts (a block of the largest
/// transactions would be far beyond any block gas limit).
pub const MAX_RECORD_BYTES: u32 = 1 << 30;

/// Why a chain file cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ChainFileError {
    /// The file system failed.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        error: std::io::Error,
    },
    /// Not a chain file.
    #[error("{0}: not a Gasworks chain file (bad magic)")]
    BadMagic(String),
    /// The file ends inside a record.
    #[error("{path}: truncated in record {record}")]
    Truncated {
        /// The file.
        path: String,
        /// The record (0: genesis, n: block n).
        record: u64,
    },
    /// A record's checksum or encoding is wrong.
    #[error("{path}: record {record} is corrupt: {reason}")]
    Corrupt {
        /// The file.
        path: String,
        /// The record (0: genesis, n: block n).
        record: u64,
        /// What is wrong.
        reason: String,
    },
}

/// Writes a chain file.
pub struct ChainWriter {
    out: BufWriter<File>,
    path: String,
}

impl ChainWriter {
    /// Creates `path` and writes the magic and `genesis`.
    ///
    /// # Errors
    ///
    /// [`ChainFileError::Io`].
    pub fn create(path: &Path, genesis: &Genesis) -> Result<ChainWriter, ChainFileError> {
        let name = path.display().to_string();
        let io = |error| ChainFileError::Io {
            path: name.clone(),
            error,
        };
        let mut out = BufWriter::new(File::create(path).map_err(io)?);
        out.write_all(MAGIC).map_err(io)?;
        let mut writer = ChainWriter { out, path: name };
        writer.record(&borsh::to_vec(genesis).unwrap_or_default())?;
        Ok(writer)
    }

    fn record(&mut self, bytes: &[u8]) -> Result<(), ChainFileError> {
        let io = |error| ChainFileError::Io {
            path: self.path.clone(),
            error,
        };
        let length = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        self.out.write_all(&length.to_le_bytes()).map_err(io)?;
        self.out.write_all(bytes).map_err(io)?;
        self.out
            .write_all(&gasworks_host_api::crypto::sha256(bytes))
            .map_err(io)
    }

    /// Appends a block.
    ///
    /// # Errors
    ///
    /// [`ChainFileError::Io`].
    pub fn append(&mut self, block: &Block) -> Result<(), ChainFileError> {
        self.record(&borsh::to_vec(block).unwrap_or_default())
    }

    /// Flushes and syncs the file.
    ///
    /// # Errors
    ///
    /// [`ChainFileError::Io`].
    pub fn finish(mut self) -> Result<(), ChainFileError> {
        let io = |error| ChainFileError::Io {
            path: self.path.clone(),
            error,
        };
        self.out.flush().map_err(io)?;
        self.out.get_ref().sync_all().map_err(io)
    }
}

/// Reads a chain file: the genesis, then the blocks one at a time.
pub struct ChainReader {
    input: BufReader<File>,
    path: String,
    record: u64,
    /// The chain's genesis.
    pub genesis: Genesis,
}

impl ChainReader {
    /// Opens `path` and reads its genesis.
    ///
    /// # Errors
    ///
    /// [`ChainFileError`].
    pub fn open(path: &Path) -> Result<ChainReader, ChainFileError> {
        let name = path.display().to_string();
        let file = File::open(path).map_err(|error| ChainFileError::Io {
            path: name.clone(),
            error,
        })?;
        let mut input = BufReader::new(file);
        let mut magic = [0u8; 8];
        if input.read_exact(&mut magic).is_err() || &magic != MAGIC {
            return Err(ChainFileError::BadMagic(name));
        }
        let mut reader = ChainReader {
            input,
            path: name,
            record: 0,
            genesis: Genesis {
                chain_id: 0,
                timestamp: 0,
                gas_price: 0,
                block_gas_limit: 0,
                accounts: Vec::new(),
                contracts: Vec::new(),
            },
        };
        let bytes = reader
            .next_record()?
            .ok_or_else(|| ChainFileError::Truncated {
                path: reader.path.clone(),
                record: 0,
            })?;
        reader.genesis = reader.decode(&bytes)?;
        Ok(reader)
    }

    fn decode<T: borsh::BorshDeserialize>(&self, bytes: &[u8]) -> Result<T, ChainFileError> {
        borsh::from_slice(bytes).map_err(|error| ChainFileError::Corrupt {
            path: self.path.clone(),
            record: self.record,
            reason: error.to_string(),
        })
    }

    fn next_record(&mut self) -> Result<Option<Vec<u8>>, ChainFileError> {
        let mut length = [0u8; 4];
        let mut read = 0;
        while read < 4 {
            match self.input.read(&mut length[read..]) {
                Ok(0) if read == 0 => return Ok(None),
                Ok(0) => {
                    return Err(ChainFileError::Truncated {
                        path: self.path.clone(),
                        record: self.record,
                    });
                }
                Ok(n) => read += n,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(error) => {
                    return Err(ChainFileError::Io {
                        path: self.path.clone(),
                        error,
                    });
                }
            }
        }
        let length = u32::from_le_bytes(length);
        if length > MAX_RECORD_BYTES {
            return Err(ChainFileError::Corrupt {
                path: self.path.clone(),
                record: self.record,
                reason: format!("record length {length} is over {MAX_RECORD_BYTES}"),
            });
        }
        let mut bytes = Vec::new();
        let truncated = || ChainFileError::Truncated {
            path: self.path.clone(),
            record: self.record,
        };
        (&mut self.input)
            .take(u64::from(length))
            .read_to_end(&mut bytes)
            .map_err(|_| truncated())?;
        let mut checksum = [0u8; 32];
        if bytes.len() != length as usize || self.input.read_exact(&mut checksum).is_err() {
            return Err(truncated());
        }
        if checksum != gasworks_host_api::crypto::sha256(&bytes) {
            return Err(ChainFileError::Corrupt {
                path: self.path.clone(),
                record: self.record,
                reason: "checksum mismatch".into(),
            });
        }
        Ok(Some(bytes))
    }

    /// The next block, or `None` at the end of the file.
    ///
    /// # Errors
    ///
    /// [`ChainFileError`].
    pub fn next_block(&mut self) -> Result<Option<Block>, ChainFileError> {
        self.record += 1;
        match self.next_record()? {
            Some(bytes) => self.decode(&bytes).map(Some),
            None => Ok(None),
        }
    }

    /// Reads every remaining block.
    ///
    /// # Errors
    ///
    /// [`ChainFileError`].
    pub fn read_all(mut self) -> Result<(Genesis, Vec<Block>), ChainFileError> {
        let mut blocks = Vec::new();
        while let Some(block) = self.next_block()? {
            blocks.push(block);
        }
        Ok((self.genesis, blocks))
    }
}
