//! `classify train`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;

use classify::atomic::{AtomicFile, Overwrite};
use classify::corpus;
use classify::cv::{self, Folds};
use classify::render::summary::write_train_summary;

use super::messages::Messages;
use super::progress::Bars;
use super::{CorpusArgs, ModelOptions, Outcome};

/// `classify train` arguments.
#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Labeled data: a directory of articles, a .jsonl or a .csv file.
    #[arg(default_value = "training-data")]
    pub data: PathBuf,
    /// Where to write the model (atomically; an existing file is kept unless --force).
    #[arg(long, short, default_value = "models/default.model")]
    pub out: PathBuf,
    /// Replace the model file if it exists.
    #[arg(long)]
    pub force: bool,
    /// Also report stratified K-fold cross-validated scores (2 to 20).
    #[arg(long, value_name = "K")]
    pub cv: Option<usize>,
    #[command(flatten)]
    pub corpus: CorpusArgs,
    #[command(flatten)]
    pub options: ModelOptions,
}

pub fn run(args: TrainArgs, quiet: bool) -> Outcome {
    let start = Instant::now();
    let mut params = args.options.params(&args.corpus);
    // The options that shape the model; -q only changes what is printed,
    // so it is left out and the file does not depend on it.
    params.command = std::env::args()
        .skip(1)
        .filter(|a| a != "-q" && a != "--quiet")
        .collect();
    params.data = args.data.display().to_string();
    let valid = params.check()?;
    let folds = args.cv.map(Folds::new).transpose()?;
    // The output is checked, and its temporary file made, before the work:
    // a bad --out fails now, not after training.
    let overwrite = if args.force {
        Overwrite::Replace
    } else {
        Overwrite::Refuse
    };
    let mut file = AtomicFile::create(&args.out, overwrite)?;
    let bars = Bars::new(quiet);
    bars.begin_step("reading", 1);
    let corpus = corpus::load(&args.data, &args.corpus.options(), valid.cleaner());
    bars.end_step();
    let corpus = corpus?;
    let mut messages = Messages::default();
    messages.corpus(&corpus);
    let cv = match folds {
        Some(k) => {
            let cv = cv::cross_validate(&valid, &corpus.records, k, &bars)?;
            cv.warnings.iter().for_each(|w| messages.warning(w));
            Some(cv)
        }
        None => None,
    };
    messages.finish();
    let skipped = corpus.skipped.len();
    // The texts are freed once vectorized, before the classifiers are fitted.
    let model = valid.fit_owned(corpus.records, cv.map(|cv| cv.scores()).as_ref(), &bars)?;
    model.write_into(&mut file)?;
    file.commit()?;
    let mut out = std::io::stdout().lock();
    write_train_summary(
        &model,
        &args.out.display().to_string(),
        start.elapsed().as_secs_f64(),
        skipped,
        &mut out,
    )?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
