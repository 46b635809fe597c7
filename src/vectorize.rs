//! TF-IDF vectorizer with vocabulary and IDF frozen at fit time.
//!
//! linfa-preprocessing's `TfIdfVectorizer::transform` recomputes IDF from the
//! batch it is handed, so one document labeled alone gets different weights
//! than the same document in a batch, and its tokenizer hook cannot stem.
//! This vectorizer fits once ([`TfIdfValidParams::fit`]), freezes the
//! vocabulary and the IDF, and from then on a document's vector depends on
//! nothing but the document ([`TfIdf::transform_one`] equals its row of
//! [`TfIdf::transform`]).
//!
//! Features come from the tokenizer's one text path (words -> term ids ->
//! the feature stage); fitting and labeling walk it the same way and differ
//! only in how a stem becomes an id (interned while fitting, looked up in the
//! frozen vocabulary while labeling). Internally an n-gram is a packed tuple
//! of term ids (`u128`, 32 bits a term), never a string, so counting
//! millions of candidate bigrams costs integers, not allocations. Output rows
//! are sparse (CSR, sprs) all the way to the classifier.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::fasthash::FastMap as HashMap;
use crate::params::ParamError;
use crate::sparse::{self, Csr};
use crate::tokenize::{
    Feature, TokenizeError, Tokenizer, TokenizerConfig, WordCache, LEDE, LEDE_PREFIX, STOP, UNKNOWN,
};

/// How much of a document the vocabulary knows: the evidence that a model
/// can read it. Words are what the splitter finds (stop words aside, short
/// words included); "known" words have a stem that is in some feature. The
/// share is measured in bytes of words, so a script written without spaces
/// (Chinese: one word per character) weighs as much as its text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TermCounts {
    /// Terms (kept words) in the document.
    pub terms: usize,
    /// Terms whose stem is in some feature.
    pub known: usize,
    /// Bytes of all words but stop words.
    pub word_bytes: usize,
    /// Bytes of the known terms.
    pub known_bytes: usize,
}

impl TermCounts {
    /// Share of the document's word bytes that belong to known terms (1
    /// for a document without words).
    pub fn known_share(&self) -> f64 {
        if self.word_bytes == 0 {
            1.0
        } else {
            self.known_bytes as f64 / self.word_bytes as f64
        }
    }
}

/// Errors from configuring, fitting or restoring the vectorizer.
#[derive(Debug, thiserror::Error)]
pub enum VectorizeError {
    /// The tokenizer configuration is invalid.
    #[error(transparent)]
    Tokenizer(#[from] TokenizeError),
    /// A parameter is out of range.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// Fitting kept no feature at all.
    #[error("no features: every term was dropped (documents are empty, or min_df {min_df} is above every term's document frequency)")]
    EmptyVocabulary {
        /// The `min_df` in force.
        min_df: usize,
    },
    /// A stored vocabulary does not hold together (a corrupt model).
    #[error("model vocabulary is inconsistent: {0}")]
    Inconsistent(String),
}

/// Vectorizer hyper-parameters.
///
/// | field | default | range |
/// |---|---|---|
/// | `tokenizer` | [`TokenizerConfig::default`] | see there |
/// | `min_df` | 2 | >= 1 documents (a feature must occur in this many) |
/// | `max_df` | 1.0 | (0, 1]: drop features in more than this share of documents |
/// | `max_features` | none | >= 1: keep the most frequent features |
/// | `sublinear_tf` | true | tf becomes 1 + ln(tf) |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TfIdfParams {
    /// The text path: stages and the feature stage.
    pub tokenizer: TokenizerConfig,
    /// Keep features found in at least this many documents.
    pub min_df: usize,
    /// Drop features found in more than this share of documents.
    pub max_df: f64,
    /// Keep at most this many features, the most frequent.
    pub max_features: Option<usize>,
    /// Count `1 + ln(tf)` instead of `tf`.
    pub sublinear_tf: bool,
}

impl Default for TfIdfParams {
    fn default() -> Self {
        TfIdfParams {
            tokenizer: TokenizerConfig::default(),
            min_df: 2,
            max_df: 1.0,
            max_features: None,
            sublinear_tf: true,
        }
    }
}

