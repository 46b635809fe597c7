//! `classify_news._classify`: the Rust side of the Python package
//! `classify-news`. Glue only: it converts Python values to the library's
//! types and back, releases the GIL around every library call that does
//! real work, and turns library errors into Python exceptions carrying the
//! same one-line message the CLI prints. Labels, probabilities, errors,
//! options, defaults, model descriptions and evaluations all come from the
//! `classify` library; the public Python API (`classify_news.Model`,
//! `train`, `evaluate`, `spark.label`) is written in Python on top of this.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyType};
use serde_json::{Map, Value};

use classify::atomic::WriteError;
use classify::classifier::ClassWeight;
use classify::corpus::{self, CorpusError, CorpusOptions, RawRecord};
use classify::cv::{self, Folds};
use classify::document::{self, DocumentError};
use classify::eval::EvalError;
use classify::render::info::info_json;
use classify::render::labels::{label_json, Columns, Labeled};
use classify::source::{parse_record, WalkOptions};
use classify::tokenize::StopWords;
use classify::{
    Algorithm, EvalOptions, Format, LabelOptions, MinConfidence, ModelError, Overwrite, ParamError,
    Silent, TrainError, TrainParams,
};

/// Texts converted and labeled per step: the GIL is held only to convert
/// a step's inputs and outputs, and a huge input is never copied whole.
const STEP: usize = 4096;

/// A library failure on its way to Python: the message is the library's
/// (what the CLI prints after `classify: `); the kind picks the exception
/// class, `ClassifyValueError` or `ClassifyOSError` (both defined in
/// `classify_news/_errors.py`, subclasses of `ClassifyError`).
#[derive(Debug)]
enum Fail {
    /// Bad input or options: `ClassifyValueError`.
    Value(String),
    /// A file that cannot be read or written: `ClassifyOSError`.
    Os(String),
    /// A Python argument of the wrong type: `TypeError`.
    Type(String),
}

static VALUE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static OS_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

impl From<Fail> for PyErr {
    fn from(fail: Fail) -> PyErr {
        Python::attach(|py| {
            let (cell, name, message) = match fail {
                Fail::Type(m) => return PyTypeError::new_err(m),
                Fail::Value(m) => (&VALUE_ERROR, "ClassifyValueError", m),
                Fail::Os(m) => (&OS_ERROR, "ClassifyOSError", m),
            };
            match cell.import(py, "classify_news._errors", name) {
                Ok(class) => PyErr::from_type(class.clone(), message),
                Err(e) => e,
            }
        })
    }
}

macro_rules! value_errors {
    ($($t:ty),*) => {$(
        impl From<$t> for Fail {
            fn from(e: $t) -> Fail {
                Fail::Value(e.to_string())
            }
        }
    )*};
}

value_errors!(TrainError, EvalError, DocumentError, ParamError);

impl From<ModelError> for Fail {
    fn from(e: ModelError) -> Fail {
        match e {
            ModelError::Io { .. } => Fail::Os(e.to_string()),
            _ => Fail::Value(e.to_string()),
        }
    }
}

impl From<WriteError> for Fail {
    fn from(e: WriteError) -> Fail {
        Fail::Os(e.to_string())
    }
}

impl From<CorpusError> for Fail {
    fn from(e: CorpusError) -> Fail {
        match e {
            CorpusError::Io { .. } => Fail::Os(e.to_string()),
            _ => Fail::Value(e.to_string()),
        }
    }
}

/// A JSON value as the Python value `json.loads` would give.
fn to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN)).into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let items = items
                .iter()
                .map(|x| to_py(py, x))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)?.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, x) in map {
                dict.set_item(k, to_py(py, x)?)?;
            }
            dict.into_any()
        }
    })
}

