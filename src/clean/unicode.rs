//! Unicode normalization of cleaned text: NFKC, straight quotes, plain
//! dashes and spaces, no control or zero-width characters, no URLs. The
//! stop-word list and the tokenizer expect this form (a straight
//! apostrophe in "don't", for example).

use std::borrow::Cow;

use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// NFKC, straight quotes and apostrophes, plain dashes and spaces, no
/// control or zero-width characters, no URLs.
pub(crate) fn normalize_unicode(text: &str) -> Cow<'_, str> {
    let push = |out: &mut String, c: char| match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '`' | '\u{00B4}' => {
            out.push('\'')
        }
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => out.push('"'),
        '\u{2010}'..='\u{2015}' | '\u{2212}' => out.push('-'),
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => {}
        '\n' => out.push('\n'),
        c if c.is_whitespace() => out.push(' '),
        c if c.is_control() => out.push(' '),
        c => out.push(c),
    };
    // Common case: printable ASCII and newlines need no change at all.
    if text
        .bytes()
        .all(|b| (b' '..=b'~').contains(&b) && b != b'`' || b == b'\n')
    {
        return remove_urls(text);
    }
    let mut out = String::with_capacity(text.len());
    if text.is_ascii() || is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        text.chars().for_each(|c| push(&mut out, c));
    } else {
        text.nfkc().for_each(|c| push(&mut out, c));
    }
    Cow::Owned(remove_urls(&out).into_owned())
}

fn remove_urls(text: &str) -> Cow<'_, str> {
    if memchr::memmem::find(text.as_bytes(), b"http").is_none()
        && memchr::memmem::find(text.as_bytes(), b"www.").is_none()
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for (i, piece) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let bare = piece.trim_start_matches(['(', '<', '[', '"', '\'']);
        if bare.starts_with("http://") || bare.starts_with("https://") || bare.starts_with("www.") {
            // Keep the newline a URL may have swallowed.
            out.extend(piece.chars().filter(|&c| c == '\n'));
            continue;
        }
        out.push_str(piece);
    }
    Cow::Owned(out)
}
