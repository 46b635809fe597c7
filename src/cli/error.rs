//! How a command fails, and the exit status that says so: 0 all well (a
//! closed output pipe included), 1 something failed, 2 a usage error (an
//! option out of range), as clap's own usage errors.

use std::io;
use std::process::ExitCode;

use classify::ParamError;

/// A failure that ends a command.
pub enum CliError {
    /// An option out of range: status 2.
    Usage(String),
    /// Anything else: status 1.
    Failed(String),
    /// stdout was closed (`classify label ... | head`): not an error.
    BrokenPipe,
}

impl CliError {
    /// Prints the message (if any) and returns the exit status.
    pub fn report(self) -> ExitCode {
        match self {
            CliError::BrokenPipe => ExitCode::SUCCESS,
            CliError::Usage(message) => {
                eprintln!("classify: {message}");
                ExitCode::from(2)
            }
            CliError::Failed(message) => {
                eprintln!("classify: {message}");
                ExitCode::FAILURE
            }
        }
    }
}

impl From<io::Error> for CliError {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::BrokenPipe {
            CliError::BrokenPipe
        } else {
            CliError::Failed(e.to_string())
        }
    }
}

impl From<ParamError> for CliError {
    fn from(e: ParamError) -> Self {
        CliError::Usage(e.to_string())
    }
}

impl From<classify::TrainError> for CliError {
    fn from(e: classify::TrainError) -> Self {
        match e.param() {
            Some(p) => CliError::Usage(p.to_string()),
            None => CliError::Failed(e.to_string()),
        }
    }
}

impl From<classify::model::LabelError> for CliError {
    fn from(e: classify::model::LabelError) -> Self {
        match e {
            classify::model::LabelError::Param(p) => CliError::Usage(p.to_string()),
            other => CliError::Failed(other.to_string()),
        }
    }
}

/// Library errors that are plain failures.
macro_rules! failed {
    ($($t:ty),*) => {$(
        impl From<$t> for CliError {
            fn from(e: $t) -> Self {
                CliError::Failed(e.to_string())
            }
        }
    )*};
}

failed!(
    classify::ModelError,
    classify::corpus::CorpusError,
    classify::atomic::WriteError,
    classify::eval::EvalError,
    classify::calibrate::CalibrateError
);
