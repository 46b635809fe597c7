//! Checks on `training-data/`: label counts meet the corpus minimums, every
//! file has valid front matter, and no two articles are templated variants
//! of each other (word 5-gram shingles).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use classify::document::front_matter;
use classify::source::{walk_articles, WalkOptions};

const TOPICS: &[&str] = &["education", "immigration", "other", "politics"];
const STANCES: &[&str] = &["critical", "neutral", "supportive"];
const GENRES: &[&str] = &[
    "aggregator",
    "analysis",
    "brief",
    "editorial",
    "explainer",
    "fact-check",
    "feature",
    "interview",
    "letter",
    "live-blog",
    "local",
    "opinion",
    "press-release",
    "review",
    "wire",
];

struct Article {
    path: PathBuf,
    topic: String,
    stance: String,
    body: String,
}

fn articles() -> Vec<Article> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("training-data");
    let walk = walk_articles(&root, &WalkOptions::default());
    assert!(walk.problems.is_empty(), "{:?}", walk.problems);
    walk.files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("UTF-8 article");
            let fm = front_matter(&text);
            let field = |name: &str| {
                fm.fields
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| panic!("{}: no {name:?} in front matter", path.display()))
            };
            for name in ["title", "genre"] {
                assert!(!field(name).is_empty(), "{}: empty {name}", path.display());
            }
            assert!(
                GENRES.contains(&field("genre").as_str()),
                "{}: unknown genre {:?}",
                path.display(),
                field("genre")
            );
            let (topic, stance) = (field("topic"), field("stance"));
            assert!(
                TOPICS.contains(&topic.as_str()),
                "{}: unknown topic {topic:?}",
                path.display()
            );
            assert!(
                STANCES.contains(&stance.as_str()),
                "{}: unknown stance {stance:?}",
                path.display()
            );
            let folder = path
                .parent()
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().to_string());
            assert_eq!(
                folder.as_deref(),
                Some(topic.as_str()),
                "{}: folder differs from topic",
                path.display()
            );
            let body = fm.body.to_string();
            Article {
                path,
                topic,
                stance,
                body,
            }
        })
        .collect()
}

#[test]
fn label_counts_meet_the_minimums() {
    let all = articles();
    assert!(
        all.len() >= 1200,
        "{} articles, need at least 1,200",
        all.len()
    );
    let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for a in &all {
        *counts
            .entry((a.topic.as_str(), a.stance.as_str()))
            .or_default() += 1;
    }
    for topic in TOPICS {
        let total: usize = STANCES
            .iter()
            .map(|s| counts.get(&(*topic, *s)).copied().unwrap_or(0))
            .sum();
        assert!(total >= 300, "{topic}: {total} articles, need at least 300");
        if *topic != "other" {
            for stance in STANCES {
                let n = counts.get(&(*topic, *stance)).copied().unwrap_or(0);
                assert!(n >= 80, "{topic}/{stance}: {n} articles, need at least 80");
            }
        }
    }
}

fn shingles(text: &str) -> Vec<u64> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut out: Vec<u64> = words
        .windows(5)
        .map(|w| {
            // FNV-1a over the five words: stable across runs and platforms.
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for b in w.join(" ").bytes() {
                h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
            }
            h
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[test]
fn no_two_articles_share_more_than_a_fifth_of_their_shingles() {
    let all = articles();
    let sets: Vec<Vec<u64>> = all.iter().map(|a| shingles(&a.body)).collect();
    let mut index: HashMap<u64, Vec<u32>> = HashMap::new();
    for (i, set) in sets.iter().enumerate() {
        for &s in set {
            index.entry(s).or_default().push(i as u32);
        }
    }
    let mut shared: HashMap<(u32, u32), u32> = HashMap::new();
    for docs in index.values() {
        for (x, &a) in docs.iter().enumerate() {
            for &b in &docs[x + 1..] {
                *shared.entry((a, b)).or_default() += 1;
            }
        }
    }
    let mut worst = Vec::new();
    for (&(a, b), &n) in &shared {
        // Share of the smaller article's shingles: stricter than Jaccard.
        let smaller = sets[a as usize].len().min(sets[b as usize].len()).max(1);
        let share = n as f64 / smaller as f64;
        if share > 0.20 {
            worst.push(format!(
                "{} ~ {}: {:.0}%",
                all[a as usize].path.display(),
                all[b as usize].path.display(),
                share * 100.0
            ));
        }
    }
    worst.sort();
    assert!(worst.is_empty(), "templated pairs:\n{}", worst.join("\n"));
}
