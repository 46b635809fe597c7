//! `classify serve`: flags -> [`classify::serve::ServeParams`] -> checked
//! config -> [`classify::serve::run`].

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use classify::document::DEFAULT_MAX_BYTES;
use classify::serve::{
    self, ServeError, ServeParams, DEFAULT_ADDR, DEFAULT_MAX_CONCURRENT, DEFAULT_TIMEOUT_SECS,
};

use super::error::CliError;
use super::Outcome;

/// `classify serve --help` examples.
pub const EXAMPLES: &str = "Examples:
  classify serve                                   # built-in model on http://127.0.0.1:8080
  classify serve --model models/mine.model --addr 127.0.0.1:9000
  classify serve --addr 0.0.0.0:8080 --token-file /etc/classify/token
  curl -s localhost:8080/v1/label -H 'Content-Type: application/json' -d '{\"text\": \"Pupils sat exams.\"}'

Endpoints: POST /v1/label, GET /v1/model, POST /v1/model/reload, GET /healthz,
GET /readyz, GET /metrics, GET /openapi.json. SIGHUP reloads the model file;
SIGTERM drains requests in flight and exits 0.";

/// `classify serve` arguments.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Model file (default: the model built into the binary).
    #[arg(long, short)]
    pub model: Option<PathBuf>,
    /// Address and port to listen on (port 0: any free port).
    #[arg(long, value_name = "IP:PORT", default_value = DEFAULT_ADDR)]
    pub addr: String,
    /// File holding the bearer token that /v1/ requests must send.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Listen on a non-loopback address without a token.
    #[arg(long)]
    pub insecure_no_auth: bool,
    /// Largest request body (and JSON Lines record), in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_BYTES)]
    pub max_bytes: u64,
    /// Seconds a request may take (for a stream: seconds without data).
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_TIMEOUT_SECS, allow_negative_numbers = true)]
    pub timeout: f64,
    /// Labeling requests served at once; more are refused with 503.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_CONCURRENT)]
    pub max_concurrent: usize,
}

pub fn run(args: ServeArgs, quiet: bool) -> Outcome {
    let params = ServeParams {
        addr: args.addr,
        model: args.model,
        token_file: args.token_file,
        insecure_no_auth: args.insecure_no_auth,
        max_bytes: args.max_bytes,
        timeout_secs: args.timeout,
        max_concurrent: args.max_concurrent,
    };
    let config = params.check().map_err(cli_error)?;
    serve::log_to_stderr(if quiet {
        tracing::Level::WARN
    } else {
        tracing::Level::INFO
    });
    serve::run(config).map_err(cli_error)?;
    Ok(ExitCode::SUCCESS)
}

fn cli_error(e: ServeError) -> CliError {
    if e.is_usage() {
        CliError::Usage(e.to_string())
    } else {
        CliError::Failed(e.to_string())
    }
}
