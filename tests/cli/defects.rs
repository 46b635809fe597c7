//! One regression test per defect of the input side found by trying
//! classify as a new user would (issue "One library pipeline and a thin
//! binary; inputs that never hang, loop or clobber"). Each would fail on
//! the code before the fix.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use super::*;

/// Runs `classify ARGS` as user `nobody` when the tests run as root (CI
/// does), so permission checks apply; as ourselves otherwise.
fn run_unprivileged(args: &[&str]) -> Output {
    let bin = assert_cmd::cargo::cargo_bin("classify");
    let mut cmd = if is_root() {
        let mut c = Process::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin);
        c
    } else {
        Process::new(&bin)
    };
    cmd.args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap()
}

/// A temp dir that user `nobody` can enter and read.
fn open_tempdir() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn mkfifo(path: &Path) {
    let status = Process::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

fn symlink(target: &str, link: &Path) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

/// Runs with a time limit: a hang is a failure, not a stuck test run.
fn run_within(args: &[&str], secs: u64) -> Output {
    let o = classify()
        .args(args)
        .timeout(Duration::from_secs(secs))
        .output()
        .unwrap();
    assert!(
        o.status.code().is_some(),
        "classify {args:?} did not finish within {secs} s"
    );
    o
}

// ------------------------------------------------ 1. symbolic links

#[test]
fn defect_1_symlink_loops_are_not_followed_and_label_each_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("d");
    fs::create_dir(&d).unwrap();
    fs::write(d.join("a.txt"), "The senate voted.").unwrap();
    symlink(".", &d.join("s1"));
    symlink(".", &d.join("s2"));
    let o = run_within(&["label", s(&d)], 30);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = table_rows(&stdout(&o));
    assert_eq!(rows.len(), 1, "a.txt once: {rows:?}");
    assert_eq!(
        stderr(&o),
        format!(
            "classify: warning: {0}/s1: symbolic link not followed (pass --follow to read links)\n\
             classify: warning: {0}/s2: symbolic link not followed (pass --follow to read links)\n",
            d.display()
        )
    );
    // --follow reads links but detects the loops.
    let o = run_within(&["label", "--follow", s(&d)], 30);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(table_rows(&stdout(&o)).len(), 1);
    let err = stderr(&o);
    assert_eq!(
        err.matches("symbolic link loop (back to ").count(),
        2,
        "{err}"
    );
}

#[test]
fn defect_1_a_symlink_in_a_corpus_does_not_multiply_documents() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    fs::create_dir(&corpus).unwrap();
    for topic in ["politics", "education"] {
        fs::create_dir(corpus.join(topic)).unwrap();
        for e in fs::read_dir(fixture("corpus").join(topic)).unwrap() {
            let p = e.unwrap().path();
            fs::copy(&p, corpus.join(topic).join(p.file_name().unwrap())).unwrap();
        }
    }
    symlink("..", &corpus.join("politics/up"));
    let out = dir.path().join("m.model");
    let o = run_within(&["train", s(&corpus), "--out", s(&out), "-q"], 60);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("  documents   12\n"), "{}", stdout(&o));
    assert!(stderr(&o).contains("politics/up: symbolic link not followed"));
}

// ------------------------------------------------ 2. FIFOs

#[test]
fn defect_2_a_fifo_in_a_directory_does_not_hang_label_or_eval() {
    let (dir, model) = trained(&[]);
    let d = dir.path().join("d");
    fs::create_dir(&d).unwrap();
    fs::write(d.join("a.txt"), IMMIGRATION_TEXT).unwrap();
    mkfifo(&d.join("f.txt"));
    let o = run_within(&["label", "--model", s(&model), s(&d)], 30);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(table_rows(&stdout(&o)).len(), 1);
    assert_eq!(
        stderr(&o),
        format!(
            "classify: warning: {}: not a regular file (FIFO), skipped\n",
            d.join("f.txt").display()
        )
    );
    // A labeled corpus with a FIFO evaluates too.
    let corpus = dir.path().join("corpus");
    fs::create_dir(&corpus).unwrap();
    for name in ["01-refugee-housing.md", "02-visa-reform.md"] {
        fs::copy(fixture("corpus/immigration").join(name), corpus.join(name)).unwrap();
    }
    mkfifo(&corpus.join("x.md"));
    let o = run_within(&["eval", s(&corpus), "--model", s(&model), "-q"], 30);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("x.md: not a regular file (FIFO), skipped"));
}

