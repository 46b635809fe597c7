//! Cleaning: from a raw document (plain text, Markdown or HTML, often
//! scraped) to the article's own text.
//!
//! Scraped news pages carry text that is not the article: share buttons,
//! newsletter and cookie prompts, comment counters, hashtag blocks and a
//! trailing "Related Articles" list whose headlines are about other things.
//! Left in, that text teaches the classifier words that belong to no topic
//! and pulls labels toward whatever the related links were about.
//!
//! The rules that remove it are data: a [`CleanConfig`] (lists of strings
//! and two limits) that every model file stores, so a model always sees text
//! the way it was trained even when the default rules change. A config is
//! checked into a [`Cleaner`], which cleans:
//!
//! ```
//! use classify::clean::{Cleaner, Format};
//!
//! let cleaner = Cleaner::default();
//! let text = cleaner.clean("<p>Council votes</p><p>Share this article</p>", Format::Auto);
//! assert_eq!(text, "Council votes");
//! ```
//!
//! Stages, in order: markup ([`Format`]: HTML tags and non-article
//! elements, or Markdown syntax), entities, Unicode normalization (NFKC,
//! straight quotes, no URLs), then the line rules.

mod boilerplate;
mod entities;
mod html;
mod markdown;
mod unicode;

use serde::{Deserialize, Serialize};

pub use html::looks_like_html;

/// The markup a document is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Plain text (entities are still decoded).
    Text,
    /// Markdown: links keep their text, images and markers go.
    Markdown,
    /// HTML: tags and non-article elements go.
    Html,
    /// Plain text unless it looks like HTML ([`looks_like_html`]).
    #[default]
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

    /// The format's name: `text`, `markdown`, `html` or `auto`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Auto => "auto",
        }
    }

    /// `Auto` resolved for `raw`: HTML if it looks like HTML, else text.
    pub fn resolve(self, raw: &str) -> Format {
        match self {
            Format::Auto if looks_like_html(raw) => Format::Html,
            Format::Auto => Format::Text,
            f => f,
        }
    }
}

impl std::str::FromStr for Format {
    type Err = CleanError;

    fn from_str(s: &str) -> Result<Format, CleanError> {
        match s.to_ascii_lowercase().as_str() {
            "text" | "txt" | "plain" => Ok(Format::Text),
            "markdown" | "md" => Ok(Format::Markdown),
            "html" | "htm" => Ok(Format::Html),
            "auto" => Ok(Format::Auto),
            _ => Err(CleanError::UnknownFormat(s.to_string())),
        }
    }
}

