//! Cleaning: from a raw document (plain text, Markdown or HTML, often
//! scraped) to the article's own text.
//!
//! Scraped news pages carry text that is not the article: share buttons,
//! newsletter and cookie prompts, comment counters, hashtag blocks and a
//! trailing "Related Articles" list whose headlines are about other things.
//! Left in, that text teaches the classifier words that belong to no topic
//! and pulls labels toward whatever the related links were about. The rules
//! that remove it are data ([`DROP_LINES`], [`DROP_PREFIXES`],
//! [`TRAILING_BLOCKS`]), so adding one is adding a string and a test case.

use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// The markup a document is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Html,
    /// Plain text unless it looks like HTML.
    Auto,
}

impl Format {
    /// The format implied by a file name's extension.
    pub fn from_path(path: &std::path::Path) -> Format {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("html" | "htm" | "xhtml") => Format::Html,
            Some("md" | "markdown") => Format::Markdown,
            Some("txt") => Format::Text,
            _ => Format::Auto,
        }
    }
}

/// Whole lines (compared lowercased, trimmed of punctuation) that are page
/// furniture. A line split by `|`, `•` or `·` is dropped when every part
/// is in this list ("Share | Tweet | Email").
pub const DROP_LINES: &[&str] = &[
    "advertisement",
    "comment",
    "comments",
    "copy link",
    "email",
    "facebook",
    "leave a comment",
    "linkedin",
    "listen to this article",
    "no comments yet",
    "print",
    "reddit",
    "share",
    "share on facebook",
    "share on linkedin",
    "share on twitter",
    "share on whatsapp",
    "share on x",
    "share this",
    "share this article",
    "share this page",
    "share this story",
    "share via email",
    "show comments",
    "sign up",
    "skip to content",
    "skip to main content",
    "subscribe",
    "subscribe now",
    "try our ai features",
    "tweet",
    "twitter",
    "view comments",
    "whatsapp",
    "x",
];

/// Line beginnings (lowercased) that mark a prompt or notice; such a line
/// is dropped when it is short (at most [`PROMPT_MAX_CHARS`]).
pub const DROP_PREFIXES: &[&str] = &[
    "accept all cookies",
    "all rights reserved",
    "by continuing to use this site",
    "click here to subscribe",
    "copyright ©",
    "download our app",
    "follow us on",
    "get our newsletter",
    "join the conversation",
    "sign up for our",
    "sign up for the",
    "sign up to our",
    "subscribe to our",
    "subscribe to the",
    "this site uses cookies",
    "this website uses cookies",
    "try our ai",
    "we use cookies",
    "©",
];

/// Headings (lowercased, trimmed of punctuation) after which the page holds
/// links to other stories, not the article: the heading and everything after
/// it are dropped. "more from ..." is matched as a prefix.
pub const TRAILING_BLOCKS: &[&str] = &[
    "also read",
    "further reading",
    "more coverage",
    "more from",
    "more on this story",
    "more stories",
    "most popular",
    "most read",
    "read more",
    "read next",
    "recommended",
    "recommended for you",
    "recommended stories",
    "related",
    "related articles",
    "related content",
    "related coverage",
    "related links",
    "related stories",
    "related topics",
    "see also",
    "top stories",
    "trending now",
    "you may also like",
    "you might also like",
];

/// Prompts longer than this are prose, not prompts.
pub const PROMPT_MAX_CHARS: usize = 200;

/// Trailing-block headings longer than this (in words) are sentences.
const HEADING_MAX_WORDS: usize = 6;

/// Cleans `raw` written in `format`: markup removed, entities decoded,
/// Unicode normalized (NFKC, straight quotes), boilerplate dropped,
/// whitespace collapsed. Paragraph breaks survive as newlines.
pub fn clean(raw: &str, format: Format) -> String {
    let format = match format {
        Format::Auto if looks_like_html(raw) => Format::Html,
        Format::Auto => Format::Text,
        f => f,
    };
    let text = match format {
        Format::Html => strip_html(raw),
        Format::Markdown => strip_markdown(raw),
        _ => decode_entities(raw),
    };
    let text = normalize_unicode(&text);
    drop_boilerplate(&text)
}

/// A cheap sniff: a few well-known tags make a document HTML.
pub fn looks_like_html(text: &str) -> bool {
    let head = &text.as_bytes()[..text.len().min(4096)];
    let lower = String::from_utf8_lossy(head).to_ascii_lowercase();
    let markers = [
        "<html", "<body", "<p>", "<p ", "</p>", "<div", "<br", "<span", "<article",
    ];
    markers.iter().filter(|m| lower.contains(*m)).count() >= 2
}