/// A Python value of a record as the JSON value a JSON Lines line would
/// hold: strings, numbers and booleans; anything else (None, NaN, lists,
/// dates) as null, which the record reader ignores.
fn to_json(v: &Bound<'_, PyAny>) -> Value {
    if v.is_none() {
        return Value::Null;
    }
    if let Ok(b) = v.cast::<PyBool>() {
        return Value::Bool(b.is_true());
    }
    if let Ok(s) = v.cast::<PyString>() {
        return s
            .to_cow()
            .map_or(Value::Null, |s| Value::String(s.into_owned()));
    }
    if v.is_instance_of::<PyInt>() || !v.is_instance_of::<PyFloat>() {
        // int, and integer types with __index__ (numpy.int64).
        if let Ok(i) = v.extract::<i64>() {
            return Value::from(i);
        }
        if let Ok(u) = v.extract::<u64>() {
            return Value::from(u);
        }
    }
    match v.extract::<f64>() {
        Ok(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        Err(_) => Value::Null,
    }
}

/// One input of a batch: a `str` is a record's text as in JSON Lines;
/// `bytes` are a file's content (decoded as `classify label` decodes a
/// file: UTF-8, or UTF-16 with a byte-order mark; a NUL byte is binary).
/// `Err` holds why it cannot be labeled.
fn extract_text(item: &Bound<'_, PyAny>) -> Result<String, String> {
    if let Ok(s) = item.cast::<PyString>() {
        return s
            .to_cow()
            .map(|s| s.into_owned())
            .map_err(|_| "text is not valid Unicode (it holds a lone surrogate)".to_string());
    }
    if let Ok(b) = item.cast::<PyBytes>() {
        return document::decode(b.as_bytes().to_vec()).map_err(|e| e.to_string());
    }
    if item.is_none() {
        return Err("no text (None)".into());
    }
    if let Ok(f) = item.cast::<PyFloat>() {
        if f.value().is_nan() {
            return Err("no text (NaN)".into());
        }
    }
    Err(format!(
        "not a text: expected str or bytes, got {}",
        type_name(item)
    ))
}

/// Rayon pools of a fixed size, made once per size: `threads=N` labels
/// with N threads (a Spark task with its share of cores) instead of all.
fn pool(threads: usize) -> Result<Arc<rayon::ThreadPool>, Fail> {
    static POOLS: Mutex<Vec<(usize, Arc<rayon::ThreadPool>)>> = Mutex::new(Vec::new());
    let mut pools = POOLS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, p)) = pools.iter().find(|(n, _)| *n == threads) {
        return Ok(p.clone());
    }
    let p = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map(Arc::new)
        .map_err(|e| Fail::Os(format!("cannot start {threads} labeling threads: {e}")))?;
    pools.push((threads, p.clone()));
    Ok(p)
}

/// One labeled document as `(column, value)` pairs: [`label_json`] (the
/// one JSON shape of `classify label --format json`) flattened, each head's
/// `label` under the head's name and every other field under
/// `head_field` (`topic_probability`, `topic_uncertain`, ...), so fields
/// the library adds later become columns without a change here; then
/// `reason` (why the document got `unknown`, else null), always last.
fn flatten(labels: classify::DocumentLabels, options: &LabelOptions) -> Vec<(String, Value)> {
    let doc = Labeled {
        key: "id",
        name: String::new(),
        labels,
    };
    let json = label_json(&doc, Columns::of(options));
    let mut out = Vec::new();
    let mut reason = Value::Null;
    if let Value::Object(map) = json {
        for (head, value) in map.into_iter().skip(1) {
            if head == "reason" {
                reason = value;
                continue;
            }
            match value {
                Value::Object(fields) => {
                    for (field, v) in fields {
                        let name = if field == "label" {
                            head.clone()
                        } else {
                            format!("{head}_{field}")
                        };
                        out.push((name, v));
                    }
                }
                other => out.push((head, other)),
            }
        }
    }
    out.push(("reason".into(), reason));
    out
}

/// `min_confidence` from Python: None, a probability, or `"auto"`.
fn min_confidence_arg(value: Option<&Bound<'_, PyAny>>) -> Result<Option<MinConfidence>, Fail> {
    let Some(value) = value else {
        return Ok(None);
    };
    if value.is_none() {
        return Ok(None);
    }
    if let Ok(s) = value.cast::<PyString>() {
        let s = s.to_cow().map_err(|e| Fail::Value(e.to_string()))?;
        return match s.as_ref() {
            "auto" => Ok(Some(MinConfidence::Auto)),
            _ => Err(Fail::Value(format!(
                "min_confidence {s:?} is not valid: need a probability from 0 to 1 or \"auto\""
            ))),
        };
    }
    if value.is_instance_of::<PyBool>() {
        return Err(Fail::Type(
            "min_confidence must be a number or \"auto\", not bool".into(),
        ));
    }
    value
        .extract::<f32>()
        .map(|p| Some(MinConfidence::At(p)))
        .map_err(|_| {
            Fail::Type(format!(
                "min_confidence must be a number or \"auto\", not {}",
                value
                    .get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default()
            ))
        })
}

