//! Markdown syntax that would otherwise leave URLs or markers in the text.

use super::entities::decode_entities;

/// Removes Markdown syntax that would otherwise leave URLs or markers in
/// the text: links keep their text, images and reference definitions go,
/// heading, quote and emphasis markers go.
pub(crate) fn strip_markdown(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    for line in md.lines() {
        let mut line = line.trim_start();
        if line.starts_with('[') && line.contains("]:") {
            continue; // reference definition: `[1]: https://...`
        }
        while let Some(rest) = line.strip_prefix('>') {
            line = rest.trim_start();
        }
        let hashes = line.bytes().take_while(|&b| b == b'#').count();
        if (1..=6).contains(&hashes) && line[hashes..].starts_with(' ') {
            line = line[hashes..].trim_start();
        }
        push_markdown_inline(line, &mut out);
        out.push('\n');
    }
    decode_entities(&out).into_owned()
}

fn push_markdown_inline(line: &str, out: &mut String) {
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        let image = open > 0 && rest.as_bytes()[open - 1] == b'!';
        let Some(close) = rest[open..].find("](").map(|c| open + c) else {
            break;
        };
        let Some(end) = rest[close..].find(')').map(|e| close + e) else {
            break;
        };
        let before = if image {
            &rest[..open - 1]
        } else {
            &rest[..open]
        };
        push_without_emphasis(before, out);
        if !image {
            push_without_emphasis(&rest[open + 1..close], out);
        }
        rest = &rest[end + 1..];
    }
    push_without_emphasis(rest, out);
}

fn push_without_emphasis(s: &str, out: &mut String) {
    out.extend(
        s.chars()
            .map(|c| if matches!(c, '*' | '_' | '`') { ' ' } else { c }),
    );
}
