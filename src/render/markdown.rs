//! The evaluation report as Markdown: tables that paste into an issue or
//! a pull request. Text from the data (class and head names, paths, notes)
//! is escaped so a `|` cannot break a table and a `<` cannot start markup.

use std::io::{self, Write};

use super::class_names;
use crate::eval::EvalReport;

/// Escapes text for a Markdown table cell or list item.
pub(crate) fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A code span holding `text` whatever backticks it contains.
fn code(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let text = text.replace(['\n', '\r'], " ");
    if longest > 0 {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

impl EvalReport {
    /// Writes the report as Markdown tables that paste into an issue.
    pub fn write_markdown(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "# Evaluation\n")?;
        writeln!(out, "- model: {}", code(&self.model))?;
        writeln!(out, "- data: {}", code(&self.data))?;
        for note in &self.notes {
            writeln!(out, "- note: {}", cell(note))?;
        }
        for head in &self.heads {
            let s = &head.scores;
            writeln!(out, "\n## {}\n", cell(&head.head))?;
            writeln!(out, "| documents | accuracy | macro-F1 | weighted-F1 |")?;
            writeln!(out, "|---:|---:|---:|---:|")?;
            writeln!(
                out,
                "| {} | {:.3} | {:.3} | {:.3} |",
                s.documents, s.accuracy, s.macro_f1, s.weighted_f1
            )?;
            if let Some(cv) = &head.cv {
                writeln!(
                    out,
                    "\n{}-fold cross-validation: accuracy {:.3} ± {:.3}, macro-F1 {:.3} ± {:.3} (mean of folds)",
                    cv.folds, cv.accuracy_mean, cv.accuracy_std, cv.macro_f1_mean, cv.macro_f1_std
                )?;
            }
            writeln!(out, "\n| class | precision | recall | F1 | support |")?;
            writeln!(out, "|---|---:|---:|---:|---:|")?;
            for c in &s.per_class {
                writeln!(
                    out,
                    "| {} | {:.3} | {:.3} | {:.3} | {} |",
                    cell(&c.class),
                    c.precision,
                    c.recall,
                    c.f1,
                    c.support
                )?;
            }
            let names: Vec<String> = class_names(s).into_iter().map(cell).collect();
            writeln!(
                out,
                "\nConfusion matrix (rows: true class, columns: predicted):\n"
            )?;
            writeln!(out, "| true \\ predicted | {} |", names.join(" | "))?;
            writeln!(out, "|---|{}", "---:|".repeat(names.len()))?;
            for (n, row) in names.iter().zip(&s.confusion) {
                let cells: Vec<String> = row.iter().map(|v| v.to_string()).collect();
                writeln!(out, "| {} | {} |", n, cells.join(" | "))?;
            }
            if head.unknown > 0 {
                writeln!(
                    out,
                    "\n{} documents the model cannot read were predicted `unknown` (counted as misses).",
                    head.unknown
                )?;
            }
            writeln!(
                out,
                "\nRisk-coverage (only predictions with probability >= threshold are labeled):\n"
            )?;
            writeln!(
                out,
                "| threshold | labeled | coverage | accuracy | macro-F1 |"
            )?;
            writeln!(out, "|---:|---:|---:|---:|---:|")?;
            for r in &head.risk_coverage {
                writeln!(
                    out,
                    "| {:.2} | {} | {:.3} | {:.3} | {:.3} |",
                    r.threshold, r.labeled, r.coverage, r.accuracy, r.macro_f1
                )?;
            }
            if let Some(t) = &head.target {
                match &t.reached {
                    Some(r) => writeln!(
                        out,
                        "\nAccuracy {:.3} is reached from threshold **{:.2}**: {} of {} documents labeled ({:.3}), accuracy {:.3}.",
                        t.accuracy, r.threshold, r.labeled, s.documents, r.coverage, r.accuracy
                    )?,
                    None => writeln!(
                        out,
                        "\nNo threshold reaches accuracy {:.3} on this data.",
                        t.accuracy
                    )?,
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_and_code_spans_are_escaped() {
        assert_eq!(cell("a|b <x> c_d"), "a\\|b &lt;x&gt; c\\_d");
        assert_eq!(code("m.model"), "`m.model`");
        assert_eq!(code("a`b"), "`` a`b ``");
    }
}
