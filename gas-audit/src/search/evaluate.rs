//! Fitness: how much slower per gas unit a program runs than plain code.
//!
//! The search is generic over an [`Evaluator`], so that what it maximises
//! can be swapped without touching consensus code:
//!
//! - [`TimingEvaluator`], the real one: each candidate goes through the
//!   whole pipeline ([`Deployment`]) and runs to a fixed gas limit; its
//!   time is the median of several timed runs (each run a batch of calls
//!   long enough for the clock), its fitness that time per gas unit
//!   divided by the median time per gas of the [baseline](super::baseline)
//!   programs, measured in the same process. Wall time on a shared machine
//!   is noisy: medians, batches, and the report re-measures its worst
//!   programs with more runs ([`Effort::Careful`]), each sample of the
//!   candidate next to a sample of the baseline's median program, so that
//!   the load of the moment weighs on both sides of the ratio.
//! - [`ModelEvaluator`], deterministic, for tests: the candidate still goes
//!   through the whole pipeline and runs once (so acceptance, traps and
//!   gas are real), but its "time" is a model: every operator of its code,
//!   weighted by loop depth, costs its static price times a factor that is
//!   1 except for the operators a test plants as underpriced. A search
//!   that maximises the model must end on programs made of the planted
//!   operator: that is how the tests show the search would find a hole.

use std::time::{Duration, Instant};

use gasworks_vm::trap::TrapKind;

use super::ops;
use super::pipeline::{Deployment, EvalError, Run};
use super::program::Program;

/// How hard to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effort {
    /// During the search: a few runs.
    Quick,
    /// For the report: many runs.
    Careful,
}

/// A measured candidate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    /// Gas used by one run (the same in every run, or the candidate is an
    /// [`EvalError::Nondeterministic`]).
    pub gas_used: u64,
    /// The trap that ended the run, if any.
    pub trap: Option<TrapKind>,
    /// Nanoseconds per gas unit (the model's units for a model).
    pub ns_per_gas: f64,
    /// `ns_per_gas` over the baseline's median: the fitness.
    pub ratio: f64,
}

/// What the search maximises.
pub trait Evaluator {
    /// Runs `program` through the pipeline and scores it.
    ///
    /// # Errors
    ///
    /// [`EvalError`] when the candidate does not get as far as running.
    fn evaluate(&mut self, program: &Program, effort: Effort) -> Result<Evaluation, EvalError>;

    /// The baseline's time per gas unit, the denominator of every ratio.
    fn baseline(&self) -> f64;

    /// Measures the baseline again (a long search calls it now and then,
    /// and before the report, so that a change in the machine's load moves
    /// both sides of the ratio).
    fn refresh_baseline(&mut self) {}

    /// Each baseline program's name and time per gas unit, as last
    /// measured.
    fn baseline_detail(&self) -> Vec<(String, f64)> {
        Vec::new()
    }

    /// True when the same program always gets the same score.
    fn is_deterministic(&self) -> bool;
}

/// The real evaluator: wall time per gas unit, against the baseline.
pub struct TimingEvaluator {
    gas_limit: u64,
    baseline: f64,
    detail: Vec<(String, f64)>,
    /// The baseline program whose time per gas was the median: a careful
    /// measurement interleaves its runs with the candidate's.
    reference: Option<Program>,
}

/// Timed samples per measurement.
const QUICK_SAMPLES: usize = 5;
const CAREFUL_SAMPLES: usize = 21;
/// A sample is a batch of calls lasting at least this long.
const MIN_SAMPLE: Duration = Duration::from_micros(300);

impl TimingEvaluator {
    /// An evaluator running every call with `gas_limit`; measures the
    /// baseline first.
    pub fn new(gas_limit: u64) -> TimingEvaluator {
        let mut evaluator = TimingEvaluator {
            gas_limit,
            baseline: 1.0,
            detail: Vec::new(),
            reference: None,
        };
        evaluator.refresh_baseline();
        evaluator
    }

    /// Time per gas unit of `program`, and its run.
    fn measure(&self, program: &Program, samples: usize) -> Result<(f64, Run), EvalError> {
        let mut timer = Timer::new(program, self.gas_limit)?;
        let mut times = Vec::with_capacity(samples);
        for _ in 0..samples {
            times.push(timer.sample()?);
        }
        Ok((median(&mut times), timer.first))
    }

    /// Time per gas unit of `program` with its samples interleaved with
    /// the reference program's, so that a change of the machine's load
    /// weighs on both: the candidate's median over the reference's
    /// median, times the reference's share of the baseline.
    fn measure_against_reference(
        &self,
        program: &Program,
        samples: usize,
    ) -> Result<(f64, Run), EvalError> {
        let Some(reference) = &self.reference else {
            return self.measure(program, samples);
        };
        let mut timer = Timer::new(program, self.gas_limit)?;
        let mut reference_timer = Timer::new(reference, self.gas_limit)?;
        let (mut times, mut reference_times) = (Vec::new(), Vec::new());
        for _ in 0..samples {
            times.push(timer.sample()?);
            reference_times.push(reference_timer.sample()?);
        }
        let ratio = median(&mut times) / median(&mut reference_times).max(f64::MIN_POSITIVE);
        Ok((ratio * self.baseline, timer.first))
    }
}

