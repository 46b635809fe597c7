//! The command line: arguments (clap derive, defaults taken from the
//! library's `Default` impls), one module per subcommand, progress bars,
//! capped messages, and the error type that picks the exit status. Parsing
//! never does work and checks nothing the library checks: raw values go
//! into library params, whose `check()` is the one validation.

mod calibrate;
pub mod error;
mod eval;
mod info;
mod label;
mod messages;
mod progress;
#[cfg(feature = "serve")]
mod serve;
mod train;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use classify::classifier::ClassWeight;
use classify::corpus::CorpusOptions;
use classify::document::DEFAULT_MAX_BYTES;
use classify::source::WalkOptions;
use classify::tokenize::StopWords;
use classify::{Algorithm, TrainParams};

use error::CliError;

/// What a command returns: its exit status, or the failure that ended it.
pub type Outcome = Result<ExitCode, CliError>;

#[derive(Parser, Debug)]
#[command(
    name = "classify",
    version,
    about = "Label news articles by topic and stance",
    long_about = "Label news articles by topic (immigration, politics, education, other) and stance \
(supportive, critical, neutral) with a model trained on labeled articles. A default model is built \
into the binary.",
    after_help = "Examples:\n  classify label article.md\n  classify label --format json articles/\n  \
classify train training-data --out models/mine.model --cv 5\n  classify eval test.jsonl --model models/mine.model\n  \
classify info"
)]
/// The command line.
pub struct Cli {
    /// No progress bars on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Runs the subcommand.
    pub fn run(self) -> Outcome {
        match self.command {
            Command::Train(args) => train::run(args, self.quiet),
            Command::Label(args) => label::run(args),
            Command::Eval(args) => eval::run(args, self.quiet),
            Command::Info(args) => info::run(args),
            Command::Calibrate(args) => calibrate::run(args),
            #[cfg(feature = "serve")]
            Command::Serve(args) => serve::run(args, self.quiet),
        }
    }

    /// Whether the command handles SIGINT and SIGTERM itself (`serve`
    /// drains its requests and exits 0).
    pub fn handles_signals(&self) -> bool {
        #[cfg(feature = "serve")]
        if matches!(self.command, Command::Serve(_)) {
            return true;
        }
        false
    }
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Train a model on labeled articles.
    #[command(
        after_help = "Examples:\n  classify train training-data --out models/mine.model --cv 5\n  \
classify train news.jsonl --label topic --label stance --out models/news.model\n  \
classify train bbc/train.jsonl --label label --algorithm nb --out bbc.model\n  \
classify train training-data --out models/default.model --force   # replace a model"
    )]
    Train(train::TrainArgs),
    /// Label articles: files, directories (recursively) or stdin.
    #[command(after_help = "Examples:\n  classify label article.md other.html\n  \
classify label --format csv --explain 5 articles/\n  cat story.txt | classify label -\n  \
classify label --jsonl --format jsonl - < feed.jsonl\n  classify label --model models/mine.model --min-confidence 0.6 inbox/")]
    Label(label::LabelArgs),
    /// Measure accuracy on labeled data, with a model or by cross-validation.
    #[command(
        after_help = "Examples:\n  classify eval test.jsonl\n  classify eval test.jsonl --model models/mine.model --format markdown\n  \
classify eval training-data --cv 5 --format json\n  classify eval test.jsonl --format html --out report.html"
    )]
    Eval(eval::EvalArgs),
    /// Show a model's metadata and the top terms of each class.
    #[command(
        after_help = "Examples:\n  classify info\n  classify info models/mine.model --top 20\n  classify info --format json"
    )]
    Info(info::InfoArgs),
    /// Refit a model's probabilities on labeled articles of your own sources, and store recommended thresholds.
    #[command(
        after_help = "Examples:\n  classify calibrate my-sample.jsonl --out models/calibrated.model\n  \
classify calibrate my-sample.jsonl --model models/mine.model --out models/mine-cal.model --target-accuracy 0.85 --label stance\n  \
classify label --model models/calibrated.model --min-confidence auto inbox/"
    )]
    Calibrate(calibrate::CalibrateArgs),
    /// Serve labels over HTTP (JSON and JSON Lines), with health checks and metrics.
    #[cfg(feature = "serve")]
    #[command(after_help = serve::EXAMPLES)]
    Serve(serve::ServeArgs),
}

/// How to read labeled data (train and eval).
#[derive(Args, Debug, Clone)]
pub struct CorpusArgs {
    /// Label field to train or evaluate (repeat for several); default: topic and
    /// stance where present, else `label`.
    #[arg(long = "label", value_name = "FIELD")]
    pub labels: Vec<String>,
    /// Name of the text field in JSONL and CSV data.
    #[arg(long, value_name = "FIELD", default_value_t = CorpusOptions::default().text_field)]
    pub text_field: String,
    /// In a directory corpus, a file in DATA/<NAME>/ whose front matter lacks
    /// FIELD gets FIELD = NAME (empty string: off).
    #[arg(long, value_name = "FIELD", default_value_t = CorpusOptions::default().folder_label.unwrap_or_default())]
    pub folder_label: String,
    /// Largest document accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_BYTES)]
    pub max_bytes: u64,
    /// Follow symbolic links in a directory corpus (loops are detected).
    #[arg(long)]
    pub follow: bool,
}

