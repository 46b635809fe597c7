//! Rendering results for people and programs: evaluation reports as text,
//! JSON, Markdown ([`EvalReport`]'s `write_*` methods) or a self-contained
//! HTML page ([`html`]); labeled documents as a table, JSON, JSON Lines or
//! CSV ([`labels`]); a model's description ([`info`]); the summary of a
//! training run ([`summary`]). Everything renders into any `impl Write`, so
//! tests render into a `Vec<u8>` and compare.

pub mod html;
pub mod info;
pub mod labels;
mod markdown;
pub mod summary;
mod text;

use std::io::{self, Write};

use crate::eval::EvalReport;
use crate::metrics::Scores;

/// Formats of an evaluation report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    /// Aligned text for a terminal.
    Text,
    /// JSON for programs.
    Json,
    /// Markdown tables.
    Markdown,
    /// One self-contained HTML page.
    Html,
}

/// Writes `report` in `format`.
pub fn write_report(
    report: &EvalReport,
    format: ReportFormat,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        ReportFormat::Text => report.write_text(out),
        ReportFormat::Json => report.write_json(out),
        ReportFormat::Markdown => report.write_markdown(out),
        ReportFormat::Html => html::write_html(report, out),
    }
}

fn class_names(s: &Scores) -> Vec<&str> {
    s.per_class.iter().map(|c| c.class.as_str()).collect()
}

impl EvalReport {
    /// Writes the report as pretty-printed JSON.
    pub fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        writeln!(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{DocPrediction, HeadEval};

    fn report() -> EvalReport {
        let classes = vec!["critical".to_string(), "neutral".to_string()];
        EvalReport {
            model: "m.model".into(),
            data: "d.jsonl".into(),
            heads: vec![HeadEval::new(
                "stance".into(),
                &classes,
                [(0, 0, 0.9), (0, 1, 0.6), (1, 1, 0.8)]
                    .into_iter()
                    .map(|(gold, pred, p)| DocPrediction {
                        id: format!("d{gold}{pred}"),
                        gold,
                        pred,
                        probability: Some(p),
                        terms: vec![],
                        evidence: vec![],
                        excerpt: String::new(),
                    })
                    .collect(),
                None,
                None,
                Some(0.9),
            )],
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

  risk-coverage (only predictions with probability >= threshold are labeled)
  threshold  labeled  coverage  accuracy  macro-F1
  0.00             3     1.000     0.667     0.667
  0.05             3     1.000     0.667     0.667
  0.10             3     1.000     0.667     0.667
  0.15             3     1.000     0.667     0.667
  0.20             3     1.000     0.667     0.667
  0.25             3     1.000     0.667     0.667
  0.30             3     1.000     0.667     0.667
  0.35             3     1.000     0.667     0.667
  0.40             3     1.000     0.667     0.667
  0.45             3     1.000     0.667     0.667
  0.50             3     1.000     0.667     0.667
  0.55             3     1.000     0.667     0.667
  0.60             3     1.000     0.667     0.667
  0.65             2     0.667     1.000     1.000
  0.70             2     0.667     1.000     1.000
  0.75             2     0.667     1.000     1.000
  0.80             2     0.667     1.000     1.000
  0.85             1     0.333     1.000     1.000
  0.90             1     0.333     1.000     1.000
  0.95             0     0.000     0.000     0.000
  accuracy 0.900 is reached from threshold 0.61: 2 of 3 documents labeled (0.667), accuracy 1.000
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

    #[test]
    fn markdown_escapes_names_from_the_data() {
        let mut r = report();
        r.heads[0].scores.per_class[0].class = "a|b<script>".into();
        let mut md = Vec::new();
        r.write_markdown(&mut md).unwrap();
        let md = String::from_utf8(md).unwrap();
        assert!(md.contains("| a\\|b&lt;script&gt; | 1.000 |"), "{md}");
        assert!(!md.contains("<script>"));
    }
}
