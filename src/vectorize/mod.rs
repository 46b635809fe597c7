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
//! frozen vocabulary while labeling). Internally an n-gram is a tuple of term
//! ids, never a string.
//!
//! Labeling is a chain of integer lookups ([`table`]): a word of up to 16
//! bytes, lowercased into a packed integer, finds its term id in a table
//! made at fit time from every training word (no stemming for the words
//! training saw); a term finds its unigram column in an array; a pair of
//! terms finds its bigram column in an open-addressing table. The tables
//! are stored in the model file as sorted arrays, so loading is a copy and a
//! table build, not a parse of feature strings. Output rows are sparse (CSR,
//! sprs) all the way to the classifier.

pub(crate) mod table;

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::fasthash::FastMap as HashMap;
use crate::params::ParamError;
use crate::sparse::{self, Csr};
use crate::tokenize::{
    Feature, Key, TokenizeError, Tokenizer, TokenizerConfig, WordCache, LEDE, LEDE_PREFIX, STOP,
    UNKNOWN,
};
use table::{pair_key, PairTable, WordTable};

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

/// No column (in `unigram`, `lede`).
const NONE: u32 = u32::MAX;

/// A fitted vectorizer: frozen vocabulary (sorted feature strings) and IDF,
/// and the lookup tables of the label path.
pub struct TfIdf {
    params: TfIdfParams,
    tokenizer: Tokenizer,
    /// Stems of the terms, concatenated in term-id order (sorted), and
    /// where each ends.
    term_blob: String,
    term_ends: Vec<u32>,
    /// Each feature's term ids (a lede feature's id has [`LEDE_BIT`] set),
    /// concatenated in column order, and where each ends.
    feature_terms: Vec<u32>,
    feature_ends: Vec<u32>,
    /// The feature strings, made on first use (explanations, `info`).
    feature_list: OnceLock<Vec<String>>,
    idf: Vec<f32>,
    lookup: Lookup,
    /// Stem -> term id, for words no table knows, made on first use.
    term_index: OnceLock<HashMap<Box<str>, u32>>,
    /// Distinguishes this instance in the per-thread word caches.
    id: u64,
}

/// Marks a lede feature's term in `feature_terms`.
const LEDE_BIT: u32 = 1 << 31;

/// The label path's lookups, built from the feature tuples at load.
#[derive(Default)]
struct Lookup {
    /// Term -> its unigram column, or NONE.
    unigram: Vec<u32>,
    /// Term -> its lede column, or NONE.
    lede: Vec<u32>,
    /// Terms that begin some bigram: the others skip the table probe.
    starts_pair: Vec<bool>,
    /// (term, term) -> bigram column.
    pairs: PairTable,
    /// Longer n-grams (packed term ids) -> column.
    longer: HashMap<u128, u32>,
    /// Normalized training word -> term id (UNKNOWN, STOP included).
    words: WordTable,
}

impl std::fmt::Debug for TfIdf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TfIdf")
            .field("params", &self.params)
            .field("features", &self.n_features())
            .field("frozen_words", &self.lookup.words.len())
            .finish()
    }
}

/// What a model file of format 1 or 2 stored of a fitted vectorizer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct TfIdfState {
    pub(crate) params: TfIdfParams,
    pub(crate) features: Vec<String>,
    pub(crate) idf: Vec<f32>,
}

/// What a model file of format 3 stores of a fitted vectorizer: the terms,
/// each feature as term ids, the IDF and the frozen word table, as flat
/// little-endian arrays, so loading copies instead of parsing; the lookup
/// tables are rebuilt from the tuples in one pass.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Stored {
    params: TfIdfParams,
    term_blob: String,
    #[serde(with = "crate::le")]
    term_ends: Vec<u32>,
    #[serde(with = "crate::le")]
    feature_terms: Vec<u32>,
    #[serde(with = "crate::le")]
    feature_ends: Vec<u32>,
    #[serde(with = "crate::le")]
    idf: Vec<f32>,
    #[serde(with = "crate::le")]
    word_keys: Vec<u128>,
    #[serde(with = "crate::le")]
    word_ids: Vec<u32>,
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
    /// A document's packed words (0 for a word longer than 16 bytes, whose
    /// normalized form is in `longs`), and the bytes each had as written.
    words: Vec<u128>,
    lens: Vec<u32>,
    longs: Vec<String>,
}

