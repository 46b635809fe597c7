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
//! Features are word n-grams over stemmed terms. Internally an n-gram is a
//! packed tuple of term ids (`u128`, 32 bits a term), never a string, so
//! counting millions of candidate bigrams costs integers, not allocations.
//! Output rows are sparse (CSR, sprs) all the way to the classifier.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sprs::CsMatI;

use crate::fasthash::FastMap as HashMap;
use crate::tokenize::{ngrams, TokenizeError, Tokenizer, TokenizerConfig};

/// Sparse rows: `f32` values, `u32` column indices, `usize` row pointers.
pub type Csr = CsMatI<f32, u32, usize>;

/// Marks a word whose stem is in no feature: it breaks every n-gram.
const UNKNOWN: u32 = u32::MAX;
/// Marks a stop word in the word caches: dropped before n-grams form.
const STOP: u32 = u32::MAX - 1;
/// The pseudo-term that a lede feature `^term` pairs with its term.
const LEDE: u32 = u32::MAX - 2;
/// Feature-string prefix of lede features.
const LEDE_PREFIX: char = '^';

/// Errors from configuring or fitting the vectorizer.
#[derive(Debug, thiserror::Error)]
pub enum VectorizeError {
    #[error(transparent)]
    Tokenizer(#[from] TokenizeError),
    #[error("min_df {0} is invalid: need at least 1 document")]
    MinDf(usize),
    #[error("max_df {0} is invalid: need a fraction in (0, 1]")]
    MaxDf(f64),
    #[error("max_features 0 is invalid: need at least 1")]
    MaxFeatures,
    #[error("no features: every term was dropped (documents are empty, or min_df {min_df} is above every term's document frequency)")]
    EmptyVocabulary { min_df: usize },
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
/// | `lede_terms` | 0 | >= 0: the first N terms also count as `^term` features |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TfIdfParams {
    pub tokenizer: TokenizerConfig,
    pub min_df: usize,
    pub max_df: f64,
    pub max_features: Option<usize>,
    pub sublinear_tf: bool,
    /// Headline and lede decide what an article is about and how it frames
    /// it; the first `lede_terms` terms (after stop words) also count as
    /// separate `^term` features so the classifier can weigh them apart.
    pub lede_terms: usize,
}

impl Default for TfIdfParams {
    fn default() -> Self {
        TfIdfParams {
            tokenizer: TokenizerConfig::default(),
            min_df: 2,
            max_df: 1.0,
            max_features: None,
            sublinear_tf: true,
            lede_terms: 0,
        }
    }
}

impl TfIdfParams {
    /// Validate the parameters; only validated parameters can fit.
    pub fn check(&self) -> Result<TfIdfValidParams, VectorizeError> {
        let tokenizer = self.tokenizer.build()?;
        if self.min_df < 1 {
            return Err(VectorizeError::MinDf(self.min_df));
        }
        if !(self.max_df > 0.0 && self.max_df <= 1.0) {
            return Err(VectorizeError::MaxDf(self.max_df));
        }
        if self.max_features == Some(0) {
            return Err(VectorizeError::MaxFeatures);
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
pub struct TfIdfStateRef<'a> {
    pub params: &'a TfIdfParams,
    pub features: &'a [String],
    pub idf: &'a [f32],
}

/// What a model file stores of a fitted vectorizer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TfIdfState {
    pub params: TfIdfParams,
    pub features: Vec<String>,
    pub idf: Vec<f32>,
}

fn pack(ids: &[u32]) -> u128 {
    ids.iter()
        .fold(0u128, |key, &id| (key << 32) | (id as u128 + 1))
}

/// The first id of a packed key and the key's length.
fn unpack_first(key: u128) -> (u32, usize) {
    let n = (128 - key.leading_zeros() as usize).div_ceil(32);
    (((key >> (32 * (n - 1))) & 0xFFFF_FFFF) as u32 - 1, n)
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Per-thread word -> term cache: normalized word to term id (or UNKNOWN).
/// Vocabulary repeats, so most words skip the stemmer after the first few
/// thousand documents.
struct WordCache {
    owner: u64,
    map: HashMap<Box<str>, u32>,
}

const WORD_CACHE_LIMIT: usize = 1 << 20;

thread_local! {
    static WORD_CACHE: RefCell<WordCache> =
        RefCell::new(WordCache { owner: 0, map: HashMap::default() });
    static SCRATCH: RefCell<(String, Vec<u32>, Vec<u32>)> =
        const { RefCell::new((String::new(), Vec::new(), Vec::new())) };
}

/// One chunk's local interning of stems during fit.
#[derive(Default)]
struct LocalVocab {
    word_to_local: HashMap<String, u32>,
    stems: Vec<String>,
    stem_to_local: HashMap<String, u32>,
}

impl TfIdfValidParams {
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
        let tokenizer = &self.tokenizer;
        // One chunk per thread: each chunk's vocabulary and n-gram counts are
        // merged afterwards, and that merge grows with the number of chunks.
        let size = docs.len().div_ceil(rayon::current_num_threads()).max(1);
        // 1. Tokenize in parallel, interning stems per chunk.
        let mut chunks: Vec<(LocalVocab, Vec<Vec<u32>>)> = docs
            .par_chunks(size)
            .map(|chunk| {
                let mut vocab = LocalVocab::default();
                let mut buf = String::new();
                let seqs = chunk
                    .iter()
                    .map(|doc| {
                        let mut seq = Vec::new();
                        tokenizer.for_each_normalized(doc.as_ref(), &mut buf, |word| {
                            let id = match vocab.word_to_local.get(word) {
                                Some(&id) => id,
                                None => {
                                    let id = if tokenizer.is_stop(word) {
                                        STOP
                                    } else {
                                        let stem = tokenizer.stem(word);
                                        match vocab.stem_to_local.get(stem.as_ref()) {
                                            Some(&id) => id,
                                            None => {
                                                let id = vocab.stems.len() as u32;
                                                vocab.stems.push(stem.to_string());
                                                vocab.stem_to_local.insert(stem.into_owned(), id);
                                                id
                                            }
                                        }
                                    };
                                    vocab.word_to_local.insert(word.to_string(), id);
                                    id
                                }
                            };
                            if id == STOP {
                                return;
                            }
                            seq.push(id);
                        });
                        seq
                    })
                    .collect();
                (vocab, seqs)
            })
            .collect();
        // 2. One global term numbering, in sorted order so it does not
        //    depend on how the documents were chunked.
        let mut all: Vec<&str> = chunks
            .iter()
            .flat_map(|(v, _)| v.stems.iter().map(String::as_str))
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
            .map(|(v, _)| v.stems.iter().map(|s| global[s.as_str()]).collect())
            .collect();
        let all_terms: Vec<String> = all.iter().map(|s| s.to_string()).collect();
        drop(global);
        // 3. Remap sequences to the global ids.
        chunks
            .par_iter_mut()
            .zip(remaps.par_iter())
            .for_each(|((_, seqs), remap)| {
                for seq in seqs.iter_mut() {
                    seq.iter_mut().for_each(|id| *id = remap[*id as usize]);
                }
            });
        // 4. Count the document frequency and total count of every n-gram.
        //    The key space is split into one shard per thread: each thread
        //    reads every document but counts only its shard's keys, so no
        //    two maps hold the same key and nothing needs merging (merging
        //    per-chunk maps doubled peak memory on large corpora). Shards
        //    are pruned as they finish.
        let (lo, hi) = (
            self.params.tokenizer.ngram_min,
            self.params.tokenizer.ngram_max,
        );
        let lede = self.params.lede_terms;
        let n_docs = docs.len();
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
        let kept: Vec<(u128, u32, u64)> = (0..shards)
            .into_par_iter()
            .flat_map_iter(|shard| {
                let mut counts: HashMap<u128, (u32, u64)> = HashMap::default();
                let mut keys = Vec::new();
                for seq in chunks.iter().flat_map(|(_, seqs)| seqs.iter()) {
                    keys.clear();
                    ngrams(seq.len(), lo, hi, |s, n| {
                        let key = pack(&seq[s..s + n]);
                        if shard_of(key) == shard {
                            keys.push(key);
                        }
                    });
                    keys.extend(
                        seq.iter()
                            .take(lede)
                            .map(|&id| pack(&[LEDE, id]))
                            .filter(|&k| shard_of(k) == shard),
                    );
                    keys.sort_unstable();
                    let mut i = 0;
                    while i < keys.len() {
                        let mut j = i + 1;
                        while j < keys.len() && keys[j] == keys[i] {
                            j += 1;
                        }
                        let e = counts.entry(keys[i]).or_insert((0, 0));
                        e.0 += 1;
                        e.1 += (j - i) as u64;
                        i = j;
                    }
                }
                counts
                    .into_iter()
                    .filter(|&(_, (df, _))| df as usize >= min_df && df <= max_df)
                    .map(|(k, (df, tf))| (k, df, tf))
                    .collect::<Vec<_>>()
            })
            .collect();
        let key_string = |key: u128| -> String {
            let mut ids = Vec::with_capacity(4);
            let mut k = key;
            while k != 0 {
                ids.push((k & 0xFFFF_FFFF) as u32 - 1);
                k >>= 32;
            }
            ids.reverse();
            if ids[0] == LEDE {
                return format!("{LEDE_PREFIX}{}", all_terms[ids[1] as usize]);
            }
            ids.iter()
                .map(|&i| all_terms[i as usize].as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut named: Vec<(String, u32, u64)> = kept
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
        let state = TfIdfState {
            params: self.params.clone(),
            features,
            idf,
        };
        let fitted = TfIdf::from_state(state)?;
        // 5. Rows for the training documents, from their term sequences,
        //    translated to the frozen term ids.
        let frozen: Vec<u32> = all_terms
            .iter()
            .map(|t| fitted.terms.get(t.as_str()).copied().unwrap_or(UNKNOWN))
            .collect();
        // Per chunk: flat CSR parts, built while the chunk's sequences are
        // consumed, so sequences and per-row vectors are never all alive at
        // once.
        type Part = (Vec<usize>, Vec<u32>, Vec<f32>);
        let parts: Vec<Part> = chunks
            .into_par_iter()
            .map(|(_, seqs)| {
                let mut keys = Vec::new();
                let mut ids = Vec::new();
                let (mut lens, mut indices, mut values) = (Vec::new(), Vec::new(), Vec::new());
                for seq in seqs {
                    ids.clear();
                    ids.extend(seq.iter().map(|&g| frozen[g as usize]));
                    let (idx, val) = fitted.row_from_terms(&ids, &mut keys);
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
        let matrix = Csr::try_new((n_docs, fitted.n_features()), indptr, indices, values)
            .map_err(|(_, _, _, e)| e)
            .expect("rows are built sorted and in range");
        Ok((fitted, matrix))
    }

    /// Fits vocabulary and IDF on `docs`.
    pub fn fit<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Result<TfIdf, VectorizeError> {
        self.fit_transform(docs).map(|(fitted, _)| fitted)
    }
}

fn assemble(rows: impl Iterator<Item = (Vec<u32>, Vec<f32>)>, n_cols: usize) -> Csr {
    let mut indptr = vec![0usize];
    let mut indices = Vec::new();
    let mut data = Vec::new();
    for (idx, val) in rows {
        indices.extend_from_slice(&idx);
        data.extend_from_slice(&val);
        indptr.push(indices.len());
    }
    let n_rows = indptr.len() - 1;
    Csr::try_new((n_rows, n_cols), indptr, indices, data)
        .map_err(|(_, _, _, e)| e)
        .expect("rows are built sorted and in range")
}

impl TfIdf {
    /// Rebuilds a fitted vectorizer from its stored state (model loading).
    pub fn from_state(state: TfIdfState) -> Result<TfIdf, VectorizeError> {
        let tokenizer = state.params.check()?.tokenizer;
        if state.features.len() != state.idf.len() {
            return Err(VectorizeError::Inconsistent(format!(
                "{} features but {} IDF values",
                state.features.len(),
                state.idf.len()
            )));
        }
        if state.features.len() >= STOP as usize {
            return Err(VectorizeError::Inconsistent("too many features".into()));
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
            let too_long = if is_lede {
                ids.len() != 2
            } else {
                ids.len() > max_n
            };
            if too_long || body.is_empty() {
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
            let (first, n) = unpack_first(key);
            if first == LEDE {
                continue;
            }
            if n == 1 {
                unigram[first as usize] = col;
            } else {
                starts_ngram[first as usize] = true;
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
    pub fn state_ref(&self) -> TfIdfStateRef<'_> {
        TfIdfStateRef {
            params: &self.params,
            features: &self.features,
            idf: &self.idf,
        }
    }

    /// The state a model file stores.
    pub fn state(&self) -> TfIdfState {
        TfIdfState {
            params: self.params.clone(),
            features: self.features.clone(),
            idf: self.idf.clone(),
        }
    }

    pub fn params(&self) -> &TfIdfParams {
        &self.params
    }

    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    pub fn n_features(&self) -> usize {
        self.features.len()
    }

    /// The feature string of a column.
    pub fn feature(&self, column: usize) -> &str {
        &self.features[column]
    }

    pub fn features(&self) -> &[String] {
        &self.features
    }

    pub fn idf(&self) -> &[f32] {
        &self.idf
    }

    /// The column of a feature string, if it is in the vocabulary.
    pub fn column(&self, feature: &str) -> Option<usize> {
        self.features
            .binary_search_by(|f| f.as_str().cmp(feature))
            .ok()
    }

    /// The frozen term ids of `text`'s words, UNKNOWN for words whose stem is
    /// in no feature.
    fn term_ids(&self, text: &str, buf: &mut String, out: &mut Vec<u32>) {
        out.clear();
        WORD_CACHE.with(|cache| {
            let mut cache = cache.borrow_mut();
            if cache.owner != self.id || cache.map.len() > WORD_CACHE_LIMIT {
                cache.map.clear();
                cache.owner = self.id;
            }
            self.tokenizer.for_each_normalized(text, buf, |word| {
                let id = match cache.map.get(word) {
                    Some(&id) => id,
                    None => {
                        let id = if self.tokenizer.is_stop(word) {
                            STOP
                        } else {
                            let stem = self.tokenizer.stem(word);
                            self.terms.get(stem.as_ref()).copied().unwrap_or(UNKNOWN)
                        };
                        cache.map.insert(word.into(), id);
                        id
                    }
                };
                if id == STOP {
                    return;
                }
                out.push(id);
            });
        });
    }

    /// TF-IDF row from frozen term ids: sublinear TF, IDF, L2 norm; columns
    /// ascending.
    fn row_from_terms(&self, ids: &[u32], keys: &mut Vec<u32>) -> (Vec<u32>, Vec<f32>) {
        let (lo, hi) = (
            self.params.tokenizer.ngram_min,
            self.params.tokenizer.ngram_max,
        );
        keys.clear();
        ngrams(ids.len(), lo, hi, |s, n| {
            let first = ids[s];
            if first == UNKNOWN {
                return;
            }
            if n == 1 {
                let col = self.unigram[first as usize];
                if col != UNKNOWN {
                    keys.push(col);
                }
                return;
            }
            if !self.starts_ngram[first as usize] {
                return;
            }
            let window = &ids[s..s + n];
            if window.contains(&UNKNOWN) {
                return;
            }
            if let Some(&col) = self.columns.get(&pack(window)) {
                keys.push(col);
            }
        });
        for &id in ids.iter().take(self.params.lede_terms) {
            if id != UNKNOWN {
                if let Some(&col) = self.columns.get(&pack(&[LEDE, id])) {
                    keys.push(col);
                }
            }
        }
        keys.sort_unstable();
        let mut indices = Vec::new();
        let mut values = Vec::new();
        let mut i = 0;
        while i < keys.len() {
            let mut j = i + 1;
            while j < keys.len() && keys[j] == keys[i] {
                j += 1;
            }
            let tf = (j - i) as f32;
            let tf = if self.params.sublinear_tf {
                1.0 + tf.ln()
            } else {
                tf
            };
            indices.push(keys[i]);
            values.push(tf * self.idf[keys[i] as usize]);
            i = j;
        }
        let norm = values.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            values.iter_mut().for_each(|v| *v /= norm);
        }
        (indices, values)
    }

    /// The vector of one document: column indices (ascending) and values.
    pub fn transform_one(&self, text: &str) -> (Vec<u32>, Vec<f32>) {
        SCRATCH.with(|scratch| {
            let (buf, ids, keys) = &mut *scratch.borrow_mut();
            self.term_ids(text, buf, ids);
            self.row_from_terms(ids, keys)
        })
    }

    /// The rows of many documents, in order, computed in parallel.
    pub fn transform<S: AsRef<str> + Sync>(&self, docs: &[S]) -> Csr {
        let rows: Vec<(Vec<u32>, Vec<f32>)> = docs
            .par_iter()
            .with_min_len(16)
            .map(|d| self.transform_one(d.as_ref()))
            .collect();
        assemble(rows.into_iter(), self.n_features())
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
            let row = x.outer_view(i).unwrap();
            assert_eq!(row.indices(), idx.as_slice(), "fit row {i}");
            assert_eq!(row.data(), val.as_slice(), "fit row {i}");
            let row = again.outer_view(i).unwrap();
            assert_eq!(row.indices(), idx.as_slice(), "batch row {i}");
            assert_eq!(row.data(), val.as_slice(), "batch row {i}");
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
        let params = TfIdfParams {
            min_df: 1,
            lede_terms: 2,
            ..english()
        };
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
            assert_eq!(x.outer_view(i).unwrap().indices(), idx.as_slice());
            assert_eq!(x.outer_view(i).unwrap().data(), val.as_slice());
        }
    }

    #[test]
    fn packed_keys_unpack() {
        assert_eq!(unpack_first(pack(&[7])), (7, 1));
        assert_eq!(unpack_first(pack(&[0, 9])), (0, 2));
        assert_eq!(
            unpack_first(pack(&[u32::MAX - 3, 1, 2, 3])),
            (u32::MAX - 3, 4)
        );
        assert_eq!(unpack_first(pack(&[LEDE, 5])), (LEDE, 2));
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
                "min_df 0 is invalid: need at least 1 document",
            ),
            (
                TfIdfParams {
                    max_df: 1.5,
                    ..Default::default()
                },
                "max_df 1.5 is invalid: need a fraction in (0, 1]",
            ),
            (
                TfIdfParams {
                    max_features: Some(0),
                    ..Default::default()
                },
                "max_features 0 is invalid: need at least 1",
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
