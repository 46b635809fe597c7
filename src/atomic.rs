//! Atomic file writes, in one place: models and reports are written to a
//! temporary file beside the target, flushed to disk and renamed over it,
//! so a reader never sees half a file and a failed write leaves the old one.
//!
//! The target must be a regular file (or not exist): `--out /dev/null`
//! must not replace a device node with a file. Replacing an existing file
//! can be refused ([`Overwrite::Refuse`]), which is how `classify train`
//! protects a model from being overwritten by accident. A temporary file
//! is removed when the write fails or is dropped, and
//! [`remove_pending`] removes every one still open, for a signal handler
//! that ends the process.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::document::{file_kind, io_message};

/// What to do when the target already exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overwrite {
    /// Fail: the existing file is kept.
    Refuse,
    /// Replace it (if it is a regular file).
    Replace,
}

/// Errors from writing a file atomically.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The target exists and [`Overwrite::Refuse`] was asked.
    #[error("{}: already exists (pass --force to replace it)", .0.display())]
    Exists(PathBuf),
    /// The target is not a regular file.
    #[error("{}: not a regular file ({kind}); refusing to replace it", path.display())]
    NotRegular {
        /// The target.
        path: PathBuf,
        /// What it is (directory, FIFO, device...).
        kind: &'static str,
    },
    /// Creating, writing, syncing or renaming failed.
    #[error("{}: {}", path.display(), io_message(source))]
    Io {
        /// The target.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

/// Temporary files being written, removed by [`remove_pending`].
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static COUNTER: AtomicU64 = AtomicU64::new(0);

fn pending() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Removes every temporary file that an unfinished [`AtomicFile`] holds.
/// For a signal handler's thread: the process is about to end and no
/// `Drop` will run.
pub fn remove_pending() {
    for tmp in pending().drain(..) {
        let _ = std::fs::remove_file(tmp);
    }
}

/// Checks that `target` may be written: it does not exist, or it is a
/// regular file and `overwrite` allows replacing it.
pub fn check_target(target: &Path, overwrite: Overwrite) -> Result<(), WriteError> {
    match std::fs::symlink_metadata(target) {
        Ok(meta) if !meta.file_type().is_file() => Err(WriteError::NotRegular {
            path: target.to_path_buf(),
            kind: file_kind(meta.file_type()),
        }),
        Ok(_) if overwrite == Overwrite::Refuse => Err(WriteError::Exists(target.to_path_buf())),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(WriteError::Io {
            path: target.to_path_buf(),
            source,
        }),
    }
}

/// A file being written beside its target; [`AtomicFile::commit`] renames
/// it into place, dropping it removes it.
pub struct AtomicFile {
    target: PathBuf,
    tmp: PathBuf,
    overwrite: Overwrite,
    file: Option<BufWriter<File>>,
}

impl std::fmt::Debug for AtomicFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AtomicFile")
            .field("target", &self.target)
            .field("tmp", &self.tmp)
            .finish()
    }
}

impl AtomicFile {
    /// Checks the target, creates its folder if needed, and opens the
    /// temporary file (`.NAME.tmp-PID-N` in the same folder, so the rename
    /// stays on one file system).
    pub fn create(target: &Path, overwrite: Overwrite) -> Result<AtomicFile, WriteError> {
        check_target(target, overwrite)?;
        let io = |source| WriteError::Io {
            path: target.to_path_buf(),
            source,
        };
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(io)?;
        let name = target
            .file_name()
            .map_or("out".into(), |n| n.to_string_lossy().to_string());
        let tmp = dir.join(format!(
            ".{name}.tmp-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        // Registered before it exists, so a signal between the two cannot
        // leave it behind.
        pending().push(tmp.clone());
        let file = match File::options().write(true).create_new(true).open(&tmp) {
            Ok(f) => f,
            Err(e) => {
                pending().retain(|p| p != &tmp);
                return Err(io(e));
            }
        };
        Ok(AtomicFile {
            target: target.to_path_buf(),
            tmp,
            overwrite,
            file: Some(BufWriter::with_capacity(1 << 16, file)),
        })
    }

    /// The target path.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flushes, syncs and renames the temporary file over the target.
    pub fn commit(mut self) -> Result<(), WriteError> {
        let io = |source| WriteError::Io {
            path: self.target.clone(),
            source,
        };
        let file = self.file.take().expect("present until commit or drop");
        let file = file.into_inner().map_err(|e| io(e.into_error()))?;
        file.sync_all().map_err(io)?;
        drop(file);
        // The target may have changed while we wrote.
        check_target(&self.target, self.overwrite)?;
        std::fs::rename(&self.tmp, &self.target).map_err(io)?;
        pending().retain(|p| p != &self.tmp);
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file
            .as_mut()
            .expect("present until commit or drop")
            .write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file
            .as_mut()
            .expect("present until commit or drop")
            .flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        let mut pending = pending();
        if let Some(i) = pending.iter().position(|p| p == &self.tmp) {
            pending.swap_remove(i);
            drop(self.file.take());
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `bytes` to `target` atomically.
pub fn write(target: &Path, bytes: &[u8], overwrite: Overwrite) -> Result<(), WriteError> {
    let mut file = AtomicFile::create(target, overwrite)?;
    file.write_all(bytes).map_err(|source| WriteError::Io {
        path: target.to_path_buf(),
        source,
    })?;
    file.commit()
}

/// Serializes the tests that write through [`AtomicFile`]: one of them
/// calls [`remove_pending`], which would remove another's temporary file.
#[cfg(test)]
pub(crate) static TEST_LOCK: Mutex<()> = Mutex::new(());

#[cfg(test)]
mod tests {
    use super::*;

    fn lock() -> std::sync::MutexGuard<'static, ()> {
        TEST_LOCK.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn writes_replace_and_refuse() {
        let _guard = lock();
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("sub/r.txt");
        write(&target, b"one", Overwrite::Refuse).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"one");
        let err = write(&target, b"two", Overwrite::Refuse).unwrap_err();
        assert!(err
            .to_string()
            .ends_with("r.txt: already exists (pass --force to replace it)"));
        write(&target, b"two", Overwrite::Replace).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"two");
        assert_eq!(entries(&dir.path().join("sub")), ["r.txt"]);
    }

    #[test]
    fn non_regular_targets_are_refused() {
        let _guard = lock();
        let dir = tempfile::tempdir().unwrap();
        let err = write(dir.path(), b"x", Overwrite::Replace).unwrap_err();
        assert!(err
            .to_string()
            .ends_with(": not a regular file (directory); refusing to replace it"));
        #[cfg(unix)]
        {
            let err = write(Path::new("/dev/null"), b"x", Overwrite::Replace).unwrap_err();
            assert_eq!(
                err.to_string(),
                "/dev/null: not a regular file (device); refusing to replace it"
            );
        }
    }

    #[test]
    fn dropped_and_pending_temp_files_are_removed() {
        let _guard = lock();
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("m.model");
        let mut file = AtomicFile::create(&target, Overwrite::Refuse).unwrap();
        file.write_all(b"partial").unwrap();
        assert_eq!(entries(dir.path()).len(), 1, "the temp file exists");
        drop(file);
        assert!(entries(dir.path()).is_empty());
        let file = AtomicFile::create(&target, Overwrite::Refuse).unwrap();
        remove_pending();
        assert!(entries(dir.path()).is_empty(), "what a signal handler does");
        drop(file);
        assert!(!target.exists());
    }
}
