//! `classify info`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use classify::render::info::{write_info_json, write_info_text};

use super::{load_model, Outcome};

/// `classify info --format`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum InfoFormat {
    /// Aligned text.
    Text,
    /// JSON.
    Json,
}

/// `classify info` arguments.
#[derive(Args, Debug)]
pub struct InfoArgs {
    /// Model file (default: the model built into the binary).
    pub model: Option<PathBuf>,
    /// Terms to show per class.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = InfoFormat::Text)]
    pub format: InfoFormat,
    /// Same as --format json.
    #[arg(long, hide = true)]
    pub json: bool,
}

pub fn run(args: InfoArgs) -> Outcome {
    let model = load_model(args.model.as_deref())?;
    let mut out = std::io::stdout().lock();
    if args.json || args.format == InfoFormat::Json {
        write_info_json(&model, args.top, &mut out)?;
    } else {
        write_info_text(&model, args.top, &mut out)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
