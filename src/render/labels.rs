//! Rendering labeled documents: an aligned table for people, JSON, JSON
//! Lines and CSV for programs. Output streams: each document is written as
//! soon as it is labeled, in input order, so labeling a 1 GB stream needs
//! no more memory than one batch. [`label_json`] is the one JSON shape of a
//! labeled document, for every caller (the CLI, the server, bindings).

use std::io::{self, Write};

use serde_json::{json, Map, Value};

use crate::model::{DocumentLabels, HeadLabel, LabelOptions, Model, UNKNOWN_LABEL};

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
    columns: Columns,
    count: usize,
}

/// Which optional fields the output has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Columns {
    /// `uncertain`, when a minimum confidence was asked.
    pub uncertain: bool,
    /// `explain`, when terms were asked.
    pub explain: bool,
    /// `evidence`, when sentences were asked.
    pub evidence: bool,
}

impl Columns {
    /// The fields `options` ask for.
    pub fn of(options: &LabelOptions) -> Columns {
        Columns {
            uncertain: options.min_confidence.is_some(),
            explain: options.explain > 0,
            evidence: options.evidence > 0,
        }
    }
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
        let columns = Columns::of(options);
        let heads = model
            .heads()
            .iter()
            .map(|h| {
                let widest = h
                    .classes
                    .iter()
                    .map(|c| c.chars().count())
                    .max()
                    .unwrap_or(0)
                    .max(UNKNOWN_LABEL.len());
                // Room for the "?" that marks an uncertain label.
                (
                    h.name.clone(),
                    widest.max(h.name.len()) + usize::from(columns.uncertain),
                )
            })
            .collect();
        LabelWriter {
            out,
            format,
            heads,
            columns,
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
                    if self.columns.uncertain {
                        cols.push(format!("{name}_uncertain"));
                    }
                    if self.columns.explain {
                        cols.push(format!("{name}_terms"));
                    }
                    if self.columns.evidence {
                        cols.push(format!("{name}_evidence"));
                    }
                }
                cols.push("reason".into());
                writeln!(self.out, "{}", cols.join(","))
            }
        }
    }

    /// Writes one labeled document.
    pub fn write(&mut self, doc: &Labeled) -> io::Result<()> {
        match self.format {
            Format::Table => self.write_table(doc)?,
            Format::Json => {
                if self.count > 0 {
                    write!(self.out, ",")?;
                }
                write!(
                    self.out,
                    "\n  {}",
                    serde_json::to_string(&label_json(doc, self.columns))?
                )?;
            }
            Format::Jsonl => writeln!(
                self.out,
                "{}",
                serde_json::to_string(&label_json(doc, self.columns))?
            )?,
            Format::Csv => {
                let mut cols = vec![csv_field(&doc.name)];
                for l in &doc.labels.heads {
                    cols.push(csv_field(&l.label));
                    cols.push(l.probability.map_or(String::new(), |p| format!("{p:.3}")));
                    if self.columns.uncertain {
                        cols.push(l.uncertain.to_string());
                    }
                    if self.columns.explain {
                        let terms: Vec<&str> = l.explain.iter().map(|e| e.term.as_str()).collect();
                        cols.push(csv_field(&terms.join(";")));
                    }
                    if self.columns.evidence {
                        let sentences: Vec<&str> =
                            l.evidence.iter().map(|e| e.sentence.as_str()).collect();
                        cols.push(csv_field(&sentences.join(" | ")));
                    }
                }
                cols.push(csv_field(&doc.labels.reason().unwrap_or_default()));
                writeln!(self.out, "{}", cols.join(","))?;
            }
        }
        self.count += 1;
        Ok(())
    }

    fn write_table(&mut self, doc: &Labeled) -> io::Result<()> {
        for (l, (_, w)) in doc.labels.heads.iter().zip(&self.heads) {
            let mark = if l.uncertain && self.columns.uncertain {
                "?"
            } else {
                ""
            };
            let label = format!("{}{mark}", l.label);
            match l.probability {
                Some(p) => write!(self.out, "{label:<w$}  {p:<5.3}  ")?,
                None => write!(self.out, "{label:<w$}  {:<5}  ", "-")?,
            }
        }
        writeln!(self.out, "{}", doc.name)?;
        if let Some(reason) = doc.labels.reason() {
            writeln!(self.out, "    unknown: {reason}")?;
        }
        for l in &doc.labels.heads {
            if self.columns.explain && !l.explain.is_empty() {
                let terms: Vec<String> = l
                    .explain
                    .iter()
                    .map(|e| format!("{} ({:.3})", e.term, e.weight))
                    .collect();
                writeln!(self.out, "    {} {}: {}", l.head, l.label, terms.join(", "))?;
            }
            if self.columns.evidence && !l.evidence.is_empty() {
                writeln!(self.out, "    {} {} evidence:", l.head, l.label)?;
                for e in &l.evidence {
                    writeln!(self.out, "      ({:.3}) {}", e.weight, e.sentence)?;
                }
            }
        }
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

/// The JSON object of one labeled document: its name under `key`, `reason`
/// when the model cannot read it, and per head `label`, `probability` (3
/// decimals; null for `unknown`), and the optional `uncertain`, `explain`
/// (`term` as written in the document, `feature` as the model knows it,
/// `weight`) and `evidence` (`sentence`, `weight`) that `columns` ask for.
pub fn label_json(doc: &Labeled, columns: Columns) -> Value {
    let mut obj = Map::new();
    obj.insert(doc.key.to_string(), Value::String(doc.name.clone()));
    if let Some(reason) = doc.labels.reason() {
        obj.insert("reason".into(), json!(reason));
    }
    for l in &doc.labels.heads {
        obj.insert(l.head.clone(), head_json(l, columns));
    }
    Value::Object(obj)
}

fn head_json(l: &HeadLabel, columns: Columns) -> Value {
    let mut head = Map::new();
    head.insert("label".into(), json!(l.label));
    head.insert("probability".into(), json!(l.probability.map(round3)));
    if columns.uncertain {
        head.insert("uncertain".into(), json!(l.uncertain));
    }
    if columns.explain {
        let terms: Vec<Value> = l
            .explain
            .iter()
            .map(|e| json!({"term": e.term, "feature": e.feature, "weight": round3(e.weight)}))
            .collect();
        head.insert("explain".into(), Value::Array(terms));
    }
    if columns.evidence {
        let sentences: Vec<Value> = l
            .evidence
            .iter()
            .map(|e| json!({"sentence": e.sentence, "weight": round3(e.weight)}))
            .collect();
        head.insert("evidence".into(), Value::Array(sentences));
    }
    Value::Object(head)
}
