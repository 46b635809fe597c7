//! Text analysis: turns cleaned text into the terms the vectorizer counts.
//!
//! As in tantivy, analysis is a chain of small stages, each its own type:
//! [`Splitter`] (Unicode word boundaries) -> [`Normalizer`] (lowercase,
//! digits folded) -> [`StopWordFilter`] -> [`Stemmer`] (Snowball) -> the
//! feature stage (word n-grams over the terms, and optionally the first
//! terms again as "lede" features). Ordering contracts: the normalizer is the
//! only stage that changes case, so the stop-word filter and the stemmer
//! expect lowercase input; the stemmer never sees stop words; n-grams form
//! after stop words are dropped. The whole configuration is plain
//! serializable data, stored in the model file, so labeling analyzes text
//! exactly as training did.
//!
//! There is one text path: the vectorizer fits and transforms through
//! the same word -> term-id walk and the same feature stage that
//! [`Tokenizer::terms`] and [`Tokenizer::features`] show as strings.
//!
//! ```
//! use classify::tokenize::TokenizerConfig;
//!
//! let tokenizer = TokenizerConfig::default().build()?;
//! assert_eq!(tokenizer.terms("Senators voted"), ["senat", "vote"]);
//! assert_eq!(tokenizer.features("Senators voted"), ["senat", "senat vote", "vote"]);
//! # Ok::<(), classify::tokenize::TokenizeError>(())
//! ```

mod ascii;
mod stages;
mod stopwords;

use serde::{Deserialize, Serialize};

pub use stages::{Normalizer, Splitter, Stemmer, StopWordFilter};

use crate::fasthash::FastMap;
use crate::params::ParamError;
use crate::vectorize::table::{pack_word, unpack_word, WordTable};
use stages::ngrams;

/// The longest word n-gram a model may use. N-grams are packed as term-id
/// tuples in the vectorizer, and longer ones add little for news text.
pub const MAX_NGRAM: usize = 4;

/// Errors from building a tokenizer out of a configuration.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenizeError {
    /// `ngram_min..=ngram_max` is empty or outside `1..=MAX_NGRAM`.
    #[error("n-gram range {min}..={max} is invalid: need 1 <= min <= max <= {MAX_NGRAM}")]
    NgramRange {
        /// The configured shortest n-gram.
        min: usize,
        /// The configured longest n-gram.
        max: usize,
    },
    /// `ngram_max` out of range, as the command line names it.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// `min_chars` outside 1..=64.
    #[error("minimum word length {0} is invalid: need 1 to 64 characters")]
    MinChars(usize),
}

/// Which stop-word list to drop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StopWords {
    /// Keep every word.
    None,
    /// Our English list (see `stopwords.rs`).
    English,
}

/// Which Snowball stemmer to apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stemming {
    /// Keep words as they are (after lowercasing).
    None,
    /// Snowball English ("Porter 2").
    English,
}

/// What to do with digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Numbers {
    /// Keep digits as written.
    Keep,
    /// Fold every decimal digit to `0`, so "1998" and "2024" share a term.
    Normalize,
}

/// Tokenizer configuration, stored in every model.
///
/// | field | default | range |
/// |---|---|---|
/// | `stop_words` | `None` | `None`, `English` |
/// | `stemming` | `English` | `None`, `English` |
/// | `numbers` | `Normalize` | `Keep`, `Normalize` |
/// | `min_chars` | 2 | 1..=64 characters |
/// | `ngram_min`, `ngram_max` | 1, 2 | 1 <= min <= max <= 4 |
/// | `lede_terms` | 0 | >= 0: the first N terms also count as `^term` features |
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenizerConfig {
    /// Stop words to drop.
    pub stop_words: StopWords,
    /// Stemmer to apply.
    pub stemming: Stemming,
    /// What to do with digits.
    pub numbers: Numbers,
    /// Shorter words (in characters) are dropped.
    pub min_chars: usize,
    /// Shortest word n-gram.
    pub ngram_min: usize,
    /// Longest word n-gram.
    pub ngram_max: usize,
    /// Headline and lede decide what an article is about and how it frames
    /// it; the first `lede_terms` terms (after stop words) also count as
    /// separate `^term` features so a classifier can weigh them apart.
    pub lede_terms: usize,
}