/// How to label, checked.
struct Labeling {
    format: Format,
    options: LabelOptions,
    threads: Option<usize>,
}

impl Labeling {
    fn new(
        model: &classify::Model,
        format: &str,
        explain: usize,
        evidence: usize,
        min_confidence: Option<MinConfidence>,
        threads: Option<usize>,
    ) -> Result<Labeling, Fail> {
        let format = Format::from_str(format).map_err(|e| Fail::Value(e.to_string()))?;
        let options = LabelOptions {
            explain,
            evidence,
            min_confidence,
        };
        options
            .check_for(model)
            .map_err(|e| Fail::Value(e.to_string()))?;
        if threads == Some(0) {
            return Err(Fail::Value(
                "threads 0 is out of range: need at least 1".into(),
            ));
        }
        Ok(Labeling {
            format,
            options,
            threads,
        })
    }
}

/// A labeled batch: the columns every row has, in order, and per row its
/// values or why it could not be labeled.
struct Rows {
    columns: Vec<String>,
    rows: Vec<Result<BTreeMap<String, Value>, String>>,
}

/// The trained pipeline (`classify::Model`), immutable and shared by all
/// threads. Wrapped by `classify_news.Model`.
#[pyclass(frozen, module = "classify_news._classify", name = "Model")]
struct PyModel {
    model: classify::Model,
}

impl PyModel {
    /// Labels every item of `texts`, a step at a time.
    fn label_rows(
        &self,
        py: Python<'_>,
        texts: &Bound<'_, PyAny>,
        how: &Labeling,
    ) -> PyResult<Rows> {
        let pool = how.threads.map(pool).transpose()?;
        let mut rows = Vec::new();
        let mut iter = texts.try_iter()?;
        loop {
            let mut inputs = Vec::with_capacity(STEP);
            for item in iter.by_ref().take(STEP) {
                inputs.push(extract_text(&item?));
            }
            if inputs.is_empty() {
                break;
            }
            let done = inputs.len() < STEP;
            let step = py.detach(|| {
                let run = || self.label_step(inputs, how);
                match &pool {
                    Some(p) => p.install(run),
                    None => run(),
                }
            });
            rows.extend(step);
            if done {
                break;
            }
        }
        // Every row gets every column: those of a labeled document with
        // these options (so that a batch where nothing could be labeled
        // has the same columns), then any other that a row has.
        let probe = self.model.label_clean("-", &how.options);
        let mut columns: Vec<String> = flatten(probe, &how.options)
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        for row in rows.iter().flatten() {
            for (name, _) in row {
                if !columns.contains(name) {
                    columns.push(name.clone());
                }
            }
        }
        let rows = rows
            .into_iter()
            .map(|r| r.map(|pairs| pairs.into_iter().collect()))
            .collect();
        Ok(Rows { columns, rows })
    }

    /// Labels one step's texts in parallel (no GIL held).
    fn label_step(
        &self,
        inputs: Vec<Result<String, String>>,
        how: &Labeling,
    ) -> Vec<Result<Vec<(String, Value)>, String>> {
        let texts: Vec<&str> = inputs.iter().flatten().map(String::as_str).collect();
        let mut labeled = self
            .model
            .label_batch(&texts, how.format, &how.options)
            .into_iter();
        inputs
            .iter()
            .map(|input| match input {
                Err(why) => Err(why.clone()),
                Ok(_) => match labeled.next() {
                    Some(Ok(labels)) => Ok(flatten(labels, &how.options)),
                    Some(Err(e)) => Err(e.to_string()),
                    None => Err("internal error: a result is missing".into()),
                },
            })
            .collect()
    }
}

#[pymethods]
impl PyModel {
    /// The model built into the package (models/default.model).
    #[staticmethod]
    fn builtin(py: Python<'_>) -> PyResult<PyModel> {
        let model = py.detach(classify::Model::builtin).map_err(Fail::from)?;
        Ok(PyModel { model })
    }

