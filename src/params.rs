//! The one error type of every parameter check.
//!
//! Each params type validates itself once, in its `check()`, and a value out
//! of range is reported as the option a user typed (`--min-df 0 is out of
//! range: need at least 1`), the same words whether the value came from the
//! command line, the Python package or the library.

/// A parameter value out of its range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{option} {value} is out of range: {expected}")]
pub struct ParamError {
    /// The option as the command line spells it (`--min-df`).
    pub option: &'static str,
    /// The value given.
    pub value: String,
    /// What the option accepts.
    pub expected: &'static str,
}

impl ParamError {
    /// `option` got `value`, which is not `expected`.
    pub fn new(option: &'static str, value: impl ToString, expected: &'static str) -> Self {
        ParamError {
            option,
            value: value.to_string(),
            expected,
        }
    }
}