impl Default for TokenizerConfig {
    fn default() -> Self {
        // Stop words are kept by default: function words carry style and
        // stance ("would", "should", "but"), and keeping them raised accuracy
        // on four of five benchmark datasets (see README.md).
        TokenizerConfig {
            stop_words: StopWords::None,
            stemming: Stemming::English,
            numbers: Numbers::Normalize,
            min_chars: 2,
            ngram_min: 1,
            ngram_max: 2,
            lede_terms: 0,
        }
    }
}

impl TokenizerConfig {
    /// Checks the ranges and builds the stages.
    pub fn build(&self) -> Result<Tokenizer, TokenizeError> {
        if !(1..=MAX_NGRAM).contains(&self.ngram_max) {
            return Err(TokenizeError::Param(ParamError::new(
                "--ngram-max",
                self.ngram_max,
                "need 1 to 4",
            )));
        }
        if self.ngram_min < 1 || self.ngram_min > self.ngram_max {
            return Err(TokenizeError::NgramRange {
                min: self.ngram_min,
                max: self.ngram_max,
            });
        }
        if !(1..=64).contains(&self.min_chars) {
            return Err(TokenizeError::MinChars(self.min_chars));
        }
        Ok(Tokenizer {
            config: self.clone(),
            splitter: Splitter,
            normalizer: Normalizer::new(self.numbers, self.min_chars),
            stop_words: StopWordFilter::new(self.stop_words),
            stemmer: Stemmer::new(self.stemming),
        })
    }
}

/// What a word id means besides a term: a word whose stem is in no feature
/// (labeling only; it breaks every n-gram it is in).
pub(crate) const UNKNOWN: u32 = u32::MAX;
/// A stop word: dropped before n-grams form.
pub(crate) const STOP: u32 = u32::MAX - 1;
/// The pseudo-term that a lede feature `^term` pairs with its term.
pub(crate) const LEDE: u32 = u32::MAX - 2;
/// Feature-string prefix of lede features.
pub const LEDE_PREFIX: char = '^';

/// Normalized word -> term id (or [`STOP`], [`UNKNOWN`]), for the words a
/// frozen table does not hold. Vocabulary repeats, so after the first few
/// thousand documents most words skip the stop-word check and the stemmer.
/// Words of up to 16 bytes are keyed by their packed bytes (no allocation,
/// no string comparison).
#[derive(Default)]
pub(crate) struct WordCache {
    packed: FastMap<u128, u32>,
    long: FastMap<Box<str>, u32>,
}

impl WordCache {
    pub(crate) fn len(&self) -> usize {
        self.packed.len() + self.long.len()
    }

    pub(crate) fn clear(&mut self) {
        self.packed.clear();
        self.long.clear();
    }

    /// Every packed word and its id (a fitted vectorizer's frozen table is
    /// made of them).
    pub(crate) fn packed(&self) -> impl Iterator<Item = (u128, u32)> + '_ {
        self.packed.iter().map(|(&k, &v)| (k, v))
    }
}

/// A normalized word as the lookups see it.
pub(crate) enum Key<'b> {
    /// Up to 16 bytes, packed ([`crate::vectorize::table::pack_word`]).
    Packed(u128),
    /// Longer.
    Long(&'b str),
}

/// One feature of a document, before it is a column: an n-gram of term ids
/// (never containing [`UNKNOWN`]) or a lede term.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Feature<'a> {
    Gram(&'a [u32]),
    Lede(u32),
}

/// A validated tokenizer: the stages built from a [`TokenizerConfig`].
pub struct Tokenizer {
    config: TokenizerConfig,
    splitter: Splitter,
    normalizer: Normalizer,
    stop_words: StopWordFilter,
    stemmer: Stemmer,
}

