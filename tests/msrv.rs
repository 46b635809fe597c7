//! The minimum Rust version stated in Cargo.toml (and README.md) is the
//! real one: the highest `rust-version` among the locked dependencies, as
//! their own manifests in the local cargo registry declare it. (A stated
//! 1.80 once hid that postcard 1.2 needs 1.88.) Reads only local files.

use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `(name, version)` of every package in Cargo.lock.
fn locked() -> Vec<(String, String)> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).unwrap();
    let mut out = Vec::new();
    let mut name = None;
    for line in lock.lines() {
        if let Some(v) = line.strip_prefix("name = ") {
            name = Some(v.trim_matches('"').to_string());
        } else if let Some(v) = line.strip_prefix("version = ") {
            if let Some(n) = name.take() {
                out.push((n, v.trim_matches('"').to_string()));
            }
        }
    }
    out
}

fn rust_version(manifest: &str) -> Option<(u32, u32)> {
    let line = manifest
        .lines()
        .find(|l| l.trim_start().starts_with("rust-version"))?;
    let v = line.split('"').nth(1)?;
    let mut parts = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    Some((parts.next()?, parts.next().unwrap_or(0)))
}

fn registry_dirs() -> Vec<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("CARGO_HOME or HOME");
    std::fs::read_dir(home.join("registry/src"))
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default()
}

#[test]
fn stated_rust_version_is_the_dependencies_highest() {
    let dirs = registry_dirs();
    assert!(!dirs.is_empty(), "no cargo registry sources found");
    let mut highest = ((0, 0), String::new());
    let mut found = 0;
    for (name, version) in locked() {
        if name == "classify" {
            continue;
        }
        let Some(manifest) = dirs
            .iter()
            .map(|d| d.join(format!("{name}-{version}/Cargo.toml")))
            .find(|p| p.exists())
        else {
            continue; // a dependency of another platform, never built here
        };
        found += 1;
        if let Some(v) = rust_version(&std::fs::read_to_string(manifest).unwrap()) {
            if v > highest.0 {
                highest = (v, format!("{name} {version}"));
            }
        }
    }
    assert!(
        found > 20,
        "only {found} locked packages found in the registry"
    );
    let ours = rust_version(&std::fs::read_to_string(root().join("Cargo.toml")).unwrap())
        .expect("Cargo.toml states rust-version");
    let ((major, minor), by) = highest;
    assert_eq!(
        ours,
        (major, minor),
        "Cargo.toml says rust-version {}.{}, but {by} needs {major}.{minor}",
        ours.0,
        ours.1
    );
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(
        readme.contains(&format!("Rust {major}.{minor} or newer")),
        "README.md must state Rust {major}.{minor} or newer"
    );
}