    /// Reads a model file.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<PyModel> {
        let model = py
            .detach(|| classify::Model::load(&path))
            .map_err(Fail::from)?;
        Ok(PyModel { model })
    }

    /// A model from the bytes of a model file; `origin` names it in
    /// messages and reports.
    #[staticmethod]
    #[pyo3(signature = (data, origin = "<bytes>".to_string()))]
    fn from_bytes(py: Python<'_>, data: &[u8], origin: String) -> PyResult<PyModel> {
        let model = py
            .detach(|| {
                classify::Model::from_bytes(data)
                    .map(|m| m.with_origin(&origin))
                    .map_err(|problem| ModelError::Format {
                        path: PathBuf::from(&origin),
                        problem,
                    })
            })
            .map_err(Fail::from)?;
        Ok(PyModel { model })
    }

    /// The model file's bytes.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let bytes = py.detach(|| self.model.to_bytes());
        PyBytes::new(py, &bytes)
    }

    /// Writes the model file atomically.
    fn save(&self, py: Python<'_>, path: PathBuf, overwrite: bool) -> PyResult<()> {
        let overwrite = if overwrite {
            Overwrite::Replace
        } else {
            Overwrite::Refuse
        };
        py.detach(|| self.model.save(&path, overwrite))
            .map_err(Fail::from)?;
        Ok(())
    }

    /// What `classify info --format json --top TOP` prints.
    fn info<'py>(&self, py: Python<'py>, top: usize) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &info_json(&self.model, top))
    }

    /// Where the model came from.
    #[getter]
    fn origin(&self) -> &str {
        self.model.origin()
    }

    /// The heads (label fields), in order.
    #[getter]
    fn heads(&self) -> Vec<String> {
        self.model.heads().iter().map(|h| h.name.clone()).collect()
    }

    /// The classes of one head, sorted.
    fn classes(&self, head: &str) -> PyResult<Vec<String>> {
        match self.model.classes(head) {
            Some(classes) => Ok(classes.to_vec()),
            None => Err(Fail::from(EvalError::NoHead {
                model: self.model.origin().to_string(),
                head: head.to_string(),
                heads: self.heads().join(", "),
            })
            .into()),
        }
    }

    /// Labels one text; a text that cannot be labeled raises.
    #[pyo3(signature = (text, format, explain, evidence, min_confidence))]
    fn label_one<'py>(
        &self,
        py: Python<'py>,
        text: &Bound<'py, PyAny>,
        format: &str,
        explain: usize,
        evidence: usize,
        min_confidence: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let min_confidence = min_confidence_arg(min_confidence)?;
        let how = Labeling::new(&self.model, format, explain, evidence, min_confidence, None)?;
        let text = extract_text(text).map_err(Fail::Value)?;
        let pairs = py
            .detach(|| {
                self.model
                    .label_document(&text, how.format, &how.options)
                    .map(|labels| flatten(labels, &how.options))
            })
            .map_err(Fail::from)?;
        let dict = PyDict::new(py);
        for (name, v) in &pairs {
            dict.set_item(name, to_py(py, v)?)?;
        }
        dict.set_item("error", py.None())?;
        Ok(dict)
    }

    /// Labels every item of an iterable: one dict per item, in order, with
    /// `error` set (and labels None) for an item that cannot be labeled.
    #[pyo3(signature = (texts, format, explain, evidence, min_confidence, threads))]
    #[allow(clippy::too_many_arguments)]
    fn label_many<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        format: &str,
        explain: usize,
        evidence: usize,
        min_confidence: Option<&Bound<'py, PyAny>>,
        threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyList>> {
        let min_confidence = min_confidence_arg(min_confidence)?;
        let how = Labeling::new(
            &self.model,
            format,
            explain,
            evidence,
            min_confidence,
            threads,
        )?;
        let rows = self.label_rows(py, texts, &how)?;
        let out = PyList::empty(py);
        for row in &rows.rows {
            let dict = PyDict::new(py);
            for name in &rows.columns {
                let v = row.as_ref().ok().and_then(|r| r.get(name));
                dict.set_item(
                    name,
                    v.map_or_else(|| Ok(py.None().into_bound(py)), |v| to_py(py, v))?,
                )?;
            }
            dict.set_item("error", row.as_ref().err())?;
            out.append(dict)?;
        }
        Ok(out)
    }

    /// Labels every item of an iterable into columns: a dict of column
    /// name to list (labels, probabilities, ..., `error`).
    #[pyo3(signature = (texts, format, explain, evidence, min_confidence, threads))]
    #[allow(clippy::too_many_arguments)]
    fn label_columns<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        format: &str,
        explain: usize,
        evidence: usize,
        min_confidence: Option<&Bound<'py, PyAny>>,
        threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let min_confidence = min_confidence_arg(min_confidence)?;
        let how = Labeling::new(
            &self.model,
            format,
            explain,
            evidence,
            min_confidence,
            threads,
        )?;
        let rows = self.label_rows(py, texts, &how)?;
        let out = PyDict::new(py);
        for name in &rows.columns {
            let column = rows
                .rows
                .iter()
                .map(|row| match row.as_ref().ok().and_then(|r| r.get(name)) {
                    Some(v) => to_py(py, v),
                    None => Ok(py.None().into_bound(py)),
                })
                .collect::<PyResult<Vec<_>>>()?;
            out.set_item(name, PyList::new(py, column)?)?;
        }
        let errors: Vec<Option<&String>> = rows.rows.iter().map(|r| r.as_ref().err()).collect();
        out.set_item("error", errors)?;
        Ok(out)
    }
}