impl std::fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokenizer")
            .field("config", &self.config)
            .finish()
    }
}

impl Tokenizer {
    /// The configuration the stages were built from.
    pub fn config(&self) -> &TokenizerConfig {
        &self.config
    }

    /// The one path from text to terms, shared by fitting and labeling:
    /// split, normalize, drop stop words, stem, and map each stem to an id
    /// with `resolve` (which interns while fitting and looks up the frozen
    /// vocabulary while labeling). Ids go into `out` in text order; stop
    /// words leave no id. `cache` remembers each distinct word's id, so the
    /// stemmer and `resolve` run once per distinct word; `buf` is scratch.
    pub(crate) fn term_ids(
        &self,
        text: &str,
        cache: &mut WordCache,
        buf: &mut String,
        resolve: impl FnMut(&str) -> u32,
        out: &mut Vec<u32>,
    ) {
        out.clear();
        self.for_each_term(text, cache, buf, resolve, |id, _| out.push(id));
    }

    /// [`Self::term_ids`]'s walk, handing each term's id and the word it
    /// came from (a slice of `text`, as written) to `f`.
    pub(crate) fn for_each_term<'t>(
        &self,
        text: &'t str,
        cache: &mut WordCache,
        buf: &mut String,
        resolve: impl FnMut(&str) -> u32,
        mut f: impl FnMut(u32, &'t str),
    ) {
        self.for_each_word(text, cache, None, buf, resolve, |id, word| {
            if let Some(id) = id.filter(|&id| id != STOP) {
                f(id, word);
            }
        });
    }

    /// The walk itself: every word the splitter finds, with its id, `STOP`
    /// for a stop word, or `None` for a word too short to keep. A word is
    /// looked up in `frozen` first (a fitted vectorizer's table of its
    /// training words), then in `cache`; only then stop words are checked
    /// and the stemmer and `resolve` run.
    pub(crate) fn for_each_word<'t>(
        &self,
        text: &'t str,
        cache: &mut WordCache,
        frozen: Option<&WordTable>,
        buf: &mut String,
        mut resolve: impl FnMut(&str) -> u32,
        mut f: impl FnMut(Option<u32>, &'t str),
    ) {
        self.for_each_key(text, buf, |key, word| match key {
            None => f(None, word),
            Some(key) => f(Some(self.resolve(key, cache, frozen, &mut resolve)), word),
        });
    }

    /// A normalized word's id: from `frozen` (a fitted vectorizer's table
    /// of its training words), else from `cache`, else `STOP` for a stop
    /// word or `resolve` of its stem (remembered in `cache`).
    #[inline]
    pub(crate) fn resolve(
        &self,
        key: Key<'_>,
        cache: &mut WordCache,
        frozen: Option<&WordTable>,
        resolve: &mut impl FnMut(&str) -> u32,
    ) -> u32 {
        let mut miss = |word: &str| {
            if self.stop_words.is_stop(word) {
                STOP
            } else {
                resolve(&self.stemmer.stem(word))
            }
        };
        match key {
            Key::Packed(k) => {
                if let Some(id) = frozen.and_then(|t| t.get(k)) {
                    return id;
                }
                if let Some(&id) = cache.packed.get(&k) {
                    return id;
                }
                let (bytes, len) = unpack_word(k);
                let normalized = std::str::from_utf8(&bytes[..len]).expect("packed from a str");
                let id = miss(normalized);
                cache.packed.insert(k, id);
                id
            }
            Key::Long(normalized) => {
                if let Some(&id) = cache.long.get(normalized) {
                    return id;
                }
                let id = miss(normalized);
                cache.long.insert(normalized.into(), id);
                id
            }
        }
    }

