//! A fast path of the splitter for ASCII text that finds exactly the words
//! Unicode's word boundaries (UAX #29, the `unicode-segmentation` crate)
//! find.
//!
//! For ASCII the rules are few: letters, digits and `_` join; a `'`, `.` or
//! `:` between two letters joins them ("don't", "U.S", "a:b"); a `'`, `.`,
//! `,` or `;` between two digits joins them ("3.5", "1,000"); everything
//! else breaks, and a segment is a word when it holds a letter or a digit.
//! Text is cut at ASCII whitespace (no rule joins across it): runs without
//! non-ASCII characters take this path, the others go through
//! `unicode-segmentation` with the whitespace character before them, so
//! both give the same words (a property test checks it on random
//! mixed-script text).

use unicode_segmentation::UnicodeSegmentation;

/// Word-break classes of the ASCII characters.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Letter,
    Digit,
    /// `_`: joins anything word-like on both sides.
    Connector,
    /// `:` (MidLetter): joins letters only.
    MidLetter,
    /// `.` and `'` (MidNumLet, Single_Quote): join letters or digits.
    MidBoth,
    /// `,` `;` (MidNum): join digits only.
    MidNum,
    Other,
}

const fn class(b: u8) -> Class {
    match b {
        b'a'..=b'z' | b'A'..=b'Z' => Class::Letter,
        b'0'..=b'9' => Class::Digit,
        b'_' => Class::Connector,
        b':' => Class::MidLetter,
        b'.' | b'\'' => Class::MidBoth,
        b',' | b';' => Class::MidNum,
        _ => Class::Other,
    }
}

const CLASSES: [Class; 128] = {
    let mut t = [Class::Other; 128];
    let mut i = 0;
    while i < 128 {
        t[i] = class(i as u8);
        i += 1;
    }
    t
};

fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)
}

/// Calls `f` with every word of `text` (UAX #29 words that hold a letter or
/// digit), in order, as slices of `text`.
pub(crate) fn for_each_word<'t>(text: &'t str, mut f: impl FnMut(&'t str)) {
    let bytes = text.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        // The next run without whitespace.
        while start < bytes.len() && is_ascii_space(bytes[start]) {
            start += 1;
        }
        let mut end = start;
        let mut ascii = true;
        while end < bytes.len() && !is_ascii_space(bytes[end]) {
            ascii &= bytes[end] < 128;
            end += 1;
        }
        if start == end {
            break;
        }
        if ascii {
            ascii_words(text, start, end, &mut f);
        } else {
            // The whitespace before gives the same left context as in the
            // whole text (a combining mark after a space joins the space).
            let from = if start > 0 { start - 1 } else { 0 };
            for w in text[from..end].unicode_words() {
                f(w);
            }
        }
        start = end;
    }
}

/// The words of the ASCII run `text[start..end]`.
fn ascii_words<'t>(text: &'t str, start: usize, end: usize, f: &mut impl FnMut(&'t str)) {
    let b = text.as_bytes();
    let cls = |i: usize| CLASSES[b[i] as usize];
    let mut i = start;
    while i < end {
        let c = cls(i);
        if !matches!(c, Class::Letter | Class::Digit | Class::Connector) {
            i += 1;
            continue;
        }
        let word_start = i;
        let mut alnum = c != Class::Connector;
        let mut prev = c;
        i += 1;
        while i < end {
            let c = cls(i);
            match c {
                Class::Letter | Class::Digit | Class::Connector => {
                    alnum |= c != Class::Connector;
                    prev = c;
                    i += 1;
                }
                Class::MidLetter | Class::MidBoth | Class::MidNum if i + 1 < end => {
                    let next = cls(i + 1);
                    let letters = prev == Class::Letter
                        && next == Class::Letter
                        && matches!(c, Class::MidLetter | Class::MidBoth);
                    let digits = prev == Class::Digit
                        && next == Class::Digit
                        && matches!(c, Class::MidNum | Class::MidBoth);
                    if letters || digits {
                        prev = next;
                        i += 2;
                    } else {
                        break;
                    }
                }
                _ => break,
            }
        }
        if alnum {
            f(&text[word_start..i]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        for_each_word(text, |w| out.push(w));
        out
    }

    #[test]
    fn ascii_cases_match_unicode_segmentation() {
        let cases = [
            "Don't stop: U.S. plans, 3.5% of 1,000,000 people; a:b c.d e_f __init__ _x x_",
            "x'y 1'2 a.1 1.a 1,a a,b a;b 1;2 'tis e.g. ... ,,1 1,, a..b 1..2 a''b",
            "end. Start 12:30 v1.2.3 h2o H2O _ __ _1 1_ a_.b 9_,9",
            "tab\tsep\nnew\r\nline  double  space",
            "",
            "   ",
        ];
        for text in cases {
            let expected: Vec<&str> = text.unicode_words().collect();
            assert_eq!(words(text), expected, "{text:?}");
        }
    }

    #[test]
    fn mixed_script_text_matches_unicode_segmentation() {
        // A seeded generator of random strings from pieces that exercise the
        // rules: ASCII letters, digits and punctuation, whitespace, accented
        // letters, combining marks, CJK, emoji with ZWJ, Arabic, curly
        // quotes, non-breaking spaces.
        let pieces = [
            "a", "Z", "q", "1", "7", "_", ".", "'", ":", ",", ";", "-", "!", "\"", "(", " ", " ",
            "\n", "\t", "\r\n", "é", "\u{301}", "中", "文", "😀", "\u{200d}", "👍", "ب", "ع", "’",
            "\u{a0}", "ß", "İ", "ǅ", "\u{feff}", "x", "yz", "42",
        ];
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = (next() % 24) as usize;
            let text: String = (0..len)
                .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                .collect();
            let expected: Vec<&str> = text.unicode_words().collect();
            assert_eq!(words(&text), expected, "{text:?}");
        }
    }
}
