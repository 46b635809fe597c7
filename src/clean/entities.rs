//! HTML entities and the `#36;`-style remnants that scraped corpora carry.
//! Decoding is part of every format's cleaning: plain-text dumps of web
//! pages carry entities too.

/// Decodes the named entities that news pages use, numeric entities, and
/// the `#36;`-style remnants that some scraped corpora carry.
pub(crate) fn decode_entities(text: &str) -> std::borrow::Cow<'_, str> {
    if memchr::memchr2(b'&', b'#', text.as_bytes()).is_none() {
        return std::borrow::Cow::Borrowed(text);
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
    std::borrow::Cow::Owned(out)
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

#[cfg(test)]
mod tests {
    use super::*;

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
            // A 12-byte window that ends inside a multibyte character.
            ("&ééééééé;", "&ééééééé;"),
        ];
        for (raw, expected) in cases {
            assert_eq!(decode_entities(raw), expected, "{raw:?}");
        }
    }
}
