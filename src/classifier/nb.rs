//! Multinomial naive Bayes through linfa-bayes, for `--algorithm nb`.
//!
//! linfa-bayes fits on dense `Array2` only, so the vocabulary is capped
//! (see `train`) and rows are densified in batches that are fed to
//! `fit_with` incrementally. linfa-bayes 0.8.1 prints a `dbg!` dump of every
//! class histogram to stderr on each fit (fixed upstream, unreleased); we
//! silence standard error for the duration of each call (on Unix) so users
//! never see it. The fitted parameters are then read out of the linfa model
//! into the same linear form as the SVM ([`LinearModel`]: log priors as
//! biases, feature log-probabilities as weights), which scores sparse rows
//! directly and serializes deterministically (linfa's model keeps its
//! classes in a `HashMap`).

use linfa::dataset::DatasetView;
use linfa::traits::FitWith;
use linfa_bayes::{MultinomialNb, MultinomialNbParams};
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use super::LinearModel;
use crate::params::ParamError;
use crate::sparse::Csr;

/// Errors from fitting naive Bayes.
#[derive(Debug, thiserror::Error)]
pub enum BayesError {
    /// `alpha` out of range.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// Fewer than two classes occur in the targets.
    #[error("need at least 2 classes, found {0}")]
    TooFewClasses(usize),
    /// An error from linfa-bayes.
    #[error("linfa-bayes: {0}")]
    Linfa(String),
}

/// The vocabulary cap under naive Bayes when none is given: linfa-bayes
/// fits dense batches, `batch_rows` x features floats at a time.
pub const DEFAULT_MAX_FEATURES: usize = 20_000;

/// Naive Bayes hyper-parameters.
///
/// | field | default | range |
/// |---|---|---|
/// | `alpha` | 0.1 | > 0: additive (Lidstone) smoothing |
/// | `batch_rows` | 512 | rows densified per `fit_with` call |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BayesParams {
    /// Additive smoothing.
    pub alpha: f32,
    /// Rows densified per `fit_with` call.
    pub batch_rows: usize,
}

impl Default for BayesParams {
    fn default() -> Self {
        BayesParams {
            alpha: 0.1,
            batch_rows: 512,
        }
    }
}

impl BayesParams {
    /// Validates the parameters.
    pub fn check(&self) -> Result<BayesValidParams, BayesError> {
        if !(self.alpha.is_finite() && self.alpha > 0.0) {
            return Err(ParamError::new("--alpha", self.alpha, "need a number > 0").into());
        }
        Ok(BayesValidParams(BayesParams {
            batch_rows: self.batch_rows.max(1),
            ..self.clone()
        }))
    }
}

/// Checked naive Bayes parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct BayesValidParams(BayesParams);

/// Runs `f` with standard error pointed at /dev/null, then restores it.
#[cfg(unix)]
fn without_stderr<T>(f: impl FnOnce() -> T) -> T {
    use std::io::Write;
    let _ = std::io::stderr().flush();
    // SAFETY: plain descriptor calls; every descriptor we open is checked
    // and closed, and fd 2 is restored before returning.
    unsafe {
        let saved = libc::dup(2);
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
        if saved < 0 || null < 0 {
            if saved >= 0 {
                libc::close(saved);
            }
            if null >= 0 {
                libc::close(null);
            }
            return f();
        }
        libc::dup2(null, 2);
        libc::close(null);
        let out = f();
        libc::dup2(saved, 2);
        libc::close(saved);
        out
    }
}

#[cfg(not(unix))]
fn without_stderr<T>(f: impl FnOnce() -> T) -> T {
    f()
}

#[derive(Deserialize)]
struct LinfaArray {
    data: Vec<f32>,
}

#[derive(Deserialize)]
struct LinfaHistogram {
    prior: f32,
    feature_log_prob: LinfaArray,
}

#[derive(Deserialize)]
struct LinfaNb {
    class_info: std::collections::HashMap<String, LinfaHistogram>,
}

