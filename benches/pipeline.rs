//! Criterion benchmarks of the hot stages, on the shipped model and the
//! project's own articles (no external data needed):
//! `cargo bench --bench pipeline`.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use classify::document::front_matter;
use classify::source::{walk_articles, WalkOptions};
use classify::{Format, LabelOptions, Model};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The first 200 training articles' bodies, raw (front matter stripped).
fn articles() -> Vec<String> {
    let walk = walk_articles(&root().join("training-data"), &WalkOptions::default());
    walk.files
        .iter()
        .take(200)
        .map(|p| {
            front_matter(&std::fs::read_to_string(p).expect("UTF-8"))
                .body
                .to_string()
        })
        .collect()
}

fn stages(c: &mut Criterion) {
    let raw = articles();
    let bytes: usize = raw.iter().map(String::len).sum();
    let model_bytes = std::fs::read(root().join("models/default.model")).expect("shipped model");
    let model = Model::from_bytes(&model_bytes).expect("shipped model loads");
    let cleaner = model.cleaner();
    let cleaned: Vec<String> = raw
        .iter()
        .map(|t| cleaner.clean(t, Format::Markdown))
        .collect();
    let options = LabelOptions::default();
    let vectors: Vec<(Vec<u32>, Vec<f32>)> = cleaned
        .iter()
        .map(|t| model.vectorizer().transform_one(t))
        .collect();

    let mut group = c.benchmark_group("stages");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("clean", |b| {
        b.iter(|| {
            raw.iter()
                .map(|t| cleaner.clean(black_box(t), Format::Markdown).len())
                .sum::<usize>()
        })
    });
    // The production text path: words -> term ids (warm per-thread word
    // cache) -> n-grams -> TF-IDF row.
    group.bench_function("vectorize", |b| {
        b.iter(|| {
            cleaned
                .iter()
                .map(|t| model.vectorizer().transform_one(black_box(t)).0.len())
                .sum::<usize>()
        })
    });
    group.bench_function("predict", |b| {
        b.iter(|| {
            vectors
                .iter()
                .map(|(i, v)| {
                    model
                        .label_vector(black_box(i), black_box(v), &options)
                        .heads
                        .len()
                })
                .sum::<usize>()
        })
    });
    group.bench_function("label_end_to_end", |b| {
        b.iter(|| {
            raw.iter()
                .map(|t| {
                    model
                        .label_document(black_box(t), Format::Markdown, &options)
                        .map_or(0, |l| l.heads.len())
                })
                .sum::<usize>()
        })
    });
    group.finish();

    let mut group = c.benchmark_group("model");
    group.throughput(Throughput::Bytes(model_bytes.len() as u64));
    group.bench_function("model_load", |b| {
        b.iter(|| Model::from_bytes(black_box(&model_bytes)).is_ok())
    });
    // What `classify label` does: a memory-mapped file, read and checked.
    let shipped = root().join("models/default.model");
    group.bench_function("model_load_file", |b| {
        b.iter(|| Model::load(black_box(&shipped)).is_ok())
    });
    group.finish();

    // Any other model file, e.g. the 20newsgroups one bench/run.py trains:
    // CLASSIFY_BENCH_MODEL=target/bench/20newsgroups.model cargo bench --bench pipeline
    if let Some(path) = std::env::var_os("CLASSIFY_BENCH_MODEL") {
        let path = std::path::PathBuf::from(path);
        let size = std::fs::metadata(&path)
            .expect("CLASSIFY_BENCH_MODEL")
            .len();
        let mut group = c.benchmark_group("model");
        group.throughput(Throughput::Bytes(size));
        group.bench_function("model_load_file_env", |b| {
            b.iter(|| Model::load(black_box(&path)).is_ok())
        });
        group.finish();
    }
}

criterion_group!(benches, stages);
criterion_main!(benches);