/// Options of `train`/`evaluate` as the library's types; every name is an
/// option of `classify train`, every default the library's own.
struct Options {
    params: TrainParams,
    corpus: CorpusOptions,
    cv: Option<Folds>,
}

fn get<'py, T>(options: &Bound<'py, PyDict>, name: &str) -> PyResult<Option<T>>
where
    T: for<'a> FromPyObject<'a, 'py>,
{
    match options.get_item(name)? {
        Some(v) if !v.is_none() => v.extract::<T>().map(Some).map_err(|_| {
            Fail::Type(format!("option {name}: wrong type ({})", type_name(&v))).into()
        }),
        _ => Ok(None),
    }
}

fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type()
        .name()
        .map_or_else(|_| "?".to_string(), |n| n.to_string())
}

/// Training options known to `train()`, besides `labels`.
const TRAIN_OPTIONS: &[&str] = &[
    "algorithm",
    "c",
    "class_weight",
    "ngram_max",
    "min_df",
    "max_df",
    "max_features",
    "lede_terms",
    "nb_scale",
    "alpha",
    "stop_words",
    "stem",
    "seed",
    "cv",
];
/// Options of reading a corpus from a path (as `classify train`/`eval`).
const CORPUS_OPTIONS: &[&str] = &["text_field", "folder_label", "max_bytes", "follow"];

impl Options {
    fn from_py(
        function: &str,
        options: &Bound<'_, PyDict>,
        allowed: &[&[&str]],
    ) -> PyResult<Options> {
        for key in options.keys() {
            let key: String = key.extract()?;
            if !allowed.iter().any(|names| names.contains(&key.as_str())) {
                return Err(PyTypeError::new_err(format!(
                    "{function}() got an unexpected keyword argument '{key}'"
                )));
            }
        }
        let mut p = TrainParams::default();
        if let Some(v) = get::<Vec<String>>(options, "labels")? {
            p.labels = v.iter().map(|l| l.to_lowercase()).collect();
        }
        if let Some(v) = get::<String>(options, "algorithm")? {
            p.algorithm = Algorithm::from_str(&v).map_err(Fail::Value)?;
        }
        if let Some(v) = get(options, "c")? {
            p.c = v;
        }
        if let Some(v) = get::<String>(options, "class_weight")? {
            p.class_weight = match v.as_str() {
                "uniform" => ClassWeight::Uniform,
                "balanced" => ClassWeight::Balanced,
                _ => {
                    return Err(Fail::Value(format!(
                        "unknown class weight {v:?}: expected uniform or balanced"
                    ))
                    .into())
                }
            };
        }
        if let Some(v) = get(options, "ngram_max")? {
            p.ngram_max = v;
        }
        if let Some(v) = get(options, "min_df")? {
            p.min_df = v;
        }
        if let Some(v) = get(options, "max_df")? {
            p.max_df = v;
        }
        if let Some(v) = get(options, "max_features")? {
            p.max_features = Some(v);
        }
        if let Some(v) = get(options, "lede_terms")? {
            p.lede_terms = v;
        }
        if let Some(v) = get(options, "nb_scale")? {
            p.nb_scale = v;
        }
        if let Some(v) = get(options, "alpha")? {
            p.alpha = v;
        }
        if let Some(v) = get::<String>(options, "stop_words")? {
            p.stop_words = match v.as_str() {
                "none" => StopWords::None,
                "english" => StopWords::English,
                _ => {
                    return Err(Fail::Value(format!(
                        "unknown stop words {v:?}: expected none or english"
                    ))
                    .into())
                }
            };
        }
        if let Some(v) = get(options, "stem")? {
            p.stem = v;
        }
        if let Some(v) = get(options, "seed")? {
            p.seed = v;
        }
        let cv = get::<usize>(options, "cv")?
            .map(Folds::new)
            .transpose()
            .map_err(Fail::from)?;
        let mut corpus = CorpusOptions::default();
        if let Some(v) = get(options, "text_field")? {
            corpus.text_field = v;
        }
        if let Some(v) = options.get_item("folder_label")? {
            // None or "" turns it off, as `--folder-label ""` does.
            let v: Option<String> = v.extract()?;
            corpus.folder_label = v.map(|f| f.to_lowercase()).filter(|f| !f.is_empty());
        }
        if let Some(v) = get(options, "max_bytes")? {
            corpus.max_bytes = v;
        }
        if let Some(v) = get(options, "follow")? {
            corpus.walk = WalkOptions { follow_links: v };
        }
        Ok(Options {
            params: p,
            corpus,
            cv,
        })
    }
}

