//! Rendering labeled documents: an aligned table for people, JSON, JSON
//! Lines and CSV for programs. Output streams: each document is written as
//! soon as it is labeled, in input order, so labeling a 1 GB stream needs
//! no more memory than one batch.

use std::io::{self, Write};

use serde_json::{json, Map, Value};

use crate::model::{HeadLabel, Model};

/// Output formats of `classify label`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Jsonl,
    Csv,
}

/// A labeled document: its name (path, JSONL `id`, or `-` for stdin) and
/// one label per head.
#[derive(Clone, Debug)]
pub struct Labeled {
    /// `"path"` or `"id"`: how the document was named.
    pub key: &'static str,
    pub name: String,
    pub labels: Vec<HeadLabel>,
}

/// Streams labeled documents into `out`.
pub struct LabelWriter<W: Write> {
    out: W,
    format: Format,
    heads: Vec<(String, usize)>,
    min_confidence: Option<f32>,
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
    pub fn new(
        out: W,
        format: Format,
        model: &Model,
        min_confidence: Option<f32>,
        explain: bool,
    ) -> Self {
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
                    widest.max(h.name.len()) + usize::from(min_confidence.is_some()),
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

    fn uncertain(&self, l: &HeadLabel) -> bool {
        self.min_confidence.is_some_and(|m| l.probability < m)
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
                    if self.min_confidence.is_some() {
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

    fn json_value(&self, doc: &Labeled) -> Value {
        let mut obj = Map::new();
        obj.insert(doc.key.to_string(), Value::String(doc.name.clone()));
        for l in &doc.labels {
            let mut head = Map::new();
            head.insert("label".into(), json!(l.label));
            head.insert("probability".into(), json!(round3(l.probability)));
            if self.min_confidence.is_some() {
                head.insert("uncertain".into(), json!(self.uncertain(l)));
            }
            if self.explain {
                let terms: Vec<Value> = l
                    .explain
                    .iter()
                    .map(|(t, w)| json!({"term": t, "weight": round3(*w)}))
                    .collect();
                head.insert("explain".into(), Value::Array(terms));
            }
            obj.insert(l.head.clone(), Value::Object(head));
        }
        Value::Object(obj)
    }

    /// Writes one labeled document.
    pub fn write(&mut self, doc: &Labeled) -> io::Result<()> {
        match self.format {
            Format::Table => {
                for (l, (_, w)) in doc.labels.iter().zip(&self.heads) {
                    let mark = if self.uncertain(l) { "?" } else { "" };
                    let label = format!("{}{mark}", l.label);
                    write!(self.out, "{label:<w$}  {:<5.3}  ", l.probability)?;
                }
                writeln!(self.out, "{}", doc.name)?;
                if self.explain {
                    for l in &doc.labels {
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
                    serde_json::to_string(&self.json_value(doc))?
                )?;
            }
            Format::Jsonl => writeln!(
                self.out,
                "{}",
                serde_json::to_string(&self.json_value(doc))?
            )?,
            Format::Csv => {
                let mut cols = vec![csv_field(&doc.name)];
                for l in &doc.labels {
                    cols.push(csv_field(&l.label));
                    cols.push(format!("{:.3}", l.probability));
                    if self.min_confidence.is_some() {
                        cols.push(self.uncertain(l).to_string());
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