/// Elements whose content is never article text.
const SKIPPED_ELEMENTS: &[&str] = &[
    "script", "style", "nav", "noscript", "header", "footer", "aside", "form", "svg", "iframe",
    "template", "button", "select",
];

/// Elements that end a line of text.
const BLOCK_ELEMENTS: &[&str] = &[
    "p",
    "div",
    "br",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "tr",
    "td",
    "th",
    "section",
    "article",
    "blockquote",
    "title",
    "table",
    "hr",
    "pre",
    "figure",
    "figcaption",
    "dt",
    "dd",
    "main",
    "body",
    "html",
    "head",
];

/// Removes HTML tags, the content of non-article elements and comments;
/// decodes entities in what is left.
pub fn strip_html(html: &str) -> String {
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
        if !closing && SKIPPED_ELEMENTS.contains(&name.as_str()) {
            let close = format!("</{name}");
            i = lower[i..].find(&close).map_or(bytes.len(), |e| {
                let at = i + e;
                lower[at..].find('>').map_or(bytes.len(), |g| at + g + 1)
            });
            out.push('\n');
        } else if BLOCK_ELEMENTS.contains(&name.as_str()) {
            out.push('\n');
        }
        text_start = i;
    }
    if text_start < bytes.len() {
        out.push_str(&html[text_start..]);
    }
    decode_entities(&out)
}