impl TfIdfParams {
    /// Validates the parameters; only validated parameters can fit.
    pub fn check(&self) -> Result<TfIdfValidParams, VectorizeError> {
        let tokenizer = self.tokenizer.build()?;
        if self.min_df < 1 {
            return Err(ParamError::new("--min-df", self.min_df, "need at least 1").into());
        }
        if !(self.max_df > 0.0 && self.max_df <= 1.0) {
            return Err(ParamError::new("--max-df", self.max_df, "need a share in (0, 1]").into());
        }
        if self.max_features == Some(0) {
            return Err(ParamError::new("--max-features", 0, "need at least 1").into());
        }
        Ok(TfIdfValidParams {
            params: self.clone(),
            tokenizer,
        })
    }
}

/// Checked parameters with their tokenizer built.
#[derive(Debug)]
pub struct TfIdfValidParams {
    params: TfIdfParams,
    tokenizer: Tokenizer,
}

/// A fitted vectorizer: frozen vocabulary (sorted feature strings) and IDF.
pub struct TfIdf {
    params: TfIdfParams,
    tokenizer: Tokenizer,
    /// Feature strings (terms joined by one space), sorted; index = column.
    features: Vec<String>,
    idf: Vec<f32>,
    /// Stem -> term id, for the terms that occur in some feature.
    terms: HashMap<Box<str>, u32>,
    /// Packed term-id tuple -> column.
    columns: HashMap<u128, u32>,
    /// Term id -> its unigram column (or UNKNOWN): unigrams, the most
    /// frequent lookups, skip the hash map.
    unigram: Vec<u32>,
    /// Term ids that begin some n-gram feature (n >= 2): the n-grams of all
    /// other terms are not looked up, and most n-grams of a text are not
    /// features.
    starts_ngram: Vec<bool>,
    /// Distinguishes this instance in the per-thread word caches.
    id: u64,
}

impl std::fmt::Debug for TfIdf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TfIdf")
            .field("params", &self.params)
            .field("features", &self.features.len())
            .finish()
    }
}

/// [`TfIdfState`] borrowed: serializes to the same bytes without copying
/// the vocabulary.
#[derive(Serialize)]
pub(crate) struct TfIdfStateRef<'a> {
    pub(crate) params: &'a TfIdfParams,
    pub(crate) features: &'a [String],
    pub(crate) idf: &'a [f32],
}

/// What a model file stores of a fitted vectorizer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct TfIdfState {
    pub(crate) params: TfIdfParams,
    pub(crate) features: Vec<String>,
    pub(crate) idf: Vec<f32>,
}

fn pack(ids: &[u32]) -> u128 {
    ids.iter()
        .fold(0u128, |key, &id| (key << 32) | (id as u128 + 1))
}

fn feature_key(feature: Feature<'_>) -> u128 {
    match feature {
        Feature::Gram(window) => pack(window),
        Feature::Lede(id) => pack(&[LEDE, id]),
    }
}

