//! The HTML evaluation report: one self-contained page with, per head, the
//! headline scores, a confusion heatmap, per-class bars, a confidence
//! histogram, a reliability curve and the most confident mistakes.
//!
//! The page has to open offline, from an archive or an e-mail attachment,
//! so it carries no scripts, fonts or links, and a Content-Security-Policy
//! forbids fetching anything. Charts are SVG written here rather than by a
//! plotting crate, so the output depends only on the report and the date:
//! two runs with the same `SOURCE_DATE_EPOCH` give the same bytes. Every
//! score is printed with `{:.3}` from the same `f64` that `--format json`
//! serializes, so page and JSON agree to the rounding the page states.
//! Everything that comes from data (document ids and text, class and head
//! names, paths) goes through [`escape`].

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::eval::{CvSummary, DocPrediction, EvalReport, HeadEval};
use crate::metrics::{mean_std, Scores};
use crate::model::{build_date, Metadata};

/// Equal-width confidence bins of the histogram and the calibration curve.
pub const BINS: usize = 10;
/// Mistakes listed per head.
pub const MAX_MISTAKES: usize = crate::eval::SHOWN_MISTAKES;
const EXCERPT_LINES: usize = 4;
/// Longest class name drawn in full inside a chart (the full name is in
/// the element's tooltip and the tables).
const MAX_LABEL: usize = 16;

// Okabe & Ito (2008) colors, distinguishable with the common color vision
// deficiencies; each series also gets its own fill pattern or marker shape
// so that a grayscale print keeps them apart.
const BLUE: &str = "#0072B2";
const ORANGE: &str = "#E69F00";
const GREEN: &str = "#009E73";
const VERMILLION: &str = "#D55E00";

/// Writing into a `String` cannot fail, so the `fmt::Result` is dropped.
macro_rules! w {
    ($dst:expr, $($arg:tt)*) => {{ let _ = write!($dst, $($arg)*); }};
}

/// Writes the report as HTML, dated by [`build_date`] (so `SOURCE_DATE_EPOCH`
/// makes the page reproducible).
pub fn write_html(report: &EvalReport, out: &mut dyn Write) -> io::Result<()> {
    write_html_dated(report, &build_date(), out)
}

/// [`write_html`] with an explicit report date.
pub fn write_html_dated(report: &EvalReport, date: &str, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(render(report, date).as_bytes())
}

/// Escapes text for HTML element content and quoted attribute values.
/// Control characters other than tab and newline are not allowed in HTML
/// and become U+FFFD.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The rounding rule of the whole page (and of the text report).
fn f3(x: f64) -> String {
    format!("{x:.3}")
}

/// `name` cut to `max` characters with an ellipsis, escaped.
fn clip(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        return escape(name);
    }
    let cut: String = name.chars().take(max.saturating_sub(1)).collect();
    escape(&format!("{cut}…"))
}

/// Rough width of a label in a sans-serif font; only used for layout.
fn text_width(chars: usize, size: f64) -> f64 {
    chars as f64 * size * 0.6
}

/// One confidence bin: predictions whose probability falls in it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bin {
    /// Predictions in the bin.
    pub count: usize,
    /// Right ones among them.
    pub correct: usize,
    /// Sum of their probabilities.
    pub confidence_sum: f64,
}

impl Bin {
    /// Share of right predictions (0 for an empty bin).
    pub fn accuracy(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.correct as f64 / self.count as f64
        }
    }

    /// Mean probability (0 for an empty bin).
    pub fn mean_confidence(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.confidence_sum / self.count as f64
        }
    }
}

/// Confidence bins and expected calibration error of one head.
#[derive(Clone, Debug, PartialEq)]
pub struct Calibration {
    /// Bin `i` holds probabilities in `[i/10, (i+1)/10)`; the last one
    /// also holds 1.0.
    pub bins: Vec<Bin>,
    /// Sum over bins of `n_bin / n * |accuracy_bin - mean_confidence_bin|`.
    pub ece: f64,
    /// Predictions binned.
    pub documents: usize,
}

/// Bins the predicted-class probabilities and computes the ECE (documents
/// the model could not read have no probability and are left out).
pub fn calibration(predictions: &[DocPrediction]) -> Calibration {
    let mut bins = vec![Bin::default(); BINS];
    let mut n = 0;
    for p in predictions {
        let Some(probability) = p.probability else {
            continue;
        };
        n += 1;
        // Bin the f32's shortest decimal form (what a reader sees, e.g. 0.7)
        // rather than its binary value (0.69999999), so 0.700 is not in the
        // 0.6-0.7 bin.
        let conf = probability
            .to_string()
            .parse::<f64>()
            .unwrap_or(0.0)
            .clamp(0.0, 1.0);
        let b = &mut bins[((conf * BINS as f64) as usize).min(BINS - 1)];
        b.count += 1;
        b.correct += usize::from(p.gold == p.pred);
        b.confidence_sum += conf;
    }
    let ece = if n == 0 {
        0.0
    } else {
        bins.iter()
            .map(|b| b.count as f64 / n as f64 * (b.accuracy() - b.mean_confidence()).abs())
            .sum()
    };
    Calibration {
        bins,
        ece,
        documents: n,
    }
}

/// Wrong predictions, most confident first (ties by document id).
pub fn confident_mistakes(predictions: &[DocPrediction], n: usize) -> Vec<&DocPrediction> {
    crate::eval::confident_mistakes(predictions, n)
        .into_iter()
        .map(|i| &predictions[i])
        .collect()
}

/// The first non-empty lines of a document, for the mistakes table.
fn first_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .take(n)
        .collect();
    lines.join("\n")
}

/// Single-hue sequential scale (ColorBrewer "Blues" end points), linear
/// in RGB so lightness falls steadily with `t` in grayscale too.
fn blues(t: f64) -> String {
    let t = t.clamp(0.0, 1.0);
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(247.0, 8.0),
        mix(251.0, 48.0),
        mix(255.0, 107.0)
    )
}

fn svg_open(s: &mut String, w: f64, h: f64, label: &str) {
    w!(s, "<svg class=\"chart\" viewBox=\"0 0 {w:.0} {h:.0}\" width=\"{w:.0}\" height=\"{h:.0}\" role=\"img\" aria-label=\"{}\">\n", escape(label));
}

/// A fill pattern: a solid color, or the color with dark hatching.
fn pattern(s: &mut String, id: &str, color: &str, hatch: &str) {
    w!(s, "<pattern id=\"{id}\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\"><rect width=\"6\" height=\"6\" fill=\"{color}\"/>");
    match hatch {
        "diagonal" => w!(s, "<path d=\"M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2\" stroke=\"#000\" stroke-opacity=\".55\" stroke-width=\"1.4\"/>"),
        "cross" => w!(s, "<path d=\"M0,3 h6 M3,0 v6\" stroke=\"#fff\" stroke-opacity=\".8\" stroke-width=\"1.2\"/>"),
        _ => {}
    }
    s.push_str("</pattern>");
}

