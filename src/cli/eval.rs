//! `classify eval`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use classify::atomic::{self, Overwrite};
use classify::corpus;
use classify::cv::{self, Folds};
use classify::eval::{cv_report, evaluate, EvalOptions};
use classify::render::{write_report, ReportFormat};

use super::messages::Messages;
use super::progress::Bars;
use super::{load_model, out_path, CorpusArgs, ModelOptions, Outcome};

/// `classify eval --format`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvalFormat {
    /// Aligned text.
    Text,
    /// JSON.
    Json,
    /// Markdown tables.
    Markdown,
    /// A self-contained HTML page.
    Html,
}

/// `classify eval` arguments.
#[derive(Args, Debug)]
pub struct EvalArgs {
    /// Labeled data: a directory of articles, a .jsonl or a .csv file.
    pub data: PathBuf,
    /// Model file (default: the model built into the binary).
    #[arg(long, short, conflicts_with = "cv")]
    pub model: Option<PathBuf>,
    /// Cross-validate the training configuration on DATA with K folds (2 to 20).
    #[arg(long, value_name = "K")]
    pub cv: Option<usize>,
    /// Report format.
    #[arg(long, short, value_enum, default_value_t = EvalFormat::Text)]
    pub format: EvalFormat,
    /// Print the lowest probability threshold whose labeled share reaches this accuracy.
    #[arg(long, value_name = "A", allow_negative_numbers = true)]
    pub target_accuracy: Option<f64>,
    /// Write the report to a file (replaced atomically) instead of stdout (`-`).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub corpus: CorpusArgs,
    #[command(flatten)]
    pub options: ModelOptions,
}

pub fn run(args: EvalArgs, quiet: bool) -> Outcome {
    let data = args.data.display().to_string();
    let options = EvalOptions {
        data: data.clone(),
        heads: args.corpus.labels(),
        target_accuracy: args.target_accuracy,
    };
    options.check()?;
    let bars = Bars::new(quiet);
    let mut messages = Messages::default();
    let report = if let Some(k) = args.cv {
        let valid = args.options.params(&args.corpus).check()?;
        let folds = Folds::new(k)?;
        let corpus = corpus::load(&args.data, &args.corpus.options(), valid.cleaner())?;
        messages.corpus(&corpus);
        let cv = cv::cross_validate(&valid, &corpus.records, folds, &bars)?;
        cv.warnings.iter().for_each(|w| messages.warning(w));
        messages.finish();
        cv_report(
            &cv,
            &corpus.records,
            folds,
            valid.params().algorithm.name(),
            &data,
            args.target_accuracy,
        )
    } else {
        let model = load_model(args.model.as_deref())?;
        super::label::note_missing_language_check(&model);
        let corpus = corpus::load(&args.data, &args.corpus.options(), model.cleaner())?;
        messages.corpus(&corpus);
        messages.finish();
        bars.begin_step("labeling", corpus.records.len());
        let report = evaluate(&model, &corpus.records, &options);
        bars.end_step();
        report?
    };
    let format = match args.format {
        EvalFormat::Text => ReportFormat::Text,
        EvalFormat::Json => ReportFormat::Json,
        EvalFormat::Markdown => ReportFormat::Markdown,
        EvalFormat::Html => ReportFormat::Html,
    };
    let mut buf: Vec<u8> = Vec::new();
    write_report(&report, format, &mut buf)?;
    match out_path(&args.out) {
        Some(path) => atomic::write(path, &buf, Overwrite::Replace)?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&buf)?;
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
