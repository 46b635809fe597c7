//! The model being served, in a slot that is swapped in one atomic step.
//!
//! A request takes the current model (an `Arc`) once, at its start, and
//! labels everything with it, so a reload never mixes two models in one
//! response and never waits for requests in flight: they finish on the
//! model they started with, which is freed when the last of them ends. A
//! reload loads and checks the whole file before the swap, so a truncated
//! or foreign file is refused and the old model keeps serving.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arc_swap::ArcSwap;
use serde_json::Value;

use crate::model::{Model, ModelError};
use crate::render::info::info_json;

/// Terms per class in `GET /v1/model`, as `classify info` shows by default.
const INFO_TOP_TERMS: usize = 10;

/// A loaded model with what the service says about it.
#[derive(Debug)]
pub struct Loaded {
    /// The model.
    pub model: Model,
    /// CRC-32 (8 hex digits) of the model's bytes as `Model::to_bytes`
    /// writes them: tells two models apart in logs, metrics and the
    /// `X-Classify-Model` response header.
    pub checksum: String,
    /// What `classify info --format json` prints for it.
    pub info: Value,
}

impl Loaded {
    /// Loads the model file at `path`, or the built-in model.
    pub fn load(path: Option<&Path>) -> Result<Loaded, ModelError> {
        let model = match path {
            Some(p) => Model::load(p)?,
            None => Model::builtin()?,
        };
        Ok(Loaded::new(model))
    }

    /// Wraps a model already in memory.
    pub fn new(model: Model) -> Loaded {
        let checksum = format!("{:08x}", crc32fast::hash(&model.to_bytes()));
        let info = info_json(&model, INFO_TOP_TERMS);
        Loaded {
            model,
            checksum,
            info,
        }
    }
}

/// Why a reload was refused (the old model keeps serving).
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// The service runs the built-in model: there is no file to reload.
    #[error(
        "no model file to reload: the service runs the built-in model (start it with --model PATH)"
    )]
    Builtin,
    /// The file could not be loaded.
    #[error("{0}; the previous model keeps serving")]
    Model(#[from] ModelError),
    /// The loading task died.
    #[error("loading the model stopped unexpectedly; the previous model keeps serving")]
    Interrupted,
}

/// The current model and the file it came from.
pub(crate) struct Slot {
    current: ArcSwap<Loaded>,
    path: Option<PathBuf>,
    /// One reload at a time: two racing reloads could otherwise store the
    /// older file last.
    reloading: tokio::sync::Mutex<()>,
}

impl Slot {
    pub(crate) fn new(model: Loaded, path: Option<PathBuf>) -> Slot {
        Slot {
            current: ArcSwap::from_pointee(model),
            path,
            reloading: tokio::sync::Mutex::new(()),
        }
    }

    /// The model serving now.
    pub(crate) fn get(&self) -> Arc<Loaded> {
        self.current.load_full()
    }

    /// Loads the file again (off the async threads) and swaps it in.
    pub(crate) async fn reload(&self) -> Result<Arc<Loaded>, ReloadError> {
        let path = self.path.clone().ok_or(ReloadError::Builtin)?;
        let _one_at_a_time = self.reloading.lock().await;
        let loaded = tokio::task::spawn_blocking(move || Loaded::load(Some(&path)))
            .await
            .map_err(|_| ReloadError::Interrupted)??;
        let loaded = Arc::new(loaded);
        self.current.store(Arc::clone(&loaded));
        Ok(loaded)
    }
}
