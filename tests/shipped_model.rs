//! The shipped default model (`models/default.model`, built into the
//! binary) loads and labels short articles written for this test (not in
//! training-data/) correctly. A committed model must keep opening: this is
//! also the format-compatibility check.

use std::path::Path;

use classify::model::Model;

fn shipped() -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default.model");
    Model::load(&path).expect("models/default.model loads")
}

/// (text, topic, stance if the framing is unmistakable)
const ARTICLES: &[(&str, &str, Option<&str>)] = &[
    (
        "Asylum seekers wait weeks at the border crossing\n\nFamilies who fled violence in \
         Central America are camped near the port of entry while immigration officers process \
         a few dozen asylum claims a day. Border Patrol agents said apprehensions of migrants \
         rose again last month, and the detention centers near the river are at capacity.",
        "immigration",
        None,
    ),
    (
        "Deportation flights resume as advocates decry raids\n\nImmigrant rights groups \
         condemned the new wave of ICE raids and deportation flights, calling them cruel and \
         unlawful. Lawyers say detained parents were denied hearings before immigration \
         judges, and children were left without guardians after the workplace sweeps.",
        "immigration",
        Some("critical"),
    ),
    (
        "School board approves new reading curriculum\n\nThe district's school board voted \
         to adopt a phonics-based reading program for kindergarten through third grade. \
         Teachers will receive training over the summer, and the superintendent said \
         classroom materials will reach every elementary school by September.",
        "education",
        None,
    ),
    (
        "Student loan relief is a lifeline for borrowers\n\nFor millions of graduates, the \
         new repayment plan finally delivers the relief they were promised. Borrowers praised \
         the lower monthly payments, and college counselors welcomed a change that lets \
         students pursue teaching and nursing without crushing tuition debt.",
        "education",
        Some("supportive"),
    ),
    (
        "Senate passes spending bill after late-night vote\n\nThe Senate approved the budget \
         package 52 to 48, sending it to the House, where the speaker expects a close vote. \
         Republicans and Democrats traded blame over the deadline, and the White House said \
         the president would sign the bill if it reaches his desk.",
        "politics",
        None,
    ),
    (
        "Governor's campaign faces questions over donors\n\nThe governor's re-election \
         campaign is under fire after an ethics watchdog reported that several donors \
         received state contracts. Opponents called it a pay-to-play scandal, and two \
         legislators from his own party demanded an investigation before the primary.",
        "politics",
        Some("critical"),
    ),
    (
        "Striker's late goal sends United into the cup final\n\nA header in the 89th \
         minute gave United a 2-1 win over City in the semi-final. The manager said his \
         players never stopped believing, and the club will face the league champions at \
         the stadium next month.",
        "other",
        None,
    ),
    (
        "Shares slide as chipmaker warns on profits\n\nThe chipmaker's shares fell 8% after \
         it cut its revenue forecast, blaming weak demand for smartphones and personal \
         computers. Analysts said inventories are high across the industry and expect \
         prices for memory chips to keep falling this quarter.",
        "other",
        None,
    ),
];

#[test]
fn shipped_model_labels_articles_it_never_saw() {
    let model = shipped();
    let heads: Vec<&str> = model.heads().iter().map(|h| h.name.as_str()).collect();
    assert_eq!(heads, ["topic", "stance"]);
    assert_eq!(
        model.head("topic").unwrap().classes,
        ["education", "immigration", "other", "politics"]
    );
    assert_eq!(
        model.head("stance").unwrap().classes,
        ["critical", "neutral", "supportive"]
    );
    for (text, topic, stance) in ARTICLES {
        let labels = model.label(text).unwrap();
        assert_eq!(labels.heads[0].label, *topic, "topic of {:?}", &text[..40]);
        if let Some(stance) = stance {
            assert_eq!(
                labels.heads[1].label,
                *stance,
                "stance of {:?}",
                &text[..40]
            );
        }
    }
}

#[test]
fn shipped_model_carries_its_training_record() {
    let model = shipped();
    let meta = model.metadata();
    assert!(meta.documents >= 1200, "{} documents", meta.documents);
    assert_eq!(meta.data, "training-data");
    for head in &meta.heads {
        let cv = head
            .cv
            .as_ref()
            .expect("the shipped model is trained with --cv");
        assert_eq!(cv.folds, 5);
        assert!(cv.accuracy.iter().all(|a| (0.0..=1.0).contains(a)));
    }
}

#[test]
fn shipped_model_is_small() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default.model");
    let size = std::fs::metadata(path).unwrap().len();
    assert!(size <= 5 * 1024 * 1024, "{size} bytes");
}
