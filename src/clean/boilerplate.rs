//! Line rules against page furniture: whole lines that are furniture
//! ("Share this article"), short prompts and notices ("Subscribe to our
//! newsletter..."), hashtag blocks, and a trailing "Related Articles"-style
//! heading after which everything is links to other stories. The rule
//! lists are the cleaner's configuration ([`super::CleanConfig`]).

use super::Cleaner;

/// Separators of a line that lists furniture ("Share | Tweet | Email").
const LIST_SEPARATORS: [char; 4] = ['|', '•', '·', '/'];

/// Lines longer than this cannot be a drop-line entry or a list of them,
/// so they skip the allocation of a rule key.
const SHORT_LINE_BYTES: usize = 120;

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

impl Cleaner {
    fn is_drop_entry(&self, key: &str) -> bool {
        self.drop_lines
            .binary_search_by(|p| p.as_str().cmp(key))
            .is_ok()
    }

    fn is_drop_line(&self, line: &str) -> bool {
        let plain = line.len() <= self.drop_line_max_bytes;
        let listed = line.len() <= SHORT_LINE_BYTES && line.contains(LIST_SEPARATORS);
        if plain || listed {
            let key = rule_key(line);
            if key.is_empty() {
                return false;
            }
            if self.is_drop_entry(&key) {
                return true;
            }
            if line.contains(LIST_SEPARATORS) {
                let parts: Vec<String> = line
                    .split(LIST_SEPARATORS)
                    .map(rule_key)
                    .filter(|p| !p.is_empty())
                    .collect();
                if parts.len() > 1 && parts.iter().all(|p| self.is_drop_entry(p)) {
                    return true;
                }
            }
        }
        let line = line.trim();
        // First bytes (lowercase) of every prefix: a line that starts with
        // none of them needs no prefix comparison.
        let may_start = line
            .as_bytes()
            .first()
            .is_some_and(|b| self.prefix_first[b.to_ascii_lowercase() as usize]);
        may_start
            && self
                .config
                .drop_prefixes
                .iter()
                .any(|p| starts_with_ignore_case(line, p))
            && line.chars().count() <= self.config.prompt_max_chars
    }

    fn is_trailing_heading(&self, line: &str) -> bool {
        // A heading of a few words fits in this many bytes; the first letter
        // must be one that some heading starts with.
        if line.len() > self.heading_max_bytes {
            return false;
        }
        let first = line
            .trim_start_matches(|c: char| !c.is_alphanumeric())
            .bytes()
            .next()
            .map(|b| b.to_ascii_lowercase());
        if !first.is_some_and(|f| self.heading_first[f as usize]) {
            return false;
        }
        let key = rule_key(line);
        if key.is_empty() || key.split_whitespace().count() > self.config.heading_max_words {
            return false;
        }
        // A sentence that happens to start with "Related" ends with a period.
        if line.trim_end().ends_with('.') {
            return false;
        }
        self.trailing_blocks
            .binary_search_by(|h| h.as_str().cmp(&key))
            .is_ok()
            || self
                .config
                .trailing_block_prefixes
                .iter()
                .any(|p| key.starts_with(p.as_str()))
    }

    /// Applies the line rules and collapses whitespace: at most one blank
    /// line between paragraphs, single spaces inside lines.
    pub(crate) fn drop_boilerplate(&self, text: &str) -> String {
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
            let short = trimmed.len() <= 4 * self.config.prompt_max_chars;
            if short && kept_lines > 0 && self.is_trailing_heading(trimmed) {
                break;
            }
            if (short && self.is_drop_line(trimmed))
                || (trimmed.starts_with('#') && is_hashtag_line(trimmed))
            {
                continue;
            }
            if kept_lines > 0 {
                out.push_str(if blank_pending { "\n\n" } else { "\n" });
            }
            blank_pending = false;
            // normalize_unicode has turned every other whitespace into ' ',
            // so only runs of spaces need collapsing.
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
}

fn is_hashtag_line(line: &str) -> bool {
    let mut words = line.split_whitespace().peekable();
    words.peek().is_some() && words.all(|w| w.starts_with('#') && w.len() > 1)
}

#[cfg(test)]
mod tests {
    use crate::clean::Cleaner;

    fn drop(text: &str) -> String {
        Cleaner::default().drop_boilerplate(text)
    }

    #[test]
    fn boilerplate_lines_are_dropped() {
        let page = "By the desk\nShare this article\nThe mayor spoke.\n\
                    Share on Facebook | Tweet | Email\n\
                    Subscribe to our newsletter for daily updates\n\
                    We use cookies to improve your experience. Accept?\n\
                    #border #asylum #news\nTry our AI features\n\
                    Comments\nNo comments yet\nShe left.";
        assert_eq!(drop(page), "By the desk\nThe mayor spoke.\nShe left.");
    }

    #[test]
    fn trailing_related_block_is_cut() {
        let page =
            "Para one.\n\nPara two.\n\nRelated Articles\nFootball club wins cup\nStorm hits coast";
        assert_eq!(drop(page), "Para one.\n\nPara two.");
        let more = "Body.\nMORE FROM THE TRIBUNE:\nOther story";
        assert_eq!(drop(more), "Body.");
    }

    #[test]
    fn prose_that_resembles_rules_is_kept() {
        let text = "Related talks stalled for weeks.\nEmail records show the deal.\n\
                    Read more about the plan in the report, the council said.\n\
                    Subscribe to the idea that schools need money, the union argued, and you will find many allies among parents who have been asking for years for a better deal on pay and conditions, and a long, long, long list of other things.";
        assert_eq!(drop(text), text);
    }

    #[test]
    fn a_document_that_is_only_a_heading_keeps_it() {
        assert_eq!(drop("Related"), "Related");
    }
}
