//! Evidence a reader can check: the words behind a decision and the
//! sentences that carried it.
//!
//! Features are stems and n-grams of stems (`immigr`, `suppos to`); a
//! reader needs the words. For each explained feature, the most frequent
//! form it had in this document is shown (`immigration`, `supposed to`,
//! `headline: warned` for a lede feature). Evidence sentences rank the
//! document's sentences by how much their terms pushed the decision: each
//! feature's contribution to the predicted class (its TF-IDF value times
//! the class weight) is shared equally among its occurrences, and a
//! sentence scores the sum over the occurrences it holds. Both walk the
//! tokenizer's one text path, with positions ([`crate::vectorize::TfIdf`]
//! knows the occurrences); both run only when asked for.

use std::collections::HashMap;

use serde::Serialize;
use unicode_segmentation::UnicodeSegmentation;

use crate::model::{DocumentLabels, Model};
use crate::tokenize::LEDE_PREFIX;

/// Longest sentence shown, in characters.
const SENTENCE_CHARS: usize = 300;

/// One feature behind a decision.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explained {
    /// The feature as the model knows it (stems, `^` for the lede).
    pub feature: String,
    /// The words it stands for in this document.
    pub term: String,
    /// Its contribution to the predicted class's score.
    pub weight: f32,
}

/// One sentence behind a decision.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evidence {
    /// The sentence (whitespace collapsed, cut at 300 characters).
    pub sentence: String,
    /// The sum of its terms' contributions to the predicted class.
    pub weight: f32,
}

/// Fills in the words of each head's explained features and its `evidence`
/// best sentences, for document `text` with vector `idx`/`val`.
pub(crate) fn annotate(
    model: &Model,
    text: &str,
    idx: &[u32],
    val: &[f32],
    labels: &mut DocumentLabels,
    evidence: usize,
) {
    let (words, occurrences) = model.vectorizer().occurrences(text);
    // Column -> its occurrences (first term position, terms).
    let mut by_column: HashMap<u32, Vec<(usize, usize)>> = HashMap::new();
    for &(col, start, n) in &occurrences {
        by_column.entry(col).or_default().push((start, n));
    }
    for (head, label) in model.heads().iter().zip(labels.heads.iter_mut()) {
        for e in &mut label.explain {
            if let Some(col) = model.vectorizer().column(&e.feature) {
                if let Some(places) = by_column.get(&(col as u32)) {
                    let lede = e.feature.starts_with(LEDE_PREFIX);
                    let surface = most_frequent(places.iter().map(|&(start, n)| {
                        words[start..start + n]
                            .iter()
                            .map(|w| w.to_lowercase())
                            .collect::<Vec<_>>()
                            .join(" ")
                    }));
                    if let Some(surface) = surface {
                        e.term = if lede {
                            format!("headline: {surface}")
                        } else {
                            surface
                        };
                    }
                }
            }
        }
        if evidence == 0 {
            continue;
        }
        let Some(class) = label.class else { continue };
        let sentences = sentence_spans(text);
        let mut scores = vec![0f32; sentences.len()];
        for (&j, &x) in idx.iter().zip(val) {
            let contribution = x * head.classifier.weight(j as usize, class);
            let Some(places) = by_column.get(&j) else {
                continue;
            };
            let share = contribution / places.len() as f32;
            for &(start, _) in places {
                let offset = words[start].as_ptr() as usize - text.as_ptr() as usize;
                let s = sentences
                    .partition_point(|&(a, _)| a <= offset)
                    .saturating_sub(1);
                scores[s] += share;
            }
        }
        let mut order: Vec<usize> = (0..sentences.len()).filter(|&s| scores[s] > 0.0).collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        label.evidence = order
            .into_iter()
            .take(evidence)
            .map(|s| Evidence {
                sentence: tidy(&text[sentences[s].0..sentences[s].1]),
                weight: scores[s],
            })
            .collect();
    }
}

/// The most frequent item; ties go to the one seen first.
fn most_frequent(items: impl Iterator<Item = String>) -> Option<String> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for item in items {
        match counts.iter_mut().find(|(s, _)| *s == item) {
            Some((_, n)) => *n += 1,
            None => counts.push((item, 1)),
        }
    }
    let best = counts.iter().map(|(_, n)| *n).max()?;
    counts.into_iter().find(|(_, n)| *n == best).map(|(s, _)| s)
}