/// Removes Markdown syntax that would otherwise leave URLs or markers in
/// the text: links keep their text, images and reference definitions go,
/// heading, quote and emphasis markers go.
pub fn strip_markdown(md: &str) -> String {
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
    decode_entities(&out)
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

/// Decodes the named entities that news pages use, numeric entities, and
/// the `#36;`-style remnants that some scraped corpora carry.
pub fn decode_entities(text: &str) -> String {
    if !text.contains('&') && !text.contains('#') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(['&', '#']) {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        match decode_one(tail) {
            Some((c, used)) => {
                out.push(c);
                rest = &tail[used..];
            }
            None => {
                out.push(tail.as_bytes()[0] as char);
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn decode_one(s: &str) -> Option<(char, usize)> {
    // Byte search: the 12-byte window may end inside a multibyte character.
    let semi = s.bytes().take(12).position(|b| b == b';')?;
    let body = &s[1..semi];
    let c = if let Some(num) = body.strip_prefix('#') {
        // `&#39;` (and bare `#39;` only when it follows `&` was stripped).
        if !s.starts_with('&') {
            return None;
        }
        parse_numeric(num)?
    } else if s.starts_with('#') {
        parse_numeric(body)?
    } else {
        match body {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "nbsp" => ' ',
            "ndash" => '-',
            "mdash" => '-',
            "hellip" => '…',
            "lsquo" | "rsquo" | "sbquo" => '\'',
            "ldquo" | "rdquo" | "bdquo" => '"',
            "copy" => '©',
            "reg" => '®',
            "trade" => '™',
            "euro" => '€',
            "pound" => '£',
            "eacute" => 'é',
            "egrave" => 'è',
            "aacute" => 'á',
            "agrave" => 'à',
            "iacute" => 'í',
            "oacute" => 'ó',
            "uacute" => 'ú',
            "ntilde" => 'ñ',
            "ccedil" => 'ç',
            "uuml" => 'ü',
            "ouml" => 'ö',
            "auml" => 'ä',
            "szlig" => 'ß',
            _ => return None,
        }
    };
    Some((c, semi + 1))
}

fn parse_numeric(num: &str) -> Option<char> {
    let value = match num.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None if !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit()) => num.parse().ok()?,
        None => return None,
    };
    char::from_u32(value).filter(|c| !c.is_control() || c.is_whitespace())
}

/// NFKC, straight quotes and apostrophes, plain dashes and spaces, no
/// control or zero-width characters, no URLs.
pub fn normalize_unicode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
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
    if text.is_ascii() || is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        text.chars().for_each(|c| push(&mut out, c));
    } else {
        text.nfkc().for_each(|c| push(&mut out, c));
    }
    remove_urls(&out)
}

fn remove_urls(text: &str) -> String {
    if !text.contains("http") && !text.contains("www.") {
        return text.to_string();
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
    out
}

/// A line reduced for rule matching: lowercase, trimmed of surrounding
/// punctuation, symbols and list markers.
fn rule_key(line: &str) -> String {
    line.trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
}

fn starts_with_ignore_case(line: &str, prefix: &str) -> bool {
    line.len() >= prefix.len()
        && line.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// Lines longer than this cannot be an entry of [`DROP_LINES`] or a list
/// of them, so they skip the allocation of a rule key.
const SHORT_LINE_BYTES: usize = 120;

/// First bytes (lowercase) of every [`DROP_PREFIXES`] entry: a line that
/// starts with none of them needs no prefix comparison.
fn may_start_prompt(line: &str) -> bool {
    match line.as_bytes().first() {
        Some(b) => {
            let b = b.to_ascii_lowercase();
            DROP_PREFIXES.iter().any(|p| p.as_bytes()[0] == b)
        }
        None => false,
    }
}

/// The longest entry of [`DROP_LINES`], with room for decoration.
const DROP_LINE_MAX_BYTES: usize = 32;

fn is_drop_line(line: &str) -> bool {
    let plain = line.len() <= DROP_LINE_MAX_BYTES;
    let listed = line.len() <= SHORT_LINE_BYTES && line.contains(['|', '•', '·', '/']);
    if plain || listed {
        let key = rule_key(line);
        if key.is_empty() {
            return false;
        }
        if DROP_LINES.binary_search(&key.as_str()).is_ok() {
            return true;
        }
        if line.contains(['|', '•', '·', '/']) {
            let parts: Vec<String> = line
                .split(['|', '•', '·', '/'])
                .map(rule_key)
                .filter(|p| !p.is_empty())
                .collect();
            if parts.len() > 1
                && parts
                    .iter()
                    .all(|p| DROP_LINES.binary_search(&p.as_str()).is_ok())
            {
                return true;
            }
        }
    }
    let line = line.trim();
    may_start_prompt(line)
        && DROP_PREFIXES
            .iter()
            .any(|p| starts_with_ignore_case(line, p))
        && line.chars().count() <= PROMPT_MAX_CHARS
}

fn is_hashtag_line(line: &str) -> bool {
    let mut words = line.split_whitespace().peekable();
    words.peek().is_some() && words.all(|w| w.starts_with('#') && w.len() > 1)
}

fn is_trailing_heading(line: &str) -> bool {
    // Six words of heading fit in this many bytes; the first letter must
    // be one that some heading starts with.
    if line.len() > 64 {
        return false;
    }
    let first = line
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .bytes()
        .next()
        .map(|b| b.to_ascii_lowercase());
    if !first.is_some_and(|f| TRAILING_BLOCKS.iter().any(|h| h.as_bytes()[0] == f)) {
        return false;
    }
    let key = rule_key(line);
    if key.is_empty() || key.split_whitespace().count() > HEADING_MAX_WORDS {
        return false;
    }
    // A sentence that happens to start with "Related" ends with a period.
    if line.trim_end().ends_with('.') {
        return false;
    }
    TRAILING_BLOCKS.binary_search(&key.as_str()).is_ok() || key.starts_with("more from ")
}

/// Applies the line rules and collapses whitespace: at most one blank line
/// between paragraphs, single spaces inside lines.
pub fn drop_boilerplate(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut kept_lines = 0;
    let mut blank_pending = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            blank_pending = kept_lines > 0;
            continue;
        }
        // Every rule concerns short lines (or hashtag lines); long prose
        // lines skip the lowercasing the rules need.
        let short = trimmed.len() <= 4 * PROMPT_MAX_CHARS;
        if short && kept_lines > 0 && is_trailing_heading(trimmed) {
            break;
        }
        if (short && is_drop_line(trimmed))
            || (trimmed.starts_with('#') && is_hashtag_line(trimmed))
        {
            continue;
        }
        if kept_lines > 0 {
            out.push_str(if blank_pending { "\n\n" } else { "\n" });
        }
        blank_pending = false;
        // normalize_unicode has turned every other whitespace into ' ', so
        // only runs of spaces need collapsing.
        if !trimmed.contains("  ") && !trimmed.contains('\t') {
            out.push_str(trimmed);
        } else {
            let mut first = true;
            for word in trimmed.split_whitespace() {
                if !first {
                    out.push(' ');
                }
                out.push_str(word);
                first = false;
            }
        }
        kept_lines += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_lists_are_sorted_for_binary_search() {
        for list in [DROP_LINES, TRAILING_BLOCKS] {
            for w in list.windows(2) {
                assert!(w[0] < w[1], "{:?} must sort before {:?}", w[0], w[1]);
            }
        }
    }

    #[test]
    fn html_tags_scripts_and_navigation_go() {
        let html = r#"<html><head><title>Vote</title><style>p{color:red}</style></head>
<body><nav><a href="/">Home</a> | <a href="/news">News</a></nav>
<script>var x = "<p>not text</p>";</script>
<article><h1>Council votes</h1><p>The council voted 5&ndash;2 on <b>Tuesday</b>.</p>
<!-- ad slot --><p>Residents &amp; owners cheered&#8230; caf&eacute; &#x263A;</p></article>
<footer>Copyright</footer></body></html>"#;
        assert_eq!(
            clean(html, Format::Html),
            "Vote\n\nCouncil votes\n\nThe council voted 5-2 on Tuesday.\n\nResidents & owners cheered... café ☺"
        );
    }

    #[test]
    fn auto_detects_html_but_leaves_angle_brackets_in_text() {
        assert_eq!(clean("<p>One</p><p>Two</p>", Format::Auto), "One\n\nTwo");
        assert_eq!(
            clean("if a < b and c > d", Format::Auto),
            "if a < b and c > d"
        );
    }

    #[test]
    fn markdown_links_images_and_markers() {
        let md = "# Headline here\n\n> A **bold** claim with [a link](https://x.org/a).\n\
                  ![chart](img.png) Caption _text_\n[1]: https://example.com";
        assert_eq!(
            clean(md, Format::Markdown),
            "Headline here\n\nA bold claim with a link.\nCaption text"
        );
    }

    #[test]
    fn unicode_quotes_dashes_and_width_are_normalized() {
        let cases = [
            ("“Don’t” — she said", "\"Don't\" - she said"),
            ("ﬁscal ＡＢＣ", "fiscal ABC"),
            ("zero\u{200B}width\u{00A0}space", "zerowidth space"),
            ("Ελλάδα   και\tΚύπρος", "Ελλάδα και Κύπρος"),
            ("see https://example.com/x?y=1 now", "see now"),
        ];
        for (raw, expected) in cases {
            assert_eq!(clean(raw, Format::Text), expected, "{raw:?}");
        }
    }

    #[test]
    fn entities_and_scraper_remnants_decode() {
        let cases = [
            ("Fish &amp; chips", "Fish & chips"),
            ("costs #36;5 and it #39;s", "costs $5 and it 's"),
            ("&#233;t&#xE9;", "été"),
            ("AT&T and #hashtag; &bogus;", "AT&T and #hashtag; &bogus;"),
            ("&#0; nul", "&#0; nul"),
            ("#NeverTrump’s last; stand", "#NeverTrump’s last; stand"),
            ("& Friends.” ok;", "& Friends.” ok;"),
        ];
        for (raw, expected) in cases {
            assert_eq!(decode_entities(raw), expected, "{raw:?}");
        }
    }

    #[test]
    fn boilerplate_lines_are_dropped() {
        let page = "By the desk\nShare this article\nThe mayor spoke.\n\
                    Share on Facebook | Tweet | Email\n\
                    Subscribe to our newsletter for daily updates\n\
                    We use cookies to improve your experience. Accept?\n\
                    #border #asylum #news\nTry our AI features\n\
                    Comments\nNo comments yet\nShe left.";
        assert_eq!(
            drop_boilerplate(page),
            "By the desk\nThe mayor spoke.\nShe left."
        );
    }

    #[test]
    fn trailing_related_block_is_cut() {
        let page =
            "Para one.\n\nPara two.\n\nRelated Articles\nFootball club wins cup\nStorm hits coast";
        assert_eq!(drop_boilerplate(page), "Para one.\n\nPara two.");
        let more = "Body.\nMORE FROM THE TRIBUNE:\nOther story";
        assert_eq!(drop_boilerplate(more), "Body.");
    }

    #[test]
    fn prose_that_resembles_rules_is_kept() {
        let text = "Related talks stalled for weeks.\nEmail records show the deal.\n\
                    Read more about the plan in the report, the council said.\n\
                    Subscribe to the idea that schools need money, the union argued, and you will find many allies among parents who have been asking for years for a better deal on pay and conditions, and a long, long, long list of other things.";
        assert_eq!(drop_boilerplate(text), text);
    }

    #[test]
    fn a_document_that_is_only_a_heading_keeps_it() {
        assert_eq!(drop_boilerplate("Related"), "Related");
    }

    #[test]
    fn format_from_extension() {
        use std::path::Path;
        assert_eq!(Format::from_path(Path::new("a/B.HTML")), Format::Html);
        assert_eq!(Format::from_path(Path::new("x.md")), Format::Markdown);
        assert_eq!(Format::from_path(Path::new("x.txt")), Format::Text);
        assert_eq!(Format::from_path(Path::new("x")), Format::Auto);
    }
}
