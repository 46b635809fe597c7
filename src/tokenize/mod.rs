//! Text analysis: turns cleaned text into the terms the vectorizer counts.
//!
//! As in tantivy, analysis is a chain of small stages, each its own type:
//! [`Splitter`] (Unicode word boundaries) -> [`Normalizer`] (lowercase,
//! digits folded) -> [`StopWordFilter`] -> [`Stemmer`] (Snowball), and then
//! word n-grams over the resulting terms ([`ngrams`]). Ordering contracts:
//! the normalizer is the only stage that changes case, so the stop-word
//! filter and the stemmer expect lowercase input; the stemmer never sees stop
//! words. The whole configuration is plain serializable data, stored in the
//! model file, so labeling analyzes text exactly as training did.

mod stages;
mod stopwords;

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

pub use stages::{ngrams, Normalizer, Splitter, Stemmer, StopWordFilter};

/// The longest word n-gram a model may use. N-grams are packed as term-id
/// tuples in the vectorizer, and longer ones add little for news text.
pub const MAX_NGRAM: usize = 4;

/// Errors from building a tokenizer out of a configuration.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenizeError {
    #[error("n-gram range {min}..={max} is invalid: need 1 <= min <= max <= {MAX_NGRAM}")]
    NgramRange { min: usize, max: usize },
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenizerConfig {
    pub stop_words: StopWords,
    pub stemming: Stemming,
    pub numbers: Numbers,
    pub min_chars: usize,
    pub ngram_min: usize,
    pub ngram_max: usize,
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
        }
    }
}

impl TokenizerConfig {
    /// Check the ranges and build the stages.
    pub fn build(&self) -> Result<Tokenizer, TokenizeError> {
        if self.ngram_min < 1 || self.ngram_min > self.ngram_max || self.ngram_max > MAX_NGRAM {
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
    pub fn config(&self) -> &TokenizerConfig {
        &self.config
    }

    /// Calls `f` with each normalized, non-stop word of `text`, in order.
    ///
    /// `buf` is scratch space reused between words (and between calls) so
    /// the hot path does not allocate. The words are not stemmed yet: the
    /// vectorizer caches word -> term lookups and stems only on a miss.
    pub fn for_each_word(&self, text: &str, buf: &mut String, mut f: impl FnMut(&str)) {
        self.for_each_normalized(text, buf, |w| {
            if !self.stop_words.is_stop(w) {
                f(w)
            }
        });
    }

    /// Like [`Self::for_each_word`] but keeps stop words, for callers that
    /// cache per distinct word whether it is one ([`Self::is_stop`]).
    pub fn for_each_normalized(&self, text: &str, buf: &mut String, mut f: impl FnMut(&str)) {
        for word in self.splitter.words(text) {
            if self.normalizer.normalize(word, buf) {
                f(buf);
            }
        }
    }

    /// Whether a normalized word is a stop word.
    pub fn is_stop(&self, word: &str) -> bool {
        self.stop_words.is_stop(word)
    }

    /// The stem of a normalized word.
    pub fn stem<'a>(&self, word: &'a str) -> Cow<'a, str> {
        self.stemmer.stem(word)
    }

    /// The unigram terms of `text`: every stage but n-grams.
    pub fn terms(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut buf = String::new();
        self.for_each_word(text, &mut buf, |w| out.push(self.stem(w).into_owned()));
        out
    }

    /// Every feature string of `text`: terms joined into n-grams of the
    /// configured range, in text order, shorter n-grams first at each start.
    pub fn features(&self, text: &str) -> Vec<String> {
        let terms = self.terms(text);
        let mut out = Vec::new();
        ngrams(
            terms.len(),
            self.config.ngram_min,
            self.config.ngram_max,
            |start, n| {
                out.push(terms[start..start + n].join(" "));
            },
        );
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
    fn options_change_the_stages() {
        let config = TokenizerConfig {
            stop_words: StopWords::None,
            stemming: Stemming::None,
            numbers: Numbers::Keep,
            min_chars: 1,
            ngram_min: 2,
            ngram_max: 3,
        };
        let t = config.build().unwrap();
        assert_eq!(t.terms("The 3 voters"), ["the", "3", "voters"]);
        assert_eq!(t.features("a b c"), ["a b", "a b c", "b c"]);
    }

    #[test]
    fn invalid_ranges_are_refused() {
        for (min, max) in [(0, 1), (2, 1), (1, 5)] {
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
