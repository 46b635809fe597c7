//! Model format version 2, frozen: its payload as it was written (the
//! cleaner's rules, the vectorizer, heads without calibration, metadata),
//! and its upgrade to today's parts. Its classifiers are stored as version
//! 1 stored them (see `v1.rs`). A version 2 model has no domain
//! check of its own: it gets the default thresholds and no language check.

use serde::Deserialize;

use super::file::StoredVectorizer;
use super::v1::ClassifierV1;
use super::{Head, Metadata};
use crate::clean::CleanConfig;
use crate::domain::DomainCheck;
use crate::vectorize::TfIdfState;

#[derive(Deserialize)]
pub(super) struct ModelFile {
    cleaner: CleanConfig,
    vectorizer: TfIdfState,
    heads: Vec<HeadV2>,
    metadata: Metadata,
}

#[derive(Deserialize)]
struct HeadV2 {
    name: String,
    classes: Vec<String>,
    /// The classifier as versions 1 and 2 stored it (numbers one by one).
    classifier: ClassifierV1,
}

impl ModelFile {
    /// Today's parts.
    pub(super) fn upgrade(self) -> super::file::Parts {
        let heads = self
            .heads
            .into_iter()
            .map(|h| Head {
                name: h.name,
                classes: h.classes,
                classifier: h.classifier.upgrade(),
                calibration: None,
            })
            .collect();
        (
            self.cleaner,
            StoredVectorizer::Strings(self.vectorizer),
            heads,
            DomainCheck::default(),
            self.metadata,
        )
    }
}