/// How far ahead the label path fetches table slots and weight rows.
const AHEAD: usize = 8;

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// One chunk of documents as term-id sequences, with the chunk's own
/// numbering of stems (merged into one global numbering afterwards) and
/// the words it saw.
#[derive(Default)]
struct Chunk {
    stems: Vec<String>,
    seqs: Vec<Vec<u32>>,
    cache: WordCache,
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
        let (all_terms, remaps) = renumber(&mut chunks);
        let counted = self.count_features(&chunks, docs.len());
        let (features, idf) = self.select(counted, &all_terms, docs.len())?;
        let fitted = TfIdf::from_features(self.params.clone(), features, idf, |lookup| {
            word_table(lookup, &chunks, &remaps, &all_terms)
        })?;
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
                let mut buf = String::new();
                for doc in docs {
                    let mut seq = Vec::new();
                    let stems = &mut chunk.stems;
                    self.tokenizer.term_ids(
                        doc.as_ref(),
                        &mut chunk.cache,
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
                // Unigrams, bigrams and lede features (at most two ids) fit
                // a u64 key: half the memory of the general u128 map, which
                // is the peak of training on a large corpus.
                let mut short: HashMap<u64, (u32, u32)> = HashMap::default();
                let mut long: HashMap<u128, (u32, u32)> = HashMap::default();
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
                        let (key, n) = (run[0], run.len() as u32);
                        let e = match u64::try_from(key) {
                            Ok(k) => short.entry(k).or_insert((0, 0)),
                            Err(_) => long.entry(key).or_insert((0, 0)),
                        };
                        e.0 += 1;
                        e.1 = e.1.saturating_add(n);
                    }
                }
                let keep = move |&(df, _): &(u32, u32)| df as usize >= min_df && df <= max_df;
                short
                    .into_iter()
                    .filter(move |(_, c)| keep(c))
                    .map(|(k, (df, tf))| (k as u128, df, tf as u64))
                    .chain(
                        long.into_iter()
                            .filter(move |(_, c)| keep(c))
                            .map(|(k, (df, tf))| (k, df, tf as u64)),
                    )
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Step 4: names the kept features, applies `max_features`, sorts the
    /// vocabulary and computes the IDF.
    fn select(
        &self,
        counted: Vec<Counted>,
        all_terms: &[String],
        n_docs: usize,
    ) -> Result<(Vec<String>, Vec<f32>), VectorizeError> {
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
        Ok((features, idf))
    }
}

/// Step 2: one global term numbering, in sorted order so it does not depend
/// on how the documents were chunked; sequences are renumbered in place.
/// Returns the terms, indexed by global id, and each chunk's local ->
/// global map.
fn renumber(chunks: &mut [Chunk]) -> (Vec<String>, Vec<Vec<u32>>) {
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
    (all_terms, remaps)
}

/// The frozen word table: every packed training word with the term id it
/// resolves to in the fitted vocabulary (`UNKNOWN` when its stem made no
/// feature, `STOP` for a stop word), sorted by key.
fn word_table(
    lookup: &HashMap<Box<str>, u32>,
    chunks: &[Chunk],
    remaps: &[Vec<u32>],
    all_terms: &[String],
) -> (Vec<u128>, Vec<u32>) {
    let frozen: Vec<u32> = all_terms
        .iter()
        .map(|t| lookup.get(t.as_str()).copied().unwrap_or(UNKNOWN))
        .collect();
    let mut words: Vec<(u128, u32)> = chunks
        .iter()
        .zip(remaps)
        .flat_map(|(chunk, remap)| {
            let frozen = &frozen;
            chunk.cache.packed().map(move |(k, local)| {
                let id = if local == STOP {
                    STOP
                } else {
                    frozen[remap[local as usize] as usize]
                };
                (k, id)
            })
        })
        .collect();
    words.sort_unstable();
    words.dedup_by_key(|w| w.0);
    words.into_iter().unzip()
}