impl BayesValidParams {
    /// Fits on the rows of `x` with class indices `targets`.
    pub fn fit_rows(
        &self,
        x: &Csr,
        targets: &[usize],
        n_classes: usize,
    ) -> Result<LinearModel, BayesError> {
        let mut present = vec![false; n_classes];
        targets.iter().for_each(|&t| present[t] = true);
        let distinct = present.iter().filter(|&&p| p).count();
        if distinct < 2 {
            return Err(BayesError::TooFewClasses(distinct));
        }
        let d = x.cols();
        let params = MultinomialNbParams::<f32, usize>::new().alpha(self.0.alpha);
        let valid =
            linfa::ParamGuard::check(params).map_err(|e| BayesError::Linfa(e.to_string()))?;
        let mut model: Option<MultinomialNb<f32, usize>> = None;
        let ptr = x.indptr();
        let ptr = ptr.raw_storage();
        for start in (0..x.rows()).step_by(self.0.batch_rows) {
            let end = (start + self.0.batch_rows).min(x.rows());
            let mut dense = Array2::<f32>::zeros((end - start, d));
            for i in start..end {
                for k in ptr[i]..ptr[i + 1] {
                    dense[[i - start, x.indices()[k] as usize]] = x.data()[k];
                }
            }
            let y = Array1::from(targets[start..end].to_vec());
            let ds = DatasetView::new(dense.view(), y.view());
            let fitted = without_stderr(|| valid.fit_with(model.take(), &ds))
                .map_err(|e| BayesError::Linfa(e.to_string()))?;
            model = Some(fitted);
        }
        let model = model.ok_or(BayesError::TooFewClasses(0))?;
        // Read the fitted parameters through linfa-bayes' serde form.
        let value = serde_json::to_value(&model).map_err(|e| BayesError::Linfa(e.to_string()))?;
        let parsed: LinfaNb =
            serde_json::from_value(value).map_err(|e| BayesError::Linfa(e.to_string()))?;
        let mut log_prior = vec![f32::NEG_INFINITY; n_classes];
        let mut feature_log_prob = vec![0f32; d * n_classes];
        for (label, hist) in parsed.class_info {
            let c: usize = label
                .parse()
                .map_err(|_| BayesError::Linfa(format!("unexpected class {label:?}")))?;
            if c >= n_classes || hist.feature_log_prob.data.len() != d {
                return Err(BayesError::Linfa(format!("unexpected shape for class {c}")));
            }
            log_prior[c] = hist.prior.ln();
            for (j, &v) in hist.feature_log_prob.data.iter().enumerate() {
                feature_log_prob[j * n_classes + c] = v;
            }
        }
        // A class absent from training gets a prior of zero: never predicted,
        // but kept finite so softmax stays defined.
        log_prior
            .iter_mut()
            .filter(|p| !p.is_finite())
            .for_each(|p| *p = -1e30);
        // Center each feature's log-probabilities across classes. Every
        // class's score drops by the same x . mean, so probabilities are
        // unchanged, and a weight now says how much a feature favors a class
        // over the average one, which is what `--explain` and `info` show.
        for w in feature_log_prob.chunks_mut(n_classes) {
            let mean = w.iter().sum::<f32>() / n_classes as f32;
            w.iter_mut().for_each(|v| *v -= mean);
        }
        Ok(LinearModel::from_parts(
            n_classes,
            d,
            feature_log_prob,
            log_prior,
            1.0,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_through_linfa_and_predicts_sparse_rows() {
        // Class 0 uses features 0-1, class 1 features 2-3.
        let x = Csr::new(
            (4, 4),
            vec![0, 2, 4, 6, 8],
            vec![0, 1, 0, 1, 2, 3, 2, 3],
            vec![0.8, 0.6, 0.6, 0.8, 0.7, 0.7, 0.9, 0.4],
        );
        let params = BayesParams {
            batch_rows: 3,
            ..Default::default()
        };
        let model = params
            .check()
            .unwrap()
            .fit_rows(&x, &[0, 0, 1, 1], 2)
            .unwrap();
        let p = model.proba_one(&[0, 1], &[0.7, 0.7]);
        assert!(p[0] > 0.9, "{p:?}");
        let p = model.proba_one(&[3], &[1.0]);
        assert!(p[1] > 0.9, "{p:?}");
        // Equal priors: an empty row is a coin toss.
        let p = model.proba_one(&[], &[]);
        assert!((p[0] - 0.5).abs() < 1e-6);
        assert_eq!(
            model
                .top_features(1, 2)
                .iter()
                .map(|f| f.0)
                .collect::<Vec<_>>(),
            [2, 3]
        );
    }

    #[test]
    fn invalid_alpha_and_single_class() {
        assert_eq!(
            BayesParams {
                alpha: -1.0,
                ..Default::default()
            }
            .check()
            .unwrap_err()
            .to_string(),
            "--alpha -1 is out of range: need a number > 0"
        );
        let x = Csr::new((1, 1), vec![0, 1], vec![0], vec![1.0]);
        let err = BayesParams::default()
            .check()
            .unwrap()
            .fit_rows(&x, &[0], 2)
            .unwrap_err();
        assert_eq!(err.to_string(), "need at least 2 classes, found 1");
    }
}
