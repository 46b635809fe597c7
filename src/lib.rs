//! classify: label news articles by topic and stance.
//!
//! The pipeline is [`clean`] (markup and scraper leftovers out) ->
//! [`tokenize`] (Unicode words, lowercase, stop words, Snowball stems, word
//! n-grams) -> [`vectorize`] (TF-IDF frozen at fit time, sparse rows) ->
//! a classifier per label field ([`linear`] on sparse rows, or linfa-bayes
//! through [`bayes`]), bundled as a [`model::Model`] that saves to one file.
//!
//! ```
//! use classify::corpus::{self, CorpusOptions};
//! use classify::train::{Silent, TrainParams};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let data = corpus::load("tests/fixtures/corpus".as_ref(), &CorpusOptions::default())?;
//! let model = TrainParams::default().check()?.fit(&data.records, None, &Silent)?;
//! let labels = model.label("Border agents detained 40 migrants near the river.", 3);
//! assert_eq!(labels[0].head, "topic");
//! assert_eq!(labels[0].label, "immigration");
//! # Ok(())
//! # }
//! ```

pub mod bayes;
pub mod clean;
pub mod corpus;
pub mod cv;
pub mod document;
pub mod fasthash;
pub mod html;
pub mod linear;
pub mod metrics;
pub mod model;
pub mod output;
pub mod report;
pub mod tokenize;
pub mod train;
pub mod vectorize;
