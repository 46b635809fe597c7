//! Command-line arguments (clap derive) and their validation into library
//! configurations. Parsing never does work; [`TrainArgs::params`] and
//! friends are the one place raw flags become checked settings.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use classify::bayes::BayesParams;
use classify::linear::{ClassWeight, LinearParams};
use classify::tokenize::{Numbers, Stemming, StopWords, TokenizerConfig};
use classify::train::{Algorithm, TrainParams};
use classify::vectorize::TfIdfParams;

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
pub struct Cli {
    /// No progress bars on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Train a model on labeled articles.
    #[command(
        after_help = "Examples:\n  classify train training-data --out models/default.model --cv 5\n  \
classify train news.jsonl --label topic --label stance --out models/news.model\n  \
classify train bbc/train.jsonl --label label --algorithm nb --out bbc.model"
    )]
    Train(TrainArgs),
    /// Label articles: files, directories (recursively) or stdin.
    #[command(after_help = "Examples:\n  classify label article.md other.html\n  \
classify label --format csv --explain 5 articles/\n  cat story.txt | classify label -\n  \
classify label --jsonl --format jsonl - < feed.jsonl\n  classify label --model models/mine.model --min-confidence 0.6 inbox/")]
    Label(LabelArgs),
    /// Measure accuracy on labeled data, with a model or by cross-validation.
    #[command(
        after_help = "Examples:\n  classify eval test.jsonl\n  classify eval test.jsonl --model models/mine.model --format markdown\n  \
classify eval training-data --cv 5 --format json"
    )]
    Eval(EvalArgs),
    /// Show a model's metadata and the top terms of each class.
    #[command(
        after_help = "Examples:\n  classify info\n  classify info models/mine.model --top 20"
    )]
    Info(InfoArgs),
}

