//! Evaluation reports: per head accuracy, macro-F1, weighted F1, per-class
//! scores and the confusion matrix, rendered as text, JSON or Markdown into
//! any writer (HTML lives in `html`).

use std::io::{self, Write};

use serde::Serialize;

use crate::metrics::{mean_std, Scores};
use crate::model::{CvScores, Metadata};

/// One document's prediction, kept for reports that show examples.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DocPrediction {
    pub id: String,
    pub gold: usize,
    pub pred: usize,
    pub probability: f32,
    /// Terms that pushed toward the prediction (empty under cross-validation).
    pub terms: Vec<String>,
    /// The start of the document's clean text.
    pub excerpt: String,
}

/// The evaluation of one head.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HeadEval {
    pub head: String,
    #[serde(flatten)]
    pub scores: Scores,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cv: Option<CvSummary>,
    #[serde(skip)]
    pub predictions: Vec<DocPrediction>,
}

/// Per-fold scores with their mean and spread.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CvSummary {
    pub folds: usize,
    pub accuracy_mean: f64,
    pub accuracy_std: f64,
    pub macro_f1_mean: f64,
    pub macro_f1_std: f64,
    pub fold_accuracy: Vec<f64>,
    pub fold_macro_f1: Vec<f64>,
}

impl CvSummary {
    pub fn from_scores(s: &CvScores) -> CvSummary {
        let (am, asd) = mean_std(&s.accuracy);
        let (fm, fsd) = mean_std(&s.macro_f1);
        CvSummary {
            folds: s.folds,
            accuracy_mean: am,
            accuracy_std: asd,
            macro_f1_mean: fm,
            macro_f1_std: fsd,
            fold_accuracy: s.accuracy.clone(),
            fold_macro_f1: s.macro_f1.clone(),
        }
    }
}

/// A whole evaluation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvalReport {
    /// The model file, or "cross-validation".
    pub model: String,
    pub data: String,
    pub heads: Vec<HeadEval>,
    /// Heads skipped and why.
    pub notes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

fn class_names(s: &Scores) -> Vec<&str> {
    s.per_class.iter().map(|c| c.class.as_str()).collect()
}

impl EvalReport {
    pub fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        writeln!(out)
    }

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
            if let Some(cv) = &head.cv {
                writeln!(
                    out,
                    "  {} folds      accuracy {:.3} ± {:.3}, macro-F1 {:.3} ± {:.3}",
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
        }
        Ok(())
    }

    pub fn write_markdown(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "# Evaluation\n")?;
        writeln!(out, "- model: `{}`", self.model)?;
        writeln!(out, "- data: `{}`", self.data)?;
        for note in &self.notes {
            writeln!(out, "- note: {note}")?;
        }
        for head in &self.heads {
            let s = &head.scores;
            writeln!(out, "\n## {}\n", head.head)?;
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
                    "\n{}-fold cross-validation: accuracy {:.3} ± {:.3}, macro-F1 {:.3} ± {:.3}",
                    cv.folds, cv.accuracy_mean, cv.accuracy_std, cv.macro_f1_mean, cv.macro_f1_std
                )?;
            }
            writeln!(out, "\n| class | precision | recall | F1 | support |")?;
            writeln!(out, "|---|---:|---:|---:|---:|")?;
            for c in &s.per_class {
                writeln!(
                    out,
                    "| {} | {:.3} | {:.3} | {:.3} | {} |",
                    c.class, c.precision, c.recall, c.f1, c.support
                )?;
            }
            let names = class_names(s);
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
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::scores;

    fn report() -> EvalReport {
        let classes = vec!["critical".to_string(), "neutral".to_string()];
        EvalReport {
            model: "m.model".into(),
            data: "d.jsonl".into(),
            heads: vec![HeadEval {
                head: "stance".into(),
                scores: scores(&classes, &[0, 0, 1], &[0, 1, 1]),
                cv: None,
                predictions: vec![],
            }],
            notes: vec!["head \"topic\" skipped: the data has no \"topic\" labels".into()],
            metadata: None,
        }
    }

    #[test]
    fn text_report() {
        let mut out = Vec::new();
        report().write_text(&mut out).unwrap();
        let expected = "model: m.model
data:  d.jsonl
note:  head \"topic\" skipped: the data has no \"topic\" labels

stance (3 documents)
  accuracy     0.667
  macro-F1     0.667
  weighted-F1  0.667

  class     precision  recall  f1     support
  critical  1.000      0.500   0.667  2
  neutral   0.500      1.000   0.667  1

  confusion (rows: true class, columns: predicted)
            critical   neutral
  critical         1         1
  neutral          0         1
";
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }

    #[test]
    fn json_and_markdown_carry_the_same_numbers() {
        let mut json = Vec::new();
        report().write_json(&mut json).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(v["heads"][0]["head"], "stance");
        assert!((v["heads"][0]["macro_f1"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(v["heads"][0]["confusion"][0][1], 1);
        let mut md = Vec::new();
        report().write_markdown(&mut md).unwrap();
        let md = String::from_utf8(md).unwrap();
        assert!(md.contains("| 3 | 0.667 | 0.667 | 0.667 |"), "{md}");
        assert!(md.contains("| critical | 1 | 1 |"), "{md}");
    }
}
