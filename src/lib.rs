//! classify: label news articles by topic and stance.
//!
//! The pipeline is [`clean`] (markup and scraper leftovers out) ->
//! [`tokenize`] (Unicode words, lowercase, stop words, Snowball stems, word
//! n-grams) -> [`vectorize`] (TF-IDF frozen at fit time, sparse rows) ->
//! a classifier per label field ([`linear`] on sparse rows, or linfa-bayes
//! through [`bayes`]), bundled as a [`model::Model`] that saves to one file.

pub mod clean;
pub mod tokenize;
pub mod vectorize;
pub mod cv;
pub mod linear;
pub mod corpus;
pub mod document;
pub mod bayes;
pub mod metrics;
pub mod model;
pub mod train;
pub mod report;
pub mod html;
pub mod output;
pub mod fasthash;