    /// Splits and normalizes: every word of `text` as a lookup key (`None`
    /// for a word shorter than `min_chars`), with the word as written. ASCII
    /// words of up to 16 bytes are lowercased and packed in one pass;
    /// others go through the [`Normalizer`].
    pub(crate) fn for_each_key<'t>(
        &self,
        text: &'t str,
        buf: &mut String,
        mut f: impl FnMut(Option<Key<'_>>, &'t str),
    ) {
        let fold = self.config.numbers == Numbers::Normalize;
        let min = self.config.min_chars;
        self.splitter.for_each(text, |word| {
            let b = word.as_bytes();
            if b.len() <= 16 && b.is_ascii() {
                if b.len() < min {
                    return f(None, word);
                }
                let mut bytes = [0u8; 16];
                for (o, &c) in bytes.iter_mut().zip(b) {
                    let c = c.to_ascii_lowercase();
                    *o = if fold && c.is_ascii_digit() { b'0' } else { c };
                }
                return f(Some(Key::Packed(u128::from_le_bytes(bytes))), word);
            }
            if !self.normalizer.normalize(word, buf) {
                return f(None, word);
            }
            match pack_word(buf.as_bytes()) {
                Some(k) => f(Some(Key::Packed(k)), word),
                None => f(Some(Key::Long(buf.as_str())), word),
            }
        });
    }

    /// The feature stage: every n-gram of `ids` in the configured range
    /// (ordered by start, then length; windows holding an [`UNKNOWN`] word
    /// are skipped), then the first `lede_terms` terms as lede features.
    pub(crate) fn for_each_feature(&self, ids: &[u32], mut f: impl FnMut(Feature<'_>)) {
        self.for_each_feature_at(ids, |feature, _, _| f(feature));
    }

    /// [`Self::for_each_feature`], with each feature's first term position
    /// and its number of terms.
    pub(crate) fn for_each_feature_at(
        &self,
        ids: &[u32],
        mut f: impl FnMut(Feature<'_>, usize, usize),
    ) {
        let (lo, hi) = (self.config.ngram_min, self.config.ngram_max);
        ngrams(ids.len(), lo, hi, |start, n| {
            let window = &ids[start..start + n];
            if !window.contains(&UNKNOWN) {
                f(Feature::Gram(window), start, n);
            }
        });
        for (i, &id) in ids.iter().enumerate().take(self.config.lede_terms) {
            if id != UNKNOWN {
                f(Feature::Lede(id), i, 1);
            }
        }
    }

    /// The terms of `text` as strings, through [`Self::term_ids`]'s path
    /// with an interning vocabulary.
    fn interned(&self, text: &str) -> (Vec<String>, Vec<u32>) {
        let mut stems: Vec<String> = Vec::new();
        let mut index: FastMap<String, u32> = FastMap::default();
        let mut ids = Vec::new();
        self.term_ids(
            text,
            &mut WordCache::default(),
            &mut String::new(),
            |stem| {
                *index.entry(stem.to_string()).or_insert_with(|| {
                    stems.push(stem.to_string());
                    stems.len() as u32 - 1
                })
            },
            &mut ids,
        );
        (stems, ids)
    }

    /// The unigram terms of `text` (normalized, stop words dropped,
    /// stemmed), in order.
    pub fn terms(&self, text: &str) -> Vec<String> {
        let (stems, ids) = self.interned(text);
        ids.iter().map(|&i| stems[i as usize].clone()).collect()
    }

    /// Every feature string of `text`, in the order the vectorizer counts
    /// them: n-grams (terms joined by one space) by start position, shorter
    /// first, then lede features (`^term`).
    pub fn features(&self, text: &str) -> Vec<String> {
        let (stems, ids) = self.interned(text);
        let mut out = Vec::new();
        self.for_each_feature(&ids, |feature| match feature {
            Feature::Gram(window) => out.push(
                window
                    .iter()
                    .map(|&i| stems[i as usize].as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            Feature::Lede(i) => out.push(format!("{LEDE_PREFIX}{}", stems[i as usize])),
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default configuration with English stop words dropped.
    fn default_tokenizer() -> Tokenizer {
        TokenizerConfig {
            stop_words: StopWords::English,
            ..Default::default()
        }
        .build()
        .unwrap()
    }

    #[test]
    fn stop_words_are_kept_by_default() {
        let t = TokenizerConfig::default().build().unwrap();
        assert_eq!(
            t.terms("The vote of the board"),
            ["the", "vote", "of", "the", "board"]
        );
    }

    #[test]
    fn terms_are_lowercased_stemmed_and_filtered() {
        let t = default_tokenizer();
        let cases: &[(&str, &[&str])] = &[
            ("The Senators were voting", &["senat", "vote"]),
            ("Immigration raids in 2019", &["immigr", "raid", "0000"]),
            ("Don't deport them!", &["don't", "deport"]),
            // Non-ASCII: accented letters survive lowercasing and splitting.
            (
                "ÉCOLE publique à Montréal",
                &["école", "publiqu", "montréal"],
            ),
            ("Ünïcödé — naïve café", &["ünïcödé", "naïv", "café"]),
            // Greek capital sigma lowercases through Unicode rules.
            ("ΑΘΗΝΑ", &["αθηνα"]),
            ("", &[]),
        ];
        for (text, expected) in cases {
            assert_eq!(t.terms(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn negations_are_kept_for_stance() {
        let t = default_tokenizer();
        assert_eq!(t.terms("not against"), ["not", "against"]);
    }

    #[test]
    fn features_include_bigrams_in_order() {
        let t = default_tokenizer();
        assert_eq!(
            t.features("border wall funding"),
            ["border", "border wall", "wall", "wall fund", "fund"]
        );
    }

    #[test]
    fn lede_features_follow_the_ngrams() {
        let t = TokenizerConfig {
            lede_terms: 2,
            ..Default::default()
        }
        .build()
        .unwrap();
        assert_eq!(
            t.features("Border wall plan"),
            [
                "border",
                "border wall",
                "wall",
                "wall plan",
                "plan",
                "^border",
                "^wall"
            ]
        );
    }

    #[test]
    fn unknown_words_break_ngrams_and_ledes() {
        let t = TokenizerConfig {
            lede_terms: 3,
            ..Default::default()
        }
        .build()
        .unwrap();
        let mut got = Vec::new();
        t.for_each_feature(&[0, UNKNOWN, 1, 2], |f| got.push(format!("{f:?}")));
        assert_eq!(
            got,
            [
                "Gram([0])",
                "Gram([1])",
                "Gram([1, 2])",
                "Gram([2])",
                "Lede(0)",
                "Lede(1)"
            ]
        );
    }

    #[test]
    fn options_change_the_stages() {
        let config = TokenizerConfig {
            stop_words: StopWords::None,
            stemming: Stemming::None,
            numbers: Numbers::Keep,
            min_chars: 1,
            ngram_min: 2,
            ngram_max: 3,
            lede_terms: 0,
        };
        let t = config.build().unwrap();
        assert_eq!(t.terms("The 3 voters"), ["the", "3", "voters"]);
        assert_eq!(t.features("a b c"), ["a b", "a b c", "b c"]);
    }

    #[test]
    fn invalid_ranges_are_refused() {
        let config = TokenizerConfig {
            ngram_max: 5,
            ..Default::default()
        };
        assert_eq!(
            config.build().unwrap_err().to_string(),
            "--ngram-max 5 is out of range: need 1 to 4"
        );
        for (min, max) in [(0, 1), (2, 1)] {
            let config = TokenizerConfig {
                ngram_min: min,
                ngram_max: max,
                ..Default::default()
            };
            assert_eq!(
                config.build().unwrap_err(),
                TokenizeError::NgramRange { min, max }
            );
        }
        let config = TokenizerConfig {
            min_chars: 0,
            ..Default::default()
        };
        assert_eq!(
            config.build().unwrap_err().to_string(),
            "minimum word length 0 is invalid: need 1 to 64 characters"
        );
    }
}
