//! `classify label`.

use std::io::{BufReader, BufWriter};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use classify::document::{self, DocumentError};
use classify::label::{label_jsonl, label_sources, Failure, Outcome as Labeled};
use classify::render::labels::{Format, LabelWriter};
use classify::source::{self, WalkOptions};
use classify::{LabelOptions, MinConfidence, Model};

use super::messages::{thousands, Messages};
use super::{load_model, Outcome};

/// `classify label --format`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelFormat {
    /// Aligned columns.
    Table,
    /// One JSON array.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// CSV with a header.
    Csv,
}

/// `classify label` arguments.
#[derive(Args, Debug)]
pub struct LabelArgs {
    /// Files or directories to label; `-` or nothing reads stdin.
    pub paths: Vec<PathBuf>,
    /// Model file (default: the model built into the binary).
    #[arg(long, short)]
    pub model: Option<PathBuf>,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = LabelFormat::Table)]
    pub format: LabelFormat,
    /// Show the N terms that pushed each decision most, as the words of the document.
    #[arg(long, value_name = "N", default_value_t = LabelOptions::default().explain)]
    pub explain: usize,
    /// Show the K sentences that pushed each decision most.
    #[arg(long, value_name = "K", default_value_t = LabelOptions::default().evidence)]
    pub evidence: usize,
    /// Mark predictions below this probability as uncertain (0 to 1), or below
    /// each head's recommended threshold with `auto` (see classify calibrate).
    #[arg(long, value_name = "P|auto", allow_negative_numbers = true)]
    pub min_confidence: Option<MinConfidence>,
    /// Read JSON Lines records (`id`, text field) instead of whole documents.
    #[arg(long)]
    pub jsonl: bool,
    /// Name of the text field of JSONL records.
    #[arg(long, value_name = "FIELD", default_value = "text")]
    pub text_field: String,
    /// Largest document (or JSONL record) accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = document::DEFAULT_MAX_BYTES)]
    pub max_bytes: u64,
    /// Follow symbolic links in directories (loops are detected).
    #[arg(long)]
    pub follow: bool,
}

pub fn run(args: LabelArgs) -> Outcome {
    let options = LabelOptions {
        explain: args.explain,
        evidence: args.evidence,
        min_confidence: args.min_confidence,
    };
    options.check()?;
    let model = load_model(args.model.as_deref())?;
    options.check_for(&model)?;
    note_missing_language_check(&model);
    let format = match args.format {
        LabelFormat::Table => Format::Table,
        LabelFormat::Json => Format::Json,
        LabelFormat::Jsonl => Format::Jsonl,
        LabelFormat::Csv => Format::Csv,
    };
    let mut messages = Messages::default();
    let sources = if args.jsonl {
        Vec::new()
    } else {
        let walk = WalkOptions {
            follow_links: args.follow,
        };
        let (sources, problems) = source::expand(&args.paths, &walk);
        messages.problems(&problems);
        sources
    };
    let stdout = std::io::stdout();
    let mut writer = LabelWriter::new(BufWriter::new(stdout.lock()), format, &model, &options);
    writer.begin()?;
    let mut sink = |outcome: Labeled| match outcome {
        Ok(doc) => writer.write(&doc),
        Err(failure) => {
            messages.error(failure);
            Ok(())
        }
    };
    if args.jsonl {
        label_streams(&model, &args, &options, &mut sink)?;
    } else {
        label_sources(&model, &sources, &options, args.max_bytes, &mut sink)?;
    }
    writer.finish()?;
    messages.finish();
    if messages.errors() > 0 {
        eprintln!(
            "classify: {} document(s) could not be labeled",
            thousands(messages.errors())
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// `--jsonl`: each path (or stdin) is a JSON Lines stream.
fn label_streams(
    model: &Model,
    args: &LabelArgs,
    options: &LabelOptions,
    sink: &mut dyn FnMut(Labeled) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let stdin = [PathBuf::from("-")];
    let paths = if args.paths.is_empty() {
        &stdin[..]
    } else {
        &args.paths[..]
    };
    let (field, max) = (&args.text_field, args.max_bytes);
    for path in paths {
        if path.as_os_str() == "-" {
            let reader = BufReader::with_capacity(1 << 20, std::io::stdin().lock());
            label_jsonl(model, reader, "stdin", field, options, max, sink)?;
            continue;
        }
        let name = path.display().to_string();
        match open_stream(path) {
            Ok(file) => {
                let reader = BufReader::with_capacity(1 << 20, file);
                label_jsonl(model, reader, &name, field, options, max, sink)?;
            }
            Err(e) => sink(Err(Failure {
                place: name,
                message: e.to_string(),
            }))?,
        }
    }
    Ok(())
}

/// Opens a JSON Lines file (or a FIFO the user named), refusing directories.
fn open_stream(path: &std::path::Path) -> Result<std::fs::File, DocumentError> {
    let file = std::fs::File::open(path).map_err(DocumentError::Io)?;
    let meta = file.metadata().map_err(DocumentError::Io)?;
    if meta.is_dir() {
        return Err(DocumentError::NotRegular("directory"));
    }
    Ok(file)
}

/// Says once that an older model cannot check the language of documents.
pub fn note_missing_language_check(model: &Model) {
    if model.domain().language.is_none() {
        eprintln!(
            "classify: note: {} has no language of its own (format version {}): documents are not checked for language, only for known terms",
            model.origin(),
            model.file_version()
        );
    }
}
