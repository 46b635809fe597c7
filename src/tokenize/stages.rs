//! The analysis stages, one small type each (see the module docs of
//! `tokenize` for their order and contracts).

use std::borrow::Cow;

use super::{stopwords, Numbers, Stemming, StopWords};

/// Splits text on Unicode (UAX #29) word boundaries and keeps the words,
/// so "don't" and "U.S" stay whole and punctuation goes. ASCII runs take a
/// fast path that finds the same words (see `tokenize/ascii.rs`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Splitter;

impl Splitter {
    /// The words of `text`, in order, as slices of it.
    pub fn words<'t>(&self, text: &'t str) -> Vec<&'t str> {
        let mut out = Vec::new();
        self.for_each(text, |w| out.push(w));
        out
    }

    /// Calls `f` with each word of `text`, in order.
    pub fn for_each<'t>(&self, text: &'t str, f: impl FnMut(&'t str)) {
        super::ascii::for_each_word(text, f);
    }
}

/// Lowercases a word and, by configuration, folds digits to `0`; drops
/// words shorter than the minimum length. The only stage that changes case.
#[derive(Clone, Copy, Debug)]
pub struct Normalizer {
    numbers: Numbers,
    min_chars: usize,
}

impl Normalizer {
    /// A normalizer that folds digits by `numbers` and keeps words of at
    /// least `min_chars` characters.
    pub fn new(numbers: Numbers, min_chars: usize) -> Self {
        Normalizer { numbers, min_chars }
    }

    /// Writes the normalized `word` into `out`; returns false when the word
    /// is too short to keep.
    pub fn normalize(&self, word: &str, out: &mut String) -> bool {
        out.clear();
        let fold = self.numbers == Numbers::Normalize;
        if word.is_ascii() {
            if word.len() < self.min_chars {
                return false;
            }
            out.extend(word.bytes().map(|b| {
                let b = b.to_ascii_lowercase();
                if fold && b.is_ascii_digit() {
                    '0'
                } else {
                    b as char
                }
            }));
            return true;
        }
        let mut chars = 0;
        for c in word.chars() {
            chars += 1;
            if fold && c.is_ascii_digit() {
                out.push('0');
            } else {
                out.extend(c.to_lowercase());
            }
        }
        // Unicode lowercasing of a final capital sigma depends on context;
        // per-char mapping gives the medial form, which is what we want for
        // matching across documents.
        chars >= self.min_chars
    }
}

/// Drops stop words. Expects lowercase input.
#[derive(Clone, Copy, Debug)]
pub struct StopWordFilter {
    list: StopWords,
}

impl StopWordFilter {
    /// A filter for `list`.
    pub fn new(list: StopWords) -> Self {
        StopWordFilter { list }
    }

    /// Whether the lowercase `word` is a stop word.
    pub fn is_stop(&self, word: &str) -> bool {
        match self.list {
            StopWords::None => false,
            StopWords::English => stopwords::is_english(word),
        }
    }
}

/// Snowball stemming through rust-stemmers. Expects lowercase input: the
/// stemmer does not lowercase.
pub struct Stemmer {
    inner: Option<rust_stemmers::Stemmer>,
}

impl std::fmt::Debug for Stemmer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stemmer")
            .field("enabled", &self.inner.is_some())
            .finish()
    }
}

impl Stemmer {
    /// A stemmer for `stemming` (or none).
    pub fn new(stemming: Stemming) -> Self {
        let inner = match stemming {
            Stemming::None => None,
            Stemming::English => Some(rust_stemmers::Stemmer::create(
                rust_stemmers::Algorithm::English,
            )),
        };
        Stemmer { inner }
    }

    /// The stem of the lowercase `word`.
    pub fn stem<'a>(&self, word: &'a str) -> Cow<'a, str> {
        match &self.inner {
            None => Cow::Borrowed(word),
            Some(s) => s.stem(word),
        }
    }
}

/// Calls `f(start, n)` for every n-gram of a sequence of `len` terms with
/// `min <= n <= max`, ordered by start position, then by length.
pub(crate) fn ngrams(len: usize, min: usize, max: usize, mut f: impl FnMut(usize, usize)) {
    for start in 0..len {
        for n in min..=max {
            if start + n > len {
                break;
            }
            f(start, n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitter_keeps_words_and_their_byte_slices() {
        let text = "Mayor’s café — \"naïve\" U.S. plan, 3.5%";
        let words: Vec<&str> = Splitter.words(text);
        assert_eq!(words, ["Mayor’s", "café", "naïve", "U.S", "plan", "3.5"]);
        // Every word is a slice of the input at a char boundary.
        for w in words {
            let offset = w.as_ptr() as usize - text.as_ptr() as usize;
            assert!(text.is_char_boundary(offset));
            assert_eq!(&text[offset..offset + w.len()], w);
        }
    }

    #[test]
    fn normalizer_lowercases_and_folds_digits() {
        let n = Normalizer::new(Numbers::Normalize, 2);
        let mut out = String::new();
        let cases = [
            ("Border", Some("border")),
            ("COVID19", Some("covid00")),
            ("ÉTÉ", Some("été")),
            ("İstanbul", Some("i\u{307}stanbul")),
            ("a", None),
            ("é", None),
            ("Ωx", Some("ωx")),
        ];
        for (word, expected) in cases {
            let kept = n.normalize(word, &mut out);
            assert_eq!(kept.then_some(out.as_str()), expected, "{word:?}");
        }
        let keep = Normalizer::new(Numbers::Keep, 1);
        assert!(keep.normalize("A1", &mut out));
        assert_eq!(out, "a1");
    }

    #[test]
    fn stemmer_on_lowercase_words() {
        let s = Stemmer::new(Stemming::English);
        for (word, stem) in [
            ("immigration", "immigr"),
            ("policies", "polici"),
            ("teachers", "teacher"),
            ("running", "run"),
            ("café", "café"),
        ] {
            assert_eq!(s.stem(word), stem, "{word:?}");
        }
        assert_eq!(Stemmer::new(Stemming::None).stem("policies"), "policies");
    }

    #[test]
    fn ngram_windows() {
        let mut got = Vec::new();
        ngrams(3, 1, 2, |s, n| got.push((s, n)));
        assert_eq!(got, [(0, 1), (0, 2), (1, 1), (1, 2), (2, 1)]);
        got.clear();
        ngrams(1, 2, 3, |s, n| got.push((s, n)));
        assert!(got.is_empty());
    }
}
