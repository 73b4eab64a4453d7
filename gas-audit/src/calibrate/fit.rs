//! Small statistics for the calibration: medians and the least-squares
//! line `y = a + b x` that turns measurements over a range of sizes into a
//! base and a per-unit term (as Soroban's cost runner and Substrate's
//! benchmarking fit theirs).
//!
//! Floating point is fine here: this is measurement code, never consensus
//! code; nothing it computes enters a price except through a person who
//! reads the report and edits the cost table.

/// The median of `values` (the mean of the middle two for an even count);
/// `None` when empty. NaNs sort last.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let mid = sorted.len() / 2;
    Some(if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    })
}

/// A fitted line `y = base + per_unit * x`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line {
    /// The value at `x = 0`.
    pub base: f64,
    /// The slope.
    pub per_unit: f64,
}

/// The least-squares line through `points` (`(x, y)`); `None` with fewer
/// than two distinct `x`.
pub fn least_squares(points: &[(f64, f64)]) -> Option<Line> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let per_unit = sxy / sxx;
    Some(Line {
        base: mean_y - per_unit * mean_x,
        per_unit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }

    #[test]
    fn a_line_is_recovered() {
        let points: Vec<(f64, f64)> = [0.0, 64.0, 4096.0, 65536.0]
            .iter()
            .map(|&x| (x, 120.0 + 0.25 * x))
            .collect();
        let line = least_squares(&points).expect("fits");
        assert!((line.base - 120.0).abs() < 1e-6, "{line:?}");
        assert!((line.per_unit - 0.25).abs() < 1e-9, "{line:?}");
        assert_eq!(least_squares(&[(1.0, 2.0)]), None);
        assert_eq!(least_squares(&[(1.0, 2.0), (1.0, 3.0)]), None);
    }
}
