//! Model format version 2, frozen: its payload as it was written (the
//! cleaner's rules, the vectorizer, heads without calibration, metadata),
//! and its upgrade to today's parts. A version 2 model has no domain
//! check of its own: it gets the default thresholds and no language check.

use serde::Deserialize;

use super::{Head, Metadata};
use crate::classifier::Classifier;
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
    classifier: Classifier,
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
                classifier: h.classifier,
                calibration: None,
            })
            .collect();
        (
            self.cleaner,
            self.vectorizer,
            heads,
            DomainCheck::default(),
            self.metadata,
        )
    }
}
