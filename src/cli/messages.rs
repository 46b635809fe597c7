//! Warnings and per-document errors on stderr, one line each, capped so a
//! flood (every line of a wrong file) ends in one count instead of
//! thousands of lines.

use std::fmt::Display;

use classify::corpus::Corpus;
use classify::source::{InputProblem, Severity};

/// Lines printed of each kind before the rest are only counted.
const SHOWN: usize = 20;

/// Counts and prints problems.
#[derive(Default)]
pub struct Messages {
    errors: usize,
    warnings: usize,
}

/// `9812` as `9,812`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Messages {
    /// An error about one input; the run goes on but will fail.
    pub fn error(&mut self, what: impl Display) {
        self.errors += 1;
        if self.errors <= SHOWN {
            eprintln!("classify: {what}");
        }
    }

    /// A warning; the run's status is unaffected.
    pub fn warning(&mut self, what: impl Display) {
        self.warnings += 1;
        if self.warnings <= SHOWN {
            eprintln!("classify: warning: {what}");
        }
    }

    /// Reports input problems by their severity.
    pub fn problems(&mut self, problems: &[InputProblem]) {
        for p in problems {
            match p.severity {
                Severity::Warning => self.warning(p),
                Severity::Error => self.error(p),
            }
        }
    }

    /// Reports what loading a corpus skipped (as warnings: training goes on
    /// without them).
    pub fn corpus(&mut self, corpus: &Corpus) {
        for p in &corpus.problems {
            self.warning(p);
        }
        for (place, why) in &corpus.skipped {
            self.warning(format_args!("skipped {place}: {why}"));
        }
    }

    /// Errors reported so far.
    pub fn errors(&self) -> usize {
        self.errors
    }

    /// Prints how many lines the caps held back.
    pub fn finish(&self) {
        if self.warnings > SHOWN {
            eprintln!(
                "classify: warning: ... and {} more warnings",
                thousands(self.warnings - SHOWN)
            );
        }
        if self.errors > SHOWN {
            eprintln!(
                "classify: ... and {} more errors",
                thousands(self.errors - SHOWN)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(9812), "9,812");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
