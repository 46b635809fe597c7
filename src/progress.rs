//! Progress of long steps. The library reports; the binary draws bars on
//! stderr (when it is a terminal); tests and bindings stay quiet.

/// Receives progress of long steps.
pub trait Progress: Sync {
    /// A step named `step` with `total` units begins.
    fn begin(&self, _step: &str, _total: u64) {}
    /// `n` more units are done.
    fn advance(&self, _n: u64) {}
    /// The step is over.
    fn end(&self) {}
}

/// No progress output.
pub struct Silent;
impl Progress for Silent {}