/// A legend entry: swatch (pattern fill) and label.
fn swatch(s: &mut String, x: f64, y: f64, fill: &str, label: &str) -> f64 {
    w!(s, "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"14\" height=\"12\" fill=\"{fill}\" stroke=\"#222\" stroke-width=\".6\"/><text x=\"{:.1}\" y=\"{y:.1}\">{}</text>\n", y - 10.0, x + 19.0, escape(label));
    x + 19.0 + text_width(label.chars().count(), 11.0) + 18.0
}

/// Horizontal grid lines with value labels on the left.
fn y_grid(s: &mut String, x0: f64, x1: f64, ticks: &[(f64, String)]) {
    for (y, label) in ticks {
        w!(s, "<line x1=\"{x0:.1}\" x2=\"{x1:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" class=\"small\">{label}</text>\n", x0 - 5.0, y + 3.5);
    }
}

/// Confusion matrix: counts in the cells, shading by share of the row (the
/// true class), diagonal outlined.
fn heatmap(id: &str, s: &Scores) -> String {
    let names: Vec<&str> = s.per_class.iter().map(|c| c.class.as_str()).collect();
    let k = names.len();
    let cell = (320.0 / k.max(1) as f64).clamp(36.0, 72.0).round();
    let longest = names
        .iter()
        .map(|n| n.chars().count().min(MAX_LABEL))
        .max()
        .unwrap_or(1);
    let label_w = text_width(longest, 12.0) + 10.0;
    let rotate = label_w > cell;
    let col_h = if rotate { label_w * 0.72 + 8.0 } else { 20.0 };
    let (x0, y0) = (26.0 + label_w, 8.0);
    let (w, h) = (
        x0 + k as f64 * cell + 10.0,
        y0 + k as f64 * cell + col_h + 28.0,
    );
    let mut out = String::new();
    svg_open(
        &mut out,
        w,
        h,
        "confusion matrix heatmap, rows: true class, columns: predicted class",
    );
    for (g, row) in s.confusion.iter().enumerate() {
        let total: usize = row.iter().sum();
        let y = y0 + g as f64 * cell;
        for (p, &v) in row.iter().enumerate() {
            let share = if total > 0 {
                v as f64 / total as f64
            } else {
                0.0
            };
            let x = x0 + p as f64 * cell;
            let stroke = if g == p {
                "stroke=\"#222\" stroke-width=\"2\""
            } else {
                "stroke=\"#fff\" stroke-width=\"1\""
            };
            w!(out, "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{cell:.1}\" height=\"{cell:.1}\" fill=\"{}\" {stroke}><title>true {}, predicted {}: {v} of {total}</title></rect>\n", blues(share), escape(names[g]), escape(names[p]));
            let class = if share > 0.5 {
                " class=\"inv big\""
            } else {
                " class=\"big\""
            };
            let dy = if cell >= 44.0 { -2.0 } else { 5.0 };
            w!(out, "<text id=\"{id}-cm-{g}-{p}\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\"{class}>{v}</text>\n", x + cell / 2.0, y + cell / 2.0 + dy);
            if cell >= 44.0 && total > 0 {
                let class = if share > 0.5 { "inv small" } else { "small" };
                w!(out, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"{class}\">{:.0}%</text>\n", x + cell / 2.0, y + cell / 2.0 + 13.0, share * 100.0);
            }
        }
        w!(out, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" class=\"lab\">{}<title>{}</title></text>\n", x0 - 6.0, y + cell / 2.0 + 4.0, clip(names[g], MAX_LABEL), escape(names[g]));
    }
    let yl = y0 + k as f64 * cell + 14.0;
    for (p, name) in names.iter().enumerate() {
        let x = x0 + (p as f64 + 0.5) * cell;
        if rotate {
            w!(out, "<text x=\"{x:.1}\" y=\"{yl:.1}\" text-anchor=\"end\" transform=\"rotate(-45 {x:.1} {yl:.1})\" class=\"lab\">{}</text>\n", clip(name, MAX_LABEL));
        } else {
            w!(
                out,
                "<text x=\"{x:.1}\" y=\"{yl:.1}\" text-anchor=\"middle\" class=\"lab\">{}</text>\n",
                clip(name, MAX_LABEL)
            );
        }
    }
    let mid_y = y0 + k as f64 * cell / 2.0;
    w!(out, "<text x=\"14\" y=\"{mid_y:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {mid_y:.1})\" class=\"axis\">true class</text>\n");
    w!(out, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"axis\">predicted class</text>\n</svg>", x0 + k as f64 * cell / 2.0, h - 8.0);
    out
}

