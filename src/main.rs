//! The `classify` binary: parses arguments, calls the library, prints, and
//! chooses the exit status (0 all well, 1 something failed, 2 usage).

mod cli;

use std::io::{self, BufRead, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use classify::clean::Format as MarkupFormat;
use classify::corpus::{self, Corpus, CorpusOptions};
use classify::document;
use classify::metrics::scores;
use classify::model::Model;
use classify::output::{Format as OutFormat, LabelWriter, Labeled};
use classify::report::{CvSummary, DocPrediction, EvalReport, HeadEval};
use classify::train::{Progress, TrainParams};

use cli::{Cli, Command, EvalArgs, EvalFormat, InfoArgs, LabelArgs, LabelFormat, TrainArgs};

/// The model in `models/default.model` when the binary was built.
static DEFAULT_MODEL: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/models/default.model"));
const DEFAULT_MODEL_NAME: &str = "built-in (models/default.model)";

/// A failure that ends the command: printed as `classify: <message>`.
struct Failure(String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

/// Marks usage errors (a flag out of range), which exit with status 2 like
/// clap's own.
const USAGE_PREFIX: &str = "\u{0}usage:";

fn usage(e: cli::RangeError) -> Failure {
    Failure(format!("{USAGE_PREFIX}{e}"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(args) => train(args, cli.quiet),
        Command::Label(args) => label(args),
        Command::Eval(args) => eval(args, cli.quiet),
        Command::Info(args) => info(args),
    };
    match result {
        Ok(code) => code,
        Err(Failure(message)) => {
            if is_broken_pipe(&message) {
                return ExitCode::SUCCESS;
            }
            if let Some(message) = message.strip_prefix(USAGE_PREFIX) {
                eprintln!("classify: {message}");
                return ExitCode::from(2);
            }
            eprintln!("classify: {message}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(message: &str) -> bool {
    message.contains("Broken pipe") || message.contains("broken pipe")
}

/// Progress bars on stderr (drawn only when stderr is a terminal).
struct Bars {
    quiet: bool,
    bar: Mutex<Option<ProgressBar>>,
}

impl Bars {
    fn new(quiet: bool) -> Self {
        Bars {
            quiet,
            bar: Mutex::new(None),
        }
    }
}

impl Progress for Bars {
    fn begin(&self, step: &str, total: u64) {
        if self.quiet {
            return;
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{msg:>18} [{bar:30}] {pos}/{len} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_message(step.to_string());
        *self.bar.lock().unwrap_or_else(|e| e.into_inner()) = Some(bar);
    }

    fn advance(&self, n: u64) {
        if let Some(bar) = &*self.bar.lock().unwrap_or_else(|e| e.into_inner()) {
            bar.inc(n);
        }
    }

    fn end(&self) {
        if let Some(bar) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).take() {
            bar.finish_and_clear();
        }
    }
}

fn load_model(path: Option<&Path>) -> Result<(Model, String), Failure> {
    match path {
        Some(p) => Ok((Model::load(p)?, p.display().to_string())),
        None => {
            if DEFAULT_MODEL.is_empty() {
                return Err(Failure(
                    "no default model is built into this binary (models/default.model was empty when it was built); pass --model PATH".into(),
                ));
            }
            let model = Model::from_bytes(DEFAULT_MODEL)
                .map_err(|e| Failure(format!("{DEFAULT_MODEL_NAME}: {e}")))?;
            Ok((model, DEFAULT_MODEL_NAME.to_string()))
        }
    }
}

fn corpus_options(args: &cli::CorpusArgs) -> CorpusOptions {
    CorpusOptions {
        text_field: args.text_field.clone(),
        folder_label: args
            .folder_label
            .as_ref()
            .map(|f| f.to_lowercase())
            .filter(|f| !f.is_empty()),
        max_bytes: args.max_bytes,
    }
}

fn load_corpus(path: &Path, args: &cli::CorpusArgs, quiet: bool) -> Result<Corpus, Failure> {
    let bars = Bars::new(quiet);
    bars.begin("reading", 1);
    let corpus = corpus::load(path, &corpus_options(args));
    bars.end();
    let corpus = corpus?;
    const SHOWN: usize = 10;
    for (place, why) in corpus.skipped.iter().take(SHOWN) {
        eprintln!("classify: warning: skipped {place}: {why}");
    }
    if corpus.skipped.len() > SHOWN {
        eprintln!(
            "classify: warning: skipped {} more documents",
            corpus.skipped.len() - SHOWN
        );
    }
    Ok(corpus)
}

fn train(args: TrainArgs, quiet: bool) -> Result<ExitCode, Failure> {
    let start = Instant::now();
    let folds = cli::check_folds(args.cv).map_err(usage)?;
    let mut params: TrainParams = args.options.params(&args.corpus).map_err(usage)?;
    // The options that shape the model; -q only changes what is printed,
    // so it is left out and the file does not depend on it.
    params.command = std::env::args()
        .skip(1)
        .filter(|a| a != "-q" && a != "--quiet")
        .collect();
    params.data = args.data.display().to_string();
    let valid = params.check()?;
    let corpus = load_corpus(&args.data, &args.corpus, quiet)?;
    let bars = Bars::new(quiet);
    let cv = match folds {
        Some(k) => Some(valid.cross_validate(&corpus.records, k, args.options.seed, &bars)?),
        None => None,
    };
    let model = valid.fit(&corpus.records, cv.as_deref(), &bars)?;
    let skipped_count = corpus.skipped.len();
    // The texts are not needed to write the model: free them first.
    drop(corpus);
    model.save(&args.out)?;
    let mut out = io::stdout().lock();
    let meta = model.metadata();
    writeln!(
        out,
        "trained {} in {:.2} s",
        args.out.display(),
        start.elapsed().as_secs_f64()
    )?;
    let skipped = if skipped_count == 0 {
        String::new()
    } else {
        format!(" ({skipped_count} skipped)")
    };
    writeln!(out, "  documents   {}{skipped}", meta.documents)?;
    let p = model.vectorizer().params();
    writeln!(
        out,
        "  vocabulary  {} features (1..={}-grams, min_df {})",
        model.vectorizer().n_features(),
        p.tokenizer.ngram_max,
        p.min_df
    )?;
    writeln!(out, "  algorithm   {}", meta.algorithm)?;
    for head in &meta.heads {
        let counts: Vec<String> = head
            .class_counts
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect();
        writeln!(out, "  {:<11} {}", head.name, counts.join(", "))?;
        if let Some(cv) = &head.cv {
            let s = CvSummary::from_scores(cv);
            writeln!(
                out,
                "  {:<11} {}-fold cv: accuracy {:.3} ± {:.3}, macro-F1 {:.3} ± {:.3}",
                "", s.folds, s.accuracy_mean, s.accuracy_std, s.macro_f1_mean, s.macro_f1_std
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Where documents to label come from.
enum Input {
    Stdin,
    File(PathBuf),
}

fn expand_inputs(paths: &[PathBuf], failed: &mut usize) -> Vec<Input> {
    if paths.is_empty() {
        return vec![Input::Stdin];
    }
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(Input::Stdin);
        } else if p.is_dir() {
            match corpus::article_files(p) {
                Ok(files) if files.is_empty() => {
                    eprintln!(
                        "classify: {}: no article files found (looked for .md, .markdown, .txt, .html, .htm)",
                        p.display()
                    );
                    *failed += 1;
                }
                Ok(files) => out.extend(files.into_iter().map(Input::File)),
                Err(e) => {
                    eprintln!("classify: {e}");
                    *failed += 1;
                }
            }
        } else {
            out.push(Input::File(p.clone()));
        }
    }
    out
}

fn label(args: LabelArgs) -> Result<ExitCode, Failure> {
    let min_confidence = cli::check_confidence(args.min_confidence).map_err(usage)?;
    let (model, _) = load_model(args.model.as_deref())?;
    let format = match args.format {
        LabelFormat::Table => OutFormat::Table,
        LabelFormat::Json => OutFormat::Json,
        LabelFormat::Jsonl => OutFormat::Jsonl,
        LabelFormat::Csv => OutFormat::Csv,
    };
    let mut failed = 0usize;
    let inputs = expand_inputs(&args.paths, &mut failed);
    let stdout = io::stdout();
    let mut writer = LabelWriter::new(
        BufWriter::new(stdout.lock()),
        format,
        &model,
        min_confidence,
        args.explain > 0,
    );
    writer.begin()?;
    if args.jsonl {
        for input in &inputs {
            failed += label_jsonl(input, &args, &model, &mut writer)?;
        }
    } else {
        // Files are labeled in parallel batches and written in input order.
        for batch in inputs.chunks(256) {
            let results: Vec<(String, Result<Labeled, String>)> = batch
                .par_iter()
                .map(|input| match input {
                    Input::Stdin => (
                        "stdin".to_string(),
                        read_stdin(args.max_bytes).and_then(|t| {
                            label_text(&model, "path", "-", &t, MarkupFormat::Auto, args.explain)
                        }),
                    ),
                    Input::File(p) => {
                        let name = p.display().to_string();
                        let r = document::load(p, args.max_bytes)
                            .map(|d| Labeled {
                                key: "path",
                                name: name.clone(),
                                labels: model.label(&d.text, args.explain),
                            })
                            .map_err(|e| e.to_string());
                        (name, r)
                    }
                })
                .collect();
            for (name, result) in results {
                match result {
                    Ok(doc) => writer.write(&doc)?,
                    Err(why) => {
                        eprintln!("classify: {name}: {why}");
                        failed += 1;
                    }
                }
            }
        }
    }
    writer.finish()?;
    if failed > 0 {
        eprintln!("classify: {failed} document(s) could not be labeled");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn label_text(
    model: &Model,
    key: &'static str,
    name: &str,
    raw: &str,
    format: MarkupFormat,
    explain: usize,
) -> Result<Labeled, String> {
    let doc = document::prepare(raw, format).map_err(|e| e.to_string())?;
    Ok(Labeled {
        key,
        name: name.to_string(),
        labels: model.label(&doc.text, explain),
    })
}

fn read_stdin(max_bytes: u64) -> Result<String, String> {
    let mut bytes = Vec::new();
    io::stdin()
        .lock()
        .take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > max_bytes {
        return Err(format!(
            "input is over the limit of {max_bytes} bytes for one document (raise it with --max-bytes)"
        ));
    }
    document::text_from_bytes(bytes).map_err(|e| e.to_string())
}

/// Labels a JSON Lines stream in batches; returns how many records failed.
fn label_jsonl<W: Write>(
    input: &Input,
    args: &LabelArgs,
    model: &Model,
    writer: &mut LabelWriter<W>,
) -> Result<usize, Failure> {
    let (source, reader): (String, Box<dyn BufRead>) = match input {
        Input::Stdin => ("stdin".into(), Box::new(io::stdin().lock())),
        Input::File(p) => match std::fs::File::open(p) {
            Ok(f) => (
                p.display().to_string(),
                Box::new(io::BufReader::with_capacity(1 << 20, f)),
            ),
            Err(e) => {
                eprintln!(
                    "classify: {}: {}",
                    p.display(),
                    e.to_string().to_lowercase()
                );
                return Ok(1);
            }
        },
    };
    let mut failed = 0;
    let mut lines = reader.split(b'\n');
    let mut line_no = 0usize;
    const BATCH_LINES: usize = 1024;
    const BATCH_BYTES: usize = 2 << 20;
    loop {
        let mut batch: Vec<(usize, Vec<u8>)> = Vec::new();
        let mut bytes = 0;
        while batch.len() < BATCH_LINES && bytes < BATCH_BYTES {
            match lines.next() {
                Some(Ok(line)) => {
                    line_no += 1;
                    bytes += line.len();
                    batch.push((line_no, line));
                }
                Some(Err(e)) => return Err(Failure(format!("{source}: {e}"))),
                None => break,
            }
        }
        if batch.is_empty() {
            break;
        }
        let results: Vec<Option<Result<Labeled, String>>> = batch
            .par_iter()
            .map(|(n, line)| {
                if line.len() as u64 > args.max_bytes {
                    return Some(Err(format!(
                        "{source}:{n}: record is {} bytes, over the limit of {} bytes",
                        line.len(),
                        args.max_bytes
                    )));
                }
                let text = match std::str::from_utf8(line) {
                    Ok(t) => t,
                    Err(e) => {
                        return Some(Err(format!(
                            "{source}:{n}: invalid UTF-8 at byte {}",
                            e.valid_up_to()
                        )))
                    }
                };
                match corpus::parse_json_record(text, &args.text_field) {
                    Ok(None) => None,
                    Err(e) => Some(Err(format!("{source}:{n}: invalid JSON: {e}"))),
                    Ok(Some(corpus::JsonRecord { id, text, .. })) => {
                        let name = id.unwrap_or_else(|| format!("line {n}"));
                        Some(
                            text.map_err(|e| e.to_string())
                                .and_then(|t| {
                                    label_text(
                                        model,
                                        "id",
                                        &name,
                                        &t,
                                        MarkupFormat::Auto,
                                        args.explain,
                                    )
                                })
                                .map_err(|e| format!("{source}:{n}: {e}")),
                        )
                    }
                }
            })
            .collect();
        for r in results.into_iter().flatten() {
            match r {
                Ok(doc) => writer.write(&doc)?,
                Err(why) => {
                    eprintln!("classify: {why}");
                    failed += 1;
                }
            }
        }
    }
    Ok(failed)
}

fn excerpt(text: &str) -> String {
    let mut out: String = text.chars().take(400).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

fn eval(args: EvalArgs, quiet: bool) -> Result<ExitCode, Failure> {
    let folds = cli::check_folds(args.cv).map_err(usage)?;
    let params = args.options.params(&args.corpus).map_err(usage)?;
    let corpus = load_corpus(&args.data, &args.corpus, quiet)?;
    let records = &corpus.records;
    let data = args.data.display().to_string();
    let bars = Bars::new(quiet);
    let report = if let Some(k) = folds {
        let valid = params.check()?;
        let cv = valid.cross_validate(records, k, args.options.seed, &bars)?;
        let heads = cv
            .into_iter()
            .map(|h| {
                let predictions = (0..h.docs.len())
                    .map(|i| {
                        let r = &records[h.docs[i]];
                        DocPrediction {
                            id: r.id.clone(),
                            gold: h.gold[i],
                            pred: h.pred[i],
                            probability: h.probability[i],
                            terms: vec![],
                            excerpt: excerpt(&r.text),
                        }
                    })
                    .collect();
                HeadEval {
                    head: h.name.clone(),
                    scores: scores(&h.classes, &h.gold, &h.pred),
                    cv: Some(CvSummary::from_scores(&h.scores)),
                    predictions,
                }
            })
            .collect();
        EvalReport {
            model: format!("cross-validation ({k} folds, {})", params.algorithm.name()),
            data,
            heads,
            notes: vec![],
            metadata: None,
        }
    } else {
        let (model, name) = load_model(args.model.as_deref())?;
        let wanted: Vec<String> = args
            .corpus
            .labels
            .iter()
            .map(|l| l.to_lowercase())
            .collect();
        for w in &wanted {
            if model.head(w).is_none() {
                let heads: Vec<&str> = model.heads().iter().map(|h| h.name.as_str()).collect();
                return Err(Failure(format!(
                    "{name}: the model has no head {w:?} (heads: {})",
                    heads.join(", ")
                )));
            }
        }
        bars.begin("labeling", records.len() as u64);
        let texts: Vec<&str> = records.iter().map(|r| r.text.as_str()).collect();
        let x = model.vectorizer().transform(&texts);
        bars.end();
        let ptr = x.indptr();
        let ptr = ptr.raw_storage();
        let mut heads = Vec::new();
        let mut notes = Vec::new();
        for head in model.heads() {
            if !wanted.is_empty() && !wanted.contains(&head.name) {
                continue;
            }
            let docs: Vec<usize> = (0..records.len())
                .filter(|&i| records[i].labels.contains_key(&head.name))
                .collect();
            if docs.is_empty() {
                notes.push(format!(
                    "head {:?} skipped: the data has no {:?} labels",
                    head.name, head.name
                ));
                continue;
            }
            // Gold classes the model never saw still count (as misses).
            let mut classes = head.classes.clone();
            for &i in &docs {
                let g = &records[i].labels[&head.name];
                if !classes.contains(g) {
                    classes.push(g.clone());
                }
            }
            classes[head.classes.len()..].sort();
            let results: Vec<DocPrediction> = docs
                .par_iter()
                .map(|&i| {
                    let (a, b) = (ptr[i], ptr[i + 1]);
                    let (idx, val) = (&x.indices()[a..b], &x.data()[a..b]);
                    let p = head.classifier.proba_one(idx, val);
                    let pred = classify::linear::argmax(&p);
                    let terms = head
                        .classifier
                        .contributions(idx, val, pred, 5)
                        .into_iter()
                        .map(|(j, _)| model.vectorizer().feature(j as usize).to_string())
                        .collect();
                    let gold = classes
                        .iter()
                        .position(|c| *c == records[i].labels[&head.name])
                        .expect("added above");
                    DocPrediction {
                        id: records[i].id.clone(),
                        gold,
                        pred,
                        probability: p[pred],
                        terms,
                        excerpt: excerpt(&records[i].text),
                    }
                })
                .collect();
            let gold: Vec<usize> = results.iter().map(|r| r.gold).collect();
            let pred: Vec<usize> = results.iter().map(|r| r.pred).collect();
            heads.push(HeadEval {
                head: head.name.clone(),
                scores: scores(&classes, &gold, &pred),
                cv: None,
                predictions: results,
            });
        }
        if heads.is_empty() {
            let names: Vec<&str> = model.heads().iter().map(|h| h.name.as_str()).collect();
            return Err(Failure(format!(
                "{data}: no document carries a label the model predicts ({})",
                names.join(", ")
            )));
        }
        EvalReport {
            model: name,
            data,
            heads,
            notes,
            metadata: Some(model.metadata().clone()),
        }
    };
    let mut buf: Vec<u8> = Vec::new();
    match args.format {
        EvalFormat::Text => report.write_text(&mut buf)?,
        EvalFormat::Json => report.write_json(&mut buf)?,
        EvalFormat::Markdown => report.write_markdown(&mut buf)?,
        EvalFormat::Html => classify::html::write_html(&report, &mut buf)?,
    }
    match &args.out {
        Some(path) => write_atomic(path, &buf)?,
        None => io::stdout().lock().write_all(&buf)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let fail = |e: io::Error| {
        Failure(format!(
            "{}: {}",
            path.display(),
            e.to_string().to_lowercase()
        ))
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name()
            .map_or("out".into(), |n| n.to_string_lossy()),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
}

fn info(args: InfoArgs) -> Result<ExitCode, Failure> {
    let (model, name) = load_model(args.model.as_deref())?;
    let meta = model.metadata();
    let v = model.vectorizer();
    let mut out = io::stdout().lock();
    if args.json {
        let heads: Vec<serde_json::Value> = model
            .heads()
            .iter()
            .map(|h| {
                let top: serde_json::Map<String, serde_json::Value> = h
                    .classes
                    .iter()
                    .enumerate()
                    .map(|(c, class)| {
                        let terms: Vec<&str> = h
                            .classifier
                            .top_features(c, args.top)
                            .iter()
                            .map(|(j, _)| v.feature(*j as usize))
                            .collect();
                        (class.clone(), serde_json::json!(terms))
                    })
                    .collect();
                serde_json::json!({"name": h.name, "classes": h.classes, "top_terms": top})
            })
            .collect();
        let doc = serde_json::json!({
            "model": name,
            "format_version": classify::model::FORMAT_VERSION,
            "metadata": meta,
            "vocabulary": v.n_features(),
            "vectorizer": v.params(),
            "heads": heads,
        });
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(out, "model       {name}")?;
    writeln!(
        out,
        "created     {} by classify {}",
        meta.created, meta.classify_version
    )?;
    writeln!(out, "command     classify {}", meta.command.join(" "))?;
    writeln!(
        out,
        "data        {} ({} documents)",
        meta.data, meta.documents
    )?;
    writeln!(out, "algorithm   {}", meta.algorithm)?;
    let p = v.params();
    writeln!(
        out,
        "vocabulary  {} features (1..={}-grams, min_df {}, stemming {:?}, stop words {:?})",
        v.n_features(),
        p.tokenizer.ngram_max,
        p.min_df,
        p.tokenizer.stemming,
        p.tokenizer.stop_words
    )?;
    for (head, info) in model.heads().iter().zip(&meta.heads) {
        writeln!(out)?;
        let counts: Vec<String> = info
            .class_counts
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect();
        writeln!(out, "{}: {}", head.name, counts.join(", "))?;
        if let Some(cv) = &info.cv {
            let s = CvSummary::from_scores(cv);
            writeln!(
                out,
                "  {}-fold cv: accuracy {:.3} ± {:.3}, macro-F1 {:.3} ± {:.3}",
                s.folds, s.accuracy_mean, s.accuracy_std, s.macro_f1_mean, s.macro_f1_std
            )?;
        }
        let w = head.classes.iter().map(|c| c.len()).max().unwrap_or(0);
        for (c, class) in head.classes.iter().enumerate() {
            let terms: Vec<&str> = head
                .classifier
                .top_features(c, args.top)
                .iter()
                .map(|(j, _)| v.feature(*j as usize))
                .collect();
            writeln!(out, "  {class:<w$}  {}", terms.join(", "))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
