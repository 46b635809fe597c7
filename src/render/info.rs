//! A model's description: where it came from, how it was trained, its
//! vocabulary, and the terms that weigh most for each class. `classify
//! info` prints it; the Python package's `Model.info()` returns the JSON.

use std::io::{self, Write};

use serde_json::{json, Value};

use crate::eval::CvSummary;
use crate::model::Model;

/// The description as JSON, with `top` terms per class.
pub fn info_json(model: &Model, top: usize) -> Value {
    let v = model.vectorizer();
    let heads: Vec<Value> = model
        .heads()
        .iter()
        .map(|h| {
            let top_terms: serde_json::Map<String, Value> = h
                .classes
                .iter()
                .enumerate()
                .map(|(c, class)| (class.clone(), json!(top_terms(model, &h.name, c, top))))
                .collect();
            json!({"name": h.name, "classes": h.classes, "calibration": h.calibration, "top_terms": top_terms})
        })
        .collect();
    json!({
        "model": model.origin(),
        "format_version": model.file_version(),
        "metadata": model.metadata(),
        "vocabulary": v.n_features(),
        "vectorizer": v.params(),
        "domain": model.domain(),
        "cleaner": model.clean_config(),
        "heads": heads,
    })
}

/// The `n` features with the largest weight for class `c` of `head`.
fn top_terms<'m>(model: &'m Model, head: &str, c: usize, n: usize) -> Vec<&'m str> {
    let v = model.vectorizer();
    model
        .head(head)
        .map(|h| {
            h.classifier
                .top_features(c, n)
                .iter()
                .map(|(j, _)| v.feature(*j as usize))
                .collect()
        })
        .unwrap_or_default()
}

/// Writes [`info_json`] pretty-printed.
pub fn write_info_json(model: &Model, top: usize, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &info_json(model, top))?;
    writeln!(out)
}

/// Writes the description as aligned text.
pub fn write_info_text(model: &Model, top: usize, out: &mut dyn Write) -> io::Result<()> {
    let meta = model.metadata();
    let v = model.vectorizer();
    writeln!(out, "model       {}", model.origin())?;
    writeln!(
        out,
        "created     {} by classify {}",
        meta.created, meta.classify_version
    )?;
    writeln!(out, "command     classify {}", meta.command.join(" "))?;
    writeln!(
        out,
        "data        {} ({} documents)",
        meta.data, meta.documents
    )?;
    writeln!(out, "algorithm   {}", meta.algorithm)?;
    let p = v.params();
    writeln!(
        out,
        "vocabulary  {} features (1..={}-grams, min_df {}, stemming {:?}, stop words {:?})",
        v.n_features(),
        p.tokenizer.ngram_max,
        p.min_df,
        p.tokenizer.stemming,
        p.tokenizer.stop_words
    )?;
    let d = model.domain();
    writeln!(
        out,
        "reads       {} (unknown below {} known terms or {:.0}% of the words known)",
        d.language
            .as_deref()
            .unwrap_or("any language (no language check)"),
        d.min_known_terms,
        d.min_known_share * 100.0
    )?;
    for (head, info) in model.heads().iter().zip(&meta.heads) {
        writeln!(out)?;
        let counts: Vec<String> = info
            .class_counts
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect();
        writeln!(out, "{}: {}", head.name, counts.join(", "))?;
        if let Some(cv) = &info.cv {
            let s = CvSummary::from_scores(cv);
            writeln!(out, "  {}", super::summary::cv_line(&s))?;
        }
        if let Some(c) = &head.calibration {
            let threshold = match (c.threshold, c.accuracy, c.coverage) {
                (Some(t), Some(a), Some(v)) => format!(
                    "recommended threshold {t:.2} (accuracy {a:.3} on {:.0}% of the sample)",
                    v * 100.0
                ),
                _ => format!("no threshold reached accuracy {:.3}", c.target_accuracy),
            };
            writeln!(
                out,
                "  calibrated on {} ({} documents): {threshold}",
                c.data, c.documents
            )?;
        }
        let w = head.classes.iter().map(|c| c.len()).max().unwrap_or(0);
        for (c, class) in head.classes.iter().enumerate() {
            let terms = top_terms(model, &head.name, c, top);
            writeln!(out, "  {class:<w$}  {}", terms.join(", "))?;
        }
    }
    Ok(())
}
