//! Classifiers that score sparse TF-IDF rows.
//!
//! Every head of a model holds a [`Classifier`]: one-vs-rest linear SVMs
//! ([`svm`], the default) or multinomial naive Bayes through linfa-bayes
//! ([`nb`]). Both end up in the same fitted form, a [`LinearModel`]: per
//! class a weight vector and a bias, and a softmax temperature for
//! probabilities ([`calibration`]).

pub mod calibration;
mod linear;
pub mod nb;
pub mod svm;

use linfa::dataset::Records;
use serde::{Deserialize, Serialize};

pub use linear::LinearModel;
pub use nb::{BayesError, BayesParams, BayesValidParams};
pub use svm::{ClassWeight, LinearError, LinearParams, LinearValidParams};

use crate::sparse::Csr;

/// Sparse records for linfa: CSR rows of TF-IDF features.
#[derive(Clone, Debug)]
pub struct SparseRows(pub Csr);

impl Records for SparseRows {
    type Elem = f32;

    fn nsamples(&self) -> usize {
        self.0.rows()
    }

    fn nfeatures(&self) -> usize {
        self.0.cols()
    }
}

/// A head's classifier. Both kinds score a document linearly; the tag
/// says which algorithm fitted the weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Classifier {
    /// One-vs-rest SVMs with a calibrated softmax.
    Linear(LinearModel),
    /// Multinomial naive Bayes: log priors and centered feature
    /// log-probabilities.
    Bayes(LinearModel),
}

impl std::ops::Deref for Classifier {
    type Target = LinearModel;

    fn deref(&self) -> &LinearModel {
        match self {
            Classifier::Linear(m) | Classifier::Bayes(m) => m,
        }
    }
}

impl Classifier {
    /// The same classifier with another softmax inverse temperature
    /// (calibration on a user's sample).
    pub(crate) fn with_temperature(self, temperature: f32) -> Classifier {
        match self {
            Classifier::Linear(m) => Classifier::Linear(m.with_temperature(temperature)),
            Classifier::Bayes(m) => Classifier::Bayes(m.with_temperature(temperature)),
        }
    }
}

/// Index of the largest value; ties go to the lower index.
pub fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}

/// Softmax in place, stable against large values.
pub fn softmax(values: &mut [f32]) {
    let max = values.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
    let mut sum = 0.0;
    for v in values.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    values.iter_mut().for_each(|v| *v /= sum);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_ties_go_low_and_softmax_sums_to_one() {
        assert_eq!(argmax(&[0.2, 0.5, 0.5]), 1);
        let mut v = [1000.0, 1000.0];
        softmax(&mut v);
        assert_eq!(v, [0.5, 0.5]);
    }
}
