//! Can the model read this document? A model trained on English news has
//! nothing to say about Chinese text, gibberish or a page of emoji, yet its
//! softmax gives every input a confident-looking answer. Before labeling,
//! each document is checked against the model's [`DomainCheck`]: how much
//! of its text the vocabulary knows, how many of its terms are known, and,
//! when the vocabulary knows little of it, its language (detected by the
//! `whatlang` crate). A document that fails gets the label `unknown` with a
//! reason instead of a guess.
//!
//! The thresholds were chosen by measurement with the shipped model
//! (README, "Documents the model cannot read"): on 10,601 real English news
//! articles (the test splits of AG News, BBC, 20 Newsgroups, NewsMTSC and
//! AllSides) the check flags 14 (0.13%, all 20 Newsgroups posts that are
//! mostly code, signatures or not English), and it catches 98% of 1,379
//! texts in 23 other languages and 60 of gibberish (README.md says how
//! they were made).

use serde::{Deserialize, Serialize};

use crate::vectorize::TermCounts;

/// The model's rules for documents it can read. Stored in the model file.
///
/// | field | default | meaning |
/// |---|---|---|
/// | `language` | the training data's (ISO 639-1, e.g. `en`) | `None`: no language check |
/// | `min_known_terms` | 2 | fewer known terms: `unknown` |
/// | `min_known_share` | 0.35 | a smaller share of the text's word bytes known: `unknown` |
/// | `language_check_below` | 0.75 | detect the language only when less is known |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DomainCheck {
    /// The language the model reads (ISO 639-1), or `None` for no check.
    pub language: Option<String>,
    /// Fewest known terms a readable document has.
    pub min_known_terms: u32,
    /// Smallest share of word bytes belonging to known terms.
    pub min_known_share: f32,
    /// The language is detected only for documents whose known share is
    /// below this: detection is the slowest step of labeling, and a text
    /// whose words the vocabulary mostly knows is in its language.
    pub language_check_below: f32,
}

impl Default for DomainCheck {
    fn default() -> Self {
        DomainCheck {
            language: None,
            min_known_terms: 2,
            min_known_share: 0.35,
            language_check_below: 0.75,
        }
    }
}

/// Why a document cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unreadable {
    /// Reliably detected to be in another language (ISO 639-1 code).
    Language(String),
    /// Too few known terms.
    KnownTerms(usize),
    /// Too little of the text known (percent).
    KnownShare(u32),
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unreadable::Language(code) => write!(f, "language: {code}"),
            Unreadable::KnownTerms(1) => write!(f, "1 known term"),
            Unreadable::KnownTerms(n) => write!(f, "{n} known terms"),
            Unreadable::KnownShare(p) => write!(f, "{p}% of the words known"),
        }
    }
}

/// What the check found out about one document.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reading {
    /// How much of it the vocabulary knows.
    pub counts: TermCounts,
    /// Its language, when it was detected (ISO 639-1), and whether the
    /// detection was reliable.
    pub language: Option<(String, bool)>,
}

impl DomainCheck {
    /// Checks one document (its clean `text` and its term counts); `None`
    /// means the model can read it.
    pub fn check(&self, text: &str, counts: TermCounts) -> (Reading, Option<Unreadable>) {
        let share = counts.known_share();
        let mut reading = Reading {
            counts,
            language: None,
        };
        if let Some(model_language) = &self.language {
            if share < self.language_check_below as f64 {
                if let Some((code, reliable)) = detect_language(text) {
                    let other = reliable && code != model_language;
                    reading.language = Some((code.to_string(), reliable));
                    if other {
                        return (reading, Some(Unreadable::Language(code.to_string())));
                    }
                }
            }
        }
        if counts.known < self.min_known_terms as usize {
            return (reading, Some(Unreadable::KnownTerms(counts.known)));
        }
        if share < self.min_known_share as f64 {
            let percent = (share * 100.0).floor() as u32;
            return (reading, Some(Unreadable::KnownShare(percent)));
        }
        (reading, None)
    }
}

/// Characters of a document that language detection reads: enough for a
/// reliable answer, and detection costs time in proportion.
const DETECT_CHARS: usize = 1000;

/// The language of `text` (ISO 639-1) and whether the detection is
/// reliable, or `None` when `whatlang` cannot tell (no letters).
pub fn detect_language(text: &str) -> Option<(&'static str, bool)> {
    let end = text
        .char_indices()
        .nth(DETECT_CHARS)
        .map_or(text.len(), |(i, _)| i);
    let info = whatlang::detect(&text[..end])?;
    Some((iso639_1(info.lang()), info.is_reliable()))
}

/// The language most of `texts` are reliably detected in, when at least
/// half of a sample of them agree (at most 200, evenly spaced).
pub fn corpus_language<S: AsRef<str>>(texts: &[S]) -> Option<String> {
    const SAMPLE: usize = 200;
    let step = (texts.len() / SAMPLE).max(1);
    let mut counts: std::collections::BTreeMap<&'static str, usize> = Default::default();
    let mut sampled = 0;
    for text in texts.iter().step_by(step).take(SAMPLE) {
        sampled += 1;
        if let Some((code, true)) = detect_language(text.as_ref()) {
            *counts.entry(code).or_default() += 1;
        }
    }
    let (code, n) = counts
        .into_iter()
        .max_by_key(|&(code, n)| (n, std::cmp::Reverse(code)))?;
    (2 * n >= sampled).then(|| code.to_string())
}

