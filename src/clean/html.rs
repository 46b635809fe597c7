//! HTML: tags out, the content of non-article elements (scripts,
//! navigation, footers...) out, entities decoded. Which elements are
//! skipped and which end a line is the cleaner's configuration.

use super::entities::decode_entities;
use super::Cleaner;

/// A cheap sniff: a few well-known tags make a document HTML (two of them
/// in the first 4 KiB, in any case).
pub fn looks_like_html(text: &str) -> bool {
    let head = &text.as_bytes()[..text.len().min(4096)];
    const MARKERS: [&[u8]; 9] = [
        b"<html",
        b"<body",
        b"<p>",
        b"<p ",
        b"</p>",
        b"<div",
        b"<br",
        b"<span",
        b"<article",
    ];
    let mut seen = [false; MARKERS.len()];
    for at in memchr::memchr_iter(b'<', head) {
        let rest = &head[at..];
        for (m, marker) in MARKERS.iter().enumerate() {
            if !seen[m]
                && rest.len() >= marker.len()
                && rest[..marker.len()].eq_ignore_ascii_case(marker)
            {
                seen[m] = true;
            }
        }
        if seen.iter().filter(|&&s| s).count() >= 2 {
            return true;
        }
    }
    false
}

/// Removes HTML tags, the content of non-article elements and comments;
/// decodes entities in what is left.
pub(crate) fn strip_html(html: &str, cleaner: &Cleaner) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let lower = html.to_ascii_lowercase();
    let bytes = html.as_bytes();
    let mut i = 0;
    let mut text_start = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        let rest = &lower[i..];
        if rest.starts_with("<!--") {
            out.push_str(&html[text_start..i]);
            i = rest.find("-->").map_or(bytes.len(), |e| i + e + 3);
            text_start = i;
            continue;
        }
        let after = rest.as_bytes().get(1).copied().unwrap_or(b' ');
        if !(after.is_ascii_alphabetic() || after == b'/' || after == b'!' || after == b'?') {
            i += 1;
            continue;
        }
        out.push_str(&html[text_start..i]);
        let tag_end = rest.find('>').map_or(bytes.len(), |e| i + e + 1);
        let name: String = rest[1..]
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let closing = after == b'/';
        i = tag_end;
        if !closing && cleaner.is_skipped_element(&name) {
            let close = format!("</{name}");
            i = lower[i..].find(&close).map_or(bytes.len(), |e| {
                let at = i + e;
                lower[at..].find('>').map_or(bytes.len(), |g| at + g + 1)
            });
            out.push('\n');
        } else if cleaner.is_block_element(&name) {
            out.push('\n');
        }
        text_start = i;
    }
    if text_start < bytes.len() {
        out.push_str(&html[text_start..]);
    }
    decode_entities(&out).into_owned()
}