/// The ids of a packed key, in order.
fn unpack(key: u128) -> Vec<u32> {
    let mut ids = Vec::with_capacity(4);
    let mut k = key;
    while k != 0 {
        ids.push((k & 0xFFFF_FFFF) as u32 - 1);
        k >>= 32;
    }
    ids.reverse();
    ids
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Entries after which a thread's word cache starts over (bounds memory on
/// endless streams of new words).
const WORD_CACHE_LIMIT: usize = 1 << 20;

/// Per-thread state of labeling: the word cache of the vectorizer that
/// used it last, and scratch buffers.
#[derive(Default)]
struct Scratch {
    owner: u64,
    cache: WordCache,
    buf: String,
    ids: Vec<u32>,
    keys: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// One chunk of documents as term-id sequences, with the chunk's own
/// numbering of stems (merged into one global numbering afterwards).
#[derive(Default)]
struct Chunk {
    stems: Vec<String>,
    seqs: Vec<Vec<u32>>,
}

/// A candidate feature's packed key, document frequency and total count.
type Counted = (u128, u32, u64);

impl TfIdfValidParams {
    /// The checked parameters.
    pub fn params(&self) -> &TfIdfParams {
        &self.params
    }

    /// Fits vocabulary and IDF on `docs`, returning the fitted vectorizer and
    /// the documents' rows (computed by the same code path as
    /// [`TfIdf::transform`]).
    pub fn fit_transform<S: AsRef<str> + Sync>(
        &self,
        docs: &[S],
    ) -> Result<(TfIdf, Csr), VectorizeError> {
        let mut chunks = self.term_sequences(docs);
        let all_terms = renumber(&mut chunks);
        let counted = self.count_features(&chunks, docs.len());
        let fitted = self.freeze(counted, &all_terms, docs.len())?;
        let matrix = fitted.rows_of_sequences(chunks, &all_terms, docs.len());
        Ok((fitted, matrix))
    }

    /// Fits vocabulary and IDF on `docs`.
    pub fn fit<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Result<TfIdf, VectorizeError> {
        self.fit_transform(docs).map(|(fitted, _)| fitted)
    }

    /// Step 1: every document as term ids, in parallel. One chunk per thread:
    /// each chunk's numbering is merged afterwards, and that merge grows with
    /// the number of chunks.
    fn term_sequences<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Vec<Chunk> {
        let size = docs.len().div_ceil(rayon::current_num_threads()).max(1);
        docs.par_chunks(size)
            .map(|docs| {
                let mut chunk = Chunk::default();
                let mut index: HashMap<String, u32> = HashMap::default();
                let mut cache = WordCache::default();
                let mut buf = String::new();
                for doc in docs {
                    let mut seq = Vec::new();
                    let stems = &mut chunk.stems;
                    self.tokenizer.term_ids(
                        doc.as_ref(),
                        &mut cache,
                        &mut buf,
                        |stem| match index.get(stem) {
                            Some(&id) => id,
                            None => {
                                let id = stems.len() as u32;
                                stems.push(stem.to_string());
                                index.insert(stem.to_string(), id);
                                id
                            }
                        },
                        &mut seq,
                    );
                    chunk.seqs.push(seq);
                }
                chunk
            })
            .collect()
    }

    /// Step 3: the document frequency and total count of every candidate
    /// feature, pruned by `min_df` and `max_df`. The key space is split into
    /// one shard per thread: each thread reads every document but counts
    /// only its shard's keys, so no two maps hold the same key and nothing
    /// needs merging (merging per-chunk maps doubled peak memory on large
    /// corpora). Shards are pruned as they finish.
    fn count_features(&self, chunks: &[Chunk], n_docs: usize) -> Vec<Counted> {
        let max_df = if self.params.max_df >= 1.0 {
            u32::MAX
        } else {
            (self.params.max_df * n_docs as f64).floor() as u32
        };
        let min_df = self.params.min_df;
        let shards = rayon::current_num_threads().max(1) as u64;
        let shard_of = |key: u128| {
            ((key as u64 ^ (key >> 64) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) % shards
        };
        (0..shards)
            .into_par_iter()
            .flat_map_iter(|shard| {
                let mut counts: HashMap<u128, (u32, u64)> = HashMap::default();
                let mut keys = Vec::new();
                for seq in chunks.iter().flat_map(|c| c.seqs.iter()) {
                    keys.clear();
                    self.tokenizer.for_each_feature(seq, |f| {
                        let key = feature_key(f);
                        if shard_of(key) == shard {
                            keys.push(key);
                        }
                    });
                    keys.sort_unstable();
                    for run in keys.chunk_by(|a, b| a == b) {
                        let e = counts.entry(run[0]).or_insert((0, 0));
                        e.0 += 1;
                        e.1 += run.len() as u64;
                    }
                }
                counts
                    .into_iter()
                    .filter(|&(_, (df, _))| df as usize >= min_df && df <= max_df)
                    .map(|(k, (df, tf))| (k, df, tf))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Step 4: names the kept features, applies `max_features`, sorts the
    /// vocabulary and computes the IDF.
    fn freeze(
        &self,
        counted: Vec<Counted>,
        all_terms: &[String],
        n_docs: usize,
    ) -> Result<TfIdf, VectorizeError> {
        let key_string = |key: u128| -> String {
            let ids = unpack(key);
            if ids[0] == LEDE {
                return format!("{LEDE_PREFIX}{}", all_terms[ids[1] as usize]);
            }
            ids.iter()
                .map(|&i| all_terms[i as usize].as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut named: Vec<(String, u32, u64)> = counted
            .into_iter()
            .map(|(k, df, tf)| (key_string(k), df, tf))
            .collect();
        if let Some(limit) = self.params.max_features {
            if named.len() > limit {
                // Most frequent first; ties by feature string, so the cut is
                // deterministic.
                named.sort_unstable_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
                named.truncate(limit);
            }
        }
        if named.is_empty() {
            return Err(VectorizeError::EmptyVocabulary {
                min_df: self.params.min_df,
            });
        }
        named.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        // Smooth IDF, as scikit-learn: ln((1 + n) / (1 + df)) + 1.
        let idf: Vec<f32> = named
            .iter()
            .map(|(_, df, _)| (((1 + n_docs) as f64 / (1 + *df) as f64).ln() + 1.0) as f32)
            .collect();
        let features: Vec<String> = named.into_iter().map(|(f, _, _)| f).collect();
        TfIdf::from_state(TfIdfState {
            params: self.params.clone(),
            features,
            idf,
        })
    }
}

/// Step 2: one global term numbering, in sorted order so it does not depend
/// on how the documents were chunked; sequences are renumbered in place.
/// Returns the terms, indexed by global id.
fn renumber(chunks: &mut [Chunk]) -> Vec<String> {
    let mut all: Vec<&str> = chunks
        .iter()
        .flat_map(|c| c.stems.iter().map(String::as_str))
        .collect();
    all.sort_unstable();
    all.dedup();
    let global: HashMap<&str, u32> = all
        .iter()
        .enumerate()
        .map(|(i, s)| (*s, i as u32))
        .collect();
    let remaps: Vec<Vec<u32>> = chunks
        .iter()
        .map(|c| c.stems.iter().map(|s| global[s.as_str()]).collect())
        .collect();
    let all_terms: Vec<String> = all.iter().map(|s| s.to_string()).collect();
    drop(global);
    chunks
        .par_iter_mut()
        .zip(remaps.par_iter())
        .for_each(|(chunk, remap)| {
            for seq in chunk.seqs.iter_mut() {
                seq.iter_mut().for_each(|id| *id = remap[*id as usize]);
            }
            chunk.stems = Vec::new();
        });
    all_terms
}

impl TfIdf {
    /// Rebuilds a fitted vectorizer from its stored state (model loading).
    pub(crate) fn from_state(state: TfIdfState) -> Result<TfIdf, VectorizeError> {
        let tokenizer = state.params.check()?.tokenizer;
        if state.features.len() != state.idf.len() {
            return Err(VectorizeError::Inconsistent(format!(
                "{} features but {} IDF values",
                state.features.len(),
                state.idf.len()
            )));
        }
        if state.features.len() >= LEDE as usize {
            return Err(VectorizeError::Inconsistent("too many features".into()));
        }
        if state.idf.iter().any(|v| !v.is_finite()) {
            return Err(VectorizeError::Inconsistent("non-finite IDF".into()));
        }
        let mut terms: HashMap<Box<str>, u32> =
            HashMap::with_capacity_and_hasher(state.features.len() / 4, Default::default());
        let mut columns =
            HashMap::with_capacity_and_hasher(state.features.len(), Default::default());
        let mut ids = Vec::with_capacity(4);
        let max_n = state.params.tokenizer.ngram_max;
        for (col, feature) in state.features.iter().enumerate() {
            ids.clear();
            let (is_lede, body) = match feature.strip_prefix(LEDE_PREFIX) {
                Some(term) => (true, term),
                None => (false, feature.as_str()),
            };
            if is_lede {
                ids.push(LEDE);
            }
            for term in body.split(' ') {
                // Look up before inserting: most terms recur across features,
                // and `entry` would allocate the key every time.
                let id = match terms.get(term) {
                    Some(&id) => id,
                    None => {
                        let id = terms.len() as u32;
                        terms.insert(term.into(), id);
                        id
                    }
                };
                ids.push(id);
            }
            let misfit = if is_lede {
                ids.len() != 2
            } else {
                ids.len() > max_n
            };
            if misfit || body.is_empty() {
                return Err(VectorizeError::Inconsistent(format!(
                    "feature {feature:?} does not fit the n-gram range"
                )));
            }
            if columns.insert(pack(&ids), col as u32).is_some() {
                return Err(VectorizeError::Inconsistent(format!(
                    "feature {feature:?} appears twice"
                )));
            }
        }
        let mut unigram = vec![UNKNOWN; terms.len()];
        let mut starts_ngram = vec![false; terms.len()];
        for (&key, &col) in &columns {
            let ids = unpack(key);
            if ids[0] == LEDE {
                continue;
            }
            if ids.len() == 1 {
                unigram[ids[0] as usize] = col;
            } else {
                starts_ngram[ids[0] as usize] = true;
            }
        }
        Ok(TfIdf {
            unigram,
            starts_ngram,
            params: state.params,
            tokenizer,
            features: state.features,
            idf: state.idf,
            terms,
            columns,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        })
    }

    /// The state a model file stores, borrowed.
    pub(crate) fn state_ref(&self) -> TfIdfStateRef<'_> {
        TfIdfStateRef {
            params: &self.params,
            features: &self.features,
            idf: &self.idf,
        }
    }

    /// The state a model file stores.
    #[cfg(test)]
    pub(crate) fn state(&self) -> TfIdfState {
        TfIdfState {
            params: self.params.clone(),
            features: self.features.clone(),
            idf: self.idf.clone(),
        }
    }

    /// The parameters it was fitted with.
    pub fn params(&self) -> &TfIdfParams {
        &self.params
    }

    /// Its text path.
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// The number of features (columns).
    pub fn n_features(&self) -> usize {
        self.features.len()
    }

    /// The feature string of a column.
    pub fn feature(&self, column: usize) -> &str {
        &self.features[column]
    }

    /// Every feature string, sorted; index = column.
    pub fn features(&self) -> &[String] {
        &self.features
    }

    /// The IDF of every column.
    pub fn idf(&self) -> &[f32] {
        &self.idf
    }

    /// The column of a feature string, if it is in the vocabulary.
    pub fn column(&self, feature: &str) -> Option<usize> {
        self.features
            .binary_search_by(|f| f.as_str().cmp(feature))
            .ok()
    }

    /// The column of a feature of term ids, if it is in the vocabulary.
    fn column_of(&self, feature: Feature<'_>) -> Option<u32> {
        match feature {
            Feature::Gram([id]) => Some(self.unigram[*id as usize]).filter(|&c| c != UNKNOWN),
            Feature::Gram(window) if !self.starts_ngram[window[0] as usize] => None,
            f => self.columns.get(&feature_key(f)).copied(),
        }
    }

    /// TF-IDF row from frozen term ids: sublinear TF, IDF, L2 norm; columns
    /// ascending. `keys` is scratch.
    fn row_from_terms(&self, ids: &[u32], keys: &mut Vec<u32>) -> (Vec<u32>, Vec<f32>) {
        keys.clear();
        self.tokenizer.for_each_feature(ids, |f| {
            if let Some(col) = self.column_of(f) {
                keys.push(col);
            }
        });
        keys.sort_unstable();
        let mut indices = Vec::new();
        let mut values = Vec::new();
        for run in keys.chunk_by(|a, b| a == b) {
            let tf = run.len() as f32;
            let tf = if self.params.sublinear_tf {
                1.0 + tf.ln()
            } else {
                tf
            };
            indices.push(run[0]);
            values.push(tf * self.idf[run[0] as usize]);
        }
        let norm = values.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            values.iter_mut().for_each(|v| *v /= norm);
        }
        (indices, values)
    }

    /// Step 5 of fitting: the training documents' rows, from their term
    /// sequences translated to the frozen term ids. Per chunk, flat CSR
    /// parts are built while the chunk's sequences are consumed, so
    /// sequences and per-row vectors are never all alive at once.
    fn rows_of_sequences(&self, chunks: Vec<Chunk>, all_terms: &[String], n_docs: usize) -> Csr {
        let frozen: Vec<u32> = all_terms
            .iter()
            .map(|t| self.terms.get(t.as_str()).copied().unwrap_or(UNKNOWN))
            .collect();
        type Part = (Vec<usize>, Vec<u32>, Vec<f32>);
        let parts: Vec<Part> = chunks
            .into_par_iter()
            .map(|chunk| {
                let mut keys = Vec::new();
                let mut ids = Vec::new();
                let (mut lens, mut indices, mut values) = (Vec::new(), Vec::new(), Vec::new());
                for seq in chunk.seqs {
                    ids.clear();
                    ids.extend(seq.iter().map(|&g| frozen[g as usize]));
                    let (idx, val) = self.row_from_terms(&ids, &mut keys);
                    lens.push(idx.len());
                    indices.extend_from_slice(&idx);
                    values.extend_from_slice(&val);
                }
                (lens, indices, values)
            })
            .collect();
        let nnz: usize = parts.iter().map(|p| p.1.len()).sum();
        let mut indptr = Vec::with_capacity(n_docs + 1);
        indptr.push(0usize);
        let mut indices = Vec::with_capacity(nnz);
        let mut values = Vec::with_capacity(nnz);
        for (lens, idx, val) in parts {
            for len in lens {
                indptr.push(indptr[indptr.len() - 1] + len);
            }
            indices.extend_from_slice(&idx);
            values.extend_from_slice(&val);
        }
        sparse::from_parts(self.n_features(), indptr, indices, values)
    }

    /// The vector of one document: column indices (ascending) and values.
    pub fn transform_one(&self, text: &str) -> (Vec<u32>, Vec<f32>) {
        let (idx, val, _) = self.transform_one_counted(text);
        (idx, val)
    }

    /// [`Self::transform_one`], and how much of the document the vocabulary
    /// knows.
    pub fn transform_one_counted(&self, text: &str) -> (Vec<u32>, Vec<f32>, TermCounts) {
        SCRATCH.with(|scratch| {
            let scratch = &mut *scratch.borrow_mut();
            if scratch.owner != self.id || scratch.cache.len() > WORD_CACHE_LIMIT {
                scratch.cache.clear();
                scratch.owner = self.id;
            }
            let Scratch {
                cache,
                buf,
                ids,
                keys,
                ..
            } = scratch;
            ids.clear();
            let mut counts = TermCounts::default();
            self.tokenizer.for_each_word(
                text,
                cache,
                buf,
                |stem| self.terms.get(stem).copied().unwrap_or(UNKNOWN),
                |id, word| match id {
                    Some(STOP) => {}
                    Some(id) => {
                        ids.push(id);
                        counts.terms += 1;
                        counts.word_bytes += word.len();
                        if id != UNKNOWN {
                            counts.known += 1;
                            counts.known_bytes += word.len();
                        }
                    }
                    None => counts.word_bytes += word.len(),
                },
            );
            let (idx, val) = self.row_from_terms(ids, keys);
            (idx, val, counts)
        })
    }

    /// The document's terms with their positions' words, and each feature
    /// occurrence as (column, first term position, number of terms): what
    /// explanations need to show words and sentences instead of stems.
    pub(crate) fn occurrences<'t>(
        &self,
        text: &'t str,
    ) -> (Vec<&'t str>, Vec<(u32, usize, usize)>) {
        SCRATCH.with(|scratch| {
            let scratch = &mut *scratch.borrow_mut();
            if scratch.owner != self.id || scratch.cache.len() > WORD_CACHE_LIMIT {
                scratch.cache.clear();
                scratch.owner = self.id;
            }
            let Scratch {
                cache, buf, ids, ..
            } = scratch;
            ids.clear();
            let mut words = Vec::new();
            self.tokenizer.for_each_term(
                text,
                cache,
                buf,
                |stem| self.terms.get(stem).copied().unwrap_or(UNKNOWN),
                |id, word| {
                    ids.push(id);
                    words.push(word);
                },
            );
            let mut found = Vec::new();
            self.tokenizer.for_each_feature_at(ids, |f, start, n| {
                if let Some(col) = self.column_of(f) {
                    found.push((col, start, n));
                }
            });
            (words, found)
        })
    }

    /// The rows of many documents, in order, computed in parallel.
    pub fn transform<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Csr {
        let rows: Vec<(Vec<u32>, Vec<f32>)> = docs
            .par_iter()
            .with_min_len(16)
            .map(|d| self.transform_one(d.as_ref()))
            .collect();
        sparse::assemble(rows.into_iter(), self.n_features())
    }
}

// STOP never reaches a sequence: the tokenizer drops stop words.
const _: () = assert!(STOP > LEDE);

#[cfg(test)]
mod tests {
    use super::*;

    /// Default parameters with English stop words dropped, which the
    /// expected vocabularies below assume.
    fn english() -> TfIdfParams {
        let mut p = TfIdfParams::default();
        p.tokenizer.stop_words = crate::tokenize::StopWords::English;
        p
    }

    fn docs() -> Vec<&'static str> {
        vec![
            "The border wall funding vote failed in the Senate.",
            "Senate votes on school funding for teachers.",
            "Teachers strike over school funding; the border is quiet.",
            "Café owners in Zürich vote on the border café tax.",
        ]
    }

    #[test]
    fn vocabulary_is_sorted_and_pruned_by_min_df() {
        let (tfidf, x) = english().check().unwrap().fit_transform(&docs()).unwrap();
        // "café" occurs in one document only (twice): below min_df 2.
        let expected = [
            "border",
            "fund",
            "school",
            "school fund",
            "senat",
            "teacher",
            "vote",
        ];
        assert_eq!(tfidf.features(), expected);
        assert_eq!(x.shape(), (4, expected.len()));
    }

    #[test]
    fn fitted_features_are_the_tokenizers_features() {
        // One text path: every feature the vectorizer kept is a feature the
        // tokenizer shows for some document.
        let params = TfIdfParams {
            min_df: 1,
            ..english()
        };
        let tfidf = params.check().unwrap().fit(&docs()).unwrap();
        let mut shown: Vec<String> = docs()
            .iter()
            .flat_map(|d| tfidf.tokenizer().features(d))
            .collect();
        shown.sort();
        shown.dedup();
        assert_eq!(tfidf.features(), shown.as_slice());
    }

    #[test]
    fn idf_matches_scikit_learn_smooth_idf() {
        // scikit-learn TfidfVectorizer(smooth_idf=True): idf = ln((1+n)/(1+df)) + 1.
        // "border" is in 3 of 4 documents: ln(5/4) + 1 = 1.2231436.
        let tfidf = english().check().unwrap().fit(&docs()).unwrap();
        let col = tfidf.column("border").unwrap();
        assert!((tfidf.idf()[col] - 1.223_143_6).abs() < 1e-6);
        // "senat" is in 2 of 4: ln(5/3) + 1 = 1.5108256.
        let col = tfidf.column("senat").unwrap();
        assert!((tfidf.idf()[col] - 1.510_825_6).abs() < 1e-6);
    }

    #[test]
    fn one_document_equals_its_row_in_a_batch() {
        let params = TfIdfParams {
            min_df: 1,
            ..english()
        };
        let (tfidf, x) = params.check().unwrap().fit_transform(&docs()).unwrap();
        let again = tfidf.transform(&docs());
        for (i, doc) in docs().iter().enumerate() {
            let (idx, val) = tfidf.transform_one(doc);
            let (ri, rv) = sparse::row(&x, i);
            assert_eq!((ri, rv), (idx.as_slice(), val.as_slice()), "fit row {i}");
            let (ri, rv) = sparse::row(&again, i);
            assert_eq!((ri, rv), (idx.as_slice(), val.as_slice()), "batch row {i}");
        }
    }

    #[test]
    fn rows_are_l2_normalized_with_sublinear_tf() {
        let params = TfIdfParams {
            min_df: 1,
            ..english()
        };
        let tfidf = params.check().unwrap().fit(&docs()).unwrap();
        let (idx, val) = tfidf.transform_one("border border border vote");
        let norm: f32 = val.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-6);
        // tf 3 -> 1 + ln 3, tf 1 -> 1, each times its IDF, before norm.
        let b = tfidf.column("border").unwrap();
        let v = tfidf.column("vote").unwrap();
        let bi = idx.iter().position(|&c| c as usize == b).unwrap();
        let vi = idx.iter().position(|&c| c as usize == v).unwrap();
        let ratio = val[bi] / val[vi];
        let expected = (1.0 + 3f32.ln()) * tfidf.idf()[b] / tfidf.idf()[v];
        assert!((ratio - expected).abs() < 1e-5);
    }

    #[test]
    fn unknown_words_break_ngrams_and_empty_text_gives_empty_row() {
        let params = TfIdfParams {
            min_df: 1,
            ..english()
        };
        let tfidf = params.check().unwrap().fit(&docs()).unwrap();
        assert!(tfidf.column("school fund").is_some());
        let (idx, _) = tfidf.transform_one("school zebra funding");
        let names: Vec<&str> = idx.iter().map(|&c| tfidf.feature(c as usize)).collect();
        assert_eq!(names, ["fund", "school"]);
        assert_eq!(tfidf.transform_one(""), (vec![], vec![]));
    }

    #[test]
    fn state_round_trip_gives_identical_vectors() {
        let tfidf = english().check().unwrap().fit(&docs()).unwrap();
        let restored = TfIdf::from_state(tfidf.state()).unwrap();
        for doc in docs() {
            assert_eq!(tfidf.transform_one(doc), restored.transform_one(doc));
        }
    }

    #[test]
    fn lede_terms_add_marked_features_for_the_opening() {
        let mut params = TfIdfParams {
            min_df: 1,
            ..english()
        };
        params.tokenizer.lede_terms = 2;
        let (tfidf, x) = params.check().unwrap().fit_transform(&docs()).unwrap();
        assert!(tfidf.column("^border").is_some() && tfidf.column("^senat").is_some());
        // "fund" is the fourth term of document 0: not in its lede.
        let (idx, _) = tfidf.transform_one(docs()[0]);
        let names: Vec<&str> = idx.iter().map(|&c| tfidf.feature(c as usize)).collect();
        assert!(
            names.contains(&"^border") && names.contains(&"^wall") && !names.contains(&"^fund")
        );
        let restored = TfIdf::from_state(tfidf.state()).unwrap();
        for (i, doc) in docs().iter().enumerate() {
            let (idx, val) = restored.transform_one(doc);
            assert_eq!(sparse::row(&x, i), (idx.as_slice(), val.as_slice()));
        }
    }

    #[test]
    fn packed_keys_unpack() {
        assert_eq!(unpack(pack(&[7])), [7]);
        assert_eq!(unpack(pack(&[0, 9])), [0, 9]);
        assert_eq!(
            unpack(pack(&[u32::MAX - 3, 1, 2, 3])),
            [u32::MAX - 3, 1, 2, 3]
        );
        assert_eq!(unpack(pack(&[LEDE, 5])), [LEDE, 5]);
    }

    #[test]
    fn max_features_keeps_the_most_frequent() {
        let params = TfIdfParams {
            min_df: 1,
            max_features: Some(2),
            ..english()
        };
        let tfidf = params.check().unwrap().fit(&docs()).unwrap();
        assert_eq!(tfidf.features(), ["border", "fund"]);
    }

    #[test]
    fn invalid_parameters_are_refused() {
        let cases = [
            (
                TfIdfParams {
                    min_df: 0,
                    ..Default::default()
                },
                "--min-df 0 is out of range: need at least 1",
            ),
            (
                TfIdfParams {
                    max_df: 1.5,
                    ..Default::default()
                },
                "--max-df 1.5 is out of range: need a share in (0, 1]",
            ),
            (
                TfIdfParams {
                    max_features: Some(0),
                    ..Default::default()
                },
                "--max-features 0 is out of range: need at least 1",
            ),
        ];
        for (params, message) in cases {
            assert_eq!(params.check().unwrap_err().to_string(), message);
        }
        let err = english().check().unwrap().fit(&["", "   "]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("no features: every term was dropped"),
            "{err}"
        );
    }
}
