//! The evaluation report as aligned text, for a terminal.

use std::io::{self, Write};

use super::class_names;
use crate::eval::{EvalReport, HeadEval};

impl EvalReport {
    /// Writes the report as aligned text for a terminal.
    pub fn write_text(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "model: {}", self.model)?;
        writeln!(out, "data:  {}", self.data)?;
        for note in &self.notes {
            writeln!(out, "note:  {note}")?;
        }
        for head in &self.heads {
            let s = &head.scores;
            writeln!(out)?;
            writeln!(out, "{} ({} documents)", head.head, s.documents)?;
            writeln!(out, "  accuracy     {:.3}", s.accuracy)?;
            writeln!(out, "  macro-F1     {:.3}", s.macro_f1)?;
            writeln!(out, "  weighted-F1  {:.3}", s.weighted_f1)?;
            if head.unknown > 0 {
                writeln!(
                    out,
                    "  unknown      {} (documents the model cannot read, counted as misses)",
                    head.unknown
                )?;
            }
            if let Some(cv) = &head.cv {
                writeln!(
                    out,
                    "  {} folds      accuracy {:.3} ± {:.3}, macro-F1 {:.3} ± {:.3} (mean of folds)",
                    cv.folds, cv.accuracy_mean, cv.accuracy_std, cv.macro_f1_mean, cv.macro_f1_std
                )?;
            }
            let names = class_names(s);
            let w = names
                .iter()
                .map(|n| n.chars().count())
                .max()
                .unwrap_or(5)
                .max(5);
            writeln!(out)?;
            writeln!(out, "  {:<w$}  precision  recall  f1     support", "class")?;
            for c in &s.per_class {
                writeln!(
                    out,
                    "  {:<w$}  {:<9.3}  {:<6.3}  {:<5.3}  {}",
                    c.class, c.precision, c.recall, c.f1, c.support
                )?;
            }
            writeln!(out)?;
            writeln!(out, "  confusion (rows: true class, columns: predicted)")?;
            let cw = w.max(
                s.confusion
                    .iter()
                    .flatten()
                    .max()
                    .map_or(1, |m| m.to_string().len()),
            );
            write!(out, "  {:<w$}", "")?;
            for n in &names {
                write!(out, "  {n:>cw$}")?;
            }
            writeln!(out)?;
            for (n, row) in names.iter().zip(&s.confusion) {
                write!(out, "  {n:<w$}")?;
                for v in row {
                    write!(out, "  {v:>cw$}")?;
                }
                writeln!(out)?;
            }
            write_risk(head, out)?;
        }
        Ok(())
    }
}

/// The risk-coverage table of a head and, if asked, the target threshold.
fn write_risk(head: &HeadEval, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out)?;
    writeln!(
        out,
        "  risk-coverage (only predictions with probability >= threshold are labeled)"
    )?;
    writeln!(out, "  threshold  labeled  coverage  accuracy  macro-F1")?;
    for r in &head.risk_coverage {
        writeln!(
            out,
            "  {:<9.2}  {:>7}  {:>8.3}  {:>8.3}  {:>8.3}",
            r.threshold, r.labeled, r.coverage, r.accuracy, r.macro_f1
        )?;
    }
    if let Some(t) = &head.target {
        match &t.reached {
            Some(r) => writeln!(
                out,
                "  accuracy {:.3} is reached from threshold {:.2}: {} of {} documents labeled ({:.3}), accuracy {:.3}",
                t.accuracy, r.threshold, r.labeled, head.scores.documents, r.coverage, r.accuracy
            )?,
            None => writeln!(
                out,
                "  no threshold reaches accuracy {:.3} on this data",
                t.accuracy
            )?,
        }
    }
    Ok(())
}