impl CorpusArgs {
    /// The library's corpus options.
    pub fn options(&self) -> CorpusOptions {
        let folder = self.folder_label.to_lowercase();
        CorpusOptions {
            text_field: self.text_field.clone(),
            folder_label: (!folder.is_empty()).then_some(folder),
            max_bytes: self.max_bytes,
            walk: WalkOptions {
                follow_links: self.follow,
            },
        }
    }

    /// The label fields asked for, lowercase.
    pub fn labels(&self) -> Vec<String> {
        self.labels.iter().map(|l| l.to_lowercase()).collect()
    }
}

/// `--algorithm`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlgorithmArg {
    /// One-vs-rest linear SVM on sparse TF-IDF, calibrated probabilities.
    Svm,
    /// linfa-bayes multinomial naive Bayes (vocabulary capped).
    Nb,
}

/// `--stop-words`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopWordsArg {
    /// Keep every word.
    None,
    /// Drop our English list (negations and stance words stay).
    English,
}

/// `--class-weight`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassWeightArg {
    /// Classes weighted by inverse frequency.
    Balanced,
    /// Every document counts the same.
    Uniform,
}

impl From<Algorithm> for AlgorithmArg {
    fn from(a: Algorithm) -> Self {
        match a {
            Algorithm::Svm => AlgorithmArg::Svm,
            Algorithm::Nb => AlgorithmArg::Nb,
        }
    }
}

impl From<StopWords> for StopWordsArg {
    fn from(s: StopWords) -> Self {
        match s {
            StopWords::None => StopWordsArg::None,
            StopWords::English => StopWordsArg::English,
        }
    }
}

impl From<ClassWeight> for ClassWeightArg {
    fn from(c: ClassWeight) -> Self {
        match c {
            ClassWeight::Balanced => ClassWeightArg::Balanced,
            ClassWeight::Uniform => ClassWeightArg::Uniform,
        }
    }
}

fn defaults() -> TrainParams {
    TrainParams::default()
}

/// The training options (train, and eval --cv); defaults from
/// [`TrainParams::default`].
#[derive(Args, Debug, Clone)]
pub struct ModelOptions {
    /// Classifier.
    #[arg(long, value_enum, default_value_t = defaults().algorithm.into())]
    pub algorithm: AlgorithmArg,
    /// Inverse regularization of the SVM (> 0).
    #[arg(long = "c", value_name = "C", default_value_t = defaults().c, allow_negative_numbers = true)]
    pub c: f32,
    /// Longest word n-gram (1 to 4).
    #[arg(long, default_value_t = defaults().ngram_max)]
    pub ngram_max: usize,
    /// Keep features found in at least this many documents.
    #[arg(long, default_value_t = defaults().min_df)]
    pub min_df: usize,
    /// Drop features found in more than this share of documents (0 to 1].
    #[arg(long, default_value_t = defaults().max_df, allow_negative_numbers = true)]
    pub max_df: f64,
    /// Keep at most this many features (default: all; 20000 for nb).
    #[arg(long)]
    pub max_features: Option<usize>,
    /// Also count the first N terms (headline and lede) as separate features (0: off).
    #[arg(long, value_name = "N", default_value_t = defaults().lede_terms)]
    pub lede_terms: usize,
    /// Scale SVM features by naive-Bayes log-count ratios (NBSVM).
    #[arg(long)]
    pub nb_scale: bool,
    /// Smoothing of naive Bayes (> 0).
    #[arg(long, default_value_t = defaults().alpha, allow_negative_numbers = true)]
    pub alpha: f32,
    /// How each class's errors count: uniform (every document the same) or balanced (inverse class frequency).
    #[arg(long, value_enum, default_value_t = defaults().class_weight.into())]
    pub class_weight: ClassWeightArg,
    /// Stop words to drop (default: keep every word).
    #[arg(long, value_enum, default_value_t = defaults().stop_words.into())]
    pub stop_words: StopWordsArg,
    /// Do not stem.
    #[arg(long)]
    pub no_stem: bool,
    /// Seed of every shuffle and fold split.
    #[arg(long, default_value_t = defaults().seed)]
    pub seed: u64,
}

impl ModelOptions {
    /// The training configuration these flags describe (unchecked: the
    /// library's `check()` validates it).
    pub fn params(&self, corpus: &CorpusArgs) -> TrainParams {
        TrainParams {
            labels: corpus.labels(),
            algorithm: match self.algorithm {
                AlgorithmArg::Svm => Algorithm::Svm,
                AlgorithmArg::Nb => Algorithm::Nb,
            },
            c: self.c,
            class_weight: match self.class_weight {
                ClassWeightArg::Balanced => ClassWeight::Balanced,
                ClassWeightArg::Uniform => ClassWeight::Uniform,
            },
            ngram_max: self.ngram_max,
            min_df: self.min_df,
            max_df: self.max_df,
            max_features: self.max_features,
            lede_terms: self.lede_terms,
            nb_scale: self.nb_scale,
            alpha: self.alpha,
            stop_words: match self.stop_words {
                StopWordsArg::None => StopWords::None,
                StopWordsArg::English => StopWords::English,
            },
            stem: !self.no_stem,
            seed: self.seed,
            ..TrainParams::default()
        }
    }
}

/// A model path, or the built-in model.
pub fn load_model(path: Option<&std::path::Path>) -> Result<classify::Model, CliError> {
    Ok(match path {
        Some(p) => classify::Model::load(p)?,
        None => classify::Model::builtin()?,
    })
}

/// `--out -` and no `--out` both mean stdout.
pub fn out_path(out: &Option<PathBuf>) -> Option<&std::path::Path> {
    out.as_deref().filter(|p| p.as_os_str() != "-")
}
