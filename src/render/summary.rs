//! The summary `classify train` prints: what was trained, on what, and the
//! cross-validated scores per head.

use std::io::{self, Write};

use crate::eval::CvSummary;
use crate::model::Model;

/// One line of cross-validated scores: the mean and spread over folds, and
/// the pooled scores when they are known (they differ when a class is too
/// small to be in every fold).
pub fn cv_line(s: &CvSummary) -> String {
    let mut line = format!(
        "{}-fold cv: accuracy {:.3} ± {:.3}, macro-F1 {:.3} ± {:.3}",
        s.folds, s.accuracy_mean, s.accuracy_std, s.macro_f1_mean, s.macro_f1_std
    );
    if let (Some(a), Some(f)) = (s.pooled_accuracy, s.pooled_macro_f1) {
        line.push_str(&format!(" (pooled: accuracy {a:.3}, macro-F1 {f:.3})"));
    }
    line
}

/// Writes the summary of a finished training run.
pub fn write_train_summary(
    model: &Model,
    out_path: &str,
    seconds: f64,
    skipped: usize,
    out: &mut dyn Write,
) -> io::Result<()> {
    let meta = model.metadata();
    writeln!(out, "trained {out_path} in {seconds:.2} s")?;
    let skipped = if skipped == 0 {
        String::new()
    } else {
        format!(" ({skipped} skipped)")
    };
    writeln!(out, "  documents   {}{skipped}", meta.documents)?;
    let v = model.vectorizer();
    writeln!(
        out,
        "  vocabulary  {} features (1..={}-grams, min_df {})",
        v.n_features(),
        v.params().tokenizer.ngram_max,
        v.params().min_df
    )?;
    writeln!(out, "  algorithm   {}", meta.algorithm)?;
    for head in &meta.heads {
        let counts: Vec<String> = head
            .class_counts
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect();
        writeln!(out, "  {:<11} {}", head.name, counts.join(", "))?;
        if let Some(cv) = &head.cv {
            writeln!(out, "  {:<11} {}", "", cv_line(&CvSummary::from_scores(cv)))?;
        }
    }
    Ok(())
}
