//! classify: label news articles by topic and stance.
//!
//! The pipeline is [`clean`] (markup and scraper leftovers out) ->
//! [`tokenize`] (Unicode words, lowercase, stop words, Snowball stems, word
//! n-grams) -> [`vectorize`] (TF-IDF frozen at fit time, sparse rows) -> a
//! [`classifier`] per label field (linear SVMs on sparse rows, or
//! linfa-bayes naive Bayes), bundled as a [`Model`] that saves to one file
//! and carries its cleaning rules and tokenizer with it.
//!
//! Every workflow of the `classify` binary is a library call: training
//! ([`TrainParams`], [`cv`]), labeling raw documents ([`Model::label`],
//! [`label`] for files and JSON Lines streams), evaluation ([`evaluate`]),
//! reading inputs ([`source`], [`corpus`]), writing files atomically
//! ([`atomic`]) and rendering results ([`render`]). With the default
//! feature `serve`, `serve` is the HTTP labeling service of `classify serve`.
//!
//! Train on a few records, save, load, and label raw HTML:
//!
//! ```
//! use classify::corpus::{self, RawRecord};
//! use classify::{Model, Overwrite, Silent, TrainParams};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut records = Vec::new();
//! for (text, topic) in [
//!     ("Border agents detained migrants at the river crossing.", "immigration"),
//!     ("Asylum seekers waited for visas at the border office.", "immigration"),
//!     ("The senate voted on the budget after a long debate.", "politics"),
//!     ("Voters went to the polls to elect a new senate.", "politics"),
//! ] {
//!     records.push(RawRecord {
//!         text: Some(text.into()),
//!         labels: [("topic".to_string(), topic.to_string())].into(),
//!         ..Default::default()
//!     });
//! }
//! let params = TrainParams { min_df: 1, ..Default::default() }.check()?;
//! let data = corpus::from_records(records, params.cleaner());
//! let model = params.fit(&data.records, None, &Silent)?;
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("topics.model");
//! model.save(&path, Overwrite::Refuse)?;
//! let model = Model::load(&path)?;
//!
//! let labels = model.label("<html><body><p>Migrants crossed the border.</p>\
//!                           <p>Share this article</p></body></html>")?;
//! assert_eq!(labels.heads[0].head, "topic");
//! assert_eq!(labels.heads[0].label, "immigration");
//! # Ok(())
//! # }
//! ```
//!
//! The model shipped with classify is [`Model::builtin`].
#![warn(missing_docs)]

pub mod atomic;
pub mod calibrate;
pub mod classifier;
pub mod clean;
pub mod corpus;
pub mod cv;
pub mod document;
pub mod domain;
pub mod eval;
pub mod explain;
mod fasthash;
pub mod label;
mod le;
pub mod metrics;
pub mod model;
pub mod params;
pub mod progress;
pub mod render;
mod rng;
#[cfg(feature = "serve")]
pub mod serve;
pub mod source;
mod sparse;
pub mod tokenize;
pub mod train;
pub mod vectorize;

/// The README's Rust examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;

pub use atomic::Overwrite;
pub use classifier::{Classifier, LinearModel, SparseRows};
pub use clean::{CleanConfig, Cleaner, Format};
pub use corpus::{Corpus, CorpusOptions, Record};
pub use document::DocumentError;
pub use eval::{evaluate, EvalOptions, EvalReport};
pub use model::{DocumentLabels, HeadLabel, LabelOptions, MinConfidence, Model, ModelError};
pub use params::ParamError;
pub use progress::{Progress, Silent};
pub use sparse::Csr;
pub use train::{Algorithm, TrainError, TrainParams, TrainValidParams};