/// Byte ranges of the sentences of `text` (Unicode sentence boundaries;
/// a blank line ends a sentence, so a headline is one of its own, while a
/// single line break is wrapping inside a paragraph), blank ones left out.
pub(crate) fn sentence_spans(text: &str) -> Vec<(usize, usize)> {
    // Same length, same offsets: a lone newline becomes a space.
    let bytes = text.as_bytes();
    let unwrapped: String = text
        .char_indices()
        .map(|(i, c)| {
            let lone =
                c == '\n' && bytes.get(i + 1) != Some(&b'\n') && (i == 0 || bytes[i - 1] != b'\n');
            if lone {
                ' '
            } else {
                c
            }
        })
        .collect();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut glue = false;
    for (start, s) in unwrapped.split_sentence_bound_indices() {
        if s.trim().is_empty() {
            continue;
        }
        match spans.last_mut() {
            // "U.S. Immigration": an initialism is not a sentence end.
            Some(last) if glue => last.1 = start + s.len(),
            _ => spans.push((start, start + s.len())),
        }
        glue = ends_with_initialism(s);
    }
    spans
}

/// Whether a sentence ends with an initialism such as "U.S." or "D.C.".
fn ends_with_initialism(sentence: &str) -> bool {
    let last = sentence.split_whitespace().last().unwrap_or("");
    let letters: Vec<&str> = last.split_terminator('.').collect();
    last.ends_with('.')
        && letters.len() >= 2
        && letters
            .iter()
            .all(|l| l.chars().count() == 1 && l.chars().all(char::is_uppercase))
}

/// A sentence for display: whitespace collapsed, cut with an ellipsis.
fn tidy(sentence: &str) -> String {
    let joined = sentence.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() <= SENTENCE_CHARS {
        return joined;
    }
    let mut cut: String = joined.chars().take(SENTENCE_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LabelOptions;

    #[test]
    fn sentences_split_at_boundaries_and_lines() {
        let text = "Headline here\n\nFirst sentence, wrapped\nacross lines. Second one? Third!\n\n\
                    Agents of the U.S.\nImmigration office met. Last.";
        let got: Vec<&str> = sentence_spans(text)
            .into_iter()
            .map(|(a, b)| text[a..b].trim())
            .collect();
        assert_eq!(
            got,
            [
                "Headline here",
                "First sentence, wrapped\nacross lines.",
                "Second one?",
                "Third!",
                "Agents of the U.S.\nImmigration office met.",
                "Last."
            ]
        );
    }

    #[test]
    fn most_frequent_breaks_ties_by_first_seen() {
        let items = ["warned", "warns", "warns", "warned"].map(String::from);
        assert_eq!(most_frequent(items.into_iter()).as_deref(), Some("warned"));
        assert_eq!(most_frequent(std::iter::empty()), None);
    }

    #[test]
    fn explained_features_show_words_and_evidence_ranks_sentences() {
        let model = Model::builtin().unwrap();
        let text = "Migrants detained at the border\n\nThe weather was mild on Tuesday. \
                    Border agents detained more migrants and asylum seekers near the \
                    immigration office, officials said. The market opened late.";
        let options = LabelOptions {
            explain: 8,
            evidence: 2,
            ..Default::default()
        };
        let labels = model.label_clean(text, &options);
        let topic = &labels.heads[0];
        assert_eq!(topic.label, "immigration");
        let terms: Vec<&str> = topic.explain.iter().map(|e| e.term.as_str()).collect();
        assert!(terms.contains(&"immigration"), "{terms:?}");
        assert!(!terms.contains(&"immigr"), "stems are not shown: {terms:?}");
        for e in &topic.explain {
            if e.feature.starts_with('^') {
                assert!(e.term.starts_with("headline: "), "{e:?}");
            }
        }
        assert_eq!(topic.evidence.len(), 2);
        assert!(
            topic.evidence[0]
                .sentence
                .starts_with("Border agents detained"),
            "{:?}",
            topic.evidence
        );
        assert!(topic.evidence[0].weight >= topic.evidence[1].weight);
        assert!(topic
            .evidence
            .iter()
            .all(|e| !e.sentence.contains("weather")));
    }
}