/// Timed samples of one deployed program.
struct Timer {
    deployment: Deployment,
    first: Run,
    batch: u32,
}

impl Timer {
    /// Deploys `program` and runs it once (warm-up, and the gas every
    /// later run must use).
    fn new(program: &Program, gas_limit: u64) -> Result<Timer, EvalError> {
        let deployment = Deployment::new(program, gas_limit)?;
        let started = Instant::now();
        let first = deployment.run()?;
        let once = started.elapsed().max(Duration::from_nanos(1));
        let batch = (MIN_SAMPLE.as_nanos() / once.as_nanos()).clamp(1, 10_000) as u32;
        Ok(Timer {
            deployment,
            first,
            batch,
        })
    }

    /// One sample: nanoseconds per gas unit over a batch of runs.
    fn sample(&mut self) -> Result<f64, EvalError> {
        let started = Instant::now();
        for _ in 0..self.batch {
            let run = self.deployment.run()?;
            if run.gas_used != self.first.gas_used {
                return Err(EvalError::Nondeterministic {
                    first: self.first.gas_used,
                    second: run.gas_used,
                });
            }
        }
        let ns = started.elapsed().as_nanos() as f64 / f64::from(self.batch);
        Ok(ns / self.first.gas_used.max(1) as f64)
    }
}

impl Evaluator for TimingEvaluator {
    fn evaluate(&mut self, program: &Program, effort: Effort) -> Result<Evaluation, EvalError> {
        let samples = match effort {
            Effort::Quick => QUICK_SAMPLES,
            Effort::Careful => CAREFUL_SAMPLES,
        };
        let (ns_per_gas, run) = match effort {
            Effort::Quick => self.measure(program, samples)?,
            Effort::Careful => self.measure_against_reference(program, samples)?,
        };
        Ok(Evaluation {
            gas_used: run.gas_used,
            trap: run.trap,
            ns_per_gas,
            ratio: ns_per_gas / self.baseline,
        })
    }

    fn baseline(&self) -> f64 {
        self.baseline
    }

    fn refresh_baseline(&mut self) {
        let mut detail = Vec::new();
        let mut measured = Vec::new();
        for program in super::baseline::programs() {
            // A baseline program that fails is a bug in this file; it is
            // left out (and the report shows the set it used).
            if let Ok((ns, _)) = self.measure(&program, CAREFUL_SAMPLES) {
                detail.push((program.family.clone(), ns));
                measured.push((ns, program));
            }
        }
        let mut values: Vec<f64> = detail.iter().map(|(_, ns)| *ns).collect();
        if !values.is_empty() {
            self.baseline = median(&mut values);
        }
        measured.sort_by(|a, b| a.0.total_cmp(&b.0));
        self.reference = measured
            .get(measured.len() / 2)
            .map(|(_, program)| program.clone());
        self.detail = detail;
    }

    fn baseline_detail(&self) -> Vec<(String, f64)> {
        self.detail.clone()
    }

    fn is_deterministic(&self) -> bool {
        false
    }
}

/// The median of `values` (0 for none), sorting them.
pub fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// A deterministic evaluator for tests: real pipeline, modelled time.
///
/// The model's time of a program is the sum over the operators of its code
/// of `price × factor × LOOP_WEIGHT^loop depth`, its gas the same sum
/// without the factor; the ratio is their quotient. Every factor is 1
/// unless [`ModelEvaluator::plant`] says otherwise, so that unplanted
/// programs score 1 and a program scores higher the more of its weight is
/// in planted operators.
pub struct ModelEvaluator {
    gas_limit: u64,
    planted: Vec<(String, u64)>,
}

impl ModelEvaluator {
    /// A model in which nothing is underpriced; calls run with `gas_limit`.
    pub fn new(gas_limit: u64) -> ModelEvaluator {
        ModelEvaluator {
            gas_limit,
            planted: Vec::new(),
        }
    }

    /// Plants a hole: `operator` (text name, `i64.rem_u`) takes `factor`
    /// times longer than its price says, as if it were charged `factor`
    /// times too little.
    pub fn plant(mut self, operator: &str, factor: u64) -> ModelEvaluator {
        self.planted.push((operator.to_string(), factor));
        self
    }

    fn factor(&self, operator: &str) -> u64 {
        self.planted
            .iter()
            .find(|(name, _)| name == operator)
            .map_or(1, |(_, factor)| *factor)
    }
}

impl Evaluator for ModelEvaluator {
    fn evaluate(&mut self, program: &Program, _effort: Effort) -> Result<Evaluation, EvalError> {
        let deployment = Deployment::new(program, self.gas_limit)?;
        let run = deployment.run()?;
        let (mut time, mut gas) = (0u64, 0u64);
        for (name, used) in ops::operator_uses(&program.wasm) {
            let weight = used.weighted.saturating_mul(used.price);
            gas = gas.saturating_add(weight);
            time = time.saturating_add(weight.saturating_mul(self.factor(&name)));
        }
        let ratio = if gas == 0 {
            1.0
        } else {
            time as f64 / gas as f64
        };
        Ok(Evaluation {
            gas_used: run.gas_used,
            trap: run.trap,
            ns_per_gas: ratio,
            ratio,
        })
    }

    fn baseline(&self) -> f64 {
        1.0
    }

    fn is_deterministic(&self) -> bool {
        true
    }
}
