//! Medians and the lines the benchmark prints.

/// The median of the samples (the mean of the middle two for an even count).
pub fn median(samples: &[f64]) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => sorted[n / 2],
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Prints a measured figure and its ratio to the baseline against a goal.
pub fn report_ratio(name: &str, ratio: f64, goal: &str, met: bool) {
    println!(
        "RATIO {name}: {ratio:.3}x (goal {goal}) {}",
        if met { "MET" } else { "MISSED" }
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&[]).is_nan());
    }
}