/// Training data: a path (directory, .jsonl, .ndjson, .csv), read as
/// `classify train` reads it, or in-memory records.
enum Data {
    Path(PathBuf),
    Records(Vec<RawRecord>),
}

/// Reads `records`: a `str`/`os.PathLike` is a corpus path; anything else
/// an iterable of dicts, each read exactly as one JSON Lines line would be
/// (`id`, the text field, string fields are labels, numbers and booleans
/// are refused as labels), by the library's own record reader.
fn data_from_py(records: &Bound<'_, PyAny>, text_field: &str) -> PyResult<Data> {
    if records.is_instance_of::<PyString>() || records.hasattr("__fspath__")? {
        return Ok(Data::Path(records.extract()?));
    }
    let mut out = Vec::new();
    for (i, item) in records.try_iter()?.enumerate() {
        let item = item?;
        let dict = item.cast::<PyDict>().map_err(|_| {
            Fail::Type(format!(
                "records must be dicts of field to value: record {} is {}",
                i + 1,
                type_name(&item)
            ))
        })?;
        let mut map = Map::new();
        for (k, v) in dict.iter() {
            let key: String = k
                .extract()
                .map_err(|_| Fail::Type(format!("record {}: field names must be str", i + 1)))?;
            map.insert(key, to_json(&v));
        }
        // The text goes through unchecked, so that an empty or blank text
        // is reported in the same words as from a file.
        let text = map
            .get(text_field)
            .and_then(|v| v.as_str().map(str::to_string));
        let line = serde_json::to_vec(&Value::Object(map))
            .map_err(|e| Fail::Value(format!("record {}: {e}", i + 1)))?;
        let parsed = parse_record(&line, text_field)
            .map_err(|e| Fail::Value(format!("record {}: {e}", i + 1)))?;
        let Some(parsed) = parsed else { continue };
        out.push(RawRecord {
            id: parsed.id,
            text,
            labels: parsed.labels,
            non_strings: parsed.non_strings,
        });
    }
    Ok(Data::Records(out))
}

/// Loads `data` as a corpus cleaned by `cleaner`; returns it with the
/// warnings the CLI would print (skipped documents, input problems).
fn load_corpus(
    data: Data,
    options: &CorpusOptions,
    cleaner: &classify::Cleaner,
) -> Result<(classify::Corpus, Vec<String>), Fail> {
    let corpus = match data {
        Data::Path(path) => corpus::load(&path, options, cleaner)?,
        Data::Records(records) => corpus::from_records(records, cleaner),
    };
    let mut warnings: Vec<String> = corpus.problems.iter().map(|p| p.to_string()).collect();
    for (place, why) in &corpus.skipped {
        warnings.push(format!("skipped {place}: {why}"));
    }
    Ok((corpus, warnings))
}

