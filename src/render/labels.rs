//! Rendering labeled documents: an aligned table for people, JSON, JSON
//! Lines and CSV for programs. Output streams: each document is written as
//! soon as it is labeled, in input order, so labeling a 1 GB stream needs
//! no more memory than one batch. [`label_json`] is the one JSON shape of a
//! labeled document, for every caller (the CLI, the server, bindings).

use std::io::{self, Write};

use serde_json::{json, Map, Value};

use crate::model::{DocumentLabels, HeadLabel, LabelOptions, Model};

/// Output formats of `classify label`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns for a terminal.
    Table,
    /// One JSON array.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// CSV with a header row.
    Csv,
}

/// A labeled document: its name (path, JSONL `id`, or `-` for stdin) and
/// one label per head.
#[derive(Clone, Debug)]
pub struct Labeled {
    /// `"path"` or `"id"`: how the document was named.
    pub key: &'static str,
    /// The path or id.
    pub name: String,
    /// Its labels.
    pub labels: DocumentLabels,
}

/// Streams labeled documents into `out`.
pub struct LabelWriter<W: Write> {
    out: W,
    format: Format,
    heads: Vec<(String, usize)>,
    min_confidence: bool,
    explain: bool,
    count: usize,
}

fn round3(x: f32) -> f64 {
    (x as f64 * 1000.0).round() / 1000.0
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

impl<W: Write> LabelWriter<W> {
    /// A writer of `model`'s labels in `format`; `options` say which
    /// optional columns there are.
    pub fn new(out: W, format: Format, model: &Model, options: &LabelOptions) -> Self {
        let min_confidence = options.min_confidence.is_some();
        let explain = options.explain > 0;
        let heads = model
            .heads()
            .iter()
            .map(|h| {
                let widest = h
                    .classes
                    .iter()
                    .map(|c| c.chars().count())
                    .max()
                    .unwrap_or(0);
                // Room for the "?" that marks an uncertain label.
                (
                    h.name.clone(),
                    widest.max(h.name.len()) + usize::from(min_confidence),
                )
            })
            .collect();
        LabelWriter {
            out,
            format,
            heads,
            min_confidence,
            explain,
            count: 0,
        }
    }

    /// Writes what comes before the first document.
    pub fn begin(&mut self) -> io::Result<()> {
        match self.format {
            Format::Table => {
                for (name, w) in &self.heads {
                    write!(self.out, "{:<w$}  {:<5}  ", name.to_uppercase(), "P")?;
                }
                writeln!(self.out, "DOCUMENT")
            }
            Format::Json => write!(self.out, "["),
            Format::Jsonl => Ok(()),
            Format::Csv => {
                let mut cols = vec!["document".to_string()];
                for (name, _) in &self.heads {
                    cols.push(name.clone());
                    cols.push(format!("{name}_probability"));
                    if self.min_confidence {
                        cols.push(format!("{name}_uncertain"));
                    }
                    if self.explain {
                        cols.push(format!("{name}_terms"));
                    }
                }
                writeln!(self.out, "{}", cols.join(","))
            }
        }
    }

    /// Writes one labeled document.
    pub fn write(&mut self, doc: &Labeled) -> io::Result<()> {
        match self.format {
            Format::Table => {
                for (l, (_, w)) in doc.labels.heads.iter().zip(&self.heads) {
                    let mark = if l.uncertain { "?" } else { "" };
                    let label = format!("{}{mark}", l.label);
                    write!(self.out, "{label:<w$}  {:<5.3}  ", l.probability)?;
                }
                writeln!(self.out, "{}", doc.name)?;
                if self.explain {
                    for l in &doc.labels.heads {
                        let terms: Vec<String> = l
                            .explain
                            .iter()
                            .map(|(t, w)| format!("{t} ({w:.3})"))
                            .collect();
                        writeln!(self.out, "    {} {}: {}", l.head, l.label, terms.join(", "))?;
                    }
                }
            }
            Format::Json => {
                if self.count > 0 {
                    write!(self.out, ",")?;
                }
                write!(
                    self.out,
                    "\n  {}",
                    serde_json::to_string(&label_json(doc, self.min_confidence, self.explain))?
                )?;
            }
            Format::Jsonl => writeln!(
                self.out,
                "{}",
                serde_json::to_string(&label_json(doc, self.min_confidence, self.explain))?
            )?,
            Format::Csv => {
                let mut cols = vec![csv_field(&doc.name)];
                for l in &doc.labels.heads {
                    cols.push(csv_field(&l.label));
                    cols.push(format!("{:.3}", l.probability));
                    if self.min_confidence {
                        cols.push(l.uncertain.to_string());
                    }
                    if self.explain {
                        let terms: Vec<&str> = l.explain.iter().map(|(t, _)| t.as_str()).collect();
                        cols.push(csv_field(&terms.join(";")));
                    }
                }
                writeln!(self.out, "{}", cols.join(","))?;
            }
        }
        self.count += 1;
        Ok(())
    }

    /// Writes what comes after the last document and flushes.
    pub fn finish(&mut self) -> io::Result<()> {
        if self.format == Format::Json {
            if self.count > 0 {
                writeln!(self.out)?;
            }
            writeln!(self.out, "]")?;
        }
        self.out.flush()
    }
}

/// The JSON object of one labeled document: its name under `key`, and per
/// head `label`, `probability` (3 decimals), `uncertain` when a minimum
/// confidence was asked, `explain` when terms were.
pub fn label_json(doc: &Labeled, min_confidence: bool, explain: bool) -> Value {
    let mut obj = Map::new();
    obj.insert(doc.key.to_string(), Value::String(doc.name.clone()));
    for l in &doc.labels.heads {
        obj.insert(l.head.clone(), head_json(l, min_confidence, explain));
    }
    Value::Object(obj)
}

fn head_json(l: &HeadLabel, min_confidence: bool, explain: bool) -> Value {
    let mut head = Map::new();
    head.insert("label".into(), json!(l.label));
    head.insert("probability".into(), json!(round3(l.probability)));
    if min_confidence {
        head.insert("uncertain".into(), json!(l.uncertain));
    }
    if explain {
        let terms: Vec<Value> = l
            .explain
            .iter()
            .map(|(t, w)| json!({"term": t, "weight": round3(*w)}))
            .collect();
        head.insert("explain".into(), Value::Array(terms));
    }
    Value::Object(head)
}