fn concat(strings: &[String]) -> (String, Vec<u32>) {
    let mut blob = String::with_capacity(strings.iter().map(String::len).sum());
    let mut ends = Vec::with_capacity(strings.len());
    for s in strings {
        blob.push_str(s);
        ends.push(blob.len() as u32);
    }
    (blob, ends)
}

fn slice<'a>(blob: &'a str, ends: &[u32], i: usize) -> &'a str {
    let start = if i == 0 { 0 } else { ends[i - 1] as usize };
    &blob[start..ends[i] as usize]
}

impl TfIdf {
    /// A fitted vectorizer from its sorted feature strings and IDF; `words`
    /// makes the frozen word table from the stem -> term id index (empty for
    /// models stored before there was one).
    fn from_features(
        params: TfIdfParams,
        features: Vec<String>,
        idf: Vec<f32>,
        words: impl FnOnce(&HashMap<Box<str>, u32>) -> (Vec<u128>, Vec<u32>),
    ) -> Result<TfIdf, VectorizeError> {
        // The terms: every stem of every feature, sorted.
        let mut terms: Vec<&str> = features
            .iter()
            .flat_map(|f| f.strip_prefix(LEDE_PREFIX).unwrap_or(f).split(' '))
            .collect();
        terms.sort_unstable();
        terms.dedup();
        let index: HashMap<Box<str>, u32> = terms
            .iter()
            .enumerate()
            .map(|(i, t)| ((*t).into(), i as u32))
            .collect();
        let mut feature_terms = Vec::with_capacity(features.len() * 2);
        let mut feature_ends = Vec::with_capacity(features.len());
        for feature in &features {
            match feature.strip_prefix(LEDE_PREFIX) {
                Some(term) => feature_terms.push(index[term] | LEDE_BIT),
                None => feature_terms.extend(feature.split(' ').map(|t| index[t])),
            }
            feature_ends.push(feature_terms.len() as u32);
        }
        let (word_keys, word_ids) = words(&index);
        let term_list: Vec<String> = terms.iter().map(|t| t.to_string()).collect();
        let (term_blob, term_ends) = concat(&term_list);
        let fitted = TfIdf::from_stored(Stored {
            params,
            term_blob,
            term_ends,
            feature_terms,
            feature_ends,
            idf,
            word_keys,
            word_ids,
        })?;
        // The strings are at hand: no need to rebuild them later.
        let _ = fitted.feature_list.set(features);
        let _ = fitted.term_index.set(index);
        Ok(fitted)
    }

    /// Rebuilds a vectorizer stored by model format 1 or 2.
    pub(crate) fn from_state(state: TfIdfState) -> Result<TfIdf, VectorizeError> {
        state.params.check()?;
        if state.features.len() != state.idf.len() {
            return Err(VectorizeError::Inconsistent(format!(
                "{} features but {} IDF values",
                state.features.len(),
                state.idf.len()
            )));
        }
        if state
            .features
            .iter()
            .any(|f| f.is_empty() || f.split(' ').any(str::is_empty) || f == "^")
        {
            return Err(VectorizeError::Inconsistent("an empty feature".into()));
        }
        TfIdf::from_features(state.params, state.features, state.idf, |_| {
            (Vec::new(), Vec::new())
        })
    }

