//! Candidates: a [`Genome`] (what the search draws and mutates) and the
//! [`Program`] built from it (what the evaluator runs).
//!
//! The three sources of candidates are the issue's: structured
//! [shapes](super::shapes), [wasm-smith](super::smith) modules, and
//! [mutations of the example contracts](super::examples). A genome is
//! plain data, so a candidate is rebuilt exactly from its genome, and the
//! same seed gives the same genomes.

use super::examples::ExampleGenome;
use super::rng::SplitMix64;
use super::shapes::Shape;
use super::smith::SmithGenome;

/// What the search draws and mutates.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Genome {
    /// A structured shape.
    Shape(Shape),
    /// A wasm-smith module.
    Smith(SmithGenome),
    /// A mutated example contract.
    Example(ExampleGenome),
}

/// A candidate ready to run: a contract exporting `execute`, its input,
/// and how to show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// The family for the report (`loop i64.div_u`, `bulk table.init`,
    /// `smith`, `example compute`): the report keeps the worst program of
    /// each family.
    pub family: String,
    /// A one-line description (knobs, input, mutations).
    pub description: String,
    /// The module.
    pub wasm: Vec<u8>,
    /// Its source text, for shapes (others are printed from the binary).
    pub wat: Option<String>,
    /// The call's input.
    pub input: Vec<u8>,
}

/// Why a genome gave no module (before the pipeline: the generator's
/// own failure, typed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// A shape's text did not parse (a bug in the shape).
    #[error("shape text does not parse: {0}")]
    Text(String),
    /// wasm-smith could not build a module from the entropy.
    #[error("wasm-smith: {0}")]
    Smith(String),
    /// The example could not be re-encoded with its mutations.
    #[error("re-encoding: {0}")]
    Reencode(String),
}

impl Genome {
    /// A random genome: shapes half of the time (they hold the suspects),
    /// mutated examples and wasm-smith modules a quarter each.
    pub fn random(rng: &mut SplitMix64) -> Genome {
        match rng.below(4) {
            0 | 1 => Genome::Shape(Shape::random(rng)),
            2 => Genome::Example(ExampleGenome::random(rng)),
            _ => Genome::Smith(SmithGenome::random(rng)),
        }
    }

    /// A neighbour of this genome, of the same source.
    pub fn mutate(&self, rng: &mut SplitMix64) -> Genome {
        match self {
            Genome::Shape(shape) => Genome::Shape(shape.mutate(rng)),
            Genome::Smith(smith) => Genome::Smith(smith.mutate(rng)),
            Genome::Example(example) => Genome::Example(example.mutate(rng)),
        }
    }

    /// The source's name: `shape`, `smith` or `example`.
    pub fn source(&self) -> &'static str {
        match self {
            Genome::Shape(_) => "shape",
            Genome::Smith(_) => "smith",
            Genome::Example(_) => "example",
        }
    }

    /// Builds the program.
    ///
    /// # Errors
    ///
    /// [`BuildError`] when the generator could not make a module.
    pub fn build(&self) -> Result<Program, BuildError> {
        match self {
            Genome::Shape(shape) => {
                let wat = shape.wat();
                let wasm = wat::parse_str(&wat).map_err(|e| BuildError::Text(e.to_string()))?;
                Ok(Program {
                    family: shape.family(),
                    description: shape.describe(),
                    wasm,
                    wat: Some(wat),
                    input: Vec::new(),
                })
            }
            Genome::Smith(smith) => {
                let wasm = smith.build().map_err(BuildError::Smith)?;
                Ok(Program {
                    family: "smith".to_string(),
                    description: format!(
                        "smith config_seed={:#x} entropy={} bytes",
                        smith.config_seed,
                        smith.entropy.len()
                    ),
                    wasm,
                    wat: None,
                    input: Vec::new(),
                })
            }
            Genome::Example(example) => {
                let wasm = example.build().map_err(BuildError::Reencode)?;
                Ok(Program {
                    family: format!("example {} {}", example.name(), example.input.method),
                    description: example.describe(),
                    wasm,
                    wat: None,
                    input: example.input.encode(),
                })
            }
        }
    }
}

impl Program {
    /// The program as text: its source for shapes, else printed from the
    /// binary (`None` when it does not print, e.g. not valid wasm).
    pub fn text(&self) -> Option<String> {
        self.wat
            .clone()
            .or_else(|| wasmprinter::print_bytes(&self.wasm).ok())
    }
}
