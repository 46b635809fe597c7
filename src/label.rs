//! Labeling many documents: files and stdin ([`label_sources`]) or a JSON
//! Lines stream ([`label_jsonl`]), in parallel batches, each result handed
//! to a sink in input order as soon as its batch is done. A document that
//! cannot be labeled is a [`Failure`] in the same stream: the caller reports
//! it and the rest are still labeled.

use std::io::{self, BufRead};

use rayon::prelude::*;

use crate::clean::Format;
use crate::document::io_message;
use crate::model::{LabelOptions, Model};
use crate::render::labels::Labeled;
use crate::source::{self, LineReader, Source};

/// Documents labeled per parallel batch of files.
const FILE_BATCH: usize = 256;
/// Records per batch of a JSON Lines stream, and bytes at most.
const LINE_BATCH: usize = 1024;
const LINE_BATCH_BYTES: usize = 2 << 20;

/// A document that could not be labeled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// Where: a path, `stdin`, or `source:line`.
    pub place: String,
    /// Why, as one lower-case phrase.
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

/// One document's outcome.
pub type Outcome = Result<Labeled, Failure>;

/// Labels every source (files by their extension's format, stdin sniffed),
/// in order. Stops early only if `sink` fails (a closed output).
pub fn label_sources(
    model: &Model,
    sources: &[Source],
    options: &LabelOptions,
    max_bytes: u64,
    sink: &mut dyn FnMut(Outcome) -> io::Result<()>,
) -> io::Result<()> {
    for batch in sources.chunks(FILE_BATCH) {
        let outcomes: Vec<Outcome> = batch
            .par_iter()
            .map(|source| {
                let format = match source {
                    Source::Stdin => Format::Auto,
                    Source::File(p) => Format::from_path(p),
                };
                source
                    .read(max_bytes)
                    .and_then(|raw| model.label_document(&raw, format, options))
                    .map(|labels| Labeled {
                        key: "path",
                        name: source.name(),
                        labels,
                    })
                    .map_err(|e| Failure {
                        place: source.place(),
                        message: e.to_string(),
                    })
            })
            .collect();
        for outcome in outcomes {
            sink(outcome)?;
        }
    }
    Ok(())
}

/// Labels a JSON Lines stream named `name` (for messages): each record's
/// `text_field`, named by its `id` (or `line N`), in input order. Blank
/// lines are skipped; a line over `max_bytes` is skipped without being
/// held in memory. A read error ends the stream as a failure.
pub fn label_jsonl(
    model: &Model,
    reader: impl BufRead,
    name: &str,
    text_field: &str,
    options: &LabelOptions,
    max_bytes: u64,
    sink: &mut dyn FnMut(Outcome) -> io::Result<()>,
) -> io::Result<()> {
    let mut lines = LineReader::new(reader, max_bytes);
    // One batch is labeled (on the rayon pool, from a helper thread) while
    // the previous batch's outcomes are written and the next batch is read
    // here: reading and writing overlap with the work.
    let mut written: Vec<Option<Outcome>> = Vec::new();
    loop {
        let (batch, read_error) = read_batch(&mut lines);
        let done = batch.is_empty() || read_error.is_some();
        let labeled = std::thread::scope(|s| {
            let work = s.spawn(|| label_lines(model, batch, name, text_field, options));
            let wrote = write_all(std::mem::take(&mut written), sink);
            // A panic in labeling is a bug; surface it rather than hide it.
            let labeled = work.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
            wrote.map(|()| labeled)
        })?;
        written = labeled;
        if done {
            write_all(written, sink)?;
            if let Some(e) = read_error {
                sink(Err(Failure {
                    place: name.to_string(),
                    message: io_message(&e),
                }))?;
            }
            return Ok(());
        }
    }
}

/// The next batch of lines, and the read error that ended the stream if
/// one did.
fn read_batch<R: BufRead>(
    lines: &mut LineReader<R>,
) -> (Vec<crate::source::Line>, Option<io::Error>) {
    let mut batch = Vec::new();
    let mut bytes = 0;
    while batch.len() < LINE_BATCH && bytes < LINE_BATCH_BYTES {
        match lines.next_line() {
            Ok(Some((n, line))) => {
                bytes += line.as_ref().map_or(0, Vec::len);
                batch.push((n, line));
            }
            Ok(None) => break,
            Err(e) => return (batch, Some(e)),
        }
    }
    (batch, None)
}

fn write_all(
    outcomes: Vec<Option<Outcome>>,
    sink: &mut dyn FnMut(Outcome) -> io::Result<()>,
) -> io::Result<()> {
    for outcome in outcomes.into_iter().flatten() {
        sink(outcome)?;
    }
    Ok(())
}

/// Labels a batch of JSON Lines in parallel; `None` for a blank line.
fn label_lines(
    model: &Model,
    batch: Vec<crate::source::Line>,
    name: &str,
    text_field: &str,
    options: &LabelOptions,
) -> Vec<Option<Outcome>> {
    batch
        .into_par_iter()
        .map(|(n, line)| {
            let fail = |message: String| Failure {
                place: format!("{name}:{n}"),
                message,
            };
            let record = match line.and_then(|l| source::parse_record(&l, text_field)) {
                Ok(Some(record)) => record,
                Ok(None) => return None,
                Err(e) => return Some(Err(fail(e.to_string()))),
            };
            let doc_name = record.id.unwrap_or_else(|| format!("line {n}"));
            Some(
                record
                    .text
                    .and_then(|t| model.label_document(&t, Format::Auto, options))
                    .map(|labels| Labeled {
                        key: "id",
                        name: doc_name,
                        labels,
                    })
                    .map_err(|e| fail(e.to_string())),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonl_outcomes_keep_order_and_name_lines() {
        let model = Model::builtin().unwrap();
        let data = "{\"id\":\"a\",\"text\":\"The senate voted on the budget.\"}\n\n\
                    not json\n{\"text\":\"   \"}\n{\"text\":\"Pupils sat their exams.\"}\n";
        let mut got = Vec::new();
        label_jsonl(
            &model,
            data.as_bytes(),
            "feed.jsonl",
            "text",
            &LabelOptions::default(),
            1 << 20,
            &mut |o| {
                got.push(match o {
                    Ok(l) => format!("ok {} {}", l.name, l.labels.heads[0].label),
                    Err(f) => format!("err {f}"),
                });
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(
            got,
            [
                "ok a politics",
                "err feed.jsonl:3: invalid JSON: expected ident at line 1 column 2",
                "err feed.jsonl:4: no text: the document is whitespace only",
                "ok line 5 education",
            ]
        );
    }
}
