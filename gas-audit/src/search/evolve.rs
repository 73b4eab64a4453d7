//! The search loop: a steady-state genetic search with one niche per
//! family, in the manner of the EVM "Broken Metre" study's genetic search.
//!
//! Each round makes one candidate: a fresh random genome (while the
//! population fills, and one round in five after), or a mutation of a
//! parent chosen by a tournament of three (one round in eight, a mutation
//! of a mutation). The candidate is built, run through the pipeline and
//! scored by the [`Evaluator`]. It joins the population by replacing the
//! member of its own family when it scores higher, else by taking a free
//! place, else by replacing the lowest scorer when it scores higher: the
//! family niches keep loops, bulk operations, host calls and contracts
//! alive side by side instead of letting one early leader crowd the rest
//! out. The best candidate of every family is kept apart (the hall of
//! fame); at the end the worst of them (highest ratios) are measured again
//! with [`Effort::Careful`] next to a fresh baseline, and reported.
//!
//! # What is deterministic
//!
//! The generator is seeded with the search's own [`SplitMix64`]: the first
//! `population` candidates depend on the seed alone, and so does each later
//! candidate given its parent. Which parents survive depends on the
//! scores: with a deterministic evaluator ([`ModelEvaluator`](super::evaluate::ModelEvaluator))
//! the whole sequence of candidates is a function of the seed; with the
//! [`TimingEvaluator`](super::evaluate::TimingEvaluator) it is not (the
//! clock decides between close scores), but every candidate's genome is
//! recorded, so any program found is rebuilt exactly.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::evaluate::{Effort, Evaluation, Evaluator};
use super::pipeline::EvalError;
use super::program::{Genome, Program};
use super::rng::SplitMix64;

/// What to search, and for how long.
#[derive(Debug, Clone)]
pub struct SearchConfig {
    /// The seed.
    pub seed: u64,
    /// Stop after this many candidates (`None`: no limit).
    pub rounds: Option<u64>,
    /// Stop after this long (`None`: no limit).
    pub time: Option<Duration>,
    /// Population size.
    pub population: usize,
    /// How many of the worst families the report re-measures and keeps.
    pub report: usize,
    /// Measure the baseline again every this many rounds (timing only).
    pub refresh_every: u64,
}

impl SearchConfig {
    /// The defaults for `seed`: 200 rounds, no time limit, a population
    /// of 24, the worst 12 families reported.
    pub fn new(seed: u64) -> SearchConfig {
        SearchConfig {
            seed,
            rounds: Some(200),
            time: None,
            population: 24,
            report: 12,
            refresh_every: 2_000,
        }
    }
}

/// One candidate the search made, as the log keeps it.
#[derive(Debug, Clone)]
pub struct Record {
    /// Its number, in order of creation.
    pub id: u64,
    /// The candidate it mutates, if any.
    pub parent: Option<u64>,
    /// Its genome.
    pub genome: Genome,
    /// Its family, when it was built.
    pub family: Option<String>,
    /// A hash of its module's bytes (FNV-1a), 0 when it was not built.
    pub wasm_hash: u64,
    /// Its score, or why it was not measured.
    pub outcome: Result<Evaluation, EvalError>,
}

/// A member of the population or the hall of fame.
#[derive(Debug, Clone)]
pub struct Member {
    /// The candidate's number.
    pub id: u64,
    /// Its genome.
    pub genome: Genome,
    /// Its program.
    pub program: Program,
    /// Its score when it was made.
    pub evaluation: Evaluation,
}

/// A finding: a family's worst program, measured again.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The member.
    pub member: Member,
    /// The careful measurement (the score the report sorts by), or why it
    /// failed the second time.
    pub remeasured: Result<Evaluation, EvalError>,
}

impl Finding {
    /// The re-measured ratio, else the search-time one.
    pub fn ratio(&self) -> f64 {
        self.remeasured
            .as_ref()
            .map_or(self.member.evaluation.ratio, |e| e.ratio)
    }
}

/// The outcome of a search.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The configuration.
    pub config: SearchConfig,
    /// Candidates made.
    pub rounds: u64,
    /// Wall time spent.
    pub elapsed: Duration,
    /// Every candidate, in order.
    pub log: Vec<Record>,
    /// The worst families, worst first.
    pub findings: Vec<Finding>,
    /// The baseline's time per gas unit at the report.
    pub baseline: f64,
    /// Each baseline program's time per gas unit at the report.
    pub baseline_detail: Vec<(String, f64)>,
    /// Whether the scores are deterministic (a model) or timed.
    pub deterministic: bool,
}

impl Outcome {
    /// How many candidates ended in each way: `measured`, or the error's
    /// kind.
    pub fn outcome_counts(&self) -> BTreeMap<String, u64> {
        let mut counts = BTreeMap::new();
        for record in &self.log {
            let key = match &record.outcome {
                Ok(_) => "measured".to_string(),
                Err(error) => error.kind(),
            };
            *counts.entry(key).or_insert(0) += 1;
        }
        counts
    }