    /// Rebuilds a vectorizer stored by model format 3, checking that the
    /// arrays hold together (a corrupt file must not index out of bounds),
    /// and builds the lookup tables from the feature tuples.
    pub(crate) fn from_stored(s: Stored) -> Result<TfIdf, VectorizeError> {
        let tokenizer = s.params.check()?.tokenizer;
        let bad = |what: String| Err(VectorizeError::Inconsistent(what));
        let n = s.idf.len();
        if n >= LEDE as usize {
            return bad("too many features".into());
        }
        if s.idf.iter().any(|v| !v.is_finite()) {
            return bad("non-finite IDF".into());
        }
        let n_terms = s.term_ends.len();
        let ends_ok = |len: usize, ends: &[u32]| {
            ends.windows(2).all(|w| w[0] <= w[1])
                && ends.last().map_or(len == 0, |&e| e as usize == len)
        };
        if !ends_ok(s.term_blob.len(), &s.term_ends)
            || !s
                .term_ends
                .iter()
                .all(|&e| s.term_blob.is_char_boundary(e as usize))
        {
            return bad("term strings do not match their ends".into());
        }
        if s.feature_ends.len() != n || !ends_ok(s.feature_terms.len(), &s.feature_ends) {
            return bad(format!(
                "{} features but {} IDF values",
                s.feature_ends.len(),
                n
            ));
        }
        let max_n = s.params.tokenizer.ngram_max;
        let mut unigram = vec![NONE; n_terms];
        let mut lede = vec![NONE; n_terms];
        let (mut pair_keys, mut pair_cols) = (Vec::new(), Vec::new());
        let mut longer = HashMap::default();
        let mut start = 0;
        for (col, &end) in s.feature_ends.iter().enumerate() {
            let ids = &s.feature_terms[start..end as usize];
            start = end as usize;
            let col = col as u32;
            let misfit = || bad(format!("feature {col} does not fit the n-gram range"));
            if ids.iter().any(|&t| (t & !LEDE_BIT) as usize >= n_terms) {
                return bad(format!("feature {col} names a term out of range"));
            }
            match ids {
                [t] if t & LEDE_BIT != 0 => lede[(t & !LEDE_BIT) as usize] = col,
                ids if ids.iter().any(|&t| t & LEDE_BIT != 0) => return misfit(),
                [t] => unigram[*t as usize] = col,
                [a, b] if max_n >= 2 => {
                    pair_keys.push(pair_key(*a, *b));
                    pair_cols.push(col);
                }
                ids if ids.len() >= 3 && ids.len() <= max_n => {
                    longer.insert(pack(ids), col);
                }
                _ => return misfit(),
            }
        }
        if s.word_ids.len() != s.word_keys.len()
            || !s
                .word_ids
                .iter()
                .all(|&t| t == UNKNOWN || t == STOP || (t as usize) < n_terms)
            || s.word_keys.contains(&0)
        {
            return bad("word table out of range".into());
        }
        let mut starts_pair = vec![false; n_terms];
        for &k in &pair_keys {
            starts_pair[(k >> 32) as usize] = true;
        }
        let lookup = Lookup {
            unigram,
            lede,
            starts_pair,
            pairs: PairTable::build(&pair_keys, &pair_cols),
            longer,
            words: WordTable::build(&s.word_keys, &s.word_ids),
        };
        Ok(TfIdf {
            params: s.params,
            tokenizer,
            term_blob: s.term_blob,
            term_ends: s.term_ends,
            feature_terms: s.feature_terms,
            feature_ends: s.feature_ends,
            feature_list: OnceLock::new(),
            idf: s.idf,
            lookup,
            term_index: OnceLock::new(),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        })
    }

    /// What a model file stores.
    pub(crate) fn stored(&self) -> Stored {
        let (word_keys, word_ids) = self.lookup.words.entries();
        Stored {
            params: self.params.clone(),
            term_blob: self.term_blob.clone(),
            term_ends: self.term_ends.clone(),
            feature_terms: self.feature_terms.clone(),
            feature_ends: self.feature_ends.clone(),
            idf: self.idf.clone(),
            word_keys,
            word_ids,
        }
    }

    /// The stem of a term.
    fn term(&self, id: u32) -> &str {
        slice(&self.term_blob, &self.term_ends, id as usize)
    }

    /// Stem -> term id, for words no table knows.
    fn term_index(&self) -> &HashMap<Box<str>, u32> {
        self.term_index.get_or_init(|| {
            (0..self.term_ends.len() as u32)
                .map(|t| (self.term(t).into(), t))
                .collect()
        })
    }

