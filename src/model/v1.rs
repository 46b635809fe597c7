//! Model format version 1, frozen: the payload types as they were when
//! version 1 was written, and their upgrade to today's. postcard encodes
//! fields in order without names, so these must never change.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::file::StoredVectorizer;
use super::{CvScores, Head, HeadInfo, Metadata};
use crate::classifier::{Classifier, LinearModel};
use crate::clean::CleanConfig;
use crate::domain::DomainCheck;
use crate::tokenize::{Numbers, Stemming, StopWords, TokenizerConfig};
use crate::vectorize::{TfIdfParams, TfIdfState};

#[derive(Deserialize)]
pub(super) struct ModelFile {
    vectorizer: VectorizerState,
    heads: Vec<HeadV1>,
    metadata: MetadataV1,
}

#[derive(Deserialize)]
struct VectorizerState {
    params: VectorizerParams,
    features: Vec<String>,
    idf: Vec<f32>,
}

#[derive(Deserialize)]
struct VectorizerParams {
    tokenizer: TokenizerV1,
    min_df: usize,
    max_df: f64,
    max_features: Option<usize>,
    sublinear_tf: bool,
    lede_terms: usize,
}

#[derive(Deserialize)]
struct TokenizerV1 {
    stop_words: StopWords,
    stemming: Stemming,
    numbers: Numbers,
    min_chars: usize,
    ngram_min: usize,
    ngram_max: usize,
}

#[derive(Deserialize)]
struct HeadV1 {
    name: String,
    classes: Vec<String>,
    classifier: ClassifierV1,
}

#[derive(Deserialize)]
pub(super) enum ClassifierV1 {
    Linear(LinearV1),
    Bayes(LinearV1),
}

#[derive(Deserialize)]
pub(super) struct LinearV1 {
    n_classes: usize,
    n_features: usize,
    weights: Vec<f32>,
    bias: Vec<f32>,
    temperature: f32,
}

#[derive(Deserialize)]
struct MetadataV1 {
    created: String,
    classify_version: String,
    command: Vec<String>,
    data: String,
    documents: usize,
    algorithm: String,
    heads: Vec<HeadInfoV1>,
}

#[derive(Deserialize)]
struct HeadInfoV1 {
    name: String,
    class_counts: BTreeMap<String, usize>,
    cv: Option<CvScoresV1>,
}

#[derive(Deserialize)]
struct CvScoresV1 {
    folds: usize,
    accuracy: Vec<f64>,
    macro_f1: Vec<f64>,
}

impl ClassifierV1 {
    /// Today's classifier.
    pub(super) fn upgrade(self) -> Classifier {
        match self {
            ClassifierV1::Linear(m) => Classifier::Linear(m.upgrade()),
            ClassifierV1::Bayes(m) => Classifier::Bayes(m.upgrade()),
        }
    }
}

impl LinearV1 {
    fn upgrade(self) -> LinearModel {
        LinearModel::from_parts(
            self.n_classes,
            self.n_features,
            self.weights,
            self.bias,
            self.temperature,
        )
    }
}

impl ModelFile {
    /// Today's parts. A version 1 model was trained with the cleaning rules
    /// frozen in `CleanConfig::rules_v1`.
    pub(super) fn upgrade(self) -> super::file::Parts {
        let p = self.vectorizer.params;
        let t = p.tokenizer;
        let vectorizer = StoredVectorizer::Strings(TfIdfState {
            params: TfIdfParams {
                tokenizer: TokenizerConfig {
                    stop_words: t.stop_words,
                    stemming: t.stemming,
                    numbers: t.numbers,
                    min_chars: t.min_chars,
                    ngram_min: t.ngram_min,
                    ngram_max: t.ngram_max,
                    lede_terms: p.lede_terms,
                },
                min_df: p.min_df,
                max_df: p.max_df,
                max_features: p.max_features,
                sublinear_tf: p.sublinear_tf,
            },
            features: self.vectorizer.features,
            idf: self.vectorizer.idf,
        });
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
        let m = self.metadata;
        let metadata = Metadata {
            created: m.created,
            classify_version: m.classify_version,
            command: m.command,
            data: m.data,
            documents: m.documents,
            algorithm: m.algorithm,
            heads: m
                .heads
                .into_iter()
                .map(|h| HeadInfo {
                    name: h.name,
                    class_counts: h.class_counts,
                    cv: h.cv.map(|cv| CvScores {
                        folds: cv.folds,
                        accuracy: cv.accuracy,
                        macro_f1: cv.macro_f1,
                        pooled: None,
                    }),
                })
                .collect(),
        };
        (
            CleanConfig::rules_v1(),
            vectorizer,
            heads,
            DomainCheck::default(),
            metadata,
        )
    }
}