/// ISO 639-1 code of a `whatlang` language (which names them by ISO
/// 639-3).
fn iso639_1(lang: whatlang::Lang) -> &'static str {
    use whatlang::Lang::*;
    match lang {
        Epo => "eo",
        Eng => "en",
        Rus => "ru",
        Cmn => "zh",
        Spa => "es",
        Por => "pt",
        Ita => "it",
        Ben => "bn",
        Fra => "fr",
        Deu => "de",
        Ukr => "uk",
        Kat => "ka",
        Ara => "ar",
        Hin => "hi",
        Jpn => "ja",
        Heb => "he",
        Yid => "yi",
        Pol => "pl",
        Amh => "am",
        Jav => "jv",
        Kor => "ko",
        Nob => "nb",
        Dan => "da",
        Swe => "sv",
        Fin => "fi",
        Tur => "tr",
        Nld => "nl",
        Hun => "hu",
        Ces => "cs",
        Ell => "el",
        Bul => "bg",
        Bel => "be",
        Mar => "mr",
        Kan => "kn",
        Ron => "ro",
        Slv => "sl",
        Hrv => "hr",
        Srp => "sr",
        Mkd => "mk",
        Lit => "lt",
        Lav => "lv",
        Est => "et",
        Tam => "ta",
        Vie => "vi",
        Urd => "ur",
        Tha => "th",
        Guj => "gu",
        Uzb => "uz",
        Pan => "pa",
        Aze => "az",
        Ind => "id",
        Tel => "te",
        Pes => "fa",
        Mal => "ml",
        Ori => "or",
        Mya => "my",
        Nep => "ne",
        Sin => "si",
        Khm => "km",
        Tuk => "tk",
        Aka => "ak",
        Zul => "zu",
        Sna => "sn",
        Afr => "af",
        Lat => "la",
        Slk => "sk",
        Cat => "ca",
        Tgl => "tl",
        Hye => "hy",
        Cym => "cy",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(terms: usize, known: usize, word_bytes: usize, known_bytes: usize) -> TermCounts {
        TermCounts {
            terms,
            known,
            word_bytes,
            known_bytes,
        }
    }

    #[test]
    fn reasons_read_well() {
        assert_eq!(
            Unreadable::Language("zh".into()).to_string(),
            "language: zh"
        );
        assert_eq!(Unreadable::KnownTerms(1).to_string(), "1 known term");
        assert_eq!(Unreadable::KnownTerms(0).to_string(), "0 known terms");
        assert_eq!(
            Unreadable::KnownShare(12).to_string(),
            "12% of the words known"
        );
    }

    #[test]
    fn every_whatlang_language_has_a_two_letter_code() {
        for &lang in whatlang::Lang::all() {
            assert_eq!(iso639_1(lang).len(), 2, "{lang:?}");
        }
    }

    #[test]
    fn thresholds_apply_in_order() {
        let check = DomainCheck {
            language: Some("en".into()),
            ..Default::default()
        };
        let french = "Le gouvernement a présenté mardi un projet de loi sur l'immigration \
                      qui durcit les conditions d'accueil des demandeurs d'asile.";
        let (reading, verdict) = check.check(french, counts(20, 5, 120, 20));
        assert_eq!(verdict, Some(Unreadable::Language("fr".into())));
        assert_eq!(reading.language, Some(("fr".into(), true)));
        // Mostly known: no language detection at all.
        let (reading, verdict) = check.check(french, counts(20, 18, 120, 110));
        assert_eq!((reading.language, verdict), (None, None));
        assert_eq!(
            check.check("", counts(1, 1, 5, 5)).1,
            Some(Unreadable::KnownTerms(1))
        );
        assert_eq!(
            check.check("", counts(10, 3, 100, 20)).1,
            Some(Unreadable::KnownShare(20))
        );
        // Without a language, only the counts decide.
        let no_language = DomainCheck::default();
        assert_eq!(
            no_language.check(french, counts(20, 5, 120, 20)).1,
            Some(Unreadable::KnownShare(16))
        );
    }

    #[test]
    fn corpus_language_is_the_reliable_majority() {
        let texts = [
            "The city council voted on Tuesday to approve the new housing plan after a long \
             debate about its costs, and the mayor said construction would begin next spring.",
            "Teachers said the new curriculum would help pupils learn to read earlier, and the \
             school board promised more money for classroom books and for training staff.",
            "Le conseil municipal a voté mardi le nouveau plan de logement après un long débat \
             sur son coût, et le maire a dit que les travaux commenceraient au printemps.",
        ];
        assert_eq!(corpus_language(&texts).as_deref(), Some("en"));
        assert_eq!(corpus_language::<&str>(&[]), None);
    }
}
