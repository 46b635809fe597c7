//! English stop words: function words that carry no topic or stance.
//!
//! The list is our own, kept short on purpose: negations ("not", "no",
//! "never") and words that carry stance ("against", "should") are *not* stop
//! words, because the stance head needs them. Entries are lowercase and use
//! the straight apostrophe, which is what the cleaner and the lower-caser
//! produce, so matching happens after those stages.

/// Sorted, so membership is a binary search and a unit test can check order.
pub(crate) const ENGLISH: &[&str] = &[
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be",
    "because", "been", "before", "being", "between", "both", "but", "by", "can", "could", "did",
    "do", "does", "doing", "during", "each", "either", "every", "for", "from", "further", "had",
    "has", "have", "having", "he", "he'd", "he'll", "he's", "her", "here", "hers", "herself",
    "him", "himself", "his", "how", "i", "i'd", "i'll", "i'm", "i've", "if", "in", "into", "is",
    "it", "it's", "its", "itself", "just", "let's", "may", "me", "might", "mine", "more", "most",
    "much", "must", "my", "myself", "of", "off", "on", "once", "only", "or", "other", "our",
    "ours", "ourselves", "out", "over", "own", "per", "said", "same", "says", "she", "she'd",
    "she'll", "she's", "so", "some", "such", "than", "that", "that's", "the", "their", "theirs",
    "them", "themselves", "then", "there", "there's", "these", "they", "they'd", "they'll",
    "they're", "they've", "this", "those", "through", "to", "too", "under", "until", "up",
    "upon", "us", "very", "was", "we", "we'd", "we'll", "we're", "we've", "were", "what",
    "what's", "when", "where", "which", "while", "who", "who's", "whom", "why", "will", "with",
    "would", "you", "you'd", "you'll", "you're", "you've", "your", "yours", "yourself",
    "yourselves",
];

/// Whether `word` (already lowercased) is an English stop word.
pub(crate) fn is_english(word: &str) -> bool {
    ENGLISH.binary_search(&word).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_sorted_and_unique() {
        for pair in ENGLISH.windows(2) {
            assert!(pair[0] < pair[1], "{:?} must sort before {:?}", pair[0], pair[1]);
        }
    }

    #[test]
    fn membership() {
        for (word, expected) in [
            ("the", true),
            ("they're", true),
            ("not", false),
            ("against", false),
            ("immigration", false),
            ("", false),
        ] {
            assert_eq!(is_english(word), expected, "{word:?}");
        }
    }
}
