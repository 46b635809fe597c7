//! Probability calibration: the softmax temperature that makes decision
//! values honest probabilities, fitted on out-of-fold decision values.

/// The inverse temperature `a` that minimizes the negative log-likelihood of
/// softmax(a * scores): golden-section search on a convex 1-D function.
pub(crate) fn fit_temperature(scores: &[f32], targets: &[usize], k: usize) -> f32 {
    let nll = |a: f64| -> f64 {
        scores
            .chunks(k)
            .zip(targets)
            .map(|(s, &t)| {
                let max = s
                    .iter()
                    .fold(f64::NEG_INFINITY, |m, &v| m.max(a * v as f64));
                let sum: f64 = s.iter().map(|&v| (a * v as f64 - max).exp()).sum();
                max + sum.ln() - a * s[t] as f64
            })
            .sum()
    };
    let (mut lo, mut hi) = (0.01f64, 100.0f64);
    let phi = (5f64.sqrt() - 1.0) / 2.0;
    // Search in log space: the useful range spans orders of magnitude.
    let (mut a, mut b) = (lo.ln(), hi.ln());
    let mut c = b - phi * (b - a);
    let mut d = a + phi * (b - a);
    let (mut fc, mut fd) = (nll(c.exp()), nll(d.exp()));
    for _ in 0..60 {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - phi * (b - a);
            fc = nll(c.exp());
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + phi * (b - a);
            fd = nll(d.exp());
        }
    }
    lo = a.exp();
    hi = b.exp();
    ((lo + hi) / 2.0) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temperature_fits_sharper_for_separable_scores() {
        // Scores that always rank the right class first by a margin of 1:
        // the NLL keeps falling as the temperature grows.
        let scores = [1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0];
        let a = fit_temperature(&scores, &[0, 1, 0, 1], 2);
        assert!(a > 50.0, "{a}");
        // Scores that are right half the time: temperature goes to ~0.
        let a = fit_temperature(&scores, &[0, 0, 1, 1], 2);
        assert!(a < 0.1, "{a}");
    }
}