// ------------------------------------------------ 3. unreadable folders

#[test]
fn defect_3_an_unreadable_folder_does_not_hide_its_siblings() {
    let dir = open_tempdir();
    let d = dir.path().join("d");
    fs::create_dir(&d).unwrap();
    fs::write(d.join("a.txt"), IMMIGRATION_TEXT).unwrap();
    fs::create_dir(d.join("locked")).unwrap();
    fs::write(d.join("locked/b.txt"), EDUCATION_TEXT).unwrap();
    fs::write(d.join("z.txt"), EDUCATION_TEXT).unwrap();
    for p in [&d, &d.join("a.txt"), &d.join("z.txt")] {
        let mode = if p.is_dir() { 0o755 } else { 0o644 };
        fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
    }
    fs::set_permissions(d.join("locked"), fs::Permissions::from_mode(0o000)).unwrap();
    let o = run_unprivileged(&["label", s(&d)]);
    fs::set_permissions(d.join("locked"), fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let rows = table_rows(&stdout(&o));
    let files: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
    assert_eq!(
        files,
        [s(&d.join("a.txt")), s(&d.join("z.txt"))],
        "readable siblings labeled"
    );
    assert_eq!(
        stderr(&o),
        format!(
            "classify: {}: cannot read: permission denied\n\
             classify: 1 document(s) could not be labeled\n",
            d.join("locked").display()
        )
    );
}

#[test]
fn a_loop_a_fifo_and_a_locked_folder_together_leave_every_readable_file_labeled() {
    let dir = open_tempdir();
    let d = dir.path().join("d");
    fs::create_dir(&d).unwrap();
    fs::set_permissions(&d, fs::Permissions::from_mode(0o755)).unwrap();
    for (name, text) in [("a.md", IMMIGRATION_TEXT), ("sub/b.txt", EDUCATION_TEXT)] {
        let p = d.join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::set_permissions(p.parent().unwrap(), fs::Permissions::from_mode(0o755)).unwrap();
        fs::write(&p, text).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
    }
    symlink("..", &d.join("sub/loop"));
    mkfifo(&d.join("pipe.txt"));
    fs::create_dir(d.join("locked")).unwrap();
    fs::set_permissions(d.join("locked"), fs::Permissions::from_mode(0o000)).unwrap();
    let o = run_unprivileged(&["label", "--follow", s(&d)]);
    fs::set_permissions(d.join("locked"), fs::Permissions::from_mode(0o755)).unwrap();
    let err = stderr(&o);
    let rows = table_rows(&stdout(&o));
    assert_eq!(rows.len(), 2, "{err}");
    assert!(
        err.contains("sub/loop: symbolic link loop (back to "),
        "{err}"
    );
    assert!(
        err.contains("pipe.txt: not a regular file (FIFO), skipped"),
        "{err}"
    );
    assert!(
        err.contains("locked: cannot read: permission denied"),
        "{err}"
    );
    assert_eq!(o.status.code(), Some(1), "the locked folder fails the run");
}

#[test]
fn an_unreadable_file_is_reported_even_to_root() {
    let dir = open_tempdir();
    let locked = dir.path().join("locked.txt");
    fs::write(&locked, IMMIGRATION_TEXT).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    let o = run_unprivileged(&["label", s(&locked)]);
    assert_fails(
        &o,
        &[
            &format!("classify: {}: permission denied", locked.display()),
            "classify: 1 document(s) could not be labeled",
        ],
    );
}

// ------------------------------------------------ 4. clobbering

#[test]
fn defect_4_out_refuses_to_replace_a_device_or_a_directory() {
    let corpus = fixture("corpus");
    let o = run(&["train", s(&corpus), "--out", "/dev/null", "--force", "-q"]);
    assert_fails(
        &o,
        &["classify: /dev/null: not a regular file (device); refusing to replace it"],
    );
    let meta = fs::metadata("/dev/null").unwrap();
    assert!(!meta.is_file(), "/dev/null is still a device");
    let dir = tempfile::tempdir().unwrap();
    let o = run(&["eval", s(&corpus), "--out", s(dir.path()), "-q"]);
    assert_fails(
        &o,
        &[&format!(
            "classify: {}: not a regular file (directory); refusing to replace it",
            dir.path().display()
        )],
    );
}

#[test]
fn defect_4_a_bare_train_does_not_overwrite_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("training-data");
    symlink(s(&fixture("corpus")), &data);
    fs::create_dir(dir.path().join("models")).unwrap();
    let model = dir.path().join("models/default.model");
    fs::write(&model, b"precious").unwrap();
    let o = classify()
        .current_dir(dir.path())
        .args(["train", "-q"])
        .output()
        .unwrap();
    assert_fails(
        &o,
        &["classify: models/default.model: already exists (pass --force to replace it)"],
    );
    assert_eq!(fs::read(&model).unwrap(), b"precious");
    let o = classify()
        .current_dir(dir.path())
        .args(["train", "--force", "-q"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(fs::read(&model).unwrap().starts_with(b"CLASSIFY"));
    let names: Vec<String> = fs::read_dir(dir.path().join("models"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["default.model"]);
}

/// A JSON Lines corpus large enough that training takes a while.
fn big_corpus(path: &Path) {
    let words: Vec<String> = (0..3000).map(|i| format!("w{i}x")).collect();
    let mut out = String::new();
    let mut state = 7u64;
    for i in 0..6000 {
        let mut text = String::new();
        for _ in 0..120 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            text.push_str(&words[(state >> 33) as usize % words.len()]);
            text.push(' ');
        }
        let topic = ["a", "b", "c"][i % 3];
        out.push_str(&format!("{{\"text\":\"{text}\",\"topic\":\"{topic}\"}}\n"));
    }
    fs::write(path, out).unwrap();
}

#[test]
fn defect_4_a_signal_during_training_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("big.jsonl");
    big_corpus(&data);
    let out_dir = dir.path().join("out");
    fs::create_dir(&out_dir).unwrap();
    let out = out_dir.join("m.model");
    let bin = assert_cmd::cargo::cargo_bin("classify");
    let mut child = Process::new(bin)
        .args(["train", s(&data), "--out", s(&out), "--cv", "10", "-q"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The temporary file is made before training starts.
    let start = Instant::now();
    while fs::read_dir(&out_dir).unwrap().next().is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no temp file appeared"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let tmp: Vec<PathBuf> = fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(
        tmp[0]
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(".m.model.tmp-"),
        "{tmp:?}"
    );
    let kill = Process::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    assert!(!status.success(), "killed before it finished");
    let left: Vec<PathBuf> = fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

// ------------------------------------------------ 5. cross-validation

#[test]
fn defect_5_cv_warns_about_a_class_smaller_than_the_folds_and_pools() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    for topic in ["politics", "education", "immigration"] {
        fs::create_dir_all(corpus.join(topic)).unwrap();
        for e in fs::read_dir(fixture("corpus").join(topic)).unwrap() {
            let p = e.unwrap().path();
            fs::copy(&p, corpus.join(topic).join(p.file_name().unwrap())).unwrap();
        }
    }
    fs::create_dir(corpus.join("other")).unwrap();
    fs::copy(
        fixture("corpus/other/01-football-final.md"),
        corpus.join("other/01-football-final.md"),
    )
    .unwrap();
    let out = dir.path().join("m.model");
    let o = run(&[
        "train",
        s(&corpus),
        "--out",
        s(&out),
        "--cv",
        "5",
        "--label",
        "topic",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "classify: warning: topic: class \"other\" has 1 document, fewer than the 5 folds: \
         folds that train without it cannot predict it, and the fold mean hides that (see the pooled scores)\n"
    );
    let out = stdout(&o);
    let line = out
        .lines()
        .find(|l| l.contains("5-fold cv"))
        .unwrap_or_else(|| panic!("{out}"));
    let pooled: f64 = line
        .split("(pooled: accuracy ")
        .nth(1)
        .and_then(|r| r.split("macro-F1 ").nth(1))
        .and_then(|r| r.trim_end_matches(')').parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    let mean: f64 = line.split("macro-F1 ").nth(1).unwrap()[..5]
        .parse()
        .unwrap();
    assert!(pooled < mean, "pooled {pooled} vs fold mean {mean}: {line}");
}

// ------------------------------------------------ 6. labels

#[test]
fn defect_6_a_number_label_is_an_error_and_labels_are_nfc() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d.jsonl");
    let out = dir.path().join("m.model");
    let mut lines = String::new();
    for i in 0..6 {
        lines.push_str(&format!(
            "{{\"text\":\"{} {i}\",\"topic\":\"1\"}}\n",
            IMMIGRATION_TEXT
        ));
        lines.push_str(&format!(
            "{{\"text\":\"{} {i}\",\"topic\":\"2\"}}\n",
            EDUCATION_TEXT
        ));
    }
    lines.push_str(&format!(
        "{{\"text\":\"{}\",\"topic\":1}}\n",
        EDUCATION_TEXT
    ));
    fs::write(&data, &lines).unwrap();
    let o = run(&["train", s(&data), "--out", s(&out), "-q"]);
    assert_fails(
        &o,
        &[&format!(
            "classify: {}:13: label field \"topic\" holds a number (1); labels must be strings (write it in quotes)",
            data.display()
        )],
    );
    // "école" typed precomposed (NFC) and decomposed (NFD) is one class.
    let mut lines = String::new();
    for i in 0..6 {
        let ecole = if i % 2 == 0 {
            "\u{e9}cole"
        } else {
            "e\u{301}cole"
        };
        lines.push_str(&format!(
            "{{\"text\":\"{} {i}\",\"topic\":\"{ecole}\"}}\n",
            EDUCATION_TEXT
        ));
        lines.push_str(&format!(
            "{{\"text\":\"{} {i}\",\"topic\":\"migration\"}}\n",
            IMMIGRATION_TEXT
        ));
    }
    fs::write(&data, &lines).unwrap();
    let o = run(&["train", s(&data), "--out", s(&out), "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("  topic       migration 6, \u{e9}cole 6\n"),
        "{}",
        stdout(&o)
    );
}

// ------------------------------------------------ 7. encodings and sizes

#[test]
fn defect_7_utf16_is_read_and_a_late_nul_is_binary() {
    let (dir, model) = trained(&[]);
    let utf16 = dir.path().join("utf16.txt");
    let bytes: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(IMMIGRATION_TEXT.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    fs::write(&utf16, bytes).unwrap();
    let rows = table_rows(&label_ok(&model, &[s(&utf16)]));
    assert_eq!(rows[0].0, "immigration");
    let late = dir.path().join("late.txt");
    let mut bytes = EDUCATION_TEXT.repeat(40).into_bytes();
    let offset = bytes.len();
    assert!(offset > 8192);
    bytes.push(0);
    bytes.extend_from_slice(b"tail");
    fs::write(&late, bytes).unwrap();
    assert_bad_document(
        &model,
        &late,
        &format!("binary file (NUL byte at offset {offset})"),
    );
}

/// Runs `classify ARGS` and returns its output and its own peak resident
/// memory in MB (from wait4, so other tests' children do not count).
#[allow(clippy::zombie_processes)] // reaped by wait4 below
fn run_measured(args: &[&str]) -> (Output, f64) {
    use std::io::Read as _;
    use std::os::unix::process::ExitStatusExt;
    let bin = assert_cmd::cargo::cargo_bin("classify");
    let mut child = Process::new(bin)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    // Small outputs: they fit in the pipes until the child is reaped.
    let mut status = 0;
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: wait4 on our own child, with valid out-pointers.
    let usage = unsafe {
        let pid = libc::wait4(child.id() as i32, &mut status, 0, usage.as_mut_ptr());
        assert_eq!(pid, child.id() as i32);
        usage.assume_init()
    };
    child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
    child.stderr.take().unwrap().read_to_end(&mut err).unwrap();
    let o = Output {
        status: std::process::ExitStatus::from_raw(status),
        stdout: out,
        stderr: err,
    };
    (o, usage.ru_maxrss as f64 / 1024.0)
}

#[test]
fn defect_7_an_oversized_jsonl_line_is_skipped_without_being_held() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("feed.jsonl");
    let mut f = fs::File::create(&feed).unwrap();
    use std::io::Write as _;
    writeln!(f, "{{\"id\":\"a\",\"text\":\"{IMMIGRATION_TEXT}\"}}").unwrap();
    let big = 100 * 1024 * 1024;
    write!(f, "{{\"id\":\"huge\",\"text\":\"").unwrap();
    let chunk = "word ".repeat(1 << 16);
    let mut written = 0;
    while written < big {
        f.write_all(chunk.as_bytes()).unwrap();
        written += chunk.len();
    }
    writeln!(f, "\"}}").unwrap();
    writeln!(f, "{{\"id\":\"b\",\"text\":\"{EDUCATION_TEXT}\"}}").unwrap();
    drop(f);
    let first = format!("{{\"id\":\"a\",\"text\":\"{IMMIGRATION_TEXT}\"}}\n").len();
    let last = format!("{{\"id\":\"b\",\"text\":\"{EDUCATION_TEXT}\"}}\n").len();
    // The huge line, without its newline.
    let line_len = fs::metadata(&feed).unwrap().len() as usize - first - last - 1;
    let (o, peak) = run_measured(&["label", "--jsonl", "--format", "jsonl", s(&feed)]);
    assert_fails(
        &o,
        &[
            &format!(
                "classify: {}:2: record is {line_len} bytes, over the limit of 10485760 bytes (raise it with --max-bytes)",
                feed.display()
            ),
            "classify: 1 document(s) could not be labeled",
        ],
    );
    let ids: Vec<String> = stdout(&o)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids, ["a", "b"]);
    assert!(
        peak < 95.0,
        "peak RSS {peak:.0} MB: the 100 MB line was held"
    );
}

#[test]
fn defect_7_a_flood_of_errors_is_capped_with_a_count() {
    let (dir, model) = trained(&[]);
    let md = dir.path().join("notes.md");
    let text: String = (0..30).map(|i| format!("# Heading {i}\n")).collect();
    fs::write(&md, text).unwrap();
    let o = run(&["label", "--model", s(&model), "--jsonl", s(&md)]);
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 22, "{err}");
    assert_eq!(
        lines[0],
        format!(
            "classify: {}:1: invalid JSON: expected value at line 1 column 1",
            md.display()
        )
    );
    assert_eq!(lines[20], "classify: ... and 10 more errors");
    assert_eq!(lines[21], "classify: 30 document(s) could not be labeled");
    assert_eq!(o.status.code(), Some(1));
}

// ------------------------------------------------ 8. output and messages

#[test]
fn defect_8_eval_out_dash_is_stdout_and_new_folders_are_made() {
    let corpus = fixture("corpus");
    let dir = tempfile::tempdir().unwrap();
    let o = classify()
        .current_dir(dir.path())
        .args(["eval", s(&corpus), "--out", "-", "-q"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("model: built-in (models/default.model)\n"));
    assert!(!dir.path().join("-").exists(), "no file named -");
    let report = dir.path().join("newdir/deeper/r.txt");
    let o = run(&["eval", s(&corpus), "--out", s(&report), "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(fs::read_to_string(&report).unwrap().starts_with("model: "));
}

#[test]
fn defect_8_markdown_escapes_class_names() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d.jsonl");
    let mut lines = String::new();
    for i in 0..4 {
        lines.push_str(&format!(
            "{{\"text\":\"{IMMIGRATION_TEXT} {i}\",\"label\":\"a|b\"}}\n"
        ));
        lines.push_str(&format!(
            "{{\"text\":\"{EDUCATION_TEXT} {i}\",\"label\":\"<i>c</i>\"}}\n"
        ));
    }
    fs::write(&data, lines).unwrap();
    let model = dir.path().join("m.model");
    let o = run(&["train", s(&data), "--out", s(&model), "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let md = eval_ok(&[s(&data), "--model", s(&model), "--format", "markdown"]);
    assert!(md.contains("| a\\|b | 1.000 | 1.000 | 1.000 | 4 |"), "{md}");
    assert!(md.contains("| &lt;i&gt;c&lt;/i&gt; |"), "{md}");
    assert!(!md.contains("<i>"), "{md}");
}

#[test]
fn defect_8_negative_numbers_get_the_range_message() {
    let corpus = fixture("corpus");
    let o = run(&[
        "train",
        s(&corpus),
        "--out",
        "/tmp/never.model",
        "--c",
        "-1",
        "-q",
    ]);
    assert_usage(&o, &["classify: --c -1 is out of range: need a number > 0"]);
    let o = run(&[
        "label",
        "--min-confidence",
        "-0.5",
        s(&fixture("unlabeled")),
    ]);
    assert_usage(
        &o,
        &["classify: --min-confidence -0.5 is out of range: need a probability from 0 to 1"],
    );
}

#[test]
fn defect_8_messages_name_the_file_without_os_error_codes() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let unlabeled = fixture("unlabeled");
    let out = dir.path().join("m.model");
    let file = dir.path().join("file");
    fs::write(&file, "x").unwrap();
    let under_file = file.join("r.txt");
    let corpus = fixture("corpus");
    let cases: Vec<(Vec<&str>, String)> = vec![
        (
            vec!["label", "--jsonl", s(&missing)],
            format!("classify: {}: no such file or directory", missing.display()),
        ),
        (
            vec!["eval", s(&corpus), "--out", s(&under_file), "-q"],
            format!("classify: {}: not a directory", under_file.display()),
        ),
        (
            vec!["label", "--model", s(&missing), s(&unlabeled)],
            format!("classify: {}: no such file or directory", missing.display()),
        ),
        (
            vec!["train", s(&missing), "--out", s(&out), "-q"],
            format!("classify: {}: no such file or directory", missing.display()),
        ),
        (
            vec!["eval", s(&missing), "-q"],
            format!("classify: {}: no such file or directory", missing.display()),
        ),
        (
            vec!["info", s(&missing)],
            format!("classify: {}: no such file or directory", missing.display()),
        ),
    ];
    for (args, message) in cases {
        let o = run(&args);
        let err = stderr(&o);
        assert_eq!(err.lines().next(), Some(message.as_str()), "{args:?}");
        assert!(!err.contains("os error"), "{err}");
        assert_eq!(o.status.code(), Some(1));
    }
}

#[test]
fn defect_8_a_broken_pipe_is_detected_by_kind_not_by_message() {
    // A model file whose name contains "Broken pipe" is just a missing file.
    let o = run(&[
        "label",
        "--model",
        "Broken pipe.model",
        s(&fixture("unlabeled")),
    ]);
    assert_fails(
        &o,
        &["classify: Broken pipe.model: no such file or directory"],
    );
    // A real closed pipe ends the run quietly with status 0.
    let bin = assert_cmd::cargo::cargo_bin("classify");
    let mut child = Process::new(bin)
        .args(["label", s(&fixture("corpus")), s(&fixture("unlabeled"))])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
}