#[derive(Args, Debug, Clone)]
pub struct CorpusArgs {
    /// Label field to train or evaluate (repeat for several); default: topic and
    /// stance where present, else `label`.
    #[arg(long = "label", value_name = "FIELD")]
    pub labels: Vec<String>,
    /// Name of the text field in JSONL and CSV data.
    #[arg(long, value_name = "FIELD", default_value = "text")]
    pub text_field: String,
    /// In a directory corpus, a file in DATA/<NAME>/ whose front matter lacks
    /// FIELD gets FIELD = NAME (empty string: off).
    #[arg(long, value_name = "FIELD", default_value = "topic")]
    pub folder_label: Option<String>,
    /// Largest document accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = classify::document::DEFAULT_MAX_BYTES)]
    pub max_bytes: u64,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlgorithmArg {
    /// One-vs-rest linear SVM on sparse TF-IDF, calibrated probabilities.
    Svm,
    /// linfa-bayes multinomial naive Bayes (vocabulary capped).
    Nb,
}

#[derive(Args, Debug, Clone)]
pub struct ModelOptions {
    /// Classifier.
    #[arg(long, value_enum, default_value = "svm")]
    pub algorithm: AlgorithmArg,
    /// Inverse regularization of the SVM (> 0).
    #[arg(long = "c", value_name = "C", default_value_t = 1.0)]
    pub c: f32,
    /// Longest word n-gram (1 to 4).
    #[arg(long, default_value_t = 2)]
    pub ngram_max: usize,
    /// Keep features found in at least this many documents.
    #[arg(long, default_value_t = 2)]
    pub min_df: usize,
    /// Drop features found in more than this share of documents (0 to 1].
    #[arg(long, default_value_t = 1.0)]
    pub max_df: f64,
    /// Keep at most this many features (default: all; 20000 for nb).
    #[arg(long)]
    pub max_features: Option<usize>,
    /// Also count the first N terms (headline and lede) as separate features (0: off).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub lede_terms: usize,
    /// Scale SVM features by naive-Bayes log-count ratios (NBSVM).
    #[arg(long)]
    pub nb_scale: bool,
    /// Smoothing of naive Bayes (> 0).
    #[arg(long, default_value_t = 0.1)]
    pub alpha: f32,
    /// How each class's errors count: uniform (every document the same) or balanced (inverse class frequency).
    #[arg(long, value_enum, default_value = "uniform")]
    pub class_weight: ClassWeightArg,
    /// Stop words to drop (default: keep every word).
    #[arg(long, value_enum, default_value = "none")]
    pub stop_words: StopWordsArg,
    /// Do not stem.
    #[arg(long)]
    pub no_stem: bool,
    /// Seed of every shuffle and fold split.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopWordsArg {
    None,
    English,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassWeightArg {
    Balanced,
    Uniform,
}

#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Labeled data: a directory of articles, a .jsonl or a .csv file.
    #[arg(default_value = "training-data")]
    pub data: PathBuf,
    /// Where to write the model.
    #[arg(long, short, default_value = "models/default.model")]
    pub out: PathBuf,
    /// Also report stratified K-fold cross-validated scores (2 to 20).
    #[arg(long, value_name = "K")]
    pub cv: Option<usize>,
    #[command(flatten)]
    pub corpus: CorpusArgs,
    #[command(flatten)]
    pub options: ModelOptions,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelFormat {
    Table,
    Json,
    Jsonl,
    Csv,
}

#[derive(Args, Debug)]
pub struct LabelArgs {
    /// Files or directories to label; `-` or nothing reads stdin.
    pub paths: Vec<PathBuf>,
    /// Model file (default: the model built into the binary).
    #[arg(long, short)]
    pub model: Option<PathBuf>,
    /// Output format.
    #[arg(long, short, value_enum, default_value = "table")]
    pub format: LabelFormat,
    /// Show the N terms that pushed each decision most.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub explain: usize,
    /// Mark predictions below this probability as uncertain (0 to 1).
    #[arg(long, value_name = "P")]
    pub min_confidence: Option<f32>,
    /// Read JSON Lines records (`id`, text field) instead of whole documents.
    #[arg(long)]
    pub jsonl: bool,
    /// Name of the text field of JSONL records.
    #[arg(long, value_name = "FIELD", default_value = "text")]
    pub text_field: String,
    /// Largest document accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = classify::document::DEFAULT_MAX_BYTES)]
    pub max_bytes: u64,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvalFormat {
    Text,
    Json,
    Markdown,
    Html,
}

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
    #[arg(long, short, value_enum, default_value = "text")]
    pub format: EvalFormat,
    /// Write the report to a file instead of stdout.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub corpus: CorpusArgs,
    #[command(flatten)]
    pub options: ModelOptions,
}

#[derive(Args, Debug)]
pub struct InfoArgs {
    /// Model file (default: the model built into the binary).
    pub model: Option<PathBuf>,
    /// Terms to show per class.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// A flag value out of its range.
#[derive(Debug, thiserror::Error)]
#[error("{flag} {value} is out of range: {expected}")]
pub struct RangeError {
    pub flag: &'static str,
    pub value: String,
    pub expected: &'static str,
}

fn range(flag: &'static str, value: impl ToString, expected: &'static str) -> RangeError {
    RangeError {
        flag,
        value: value.to_string(),
        expected,
    }
}

/// Checks `--cv K`.
pub fn check_folds(cv: Option<usize>) -> Result<Option<usize>, RangeError> {
    match cv {
        Some(k) if !(2..=20).contains(&k) => Err(range("--cv", k, "need 2 to 20 folds")),
        other => Ok(other),
    }
}

/// Checks `--min-confidence P`.
pub fn check_confidence(p: Option<f32>) -> Result<Option<f32>, RangeError> {
    match p {
        Some(p) if !(0.0..=1.0).contains(&p) => Err(range(
            "--min-confidence",
            p,
            "need a probability from 0 to 1",
        )),
        other => Ok(other),
    }
}

impl ModelOptions {
    /// The training configuration these flags describe.
    pub fn params(&self, corpus: &CorpusArgs) -> Result<TrainParams, RangeError> {
        if !(self.c.is_finite() && self.c > 0.0) {
            return Err(range("--c", self.c, "need a number > 0"));
        }
        if !(1..=classify::tokenize::MAX_NGRAM).contains(&self.ngram_max) {
            return Err(range("--ngram-max", self.ngram_max, "need 1 to 4"));
        }
        if self.min_df == 0 {
            return Err(range("--min-df", self.min_df, "need at least 1"));
        }
        if !(self.max_df > 0.0 && self.max_df <= 1.0) {
            return Err(range("--max-df", self.max_df, "need a share in (0, 1]"));
        }
        if self.max_features == Some(0) {
            return Err(range("--max-features", 0, "need at least 1"));
        }
        if !(self.alpha.is_finite() && self.alpha > 0.0) {
            return Err(range("--alpha", self.alpha, "need a number > 0"));
        }
        let tokenizer = TokenizerConfig {
            stop_words: match self.stop_words {
                StopWordsArg::None => StopWords::None,
                StopWordsArg::English => StopWords::English,
            },
            stemming: if self.no_stem {
                Stemming::None
            } else {
                Stemming::English
            },
            numbers: Numbers::Normalize,
            min_chars: 2,
            ngram_min: 1,
            ngram_max: self.ngram_max,
        };
        let algorithm = match self.algorithm {
            AlgorithmArg::Svm => Algorithm::Linear(LinearParams {
                c: self.c,
                class_weight: match self.class_weight {
                    ClassWeightArg::Balanced => ClassWeight::Balanced,
                    ClassWeightArg::Uniform => ClassWeight::Uniform,
                },
                seed: self.seed,
                nb_scale: self.nb_scale,
                ..LinearParams::default()
            }),
            AlgorithmArg::Nb => Algorithm::Bayes(BayesParams {
                alpha: self.alpha,
                ..BayesParams::default()
            }),
        };
        let max_features = match (self.max_features, self.algorithm) {
            (Some(n), _) => Some(n),
            // linfa-bayes fits dense batches: cap the width.
            (None, AlgorithmArg::Nb) => Some(20_000),
            (None, AlgorithmArg::Svm) => None,
        };
        Ok(TrainParams {
            vectorizer: TfIdfParams {
                tokenizer,
                min_df: self.min_df,
                max_df: self.max_df,
                max_features,
                sublinear_tf: true,
                lede_terms: self.lede_terms,
            },
            algorithm,
            labels: corpus.labels.iter().map(|l| l.to_lowercase()).collect(),
            command: Vec::new(),
            data: String::new(),
        })
    }
}