/// Per-class precision, recall and F1 as grouped bars, support under each
/// group.
fn class_bars(id: &str, s: &Scores) -> String {
    let k = s.per_class.len().max(1);
    let (w, h) = (540.0, 320.0);
    let (x0, x1) = (44.0, w - 10.0);
    let gw = (x1 - x0) / k as f64;
    let bw = (gw * 0.8 / 3.0).min(34.0);
    let upright = bw < 28.0;
    let (y0, y1) = (if upright { 40.0 } else { 22.0 }, h - 70.0);
    let y = |v: f64| y1 - v.clamp(0.0, 1.0) * (y1 - y0);
    let mut out = String::new();
    svg_open(&mut out, w, h, "per-class precision, recall and F1");
    let series = [
        ("precision", BLUE, ""),
        ("recall", ORANGE, "diagonal"),
        ("F1", GREEN, "cross"),
    ];
    out.push_str("<defs>");
    for (name, color, hatch) in series {
        pattern(&mut out, &format!("{id}-{name}"), color, hatch);
    }
    out.push_str("</defs>\n");
    let ticks: Vec<(f64, String)> = (0..=4)
        .map(|i| (y(i as f64 / 4.0), format!("{:.2}", i as f64 / 4.0)))
        .collect();
    y_grid(&mut out, x0, x1, &ticks);
    for (c, cs) in s.per_class.iter().enumerate() {
        let gx = x0 + c as f64 * gw + (gw - 3.0 * bw) / 2.0;
        for (j, v) in [cs.precision, cs.recall, cs.f1].into_iter().enumerate() {
            let (name, ..) = series[j];
            let x = gx + j as f64 * bw;
            w!(out, "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"url(#{id}-{name})\" stroke=\"#222\" stroke-width=\".6\"><title>{} {name}: {}</title></rect>\n", y(v), bw - 2.0, y1 - y(v), escape(&cs.class), f3(v));
            let cx = x + (bw - 2.0) / 2.0;
            if upright {
                w!(out, "<text x=\"{:.1}\" y=\"{:.1}\" transform=\"rotate(-90 {:.1} {:.1})\" class=\"small\">{}</text>\n", cx + 3.5, y(v) - 3.0, cx + 3.5, y(v) - 3.0, f3(v));
            } else {
                w!(out, "<text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"small\">{}</text>\n", y(v) - 3.0, f3(v));
            }
        }
        let cx = x0 + (c as f64 + 0.5) * gw;
        let max = ((gw / 6.6) as usize).clamp(4, MAX_LABEL);
        w!(out, "<text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"lab\">{}<title>{}</title></text>\n", y1 + 16.0, clip(&cs.class, max), escape(&cs.class));
        w!(out, "<text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"small\">n = {}</text>\n", y1 + 30.0, cs.support);
    }
    w!(
        out,
        "<line x1=\"{x0}\" x2=\"{x1}\" y1=\"{y1}\" y2=\"{y1}\" stroke=\"#222\"/>\n"
    );
    let mut lx = x0;
    for (name, ..) in series {
        lx = swatch(&mut out, lx, h - 12.0, &format!("url(#{id}-{name})"), name);
    }
    out.push_str("</svg>");
    out
}

/// Counts of correct and wrong predictions per confidence bin.
fn histogram(id: &str, cal: &Calibration) -> String {
    let (w, h) = (540.0, 300.0);
    let (x0, x1, y0, y1) = (44.0, w - 10.0, 20.0, h - 66.0);
    let max = cal
        .bins
        .iter()
        .map(|b| b.correct.max(b.count - b.correct))
        .max()
        .unwrap_or(0)
        .max(1);
    let step = max.div_ceil(4).max(1);
    let top = (step * max.div_ceil(step)) as f64;
    let y = |v: usize| y1 - v as f64 / top * (y1 - y0);
    let mut out = String::new();
    svg_open(
        &mut out,
        w,
        h,
        "histogram of confidence for correct and wrong predictions",
    );
    out.push_str("<defs>");
    pattern(&mut out, &format!("{id}-correct"), BLUE, "");
    pattern(&mut out, &format!("{id}-wrong"), VERMILLION, "diagonal");
    out.push_str("</defs>\n");
    let ticks: Vec<(f64, String)> = (0..=max.div_ceil(step))
        .map(|i| (y(i * step), (i * step).to_string()))
        .collect();
    y_grid(&mut out, x0, x1, &ticks);
    let bin_w = (x1 - x0) / BINS as f64;
    let bw = bin_w * 0.4;
    for (i, b) in cal.bins.iter().enumerate() {
        for (j, (v, kind)) in [(b.correct, "correct"), (b.count - b.correct, "wrong")]
            .into_iter()
            .enumerate()
        {
            let x = x0 + i as f64 * bin_w + bin_w * 0.1 + j as f64 * bw;
            if v > 0 {
                w!(out, "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"url(#{id}-{kind})\" stroke=\"#222\" stroke-width=\".6\"><title>{kind}, confidence {:.1}–{:.1}: {v}</title></rect>\n", y(v), bw - 1.0, y1 - y(v), i as f64 / 10.0, (i + 1) as f64 / 10.0);
                w!(out, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"small\">{v}</text>\n", x + bw / 2.0, y(v) - 3.0);
            }
        }
    }
    for i in 0..=BINS {
        let x = x0 + i as f64 * bin_w;
        w!(out, "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{y1}\" y2=\"{:.1}\" stroke=\"#222\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"small\">{:.1}</text>\n", y1 + 4.0, y1 + 16.0, i as f64 / BINS as f64);
    }
    w!(
        out,
        "<line x1=\"{x0}\" x2=\"{x1}\" y1=\"{y1}\" y2=\"{y1}\" stroke=\"#222\"/>\n"
    );
    w!(out, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"axis\">confidence (probability of the predicted class)</text>\n", (x0 + x1) / 2.0, y1 + 34.0);
    let correct: usize = cal.bins.iter().map(|b| b.correct).sum();
    let lx = swatch(
        &mut out,
        x0,
        h - 8.0,
        &format!("url(#{id}-correct)"),
        &format!("correct ({correct})"),
    );
    swatch(
        &mut out,
        lx,
        h - 8.0,
        &format!("url(#{id}-wrong)"),
        &format!("wrong ({})", cal.documents - correct),
    );
    out.push_str("</svg>");
    out
}

/// Reliability curve: accuracy against mean confidence per bin, with the
/// diagonal of perfect calibration and the bins listed beside it.
fn reliability(id: &str, cal: &Calibration) -> String {
    let (w, h) = (540.0, 300.0);
    let (x0, y0, side) = (50.0, 12.0, 236.0);
    let (x1, y1) = (x0 + side, y0 + side);
    let px = |v: f64| x0 + v * side;
    let py = |v: f64| y1 - v * side;
    let mut out = String::new();
    svg_open(
        &mut out,
        w,
        h,
        "reliability curve: accuracy against confidence per bin",
    );
    for i in 0..=5 {
        let v = i as f64 / 5.0;
        w!(out, "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y0}\" y2=\"{y1}\" stroke=\"#ddd\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"small\">{v:.1}</text>\n", px(v), px(v), px(v), y1 + 14.0);
    }
    y_grid(
        &mut out,
        x0,
        x1,
        &(0..=5)
            .map(|i| (py(i as f64 / 5.0), format!("{:.1}", i as f64 / 5.0)))
            .collect::<Vec<_>>(),
    );
    w!(out, "<rect x=\"{x0}\" y=\"{y0}\" width=\"{side}\" height=\"{side}\" fill=\"none\" stroke=\"#222\"/>\n");
    w!(out, "<line x1=\"{x0}\" y1=\"{y1}\" x2=\"{x1}\" y2=\"{y0}\" stroke=\"#555\" stroke-dasharray=\"5 4\"/>\n");
    let used: Vec<(usize, &Bin)> = cal
        .bins
        .iter()
        .enumerate()
        .filter(|(_, b)| b.count > 0)
        .collect();
    let points: Vec<String> = used
        .iter()
        .map(|(_, b)| format!("{:.1},{:.1}", px(b.mean_confidence()), py(b.accuracy())))
        .collect();
    if points.len() > 1 {
        w!(
            out,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{BLUE}\" stroke-width=\"2\"/>\n",
            points.join(" ")
        );
    }
    for (_, b) in &used {
        let (x, y) = (px(b.mean_confidence()), py(b.accuracy()));
        w!(out, "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{y:.1}\" y2=\"{:.1}\" stroke=\"{VERMILLION}\" stroke-width=\"1.5\"/>\n", py(b.mean_confidence()));
        w!(out, "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4.5\" fill=\"{BLUE}\" stroke=\"#000\"><title>confidence {}, accuracy {}, n = {}</title></circle>\n", f3(b.mean_confidence()), f3(b.accuracy()), b.count);
    }
    let mid = y0 + side / 2.0;
    w!(out, "<text x=\"14\" y=\"{mid:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {mid:.1})\" class=\"axis\">accuracy</text>\n");
    w!(out, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"axis\">mean confidence</text>\n", x0 + side / 2.0, y1 + 32.0);
    let tx = x1 + 26.0;
    w!(
        out,
        "<text id=\"{id}-ece-chart\" x=\"{tx}\" y=\"{:.1}\" class=\"big\">ECE = {}</text>\n",
        y0 + 12.0,
        f3(cal.ece)
    );
    w!(out, "<line x1=\"{tx}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#555\" stroke-dasharray=\"5 4\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"small\">perfect calibration</text>\n", tx + 22.0, y0 + 30.0, y0 + 30.0, tx + 28.0, y0 + 33.0);
    w!(out, "<line x1=\"{tx}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{VERMILLION}\" stroke-width=\"1.5\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"small\">gap to the diagonal</text>\n", tx + 22.0, y0 + 46.0, y0 + 46.0, tx + 28.0, y0 + 49.0);
    let cols = [tx, tx + 62.0, tx + 112.0, tx + 168.0];
    let mut ty = y0 + 72.0;
    for (c, head) in ["bin", "n", "conf.", "acc."].iter().enumerate() {
        w!(
            out,
            "<text x=\"{:.1}\" y=\"{ty:.1}\" class=\"small b\"{}>{head}</text>",
            cols[c],
            if c > 0 { " text-anchor=\"end\"" } else { "" }
        );
    }
    for (i, b) in used {
        ty += 14.0;
        let cells = [
            format!("{:.1}–{:.1}", i as f64 / 10.0, (i + 1) as f64 / 10.0),
            b.count.to_string(),
            f3(b.mean_confidence()),
            f3(b.accuracy()),
        ];
        for (c, cell) in cells.iter().enumerate() {
            w!(
                out,
                "<text x=\"{:.1}\" y=\"{ty:.1}\" class=\"small\"{}>{cell}</text>",
                cols[c],
                if c > 0 { " text-anchor=\"end\"" } else { "" }
            );
        }
        out.push('\n');
    }
    if cal.documents == 0 {
        w!(
            out,
            "<text x=\"{:.1}\" y=\"{mid:.1}\" text-anchor=\"middle\">no predictions</text>\n",
            x0 + side / 2.0
        );
    }
    out.push_str("</svg>");
    out
}

/// Per-fold accuracy and macro-F1 with their means and ±1 standard
/// deviation bands.
fn fold_chart(cv: &CvSummary) -> String {
    let (w, h) = (540.0, 240.0);
    let (x0, x1, y0, y1) = (44.0, w - 150.0, 12.0, h - 46.0);
    let y = |v: f64| y1 - v.clamp(0.0, 1.0) * (y1 - y0);
    let k = cv.fold_accuracy.len().max(1);
    let fx = |i: usize| x0 + (i as f64 + 0.5) * (x1 - x0) / k as f64;
    let mut out = String::new();
    svg_open(&mut out, w, h, "per-fold scores of cross-validation");
    y_grid(
        &mut out,
        x0,
        x1,
        &(0..=4)
            .map(|i| (y(i as f64 / 4.0), format!("{:.2}", i as f64 / 4.0)))
            .collect::<Vec<_>>(),
    );
    let series = [
        (
            "accuracy",
            BLUE,
            &cv.fold_accuracy,
            cv.accuracy_mean,
            cv.accuracy_std,
            -5.0,
        ),
        (
            "macro-F1",
            ORANGE,
            &cv.fold_macro_f1,
            cv.macro_f1_mean,
            cv.macro_f1_std,
            5.0,
        ),
    ];
    for (n, (name, color, values, mean, std, dx)) in series.into_iter().enumerate() {
        w!(out, "<rect x=\"{x0}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{color}\" fill-opacity=\".14\"/>\n", y(mean + std), x1 - x0, y(mean - std) - y(mean + std));
        let dash = if n == 0 { "6 3" } else { "2 3" };
        w!(out, "<line x1=\"{x0}\" x2=\"{x1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{color}\" stroke-width=\"1.5\" stroke-dasharray=\"{dash}\"/>\n", y(mean), y(mean));
        // Circles and squares, so the series differ without color too.
        let marker = |out: &mut String, cx: f64, cy: f64, title: &str| {
            match n {
            0 => w!(out, "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"4.5\" fill=\"{color}\" stroke=\"#000\">{title}</circle>\n"),
            _ => w!(out, "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"8\" height=\"8\" fill=\"{color}\" stroke=\"#000\">{title}</rect>\n", cx - 4.0, cy - 4.0),
        }
        };
        for (i, &v) in values.iter().enumerate() {
            marker(
                &mut out,
                fx(i) + dx,
                y(v),
                &format!("<title>fold {} {name}: {}</title>", i + 1, f3(v)),
            );
        }
        let ly = y0 + 14.0 + n as f64 * 36.0;
        marker(&mut out, x1 + 22.0, ly - 4.0, "");
        w!(out, "<text x=\"{:.1}\" y=\"{ly:.1}\">{name}</text><text x=\"{:.1}\" y=\"{:.1}\" class=\"small\">mean {} ± {}</text>\n", x1 + 32.0, x1 + 32.0, ly + 14.0, f3(mean), f3(std));
    }
    for i in 0..k {
        w!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"small\">{}</text>\n",
            fx(i),
            y1 + 14.0,
            i + 1
        );
    }
    w!(
        out,
        "<line x1=\"{x0}\" x2=\"{x1}\" y1=\"{y1}\" y2=\"{y1}\" stroke=\"#222\"/>\n"
    );
    w!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"axis\">fold</text>\n</svg>",
        (x0 + x1) / 2.0,
        y1 + 32.0
    );
    out
}

const CSS: &str = "
body{margin:0;background:#fff;color:#1a1a1a;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}
main{max-width:1160px;margin:0 auto;padding:20px 20px 36px}
h1{font-size:26px;margin:0 0 6px} h3{font-size:16px;margin:20px 0 8px}
h2{font-size:21px;margin:0 0 12px;padding-bottom:4px;border-bottom:2px solid #1a1a1a}
code{font:12.5px ui-monospace,Menlo,Consolas,monospace;background:#f0f0f0;padding:1px 4px;border-radius:3px;overflow-wrap:anywhere}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:10px 0} dl.meta dt{color:#555} dl.meta dd{margin:0}
p.rules{font-size:13px;color:#444;max-width:900px} ul.notes li{color:#7a3b00} nav a{margin-right:14px}
section.head{margin-top:26px} p.train{font-size:13px;color:#333;margin:4px 0 12px}
.kpis{display:flex;flex-wrap:wrap;gap:12px;margin:0 0 10px} .kpi{border:1px solid #aaa;border-radius:6px;padding:6px 14px;min-width:110px}
.kpi .v{display:block;font-size:24px;font-weight:600;font-variant-numeric:tabular-nums} .kpi .k{color:#555;font-size:13px}
.figs{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:16px;margin-bottom:16px}
figure{margin:0;border:1px solid #d4d4d4;border-radius:6px;padding:10px 12px} figure h4{margin:0 0 6px;font-size:14px}
figcaption{font-size:12.5px;color:#444;margin-top:6px} svg.chart{display:block;max-width:100%;height:auto}
svg text{font-family:system-ui,sans-serif;font-size:11px;fill:#1a1a1a} svg .small{font-size:10px} svg .b{font-weight:600}
svg .big{font-size:14px;font-weight:600} svg .lab{font-size:12px} svg .axis{font-size:12px;fill:#444} svg .inv{fill:#fff}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:13px} .num{text-align:right}
th,td{padding:3px 8px;border-bottom:1px solid #e2e2e2;text-align:left;vertical-align:top} th{border-bottom:1px solid #888;white-space:nowrap}
table.mistakes{width:100%} table.mistakes td.text{width:46%}
blockquote{margin:0;white-space:pre-wrap;overflow-wrap:anywhere;color:#333;font-size:12.5px}
.term{display:inline-block;border:1px solid #999;border-radius:3px;padding:0 4px;margin:1px 2px;font-size:12px}
.ramp{display:inline-block;width:80px;height:10px;border:1px solid #999;vertical-align:middle;background:linear-gradient(90deg,#f7fbff,#08306b)}
footer{margin-top:28px;font-size:12px;color:#555;border-top:1px solid #ccc;padding-top:8px}
@media (max-width:900px){.figs{grid-template-columns:1fr}} @media print{figure,tr{break-inside:avoid}}
";

fn render(report: &EvalReport, date: &str) -> String {
    let mut s = String::with_capacity(96 * 1024);
    w!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    );
    // Nothing may be fetched or run, even if escaping were ever wrong.
    s.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
    w!(s, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>classify evaluation: {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n", escape(&report.data));
    w!(s, "<h1>Evaluation report</h1>\n<dl class=\"meta\">\n<dt>data</dt><dd><code>{}</code></dd>\n<dt>model</dt><dd><code>{}</code></dd>\n<dt>report date</dt><dd id=\"report-date\">{}</dd>\n", escape(&report.data), escape(&report.model), escape(date));
    if let Some(m) = &report.metadata {
        metadata(&mut s, m);
    }
    s.push_str("</dl>\n");
    s.push_str("<p class=\"rules\">Scores are rounded to 3 decimal places from the same values that <code>classify eval --format json</code> prints; counts are exact. \
        Confidence is the probability of the predicted class; the histogram and calibration curve use 10 equal-width bins ([0.0, 0.1), …, [0.9, 1.0]), and \
        ECE (expected calibration error) = Σ over bins of (n<sub>bin</sub> / n) × |accuracy<sub>bin</sub> − mean confidence<sub>bin</sub>|.</p>\n");
    if !report.notes.is_empty() {
        s.push_str("<ul class=\"notes\">\n");
        for note in &report.notes {
            w!(s, "<li>{}</li>\n", escape(note));
        }
        s.push_str("</ul>\n");
    }
    if report.heads.len() > 1 {
        s.push_str("<nav>Heads: ");
        for (i, h) in report.heads.iter().enumerate() {
            w!(s, "<a href=\"#h{i}\">{}</a>", escape(&h.head));
        }
        s.push_str("</nav>\n");
    }
    for (i, head) in report.heads.iter().enumerate() {
        head_section(&mut s, &format!("h{i}"), head, report.metadata.as_ref());
    }
    w!(s, "<footer>Generated by classify {} on {}. This page is self-contained: no scripts, fonts or network requests.</footer>\n</main>\n</body>\n</html>\n", env!("CARGO_PKG_VERSION"), escape(date));
    s
}

fn metadata(s: &mut String, m: &Metadata) {
    w!(
        s,
        "<dt>model created</dt><dd id=\"meta-created\">{} by classify {}</dd>\n",
        escape(&m.created),
        escape(&m.classify_version)
    );
    w!(
        s,
        "<dt>algorithm</dt><dd id=\"meta-algorithm\">{}</dd>\n",
        escape(&m.algorithm)
    );
    w!(s, "<dt>training data</dt><dd><code>{}</code>, <span id=\"meta-documents\">{}</span> documents</dd>\n", escape(&m.data), m.documents);
    if !m.command.is_empty() {
        w!(
            s,
            "<dt>training command</dt><dd><code>{}</code></dd>\n",
            escape(&m.command.join(" "))
        );
    }
}

fn kpi(s: &mut String, id: &str, value: &str, label: &str) {
    w!(s, "<div class=\"kpi\"><span class=\"v\" id=\"{id}\">{value}</span><span class=\"k\">{label}</span></div>\n");
}

fn head_section(s: &mut String, id: &str, head: &HeadEval, meta: Option<&Metadata>) {
    let sc = &head.scores;
    let cal = calibration(&head.predictions);
    w!(
        s,
        "<section class=\"head\" id=\"{id}\">\n<h2>{}</h2>\n<div class=\"kpis\">\n",
        escape(&head.head)
    );
    kpi(s, &format!("{id}-accuracy"), &f3(sc.accuracy), "accuracy");
    kpi(s, &format!("{id}-macro_f1"), &f3(sc.macro_f1), "macro-F1");
    kpi(
        s,
        &format!("{id}-weighted_f1"),
        &f3(sc.weighted_f1),
        "weighted F1",
    );
    kpi(
        s,
        &format!("{id}-documents"),
        &sc.documents.to_string(),
        "documents",
    );
    let ece = if cal.documents > 0 {
        f3(cal.ece)
    } else {
        "n/a".into()
    };
    kpi(s, &format!("{id}-ece"), &ece, "ECE (calibration error)");
    s.push_str("</div>\n");
    if let Some(info) = meta.and_then(|m| m.heads.iter().find(|h| h.name == head.head)) {
        let counts: Vec<String> = info
            .class_counts
            .iter()
            .map(|(c, n)| format!("{} {n}", escape(c)))
            .collect();
        w!(s, "<p class=\"train\">Trained on: {}.", counts.join(", "));
        if let Some(cv) = &info.cv {
            let ((am, asd), (fm, fsd)) = (mean_std(&cv.accuracy), mean_std(&cv.macro_f1));
            let folds = |v: &[f64]| v.iter().map(|x| f3(*x)).collect::<Vec<_>>().join(", ");
            w!(s, " Stored {}-fold cross-validation at training time: accuracy <b id=\"{id}-stored-accuracy\">{}</b> ± {} (folds {}), macro-F1 <b id=\"{id}-stored-macro_f1\">{}</b> ± {} (folds {}).",
                cv.folds, f3(am), f3(asd), folds(&cv.accuracy), f3(fm), f3(fsd), folds(&cv.macro_f1));
            if let Some(p) = &cv.pooled {
                w!(s, " All folds pooled: accuracy <b id=\"{id}-stored-pooled-accuracy\">{}</b>, macro-F1 <b id=\"{id}-stored-pooled-macro_f1\">{}</b>.",
                    f3(p.accuracy), f3(p.macro_f1));
            }
        }
        s.push_str("</p>\n");
    }
    if let Some(cv) = &head.cv {
        cv_block(s, id, cv);
    }
    s.push_str("<div class=\"figs\">\n<figure>\n<h4>Confusion matrix</h4>\n");
    s.push_str(&heatmap(id, sc));
    s.push_str("<figcaption>Rows: true class; columns: predicted class. Each cell shows the count of documents; shading shows the share of the row \
        (<span class=\"ramp\"></span> 0% to 100% of the true class), also printed as a percentage. The diagonal (correct) is outlined.</figcaption>\n</figure>\n");
    s.push_str("<figure>\n<h4>Precision, recall and F1 per class</h4>\n");
    s.push_str(&class_bars(id, sc));
    s.push_str("<table>\n<tr><th>class</th><th class=\"num\">precision</th><th class=\"num\">recall</th><th class=\"num\">F1</th><th class=\"num\">support</th></tr>\n");
    for (c, cs) in sc.per_class.iter().enumerate() {
        w!(s, "<tr><td>{}</td><td class=\"num\" id=\"{id}-c{c}-precision\">{}</td><td class=\"num\" id=\"{id}-c{c}-recall\">{}</td><td class=\"num\" id=\"{id}-c{c}-f1\">{}</td><td class=\"num\" id=\"{id}-c{c}-support\">{}</td></tr>\n",
            escape(&cs.class), f3(cs.precision), f3(cs.recall), f3(cs.f1), cs.support);
    }
    s.push_str(
        "</table>\n</figure>\n<figure>\n<h4>Confidence of correct and wrong predictions</h4>\n",
    );
    s.push_str(&histogram(id, &cal));
    s.push_str("<figcaption>Number of documents per confidence bin; solid bars: correct, hatched bars: wrong. \
        A model that is sure of its mistakes has hatched bars on the right.</figcaption>\n</figure>\n<figure>\n<h4>Reliability (calibration)</h4>\n");
    s.push_str(&reliability(id, &cal));
    w!(s, "<figcaption>Per non-empty bin, the share of correct predictions against the mean confidence; points on the dashed diagonal are perfectly calibrated. \
        Expected calibration error over {} documents: <b>{ece}</b>.</figcaption>\n</figure>\n</div>\n", cal.documents);
    risk_block(s, id, head);
    mistakes(s, id, head);
    s.push_str("</section>\n");
}

fn cv_block(s: &mut String, id: &str, cv: &CvSummary) {
    w!(s, "<h3>{}-fold cross-validation</h3>\n<p>Accuracy <b id=\"{id}-cv-accuracy_mean\">{}</b> ± <b id=\"{id}-cv-accuracy_std\">{}</b>, macro-F1 <b id=\"{id}-cv-macro_f1_mean\">{}</b> ± <b id=\"{id}-cv-macro_f1_std\">{}</b> \
        (mean ± population standard deviation over folds). The scores above pool the out-of-fold predictions of all folds.</p>\n",
        cv.folds, f3(cv.accuracy_mean), f3(cv.accuracy_std), f3(cv.macro_f1_mean), f3(cv.macro_f1_std));
    s.push_str("<div class=\"figs\">\n<figure>\n<h4>Scores per fold</h4>\n");
    s.push_str(&fold_chart(cv));
    s.push_str("<figcaption>Dashed lines: means; shaded bands: ± one standard deviation.</figcaption>\n</figure>\n<figure>\n<h4>Per-fold values</h4>\n<table>\n<tr><th>fold</th><th class=\"num\">accuracy</th><th class=\"num\">macro-F1</th></tr>\n");
    for (i, (a, f)) in cv.fold_accuracy.iter().zip(&cv.fold_macro_f1).enumerate() {
        w!(s, "<tr><td>{}</td><td class=\"num\" id=\"{id}-cv-f{i}-accuracy\">{}</td><td class=\"num\" id=\"{id}-cv-f{i}-macro_f1\">{}</td></tr>\n", i + 1, f3(*a), f3(*f));
    }
    s.push_str("</table>\n</figure>\n</div>\n");
}

/// The risk-coverage curve and table: what labeling only predictions at or
/// above a threshold gives.
fn risk_block(s: &mut String, id: &str, head: &HeadEval) {
    s.push_str("<div class=\"figs\">\n<figure>\n<h4>Accuracy against coverage</h4>\n");
    s.push_str(&risk_chart(id, head));
    s.push_str("<figcaption>Each point keeps only the predictions whose probability reaches a threshold (labels: 0.0 to 0.9): \
        the share of documents labeled (coverage) against their accuracy (solid) and macro-F1 (dashed). \
        Raising the threshold trades coverage for accuracy.</figcaption>\n</figure>\n<figure>\n<h4>Risk-coverage table</h4>\n");
    if let Some(t) = &head.target {
        match &t.reached {
            Some(r) => w!(s, "<p id=\"{id}-target\">Accuracy {} is reached from threshold <b>{}</b>: {} of {} documents labeled ({}), accuracy {}.</p>\n",
                f3(t.accuracy), f3(r.threshold), r.labeled, head.scores.documents, f3(r.coverage), f3(r.accuracy)),
            None => w!(s, "<p id=\"{id}-target\">No threshold reaches accuracy {} on this data.</p>\n", f3(t.accuracy)),
        }
    }
    s.push_str("<table>\n<tr><th class=\"num\">threshold</th><th class=\"num\">labeled</th><th class=\"num\">coverage</th><th class=\"num\">accuracy</th><th class=\"num\">macro-F1</th></tr>\n");
    for (i, r) in head.risk_coverage.iter().enumerate() {
        w!(s, "<tr><td class=\"num\">{:.2}</td><td class=\"num\">{}</td><td class=\"num\" id=\"{id}-rc{i}-coverage\">{}</td><td class=\"num\" id=\"{id}-rc{i}-accuracy\">{}</td><td class=\"num\">{}</td></tr>\n",
            r.threshold, r.labeled, f3(r.coverage), f3(r.accuracy), f3(r.macro_f1));
    }
    s.push_str("</table>\n</figure>\n</div>\n");
}

fn risk_chart(id: &str, head: &HeadEval) -> String {
    let (w, h) = (540.0, 300.0);
    let (x0, y0, side) = (50.0, 12.0, 236.0);
    let (x1, y1) = (x0 + side, y0 + side);
    let px = |v: f64| x0 + v * side;
    let py = |v: f64| y1 - v * side;
    let mut out = String::new();
    svg_open(
        &mut out,
        w,
        h,
        "accuracy and macro-F1 of the labeled share against coverage",
    );
    for i in 0..=5 {
        let v = i as f64 / 5.0;
        w!(out, "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y0}\" y2=\"{y1}\" stroke=\"#ddd\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"small\">{v:.1}</text>\n", px(v), px(v), px(v), y1 + 14.0);
    }
    y_grid(
        &mut out,
        x0,
        x1,
        &(0..=5)
            .map(|i| (py(i as f64 / 5.0), format!("{:.1}", i as f64 / 5.0)))
            .collect::<Vec<_>>(),
    );
    w!(out, "<rect x=\"{x0}\" y=\"{y0}\" width=\"{side}\" height=\"{side}\" fill=\"none\" stroke=\"#222\"/>\n");
    let rows: Vec<_> = head
        .risk_coverage
        .iter()
        .filter(|r| r.labeled > 0)
        .collect();
    let accuracy: Vec<(f64, f64)> = rows.iter().map(|r| (r.coverage, r.accuracy)).collect();
    let macro_f1: Vec<(f64, f64)> = rows.iter().map(|r| (r.coverage, r.macro_f1)).collect();
    for (values, color, dash) in [
        (accuracy, BLUE, ""),
        (macro_f1, ORANGE, " stroke-dasharray=\"6 4\""),
    ] {
        if values.len() > 1 {
            let points: Vec<String> = values
                .iter()
                .map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
                .collect();
            w!(out, "<polyline points=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{dash}/>\n", points.join(" "));
        }
    }
    for (i, r) in head.risk_coverage.iter().enumerate() {
        if r.labeled == 0 {
            continue;
        }
        let (x, y) = (px(r.coverage), py(r.accuracy));
        w!(out, "<circle id=\"{id}-rc{i}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.5\" fill=\"{BLUE}\" stroke=\"#000\"><title>threshold {:.2}: coverage {}, accuracy {}, macro-F1 {}</title></circle>\n",
            r.threshold, f3(r.coverage), f3(r.accuracy), f3(r.macro_f1));
        if i % 2 == 0 {
            w!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" class=\"small\">{:.1}</text>\n",
                x + 5.0,
                y - 5.0,
                r.threshold
            );
        }
    }
    let mid = y0 + side / 2.0;
    w!(out, "<text x=\"14\" y=\"{mid:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {mid:.1})\" class=\"axis\">accuracy / macro-F1</text>\n");
    w!(out, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"axis\">coverage (share labeled)</text>\n", x0 + side / 2.0, y1 + 32.0);
    let tx = x1 + 26.0;
    w!(out, "<line x1=\"{tx}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{BLUE}\" stroke-width=\"2\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"small\">accuracy</text>\n", tx + 22.0, y0 + 14.0, y0 + 14.0, tx + 28.0, y0 + 17.0);
    w!(out, "<line x1=\"{tx}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{ORANGE}\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"small\">macro-F1</text>\n", tx + 22.0, y0 + 30.0, y0 + 30.0, tx + 28.0, y0 + 33.0);
    if rows.is_empty() {
        w!(
            out,
            "<text x=\"{:.1}\" y=\"{mid:.1}\" text-anchor=\"middle\">no predictions</text>\n",
            x0 + side / 2.0
        );
    }
    out.push_str("</svg>");
    out
}

fn mistakes(s: &mut String, id: &str, head: &HeadEval) {
    let names: Vec<&str> = head
        .scores
        .per_class
        .iter()
        .map(|c| c.class.as_str())
        .collect();
    let name = |i: usize| names.get(i).copied().unwrap_or("?");
    let list = confident_mistakes(&head.predictions, MAX_MISTAKES);
    let wrong = head.predictions.iter().filter(|p| p.gold != p.pred).count();
    w!(
        s,
        "<h3>Most confident mistakes ({} of {wrong})</h3>\n",
        list.len()
    );
    if list.is_empty() {
        s.push_str("<p>No wrong predictions on this head.</p>\n");
        return;
    }
    w!(s, "<table class=\"mistakes\" id=\"{id}-mistakes\">\n<tr><th class=\"num\">#</th><th>document</th><th>true → predicted</th><th class=\"num\">probability</th><th>top terms</th><th>sentences that decided</th><th>first lines</th></tr>\n");
    for (r, p) in list.iter().enumerate() {
        let terms = if p.terms.is_empty() {
            "<span title=\"not recorded under cross-validation\">—</span>".to_string()
        } else {
            p.terms
                .iter()
                .map(|t| format!("<span class=\"term\">{}</span>", escape(t)))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let evidence = if p.evidence.is_empty() {
            "—".to_string()
        } else {
            p.evidence
                .iter()
                .map(|e| format!("<blockquote class=\"evidence\">{}</blockquote>", escape(e)))
                .collect::<String>()
        };
        let probability = p.probability.map_or("—".to_string(), |v| f3(f64::from(v)));
        w!(s, "<tr><td class=\"num\">{}</td><td><code>{}</code></td><td>{} → <b>{}</b></td><td class=\"num\">{probability}</td><td>{terms}</td><td class=\"text\">{evidence}</td><td class=\"text\"><blockquote>{}</blockquote></td></tr>\n",
            r + 1, escape(&p.id), escape(name(p.gold)), escape(name(p.pred)), escape(&first_lines(&p.excerpt, EXCERPT_LINES)));
    }
    s.push_str("</table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CvScores, HeadInfo};

    fn pred(id: &str, gold: usize, pred: usize, probability: f32) -> DocPrediction {
        DocPrediction {
            id: id.into(),
            gold,
            pred,
            probability: Some(probability),
            terms: vec!["asylum".into(), "border".into()],
            evidence: vec![format!("The sentence of {id}.")],
            excerpt: format!("text of {id}"),
        }
    }

    fn report() -> EvalReport {
        let classes: Vec<String> = ["critical", "neutral", "<b>supportive</b>"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let predictions = vec![
            pred("a.md", 0, 0, 0.95),
            pred("b.md", 0, 1, 0.85),
            pred("c.md", 1, 1, 0.85),
            DocPrediction {
                excerpt: "<script>alert(1)</script> Tom & \"Jerry\" 'quoted'\nsecond line".into(),
                ..pred("d <x>.md", 2, 0, 0.55)
            },
            pred("e.md", 2, 2, 0.7),
        ];
        let cv = CvScores {
            folds: 3,
            accuracy: vec![0.5, 0.75, 1.0],
            macro_f1: vec![0.4, 0.7, 0.9],
            pooled: None,
        };
        EvalReport {
            model: "m.model".into(),
            data: "d & e.jsonl".into(),
            heads: vec![HeadEval::new(
                "stance".into(),
                &classes,
                predictions,
                None,
                Some(CvSummary::from_scores(&cv)),
                Some(0.8),
            )],
            notes: vec!["head \"topic\" skipped: <none>".into()],
            metadata: Some(Metadata {
                created: "2026-01-01".into(),
                classify_version: "0.1.0".into(),
                command: vec!["classify".into(), "train".into()],
                data: "corpus".into(),
                documents: 24,
                algorithm: "linear-svm".into(),
                heads: vec![HeadInfo {
                    name: "stance".into(),
                    class_counts: [("critical".to_string(), 8)].into(),
                    cv: Some(cv),
                }],
            }),
        }
    }

    fn html(r: &EvalReport) -> String {
        let mut out = Vec::new();
        write_html_dated(r, "2026-02-03", &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The text of the element with `id="..."`, up to its first child tag.
    fn by_id<'a>(html: &'a str, id: &str) -> &'a str {
        let key = format!("id=\"{id}\"");
        let start = html.find(&key).unwrap_or_else(|| panic!("no element {id}")) + key.len();
        let rest = &html[start..];
        let open = rest.find('>').unwrap() + 1;
        &rest[open..open + rest[open..].find('<').unwrap()]
    }

    #[test]
    fn escapes_markup_ampersands_and_quotes() {
        let cases = [
            (
                "<script>alert(1)</script>",
                "&lt;script&gt;alert(1)&lt;/script&gt;",
            ),
            (
                "Tom & \"Jerry\" 'x'",
                "Tom &amp; &quot;Jerry&quot; &#39;x&#39;",
            ),
            ("Zürich – 東京\n", "Zürich – 東京\n"),
            ("bell\u{7}", "bell\u{FFFD}"),
        ];
        for (raw, want) in cases {
            assert_eq!(escape(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn document_text_and_class_names_never_become_tags() {
        let page = html(&report());
        assert!(!page.contains("<script"), "live script tag");
        assert!(!page.contains("<b>supportive"), "class name unescaped");
        assert!(!page.contains("<x>") && !page.contains("<none>"));
        assert!(page.contains(
            "&lt;script&gt;alert(1)&lt;/script&gt; Tom &amp; &quot;Jerry&quot; &#39;quoted&#39;"
        ));
        assert!(page.contains("&lt;b&gt;supportive&lt;/b&gt;"));
        assert!(page.contains("d &amp; e.jsonl"));
        assert!(!page.contains("http://") && !page.contains("https://"));
    }

    #[test]
    fn heatmap_cells_show_counts() {
        // Confusion of report(): critical row [1, 1, 0], neutral [0, 1, 0], supportive [1, 0, 1].
        let svg = heatmap("t", &report().heads[0].scores);
        let cells: Vec<Vec<&str>> = (0..3)
            .map(|g| {
                (0..3)
                    .map(|p| by_id(&svg, &format!("t-cm-{g}-{p}")))
                    .collect()
            })
            .collect();
        assert_eq!(
            cells,
            vec![
                vec!["1", "1", "0"],
                vec!["0", "1", "0"],
                vec!["1", "0", "1"]
            ]
        );
        // The neutral row is all correct: darkest shade, white count text.
        assert!(svg.contains(&format!("fill=\"{}\" stroke=\"#222\"", blues(1.0))));
        assert!(svg.contains("id=\"t-cm-1-1\" x=\"") && svg.contains("class=\"inv big\">1</text>"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }

    #[test]
    fn expected_calibration_error_by_hand() {
        // Bins of report()'s probabilities:
        //   bin 9: 0.95 (correct)              acc 1,   conf 0.95 -> 1/5 * 0.05 = 0.010
        //   bin 8: 0.85 (wrong), 0.85 (right)  acc 0.5, conf 0.85 -> 2/5 * 0.35 = 0.140
        //   bin 7: 0.70 (correct)              acc 1,   conf 0.70 -> 1/5 * 0.30 = 0.060
        //   bin 5: 0.55 (wrong)                acc 0,   conf 0.55 -> 1/5 * 0.55 = 0.110
        //   ECE = 0.010 + 0.140 + 0.060 + 0.110 = 0.320
        let cal = calibration(&report().heads[0].predictions);
        assert!((cal.ece - 0.32).abs() < 1e-6, "{}", cal.ece);
        let counts: Vec<usize> = cal.bins.iter().map(|b| b.count).collect();
        assert_eq!(counts, [0, 0, 0, 0, 0, 1, 0, 1, 2, 1]);
        assert_eq!(cal.bins[8].accuracy(), 0.5);
        // 0.7 is binned as written, not as the f32 0.69999999; exactly 1.0
        // belongs to the last bin.
        assert_eq!(calibration(&[pred("x", 0, 0, 1.0)]).bins[9].count, 1);
        assert_eq!(calibration(&[]).ece, 0.0);
        assert_eq!(by_id(&html(&report()), "h0-ece"), "0.320");
    }

    #[test]
    fn numbers_equal_the_json_report() {
        let r = report();
        let page = html(&r);
        let mut json = Vec::new();
        r.write_json(&mut json).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        let head = &v["heads"][0];
        let num = |x: &serde_json::Value| format!("{:.3}", x.as_f64().unwrap());
        for key in ["accuracy", "macro_f1", "weighted_f1"] {
            assert_eq!(by_id(&page, &format!("h0-{key}")), num(&head[key]), "{key}");
        }
        assert_eq!(by_id(&page, "h0-documents"), head["documents"].to_string());
        for (c, class) in head["per_class"].as_array().unwrap().iter().enumerate() {
            for key in ["precision", "recall", "f1"] {
                assert_eq!(
                    by_id(&page, &format!("h0-c{c}-{key}")),
                    num(&class[key]),
                    "class {c} {key}"
                );
            }
            assert_eq!(
                by_id(&page, &format!("h0-c{c}-support")),
                class["support"].to_string()
            );
        }
        for (g, row) in head["confusion"].as_array().unwrap().iter().enumerate() {
            for (p, count) in row.as_array().unwrap().iter().enumerate() {
                assert_eq!(by_id(&page, &format!("h0-cm-{g}-{p}")), count.to_string());
            }
        }
        for key in [
            "accuracy_mean",
            "accuracy_std",
            "macro_f1_mean",
            "macro_f1_std",
        ] {
            assert_eq!(
                by_id(&page, &format!("h0-cv-{key}")),
                num(&head["cv"][key]),
                "{key}"
            );
        }
        for (i, x) in head["cv"]["fold_macro_f1"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
        {
            assert_eq!(by_id(&page, &format!("h0-cv-f{i}-macro_f1")), num(x));
        }
        assert_eq!(
            by_id(&page, "meta-documents"),
            v["metadata"]["documents"].to_string()
        );
        assert_eq!(by_id(&page, "h0-stored-accuracy"), "0.750");
        assert_eq!(by_id(&page, "report-date"), "2026-02-03");
    }

    #[test]
    fn mistakes_most_confident_first_and_deterministic() {
        let r = report();
        let ids: Vec<&str> = confident_mistakes(&r.heads[0].predictions, 10)
            .iter()
            .map(|p| p.id.as_str())
            .collect();
        assert_eq!(ids, ["b.md", "d <x>.md"]);
        assert_eq!(html(&r), html(&r));
        assert_eq!(
            first_lines("\n\n one\ntwo\n\nthree\nfour\nfive", 4),
            " one\ntwo\nthree\nfour"
        );
        // Heatmap, class bars, histogram, reliability, risk-coverage, folds.
        assert_eq!(html(&r).matches("<svg").count(), 6);
        assert!(
            html(&r).contains("<blockquote class=\"evidence\">The sentence of b.md.</blockquote>")
        );
    }
}