/// Errors from checking a cleaner configuration or naming a format.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CleanError {
    /// A rule list holds an empty string, which would match every line.
    #[error("cleaner rule list {0} has an empty entry")]
    EmptyRule(&'static str),
    /// A limit of zero would disable its rule in a way no one intends.
    #[error("cleaner limit {0} must be at least 1")]
    ZeroLimit(&'static str),
    /// A format name that is not `text`, `markdown`, `html` or `auto`.
    #[error("unknown format {0:?}: expected text, markdown, html or auto")]
    UnknownFormat(String),
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

/// Whole lines (compared lowercased, trimmed of punctuation) that are page
/// furniture. A line split by `|`, `•`, `·` or `/` is dropped when every
/// part is in this list ("Share | Tweet | Email").
const DROP_LINES: &[&str] = &[
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
/// is dropped when it is short (at most `prompt_max_chars`).
const DROP_PREFIXES: &[&str] = &[
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
/// it are dropped.
const TRAILING_BLOCKS: &[&str] = &[
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

/// Headings matched as prefixes of the rule key ("more from the tribune").
const TRAILING_BLOCK_PREFIXES: &[&str] = &["more from "];

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The cleaner's rules, as data. Stored in every model file.
///
/// | field | default |
/// |---|---|
/// | `skipped_elements` | `script`, `style`, `nav`, `header`, `footer`, ... (13) |
/// | `block_elements` | `p`, `div`, `br`, `h1`-`h6`, `li`, ... (30) |
/// | `drop_lines` | `share this article`, `subscribe`, `try our ai features`, ... (35) |
/// | `drop_prefixes` | `sign up for our`, `we use cookies`, `©`, ... (19) |
/// | `trailing_blocks` | `related articles`, `read more`, `most popular`, ... (25) |
/// | `trailing_block_prefixes` | `more from ` |
/// | `prompt_max_chars` | 200: a prompt line is at most this long |
/// | `heading_max_words` | 6: a trailing-block heading has at most this many words |
///
/// Entries are compared lowercased; order does not matter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CleanConfig {
    /// HTML elements whose content is never article text.
    pub skipped_elements: Vec<String>,
    /// HTML elements that end a line of text.
    pub block_elements: Vec<String>,
    /// Whole lines that are page furniture.
    pub drop_lines: Vec<String>,
    /// Beginnings of short prompt or notice lines.
    pub drop_prefixes: Vec<String>,
    /// Headings after which the rest of the page is other stories.
    pub trailing_blocks: Vec<String>,
    /// Heading beginnings with the same effect as `trailing_blocks`.
    pub trailing_block_prefixes: Vec<String>,
    /// Prompts longer than this (in characters) are prose, not prompts.
    pub prompt_max_chars: usize,
    /// Trailing-block headings longer than this (in words) are sentences.
    pub heading_max_words: usize,
}

impl Default for CleanConfig {
    fn default() -> Self {
        CleanConfig::rules_v1()
    }
}

impl CleanConfig {
    /// The rules of model format 1, whose files store no rules: loading one
    /// uses these. Frozen: new defaults go in `Default`, not here.
    pub(crate) fn rules_v1() -> Self {
        CleanConfig {
            skipped_elements: strings(SKIPPED_ELEMENTS),
            block_elements: strings(BLOCK_ELEMENTS),
            drop_lines: strings(DROP_LINES),
            drop_prefixes: strings(DROP_PREFIXES),
            trailing_blocks: strings(TRAILING_BLOCKS),
            trailing_block_prefixes: strings(TRAILING_BLOCK_PREFIXES),
            prompt_max_chars: 200,
            heading_max_words: 6,
        }
    }
}

impl CleanConfig {
    /// Checks the rules and builds the lookup tables.
    pub fn check(&self) -> Result<Cleaner, CleanError> {
        let lists: [(&'static str, &Vec<String>); 6] = [
            ("skipped_elements", &self.skipped_elements),
            ("block_elements", &self.block_elements),
            ("drop_lines", &self.drop_lines),
            ("drop_prefixes", &self.drop_prefixes),
            ("trailing_blocks", &self.trailing_blocks),
            ("trailing_block_prefixes", &self.trailing_block_prefixes),
        ];
        for (name, list) in lists {
            if list.iter().any(|s| s.trim().is_empty()) {
                return Err(CleanError::EmptyRule(name));
            }
        }
        if self.prompt_max_chars == 0 {
            return Err(CleanError::ZeroLimit("prompt_max_chars"));
        }
        if self.heading_max_words == 0 {
            return Err(CleanError::ZeroLimit("heading_max_words"));
        }
        let sorted = |list: &[String]| {
            let mut v: Vec<String> = list.iter().map(|s| s.to_lowercase()).collect();
            v.sort();
            v.dedup();
            v
        };
        let mut config = self.clone();
        config.drop_prefixes = sorted(&self.drop_prefixes);
        config.trailing_block_prefixes = sorted(&self.trailing_block_prefixes);
        let first_bytes = |lists: &[&[String]]| {
            let mut table = [false; 256];
            for s in lists.iter().flat_map(|l| l.iter()) {
                table[s.as_bytes()[0].to_ascii_lowercase() as usize] = true;
            }
            table
        };
        let drop_lines = sorted(&self.drop_lines);
        let trailing_blocks = sorted(&self.trailing_blocks);
        let longest = |list: &[String]| list.iter().map(String::len).max().unwrap_or(0);
        Ok(Cleaner {
            skipped_elements: sorted(&self.skipped_elements),
            block_elements: sorted(&self.block_elements),
            // Room for decoration around the longest entry ("• Share •").
            drop_line_max_bytes: (longest(&drop_lines) + 10).max(32),
            // A heading of `heading_max_words` words fits in this many bytes.
            heading_max_bytes: (longest(&trailing_blocks) + 16)
                .max(longest(&config.trailing_block_prefixes) + 48)
                .max(64),
            prefix_first: first_bytes(&[&config.drop_prefixes]),
            heading_first: first_bytes(&[&trailing_blocks, &config.trailing_block_prefixes]),
            drop_lines,
            trailing_blocks,
            config,
        })
    }
}

/// A checked [`CleanConfig`], ready to clean.
#[derive(Clone, Debug)]
pub struct Cleaner {
    config: CleanConfig,
    skipped_elements: Vec<String>,
    block_elements: Vec<String>,
    drop_lines: Vec<String>,
    trailing_blocks: Vec<String>,
    drop_line_max_bytes: usize,
    heading_max_bytes: usize,
    prefix_first: [bool; 256],
    heading_first: [bool; 256],
}

impl Default for Cleaner {
    fn default() -> Self {
        CleanConfig::default()
            .check()
            .expect("the default rules are valid")
    }
}

impl Cleaner {
    /// The configuration this cleaner was built from (prefix lists sorted
    /// and lowercased).
    pub fn config(&self) -> &CleanConfig {
        &self.config
    }

    /// Cleans `raw` written in `format`: markup removed, entities decoded,
    /// Unicode normalized (NFKC, straight quotes), boilerplate dropped,
    /// whitespace collapsed. Paragraph breaks survive as newlines.
    pub fn clean(&self, raw: &str, format: Format) -> String {
        let text = match format.resolve(raw) {
            Format::Html => std::borrow::Cow::Owned(html::strip_html(raw, self)),
            Format::Markdown => std::borrow::Cow::Owned(markdown::strip_markdown(raw)),
            _ => entities::decode_entities(raw),
        };
        let text = unicode::normalize_unicode(&text);
        self.drop_boilerplate(&text)
    }

    fn is_skipped_element(&self, name: &str) -> bool {
        self.skipped_elements
            .binary_search_by(|e| e.as_str().cmp(name))
            .is_ok()
    }

    fn is_block_element(&self, name: &str) -> bool {
        self.block_elements
            .binary_search_by(|e| e.as_str().cmp(name))
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(raw: &str, format: Format) -> String {
        Cleaner::default().clean(raw, format)
    }

    #[test]
    fn default_rule_lists_are_sorted_and_unique() {
        for list in [DROP_LINES, TRAILING_BLOCKS, DROP_PREFIXES] {
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
    fn rules_are_data_a_config_can_change() {
        let page = "The mayor spoke.\nJoin our club today\nShe left.\nElsewhere\nOther story";
        assert_eq!(
            clean(page, Format::Text),
            "The mayor spoke.\nJoin our club today\nShe left.\nElsewhere\nOther story"
        );
        let mut config = CleanConfig::default();
        config.drop_prefixes.push("Join our".into());
        config.trailing_blocks.push("elsewhere".into());
        let cleaner = config.check().unwrap();
        assert_eq!(
            cleaner.clean(page, Format::Text),
            "The mayor spoke.\nShe left."
        );
    }

    #[test]
    fn invalid_configs_are_refused() {
        let mut config = CleanConfig::default();
        config.drop_lines.push(" ".into());
        assert_eq!(
            config.check().unwrap_err().to_string(),
            "cleaner rule list drop_lines has an empty entry"
        );
        let config = CleanConfig {
            prompt_max_chars: 0,
            ..Default::default()
        };
        assert_eq!(
            config.check().unwrap_err().to_string(),
            "cleaner limit prompt_max_chars must be at least 1"
        );
    }

    #[test]
    fn format_from_extension_and_name() {
        use std::path::Path;
        assert_eq!(Format::from_path(Path::new("a/B.HTML")), Format::Html);
        assert_eq!(Format::from_path(Path::new("x.md")), Format::Markdown);
        assert_eq!(Format::from_path(Path::new("x.txt")), Format::Text);
        assert_eq!(Format::from_path(Path::new("x")), Format::Auto);
        assert_eq!("HTML".parse::<Format>().unwrap(), Format::Html);
        assert_eq!(
            "pdf".parse::<Format>().unwrap_err().to_string(),
            "unknown format \"pdf\": expected text, markdown, html or auto"
        );
    }
}