/// `classify_news.train`: `(model, warnings)`.
#[pyfunction]
#[pyo3(signature = (records, options, command, data))]
fn train(
    py: Python<'_>,
    records: &Bound<'_, PyAny>,
    options: &Bound<'_, PyDict>,
    command: Vec<String>,
    data: Option<String>,
) -> PyResult<(PyModel, Vec<String>)> {
    let mut options = Options::from_py(
        "train",
        options,
        &[&["labels"], TRAIN_OPTIONS, CORPUS_OPTIONS],
    )?;
    let input = data_from_py(records, &options.corpus.text_field)?;
    options.params.data = match (&input, data) {
        (_, Some(name)) => name,
        (Data::Path(p), None) => p.display().to_string(),
        (Data::Records(_), None) => "(records)".into(),
    };
    options.params.command = command;
    let (model, warnings) = py.detach(|| -> Result<_, Fail> {
        let valid = options.params.check()?;
        let (corpus, mut warnings) = load_corpus(input, &options.corpus, valid.cleaner())?;
        let cv = match options.cv {
            Some(k) => {
                let cv = cv::cross_validate(&valid, &corpus.records, k, &Silent)?;
                warnings.extend(cv.warnings.iter().cloned());
                Some(cv.scores())
            }
            None => None,
        };
        let model = valid.fit(&corpus.records, cv.as_ref(), &Silent)?;
        Ok((model.with_origin("(trained)"), warnings))
    })?;
    Ok((PyModel { model }, warnings))
}

/// `classify_news.evaluate`: `(report as JSON text, warnings)`, the JSON
/// being what `classify eval --format json` prints.
#[pyfunction]
#[pyo3(signature = (model, records, options, data))]
fn evaluate(
    py: Python<'_>,
    model: &PyModel,
    records: &Bound<'_, PyAny>,
    options: &Bound<'_, PyDict>,
    data: Option<String>,
) -> PyResult<(String, Vec<String>)> {
    let options = Options::from_py("evaluate", options, &[&["labels"], CORPUS_OPTIONS])?;
    let input = data_from_py(records, &options.corpus.text_field)?;
    let data = match (&input, data) {
        (_, Some(name)) => name,
        (Data::Path(p), None) => p.display().to_string(),
        (Data::Records(_), None) => "(records)".into(),
    };
    let model = &model.model;
    py.detach(|| -> Result<_, Fail> {
        let (corpus, warnings) = load_corpus(input, &options.corpus, model.cleaner())?;
        let eval = EvalOptions {
            data,
            heads: options.params.labels.clone(),
            target_accuracy: None,
        };
        let report = classify::evaluate(model, &corpus.records, &eval)?;
        let mut out = Vec::new();
        report
            .write_json(&mut out)
            .map_err(|e| Fail::Os(e.to_string()))?;
        let text = String::from_utf8(out).map_err(|e| Fail::Value(e.to_string()))?;
        Ok((text, warnings))
    })
    .map_err(PyErr::from)
}

/// The defaults of every training option, from `TrainParams::default()`
/// and `CorpusOptions::default()` (for docstrings: never written twice).
#[pyfunction]
fn train_defaults(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let p = TrainParams::default();
    let c = CorpusOptions::default();
    let d = PyDict::new(py);
    d.set_item("labels", py.None())?;
    d.set_item(
        "algorithm",
        match p.algorithm {
            Algorithm::Svm => "svm",
            Algorithm::Nb => "nb",
        },
    )?;
    d.set_item("c", p.c)?;
    d.set_item(
        "class_weight",
        match p.class_weight {
            ClassWeight::Uniform => "uniform",
            ClassWeight::Balanced => "balanced",
        },
    )?;
    d.set_item("ngram_max", p.ngram_max)?;
    d.set_item("min_df", p.min_df)?;
    d.set_item("max_df", p.max_df)?;
    d.set_item("max_features", p.max_features)?;
    d.set_item("lede_terms", p.lede_terms)?;
    d.set_item("nb_scale", p.nb_scale)?;
    d.set_item("alpha", p.alpha)?;
    d.set_item(
        "stop_words",
        match p.stop_words {
            StopWords::None => "none",
            StopWords::English => "english",
        },
    )?;
    d.set_item("stem", p.stem)?;
    d.set_item("seed", p.seed)?;
    d.set_item("cv", py.None())?;
    d.set_item("text_field", c.text_field)?;
    d.set_item("folder_label", c.folder_label)?;
    d.set_item("max_bytes", c.max_bytes)?;
    d.set_item("follow", c.walk.follow_links)?;
    Ok(d)
}

/// The Rust side of classify_news (private: use the classify_news package).
#[pymodule]
fn _classify(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyModel>()?;
    m.add_function(wrap_pyfunction!(train, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(train_defaults, m)?)?;
    m.add("BUILTIN_NAME", classify::model::BUILTIN_NAME)?;
    m.add("VERSION", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