    /// Candidates made from each source (`shape`, `smith`, `example`).
    pub fn source_counts(&self) -> BTreeMap<&'static str, u64> {
        let mut counts = BTreeMap::new();
        for record in &self.log {
            *counts.entry(record.genome.source()).or_insert(0) += 1;
        }
        counts
    }
}

/// FNV-1a over `bytes`: a stable name for a module in the log.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Runs the search with `evaluator`; `progress` sees every record as it is
/// made.
pub fn search<E: Evaluator>(
    config: &SearchConfig,
    evaluator: &mut E,
    mut progress: impl FnMut(&Record),
) -> Outcome {
    let started = Instant::now();
    let mut rng = SplitMix64::new(config.seed);
    let mut population: Vec<Member> = Vec::new();
    let mut hall: BTreeMap<String, Member> = BTreeMap::new();
    let mut log = Vec::new();
    let mut round = 0u64;
    let population_size = config.population.max(2);
    loop {
        if config.rounds.is_some_and(|rounds| round >= rounds)
            || config.time.is_some_and(|time| started.elapsed() >= time)
        {
            break;
        }
        if !evaluator.is_deterministic()
            && round > 0
            && round.is_multiple_of(config.refresh_every.max(1))
        {
            evaluator.refresh_baseline();
        }
        // Each round draws from its own generator, forked from the
        // search's, so that a round's draws do not shift the next round's.
        let mut round_rng = rng.fork();
        let (genome, parent) = if population.len() < population_size || round_rng.chance(1, 5) {
            (Genome::random(&mut round_rng), None)
        } else {
            let parent = tournament(&population, &mut round_rng);
            let mut genome = parent.genome.mutate(&mut round_rng);
            if round_rng.chance(1, 8) {
                genome = genome.mutate(&mut round_rng);
            }
            (genome, Some(parent.id))
        };
        let built = catch(|| genome.build().map_err(EvalError::from));
        let (family, wasm_hash) = match &built {
            Ok(program) => (Some(program.family.clone()), fnv1a(&program.wasm)),
            Err(_) => (None, 0),
        };
        let outcome = built.and_then(|program| {
            catch(|| evaluator.evaluate(&program, Effort::Quick)).map(|e| (program, e))
        });
        let record = Record {
            id: round,
            parent,
            genome: genome.clone(),
            family,
            wasm_hash,
            outcome: outcome.as_ref().map(|(_, e)| *e).map_err(Clone::clone),
        };
        progress(&record);
        log.push(record);
        if let Ok((program, evaluation)) = outcome {
            let member = Member {
                id: round,
                genome,
                program,
                evaluation,
            };
            admit(&mut population, population_size, member.clone());
            let best = hall
                .entry(member.program.family.clone())
                .or_insert(member.clone());
            if member.evaluation.ratio > best.evaluation.ratio {
                *best = member;
            }
        }
        round += 1;
    }
    // The report: the worst families, measured again next to a fresh
    // baseline.
    if !evaluator.is_deterministic() {
        evaluator.refresh_baseline();
    }
    let mut worst: Vec<Member> = hall.into_values().collect();
    worst.sort_by(|a, b| {
        b.evaluation
            .ratio
            .total_cmp(&a.evaluation.ratio)
            .then(a.id.cmp(&b.id))
    });
    worst.truncate(config.report);
    let mut findings: Vec<Finding> = worst
        .into_iter()
        .map(|member| {
            let remeasured = catch(|| evaluator.evaluate(&member.program, Effort::Careful));
            Finding { member, remeasured }
        })
        .collect();
    findings.sort_by(|a, b| {
        b.ratio()
            .total_cmp(&a.ratio())
            .then(a.member.id.cmp(&b.member.id))
    });
    Outcome {
        config: config.clone(),
        rounds: round,
        elapsed: started.elapsed(),
        log,
        findings,
        baseline: evaluator.baseline(),
        baseline_detail: evaluator.baseline_detail(),
        deterministic: evaluator.is_deterministic(),
    }
}

/// Runs `f`, turning a panic into [`EvalError::Panicked`] with its
/// message.
fn catch<T>(f: impl FnOnce() -> Result<T, EvalError>) -> Result<T, EvalError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_string());
        Err(EvalError::Panicked(message))
    })
}

/// The highest scorer of three members drawn at random.
fn tournament<'a>(population: &'a [Member], rng: &mut SplitMix64) -> &'a Member {
    let mut best = &population[rng.below(population.len() as u64) as usize];
    for _ in 0..2 {
        let other = &population[rng.below(population.len() as u64) as usize];
        if other.evaluation.ratio > best.evaluation.ratio {
            best = other;
        }
    }
    best
}

/// Lets `member` into the population (see the module's doc).
fn admit(population: &mut Vec<Member>, size: usize, member: Member) {
    if let Some(same) = population
        .iter_mut()
        .find(|m| m.program.family == member.program.family)
    {
        if member.evaluation.ratio > same.evaluation.ratio {
            *same = member;
        }
        return;
    }
    if population.len() < size {
        population.push(member);
        return;
    }
    if let Some((index, lowest)) = population
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.evaluation.ratio.total_cmp(&b.1.evaluation.ratio))
        && member.evaluation.ratio > lowest.evaluation.ratio
    {
        population[index] = member;
    }
}