    /// The state of format 1 and 2 (tests of the old formats).
    #[cfg(test)]
    pub(crate) fn state(&self) -> TfIdfState {
        TfIdfState {
            params: self.params.clone(),
            features: self.features().to_vec(),
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
        self.idf.len()
    }

    /// The feature string of a column.
    pub fn feature(&self, column: usize) -> &str {
        &self.features()[column]
    }

    /// Every feature string, sorted; index = column.
    pub fn features(&self) -> &[String] {
        self.feature_list.get_or_init(|| {
            let mut start = 0;
            self.feature_ends
                .iter()
                .map(|&end| {
                    let ids = &self.feature_terms[start..end as usize];
                    start = end as usize;
                    match ids {
                        [t] if t & LEDE_BIT != 0 => {
                            format!("{LEDE_PREFIX}{}", self.term(t & !LEDE_BIT))
                        }
                        ids => ids
                            .iter()
                            .map(|&t| self.term(t))
                            .collect::<Vec<_>>()
                            .join(" "),
                    }
                })
                .collect()
        })
    }

    /// The IDF of every column.
    pub fn idf(&self) -> &[f32] {
        &self.idf
    }

    /// Training words in the frozen word table (0 for models stored before
    /// there was one).
    pub fn frozen_words(&self) -> usize {
        self.lookup.words.len()
    }

    /// The column of a feature string, if it is in the vocabulary.
    pub fn column(&self, feature: &str) -> Option<usize> {
        self.features()
            .binary_search_by(|f| f.as_str().cmp(feature))
            .ok()
    }

    /// The column of a feature of term ids, if it is in the vocabulary.
    #[inline]
    fn column_of(&self, feature: Feature<'_>) -> Option<u32> {
        let l = &self.lookup;
        match feature {
            Feature::Gram([id]) => Some(l.unigram[*id as usize]).filter(|&c| c != NONE),
            Feature::Gram([a, b]) => {
                if l.starts_pair[*a as usize] {
                    l.pairs.get(pair_key(*a, *b))
                } else {
                    None
                }
            }
            Feature::Gram(window) => l.longer.get(&pack(window)).copied(),
            Feature::Lede(id) => Some(l.lede[id as usize]).filter(|&c| c != NONE),
        }
    }

    /// TF-IDF row from frozen term ids: sublinear TF, IDF, L2 norm; columns
    /// ascending. `keys` is scratch.
    fn row_from_terms(&self, ids: &[u32], keys: &mut Vec<u32>) -> (Vec<u32>, Vec<f32>) {
        keys.clear();
        let config = self.tokenizer.config();
        if config.ngram_min == 1 && config.ngram_max <= 2 {
            self.columns_of_uni_and_bigrams(ids, config.ngram_max == 2, keys);
        } else {
            self.tokenizer.for_each_feature(ids, |f| {
                if let Some(col) = self.column_of(f) {
                    keys.push(col);
                }
            });
        }
        keys.sort_unstable();
        let mut indices = Vec::with_capacity(keys.len());
        let mut values = Vec::with_capacity(keys.len());
        // The IDF of a large vocabulary does not fit the cache either:
        // fetch it ahead, as the table slots.
        for &col in keys.iter().step_by(4).take(AHEAD) {
            table::prefetch(self.idf.as_ptr().wrapping_add(col as usize));
        }
        let mut seen = 0;
        for run in keys.chunk_by(|a, b| a == b) {
            seen += run.len();
            if let Some(&ahead) = keys.get(seen + 4 * AHEAD) {
                table::prefetch(self.idf.as_ptr().wrapping_add(ahead as usize));
            }
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

    /// The feature stage of the default n-gram range (unigrams, bigrams)
    /// written out, with bigram slots fetched a few terms ahead: the same
    /// columns as [`Tokenizer::for_each_feature`] with [`Self::column_of`].
    fn columns_of_uni_and_bigrams(&self, ids: &[u32], bigrams: bool, keys: &mut Vec<u32>) {
        let l = &self.lookup;
        let n = ids.len();
        for i in 0..n {
            let a = ids[i];
            if bigrams && i + AHEAD + 1 < n {
                let (x, y) = (ids[i + AHEAD], ids[i + AHEAD + 1]);
                if x != UNKNOWN && y != UNKNOWN && l.starts_pair[x as usize] {
                    l.pairs.prefetch(pair_key(x, y));
                }
            }
            if a == UNKNOWN {
                continue;
            }
            let col = l.unigram[a as usize];
            if col != NONE {
                keys.push(col);
            }
            if bigrams && i + 1 < n {
                let b = ids[i + 1];
                if b != UNKNOWN && l.starts_pair[a as usize] {
                    if let Some(col) = l.pairs.get(pair_key(a, b)) {
                        keys.push(col);
                    }
                }
            }
        }
        for &id in ids.iter().take(self.tokenizer.config().lede_terms) {
            if id != UNKNOWN && l.lede[id as usize] != NONE {
                keys.push(l.lede[id as usize]);
            }
        }
    }

    /// Step 5 of fitting: the training documents' rows, from their term
    /// sequences translated to the frozen term ids. Per chunk, flat CSR
    /// parts are built while the chunk's sequences are consumed, so
    /// sequences and per-row vectors are never all alive at once.
    fn rows_of_sequences(&self, chunks: Vec<Chunk>, all_terms: &[String], n_docs: usize) -> Csr {
        let frozen: Vec<u32> = all_terms
            .iter()
            .map(|t| {
                self.term_index()
                    .get(t.as_str())
                    .copied()
                    .unwrap_or(UNKNOWN)
            })
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

    /// Walks `text`'s words with this vectorizer's lookups, calling `f`
    /// with each word's id (`None`: too short) and the word as written.
    fn walk<'t>(&self, text: &'t str, scratch: &mut Scratch, f: impl FnMut(Option<u32>, &'t str)) {
        self.own_cache(scratch);
        self.tokenizer.for_each_word(
            text,
            &mut scratch.cache,
            Some(&self.lookup.words),
            &mut scratch.buf,
            |stem| self.term_index().get(stem).copied().unwrap_or(UNKNOWN),
            f,
        );
    }

    /// Takes this thread's word cache over (it holds another vectorizer's
    /// ids, or has grown past its limit).
    fn own_cache(&self, scratch: &mut Scratch) {
        if scratch.owner != self.id || scratch.cache.len() > WORD_CACHE_LIMIT {
            scratch.cache.clear();
            scratch.owner = self.id;
        }
    }

    /// The vector of one document: column indices (ascending) and values.
    pub fn transform_one(&self, text: &str) -> (Vec<u32>, Vec<f32>) {
        let (idx, val, _) = self.transform_one_counted(text);
        (idx, val)
    }

    /// [`Self::transform_one`], and how much of the document the vocabulary
    /// knows. The label path: the same walk as [`Self::walk`] in two
    /// passes, words first, then ids, so the word table's slots can be
    /// fetched a few words ahead.
    pub fn transform_one_counted(&self, text: &str) -> (Vec<u32>, Vec<f32>, TermCounts) {
        SCRATCH.with(|scratch| {
            let scratch = &mut *scratch.borrow_mut();
            self.own_cache(scratch);
            let Scratch {
                cache,
                buf,
                ids,
                keys,
                words,
                lens,
                longs,
                ..
            } = scratch;
            words.clear();
            lens.clear();
            longs.clear();
            let mut counts = TermCounts::default();
            self.tokenizer
                .for_each_key(text, buf, |key, word| match key {
                    None => counts.word_bytes += word.len(),
                    Some(Key::Packed(k)) => {
                        words.push(k);
                        lens.push(word.len() as u32);
                    }
                    Some(Key::Long(normalized)) => {
                        words.push(0);
                        lens.push(word.len() as u32);
                        longs.push(normalized.to_string());
                    }
                });
            ids.clear();
            let table = &self.lookup.words;
            let mut resolve = |stem: &str| self.term_index().get(stem).copied().unwrap_or(UNKNOWN);
            let mut long = longs.iter();
            for i in 0..words.len() {
                if let Some(&k) = words.get(i + AHEAD) {
                    table.prefetch(k);
                }
                let key = match words[i] {
                    0 => Key::Long(long.next().expect("one per long word")),
                    k => Key::Packed(k),
                };
                let id = self
                    .tokenizer
                    .resolve(key, cache, Some(table), &mut resolve);
                if id == STOP {
                    continue;
                }
                let len = lens[i] as usize;
                counts.terms += 1;
                counts.word_bytes += len;
                if id != UNKNOWN {
                    counts.known += 1;
                    counts.known_bytes += len;
                }
                ids.push(id);
            }
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
            let mut ids = Vec::new();
            let mut words = Vec::new();
            self.walk(text, scratch, |id, word| {
                if let Some(id) = id.filter(|&id| id != STOP) {
                    ids.push(id);
                    words.push(word);
                }
            });
            let mut found = Vec::new();
            self.tokenizer.for_each_feature_at(&ids, |f, start, n| {
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
