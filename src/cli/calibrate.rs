//! `classify calibrate`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use classify::atomic::{AtomicFile, Overwrite};
use classify::calibrate::{calibrate, CalibrateOptions};
use classify::corpus;

use super::messages::Messages;
use super::{load_model, CorpusArgs, Outcome};

/// `classify calibrate` arguments.
#[derive(Args, Debug)]
pub struct CalibrateArgs {
    /// Labeled sample of your own sources: a directory of articles, a .jsonl or a .csv file.
    pub data: PathBuf,
    /// Model to calibrate (default: the model built into the binary).
    #[arg(long, short)]
    pub model: Option<PathBuf>,
    /// Where to write the calibrated model.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub force: bool,
    /// Accuracy the recommended threshold must reach on the sample.
    #[arg(long, value_name = "A", default_value_t = CalibrateOptions::default().target_accuracy, allow_negative_numbers = true)]
    pub target_accuracy: f64,
    #[command(flatten)]
    pub corpus: CorpusArgs,
}

pub fn run(args: CalibrateArgs) -> Outcome {
    let options = CalibrateOptions {
        data: args.data.display().to_string(),
        heads: args.corpus.labels(),
        target_accuracy: args.target_accuracy,
    };
    options.check()?;
    let overwrite = if args.force {
        Overwrite::Replace
    } else {
        Overwrite::Refuse
    };
    let mut file = AtomicFile::create(&args.out, overwrite)?;
    let mut model = load_model(args.model.as_deref())?;
    let corpus = corpus::load(&args.data, &args.corpus.options(), model.cleaner())?;
    let mut messages = Messages::default();
    messages.corpus(&corpus);
    messages.finish();
    let heads = calibrate(&mut model, &corpus.records, &options)?;
    model.write_into(&mut file)?;
    file.commit()?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "calibrated {} on {} -> {}",
        model.origin(),
        options.data,
        args.out.display()
    )?;
    for h in &heads {
        let threshold = match &h.threshold {
            Some(r) => format!(
                "threshold {:.2}: accuracy {:.3} on {} of {} documents ({:.3})",
                r.threshold, r.accuracy, r.labeled, h.documents, r.coverage
            ),
            None => format!("no threshold reaches accuracy {:.3}", h.target_accuracy),
        };
        writeln!(
            out,
            "  {:<10} {} documents ({} readable), temperature {:.3} -> {:.3}, {threshold}",
            h.head, h.documents, h.readable, h.temperature.0, h.temperature.1
        )?;
    }
    writeln!(
        out,
        "label with --model {} --min-confidence auto to mark what falls below the thresholds uncertain",
        args.out.display()
    )?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
