//! The fitted form of every classifier here: per class a weight vector
//! and a bias, scored against sparse rows, with a softmax temperature for
//! probabilities. The SVM fits it directly; naive Bayes is exported into it.

use linfa::traits::PredictInplace;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use super::{argmax, softmax, SparseRows};
use crate::sparse::{row, Csr};

/// A fitted model: weights stored feature-major (`weights[j * k + c]`) so a
/// sparse row touches `k` adjacent floats per non-zero.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinearModel {
    n_classes: usize,
    n_features: usize,
    #[serde(with = "crate::le")]
    weights: Vec<f32>,
    #[serde(with = "crate::le")]
    bias: Vec<f32>,
    temperature: f32,
}

impl LinearModel {
    /// Sets the probability softmax's inverse temperature.
    pub(crate) fn with_temperature(mut self, temperature: f32) -> Self {
        self.temperature = temperature;
        self
    }

    /// Class probabilities of one row of `x`.
    pub(crate) fn proba_row(&self, x: &Csr, i: usize) -> Vec<f32> {
        let (idx, val) = row(x, i);
        self.proba_one(idx, val)
    }

    /// A model from its parts: feature-major `weights` (`n_features *
    /// n_classes`), one bias per class, and the probability softmax's inverse
    /// temperature.
    pub(crate) fn from_parts(
        n_classes: usize,
        n_features: usize,
        weights: Vec<f32>,
        bias: Vec<f32>,
        temperature: f32,
    ) -> Self {
        LinearModel {
            n_classes,
            n_features,
            weights,
            bias,
            temperature,
        }
    }

    /// The number of classes.
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// The number of features (columns) it scores.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The fitted inverse temperature of the probability softmax.
    pub fn temperature(&self) -> f32 {
        self.temperature
    }

    /// Decision values of one sparse row into `out` (`n_classes` long).
    /// Columns beyond the model's features are ignored.
    pub fn decision_into(&self, idx: &[u32], val: &[f32], out: &mut [f32]) {
        let k = self.n_classes;
        out.copy_from_slice(&self.bias);
        // The rows of a few features ahead are fetched while this one is
        // summed: the weights of a large model are far bigger than the
        // cache, and each feature's row is a random place in them.
        const AHEAD: usize = 6;
        for (i, (&j, &v)) in idx.iter().zip(val).enumerate() {
            if let Some(&next) = idx.get(i + AHEAD) {
                let at = (next as usize).min(self.n_features.saturating_sub(1)) * k;
                let row = self.weights.as_ptr().wrapping_add(at);
                crate::vectorize::table::prefetch(row);
                crate::vectorize::table::prefetch(row.wrapping_add(k - 1));
            }
            let j = j as usize;
            if j >= self.n_features {
                continue;
            }
            let w = &self.weights[j * k..(j + 1) * k];
            for (o, wc) in out.iter_mut().zip(w) {
                *o += wc * v;
            }
        }
    }

    /// Class probabilities of one sparse row.
    pub fn proba_one(&self, idx: &[u32], val: &[f32]) -> Vec<f32> {
        let mut out = vec![0f32; self.n_classes];
        self.decision_into(idx, val, &mut out);
        out.iter_mut().for_each(|v| *v *= self.temperature);
        softmax(&mut out);
        out
    }

    /// Class probabilities of every row.
    pub fn predict_proba(&self, x: &SparseRows) -> Array2<f32> {
        let mut out = Array2::zeros((x.0.rows(), self.n_classes));
        for (i, mut r) in out.rows_mut().into_iter().enumerate() {
            let (idx, val) = row(&x.0, i);
            let p = self.proba_one(idx, val);
            r.iter_mut().zip(p).for_each(|(o, v)| *o = v);
        }
        out
    }

    /// The weight of feature `j` for class `c` (0 beyond the model's
    /// features).
    pub fn weight(&self, j: usize, c: usize) -> f32 {
        if j >= self.n_features || c >= self.n_classes {
            return 0.0;
        }
        self.weights[j * self.n_classes + c]
    }

    /// Per-feature contributions `x_j * w_jc` to class `c`'s score, largest
    /// first, the `n` largest positive ones.
    pub fn contributions(
        &self,
        idx: &[u32],
        val: &[f32],
        class: usize,
        n: usize,
    ) -> Vec<(u32, f32)> {
        let k = self.n_classes;
        let mut out: Vec<(u32, f32)> = idx
            .iter()
            .zip(val)
            .filter(|(&j, _)| (j as usize) < self.n_features)
            .map(|(&j, &v)| (j, v * self.weights[j as usize * k + class]))
            .filter(|&(_, c)| c > 0.0)
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        out.truncate(n);
        out
    }

    /// The `n` features with the largest weight for class `c`.
    pub fn top_features(&self, class: usize, n: usize) -> Vec<(u32, f32)> {
        let k = self.n_classes;
        let mut out: Vec<(u32, f32)> = (0..self.n_features)
            .map(|j| (j as u32, self.weights[j * k + class]))
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        out.truncate(n);
        out
    }

    /// Checks internal consistency after deserializing.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.weights.len() != self.n_classes * self.n_features
            || self.bias.len() != self.n_classes
        {
            return Err(format!(
                "linear model shape mismatch: {} weights, {} biases for {} classes x {} features",
                self.weights.len(),
                self.bias.len(),
                self.n_classes,
                self.n_features
            ));
        }
        // The largest exponent field: all ones means infinite or NaN. A max
        // over the bits vectorizes; `any(!is_finite)` did not, and was a
        // fifth of loading a large model.
        let exponent = |w: &f32| (w.to_bits() >> 23) & 0xFF;
        let worst = self
            .weights
            .iter()
            .chain(&self.bias)
            .map(exponent)
            .fold(0, u32::max);
        if !self.temperature.is_finite() || worst == 0xFF {
            return Err("linear model holds non-finite numbers".into());
        }
        Ok(())
    }
}

impl PredictInplace<SparseRows, Array1<usize>> for LinearModel {
    fn predict_inplace(&self, x: &SparseRows, y: &mut Array1<usize>) {
        let mut scores = vec![0f32; self.n_classes];
        for (i, out) in y.iter_mut().enumerate() {
            let (idx, val) = row(&x.0, i);
            self.decision_into(idx, val, &mut scores);
            *out = argmax(&scores);
        }
    }

    fn default_target(&self, x: &SparseRows) -> Array1<usize> {
        Array1::zeros(x.0.rows())
    }
}
