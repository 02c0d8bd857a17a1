//! `ringfence test`: runs rule test files (`*.test.jsonl`, next to the rules) and reports
//! like `cargo test`: one line per case, the expected and actual verdicts and the event of
//! each failure, a `N passed, M failed` summary, exit 1 on any failure; JSON and JUnit XML
//! for CI systems; and, with `--coverage`, what the tests leave unexercised.
//!
//! A test file is JSON Lines (the format is documented in sdk/README.md, "Testing rules").
//! Its first line is the header, naming the rule object and optionally the rules, the
//! schema file, a file of more cases, or the refusal the object must meet:
//!
//! ```text
//! {"object": "netcat_exec.o", "rule": "netcat_exec", "cases": "../events/netcat_exec.jsonl"}
//! {"expect": "match", "why": "nc -e /bin/sh", "event": {"type": "process_exec", "exe": "/usr/bin/nc", "args": ["nc", "-e", "/bin/sh"]}}
//! {"expect": "no match", "why": "nc -l", "event": {"type": "process_exec", "exe": "/usr/bin/nc", "args": ["nc", "-l"]}}
//! ```
//!
//! Every following line is a case: `expect` (`"match"`, `"no match"`, or an object giving
//! the verdict per rule), `event`, optionally `why`, `rule` and `alerts`. Cases run in file
//! order and share the object's maps, so stateful rules are tested as they run. Lines
//! starting with `#` or `//` are comments. A bad line fails as a case of its own, named by
//! its line number; a file cut off in the middle of its last line says so.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use anyhow::anyhow;
use clap::{Args, ValueEnum};
use ringfence_vm::backend::Backend;
use ringfence_vm::event::{Encoder, EventBuf, SchemaSet};
use ringfence_vm::rule::{load_rules, RuleConfig, RuleError, RuleObject};
use ringfence_vm::RunState;
use serde_json::{json, Map, Value};

use crate::commands::coverage::RuleCoverage;
use crate::commands::rules::render_refusal;
use crate::commands::run::EngineArg;
use crate::exit::{Failure, Outcome};
use crate::output::emit;

/// Arguments of `ringfence test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Test files (`*.test.jsonl`), or directories searched for them; default: `.`.
    pub paths: Vec<PathBuf>,
    /// How to report.
    #[arg(long, value_enum, default_value_t = TestFormat::Text)]
    pub format: TestFormat,
    /// Report, per rule, the C lines and branch directions the tests never exercise and the
    /// event fields the rule reads that no test varies (rules run in the checked
    /// interpreter, which observes every instruction).
    #[arg(long)]
    pub coverage: bool,
    /// Fail (exit 1) when a rule's coverage of lines, of branch directions or of varied
    /// fields is below PCT percent; implies --coverage.
    #[arg(long, value_name = "PCT")]
    pub min_coverage: Option<f64>,
    /// The engine rules run on (`jit`, `interp`, `checked`); default: the JIT where the
    /// host has one. With --coverage, verdicts come from the checked interpreter, which
    /// observes each instruction.
    #[arg(long, value_enum)]
    pub engine: Option<EngineArg>,
    /// Test this rule object instead of the one each test file's header names (another
    /// build of the rule: a fix, a candidate, the version in production).
    #[arg(long, value_name = "FILE")]
    pub object: Option<PathBuf>,
}

/// Report formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    /// Like `cargo test`, for people.
    Text,
    /// One JSON object.
    Json,
    /// JUnit XML, one test suite per file.
    Junit,
}

/// The suffix of test files.
pub const TEST_SUFFIX: &str = ".test.jsonl";

/// Runs the test files under `args.paths`.
pub fn test(args: &TestArgs) -> Outcome {
    let roots = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    if let Some(object) = &args.object {
        std::fs::metadata(object).map_err(|e| {
            Failure::unreadable(anyhow!("--object: cannot read {}: {e}", object.display()))
        })?;
    }
    let mut files = Vec::new();
    for root in &roots {
        collect_test_files(root, &mut files)?;
    }
    if files.is_empty() {
        return Err(Failure::unreadable(anyhow!(
            "no test files (`*{TEST_SUFFIX}`) under {}",
            roots
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let coverage_on = args.coverage || args.min_coverage.is_some();
    let mut run = Run {
        config: RuleConfig {
            backend: match coverage_on {
                true => Backend::Checked,
                false => EngineArg::backend(args.engine)?,
            },
            ..RuleConfig::default()
        },
        coverage: coverage_on.then(BTreeMap::new),
        object: args.object.clone(),
        results: Vec::new(),
    };
    for file in &files {
        run.file(file);
    }
    let coverage: Vec<&RuleCoverage> = run.coverage.iter().flat_map(|c| c.values()).collect();
    let below: Vec<String> = match args.min_coverage {
        Some(min) => coverage
            .iter()
            .filter(|c| c.summary().lowest_percent() < min)
            .map(|c| {
                format!(
                    "coverage of rule `{}` ({}) is {:.1}%, below --min-coverage {min}",
                    c.rule,
                    c.object,
                    c.summary().lowest_percent()
                )
            })
            .collect(),
        None => Vec::new(),
    };
    let n_failed = run.results.iter().filter(|r| !r.passed()).count();
    let n_passed = run.results.len() - n_failed;
    match args.format {
        TestFormat::Text => emit(&render_text(&run.results, &coverage, &below, files.len()))?,
        TestFormat::Json => emit(&format!(
            "{}\n",
            json!({
                "passed": n_passed,
                "failed": n_failed,
                "files": files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
                "cases": run.results.iter().map(CaseResult::to_json).collect::<Vec<_>>(),
                "coverage": coverage.iter().map(|c| c.to_json()).collect::<Vec<_>>(),
                "min_coverage": args.min_coverage,
                "below_min_coverage": below,
            })
        ))?,
        TestFormat::Junit => emit(&render_junit(&run.results))?,
    }
    if n_failed > 0 || !below.is_empty() {
        return Err(Failure::Silent(1));
    }
    Ok(())
}

/// Adds the test files at `path` (a file, or a directory searched recursively, skipping
/// hidden directories and `target`) to `files`, sorted.
fn collect_test_files(path: &Path, files: &mut Vec<PathBuf>) -> Result<(), Failure> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Failure::unreadable(anyhow!("cannot read {}: {e}", path.display())))?;
    if meta.is_file() {
        files.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| Failure::unreadable(anyhow!("cannot read {}: {e}", path.display())))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        let name = entry
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if entry.is_dir() {
            if !name.starts_with('.') && name != "target" {
                collect_test_files(&entry, files)?;
            }
        } else if name.ends_with(TEST_SUFFIX) {
            files.push(entry);
        }
    }
    Ok(())
}

/// The outcome of one case on one rule (or of a line that is not a case).
#[derive(Debug)]
pub struct CaseResult {
    /// The file and 1-based line of the case.
    pub file: String,
    pub line: usize,
    /// The rule evaluated, when one was.
    pub rule: Option<String>,
    pub why: String,
    pub verdict: Verdict,
}

/// How a case ended.
#[derive(Debug)]
pub enum Verdict {
    Passed,
    /// The rule ran and disagreed: what was expected, what came, and the event.
    Failed {
        expected: String,
        got: String,
        event: Option<Value>,
        /// The command that traces the case (`ringfence trace ... --event '...'`).
        trace: Option<String>,
    },
    /// The case could not be run: a bad line, an unreadable object, a fault.
    Error(String),
}

impl CaseResult {
    fn passed(&self) -> bool {
        matches!(self.verdict, Verdict::Passed)
    }

    /// `file:line rule: why`.
    pub fn name(&self) -> String {
        let mut name = format!("{}:{}", self.file, self.line);
        if let Some(rule) = &self.rule {
            name += &format!(" {rule}");
        }
        if !self.why.is_empty() {
            name += &format!(": {}", self.why);
        }
        name
    }

    fn error(file: &str, line: usize, message: String) -> CaseResult {
        CaseResult {
            file: file.to_string(),
            line,
            rule: None,
            why: String::new(),
            verdict: Verdict::Error(message),
        }
    }

    fn to_json(&self) -> Value {
        let mut case = json!({
            "name": self.name(),
            "file": self.file,
            "line": self.line,
            "rule": self.rule,
            "why": self.why,
        });
        let fields = case.as_object_mut().expect("an object");
        match &self.verdict {
            Verdict::Passed => {
                fields.insert("status".into(), "passed".into());
            }
            Verdict::Failed {
                expected,
                got,
                event,
                trace,
            } => {
                fields.insert("status".into(), "failed".into());
                fields.insert("expected".into(), expected.clone().into());
                fields.insert("got".into(), got.clone().into());
                fields.insert("event".into(), event.clone().unwrap_or(Value::Null));
                fields.insert("trace".into(), trace.clone().into());
            }
            Verdict::Error(message) => {
                fields.insert("status".into(), "error".into());
                fields.insert("message".into(), message.clone().into());
            }
        }
        case
    }
}

/// One run over many files.
struct Run {
    /// How rule objects are loaded (the engine).
    config: RuleConfig,
    /// The object to test in place of the headers' (`--object`).
    object: Option<PathBuf>,
    /// Per (object, rule): what the tests exercised, when coverage is on.
    coverage: Option<BTreeMap<(PathBuf, String), RuleCoverage>>,
    results: Vec<CaseResult>,
}

/// A test file's first line.
#[derive(Debug)]
struct Header {
    object: PathBuf,
    rules: Option<Vec<String>>,
    schema: Option<PathBuf>,
    cases: Option<PathBuf>,
    refused: Option<String>,
}

/// One line of a JSON Lines file: its number and its JSON, or why it is not JSON.
struct Line {
    number: usize,
    value: Result<Value, String>,
}

/// The JSON lines of `path`, read one at a time (a file of a million cases is never held
/// whole), skipping blank and comment lines. A line that is not UTF-8 or not JSON is an
/// `Err` naming the problem; a last line without its newline that does not parse is
/// reported as cut off. Only a file that cannot be opened is an error; a read error later
/// ends the lines with one `Err` line.
fn read_json_lines(path: &Path) -> std::io::Result<JsonLines> {
    Ok(JsonLines {
        reader: BufReader::new(std::fs::File::open(path)?),
        raw: Vec::new(),
        number: 0,
        done: false,
    })
}

/// The iterator of [`read_json_lines`].
struct JsonLines {
    reader: BufReader<std::fs::File>,
    raw: Vec<u8>,
    number: usize,
    done: bool,
}

impl Iterator for JsonLines {
    type Item = Line;

    fn next(&mut self) -> Option<Line> {
        while !self.done {
            self.raw.clear();
            match self.reader.read_until(b'\n', &mut self.raw) {
                Ok(0) => self.done = true,
                Ok(_) => {
                    self.number += 1;
                    let complete = self.raw.last() == Some(&b'\n');
                    let value = match std::str::from_utf8(&self.raw) {
                        Err(e) => Err(format!("not UTF-8 (byte {})", e.valid_up_to() + 1)),
                        Ok(text) => {
                            let text = text.trim();
                            if text.is_empty() || text.starts_with('#') || text.starts_with("//") {
                                continue;
                            }
                            serde_json::from_str::<Value>(text).map_err(|e| {
                                if complete {
                                    format!("not JSON: {e}")
                                } else {
                                    format!(
                                        "the file ends in the middle of this line \
                                         (truncated?): {e}"
                                    )
                                }
                            })
                        }
                    };
                    return Some(Line {
                        number: self.number,
                        value,
                    });
                }
                Err(e) => {
                    self.done = true;
                    return Some(Line {
                        number: self.number + 1,
                        value: Err(format!("cannot read the line: {e}")),
                    });
                }
            }
        }
        None
    }
}

impl Run {
    /// Runs one test file.
    fn file(&mut self, path: &Path) {
        let name = path.display().to_string();
        let mut lines = match read_json_lines(path) {
            Ok(lines) => lines,
            Err(e) => {
                self.results.push(CaseResult::error(
                    &name,
                    0,
                    format!("cannot read {name}: {e}"),
                ));
                return;
            }
        };
        let Some(first) = lines.next() else {
            self.results.push(CaseResult::error(
                &name,
                0,
                "the file has no header line (`{\"object\": \"rule.o\"}`)".into(),
            ));
            return;
        };
        let header = match first.value.and_then(|v| parse_header(&v)) {
            Ok(header) => header,
            Err(e) => {
                self.results.push(CaseResult::error(
                    &name,
                    first.number,
                    format!("bad header: {e}"),
                ));
                return;
            }
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        let schemas = match &header.schema {
            None => SchemaSet::endpoint(),
            Some(schema) => {
                let schema_path = tidy(&dir.join(schema));
                let text = std::fs::read_to_string(&schema_path)
                    .map_err(|e| format!("cannot read {}: {e}", schema_path.display()))
                    .and_then(|text| {
                        SchemaSet::from_json_str(&text).map_err(|e| {
                            format!("{} is not a valid schema file: {e}", schema_path.display())
                        })
                    });
                match text {
                    Ok(set) => set,
                    Err(e) => {
                        self.results.push(CaseResult::error(&name, first.number, e));
                        return;
                    }
                }
            }
        };
        let object_path = match &self.object {
            Some(object) => object.clone(),
            None => tidy(&dir.join(&header.object)),
        };
        let object_name = object_path.display().to_string();
        let bytes = match std::fs::read(&object_path) {
            Ok(bytes) => bytes,
            Err(e) => {
                self.results.push(CaseResult::error(
                    &name,
                    first.number,
                    format!("cannot read {object_name}: {e}"),
                ));
                return;
            }
        };
        let loaded = load_rules(&bytes, &schemas, &self.config);
        let object = match (loaded, &header.refused) {
            (result, Some(refusal)) => {
                self.results.push(check_refusal(
                    &name,
                    first.number,
                    &object_name,
                    &bytes,
                    result,
                    refusal,
                ));
                return;
            }
            (Ok(object), None) => object,
            (Err(error), None) => {
                let message = render_refusal(&object_name, &bytes, &error)
                    .unwrap_or_else(|| format!("{object_name}: {error}"));
                self.results.push(CaseResult::error(
                    &name,
                    first.number,
                    format!("the object does not load:\n{message}"),
                ));
                return;
            }
        };
        if let Some(wanted) = &header.rules {
            for rule in wanted {
                if !object.rules.iter().any(|r| &r.name == rule) {
                    let known: Vec<&str> = object.rules.iter().map(|r| r.name.as_str()).collect();
                    self.results.push(CaseResult::error(
                        &name,
                        first.number,
                        format!(
                            "{object_name} has no rule `{rule}` (it has {})",
                            known.join(", ")
                        ),
                    ));
                    return;
                }
            }
        }
        let mut tester = Tester {
            object: &object,
            object_path: object_path.canonicalize().unwrap_or(object_path.clone()),
            object_name,
            header: &header,
            encoder: Encoder::new(&schemas),
            schemas: &schemas,
            buf: EventBuf::new(),
            state: RunState::default(),
            n_cases: 0,
        };
        if let Some(cases) = &header.cases {
            let cases_path = tidy(&dir.join(cases));
            let cases_name = cases_path.display().to_string();
            match read_json_lines(&cases_path) {
                Ok(lines) => {
                    for line in lines {
                        tester.case(&cases_name, line, self);
                    }
                }
                Err(e) => self.results.push(CaseResult::error(
                    &name,
                    first.number,
                    format!("cannot read the cases file {cases_name}: {e}"),
                )),
            }
        }
        for line in lines {
            tester.case(&name, line, self);
        }
    }
}

/// `text` quoted for a POSIX shell: as it is when it is plain, else in single quotes.
fn shell_quote(text: &str) -> String {
    let plain = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain && !text.is_empty() {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// `path` with `.` and `dir/..` removed lexically (for display: `examples/events/x.jsonl`,
/// not `examples/rules/../events/x.jsonl`).
fn tidy(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.is_empty() {
        PathBuf::from(".")
    } else {
        out.iter().collect()
    }
}

/// Whether an object that must be refused was refused the way the header says.
fn check_refusal(
    file: &str,
    line: usize,
    object_name: &str,
    bytes: &[u8],
    result: Result<RuleObject, RuleError>,
    refusal: &str,
) -> CaseResult {
    let text = |error: &RuleError| {
        render_refusal(object_name, bytes, error).unwrap_or_else(|| error.to_string())
    };
    let (kind, text) = match &result {
        Ok(_) => ("accepted".to_string(), "the object loads".to_string()),
        Err(error @ RuleError::Rejected { error: inner, .. }) => {
            (inner.kind.name().to_string(), text(error))
        }
        Err(error @ RuleError::LayoutMismatch { .. }) => {
            ("LayoutMismatch".to_string(), text(error))
        }
        Err(error @ RuleError::UnknownEventType { .. }) => {
            ("UnknownEventType".to_string(), error.to_string())
        }
        Err(error) => ("Unreadable".to_string(), error.to_string()),
    };
    let verdict = if kind == refusal {
        Verdict::Passed
    } else {
        Verdict::Failed {
            expected: format!("refused ({refusal})"),
            got: if result.is_ok() {
                "accepted".to_string()
            } else {
                format!("refused ({kind}):\n{text}")
            },
            event: None,
            trace: None,
        }
    };
    CaseResult {
        file: file.to_string(),
        line,
        rule: None,
        why: format!("{object_name} is refused ({refusal})"),
        verdict,
    }
}

fn parse_header(value: &Value) -> Result<Header, String> {
    let object = value.as_object().ok_or(
        "the header must be a JSON object naming the rule object: {\"object\": \"rule.o\"}",
    )?;
    for key in object.keys() {
        if !["object", "rule", "schema", "cases", "refused"].contains(&key.as_str()) {
            return Err(format!(
                "unknown key `{key}` (the header takes object, rule, schema, cases, refused)"
            ));
        }
    }
    let path = |key: &str| -> Result<Option<PathBuf>, String> {
        match object.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(PathBuf::from(s))),
            Some(other) => Err(format!("`{key}` must be a path string, not {other}")),
        }
    };
    let rules = match object.get("rule") {
        None => None,
        Some(Value::String(name)) => Some(vec![name.clone()]),
        Some(Value::Array(names)) => Some(
            names
                .iter()
                .map(|n| n.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or("`rule` must be a rule name or a list of names")?,
        ),
        Some(_) => return Err("`rule` must be a rule name or a list of names".into()),
    };
    let refused = match object.get("refused") {
        None => None,
        Some(Value::String(kind)) => Some(kind.clone()),
        Some(_) => {
            return Err(
                "`refused` must name the refusal (`OutOfBounds`, `LayoutMismatch`, ...)".into(),
            )
        }
    };
    Ok(Header {
        object: path("object")?.ok_or("the header must name the rule object: \"object\"")?,
        rules,
        schema: path("schema")?,
        cases: path("cases")?,
        refused,
    })
}

/// What a case expects of one rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Match,
    NoMatch,
}

impl Expect {
    fn parse(value: &Value) -> Option<Expect> {
        match value.as_str()? {
            "match" => Some(Expect::Match),
            "no match" => Some(Expect::NoMatch),
            _ => None,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Expect::Match => "match",
            Expect::NoMatch => "no match",
        }
    }
}

fn verdict_word(verdict: u64) -> String {
    match verdict {
        1 => "match".to_string(),
        0 => "no match".to_string(),
        other => format!("r0 = {other}"),
    }
}

/// Runs the cases of one file against its loaded object.
struct Tester<'a> {
    object: &'a RuleObject,
    object_path: PathBuf,
    object_name: String,
    header: &'a Header,
    encoder: Encoder,
    schemas: &'a SchemaSet,
    buf: EventBuf,
    state: RunState,
    /// The cases run so far in this file: the rules' clock reads 1 ms per case.
    n_cases: u64,
}

/// A case line, parsed.
struct Case {
    expect: Value,
    why: String,
    event: Value,
    rule: Option<String>,
    alerts: Option<Vec<(u64, Option<String>)>>,
}

fn parse_case(value: Value) -> Result<Case, String> {
    let Value::Object(mut fields) = value else {
        return Err("a case must be a JSON object: {\"expect\": ..., \"event\": {...}}".into());
    };
    for key in fields.keys() {
        if !["expect", "why", "event", "rule", "alerts"].contains(&key.as_str()) {
            return Err(format!(
                "unknown key `{key}` (a case takes expect, why, event, rule, alerts)"
            ));
        }
    }
    let expect = fields
        .remove("expect")
        .ok_or("the case has no `expect` (\"match\", \"no match\", or {\"rule\": ...})")?;
    let event = fields.remove("event").ok_or("the case has no `event`")?;
    let why = match fields.remove("why") {
        None => String::new(),
        Some(Value::String(s)) => s,
        Some(other) => other.to_string(),
    };
    let rule = match fields.remove("rule") {
        None => None,
        Some(Value::String(s)) => Some(s),
        Some(_) => return Err("`rule` must be a rule name".into()),
    };
    let alerts = match fields.remove("alerts") {
        None => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|item| {
                    let id = item.get("rule_id").and_then(Value::as_u64);
                    let payload = item.get("payload").and_then(Value::as_str);
                    match (id, item.get("payload")) {
                        (Some(id), None) => Ok((id, None)),
                        (Some(id), Some(_)) if payload.is_some() => {
                            Ok((id, payload.map(|p| p.to_ascii_lowercase())))
                        }
                        _ => Err(format!(
                            "an expected alert is {{\"rule_id\": N, \"payload\": \"hex\"}} \
                             (payload optional), not {item}"
                        )),
                    }
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => return Err("`alerts` must be a list of {\"rule_id\": N}".into()),
    };
    Ok(Case {
        expect,
        why,
        event,
        rule,
        alerts,
    })
}

impl Tester<'_> {
    fn case(&mut self, file: &str, line: Line, run: &mut Run) {
        self.n_cases += 1;
        let error = |message: String| CaseResult::error(file, line.number, message);
        let case = match line.value.and_then(parse_case) {
            Ok(case) => case,
            Err(e) => {
                return run
                    .results
                    .push(error(format!("line {}: {e}", line.number)))
            }
        };
        if let Err(e) = self.encoder.encode_into(&case.event, &mut self.buf) {
            return run.results.push(CaseResult {
                file: file.to_string(),
                line: line.number,
                rule: None,
                why: case.why.clone(),
                verdict: Verdict::Error(format!("the event is not valid: {e}")),
            });
        }
        let event_type = self.buf.type_id();
        let type_name = self
            .schemas
            .get(event_type)
            .map(|s| s.name().to_string())
            .unwrap_or_default();
        let per_rule: Option<&Map<String, Value>> = case.expect.as_object();
        let named = per_rule
            .into_iter()
            .flat_map(|m| m.keys())
            .chain(case.rule.as_ref());
        for name in named {
            if !self.object.rules.iter().any(|r| &r.name == name) {
                return run.results.push(CaseResult {
                    file: file.to_string(),
                    line: line.number,
                    rule: Some(name.clone()),
                    why: case.why.clone(),
                    verdict: Verdict::Error(format!(
                        "line {}: {} has no rule `{name}`",
                        line.number, self.object_name
                    )),
                });
            }
        }
        let selected: Vec<usize> = (0..self.object.rules.len())
            .filter(|&i| {
                let rule = &self.object.rules[i];
                let named = match (&case.rule, per_rule, &self.header.rules) {
                    (Some(only), _, _) => &rule.name == only,
                    (None, Some(map), _) => map.contains_key(&rule.name),
                    (None, None, Some(names)) => names.contains(&rule.name),
                    (None, None, None) => true,
                };
                named && rule.event_type == event_type
            })
            .collect();
        if selected.is_empty() {
            return run.results.push(CaseResult {
                file: file.to_string(),
                line: line.number,
                rule: case.rule.clone(),
                why: case.why.clone(),
                verdict: Verdict::Error(format!(
                    "no rule of {} selected by this case takes `{type_name}` events",
                    self.object_name
                )),
            });
        }
        for idx in selected {
            let rule = &self.object.rules[idx];
            let expect_value = per_rule
                .and_then(|m| m.get(&rule.name))
                .unwrap_or(&case.expect);
            let result = |verdict| CaseResult {
                file: file.to_string(),
                line: line.number,
                rule: Some(rule.name.clone()),
                why: case.why.clone(),
                verdict,
            };
            let Some(expect) = Expect::parse(expect_value) else {
                run.results.push(result(Verdict::Error(format!(
                    "line {}: `expect` must be \"match\" or \"no match\" (or an object of \
                     them per rule), not {expect_value}",
                    line.number
                ))));
                continue;
            };
            self.state.clear();
            // A fixed clock: stateful rules (five failures within a minute) give the same
            // verdicts however fast or slow the run.
            self.state.clock_ns = Some(self.n_cases * 1_000_000);
            let outcome = match &mut run.coverage {
                Some(all) => {
                    let layout = self
                        .schemas
                        .get(event_type)
                        .map(|s| s.layout().clone())
                        .unwrap_or_else(|| rule_layout_fallback(event_type));
                    let coverage = all
                        .entry((self.object_path.clone(), rule.name.clone()))
                        .or_insert_with(|| RuleCoverage::new(&self.object_name, rule, &layout));
                    coverage.record_event(&self.buf);
                    let mut observer = coverage.observer();
                    rule.evaluate_observed(
                        &mut self.buf,
                        &self.object.maps,
                        &mut self.state,
                        &mut observer,
                    )
                }
                None => rule.evaluate(&mut self.buf, &self.object.maps, &mut self.state),
            };
            let verdict = match outcome {
                Err(fault) => {
                    let place = rule
                        .source_lines
                        .get(fault.insn_idx)
                        .and_then(Option::as_ref)
                        .map(|l| format!(" at {}:{}", l.file, l.line))
                        .unwrap_or_default();
                    Verdict::Error(format!("the rule faulted{place}: {fault}"))
                }
                Ok(got) => {
                    let got_alerts: Vec<(u64, String)> = self
                        .state
                        .alerts
                        .alerts()
                        .iter()
                        .map(|a| {
                            (
                                a.rule_id as u64,
                                a.payload().iter().map(|b| format!("{b:02x}")).collect(),
                            )
                        })
                        .collect();
                    let verdict_ok = got == u64::from(expect == Expect::Match);
                    let alerts_ok = case
                        .alerts
                        .as_ref()
                        .is_none_or(|want| alerts_agree(want, &got_alerts));
                    let trace = Some(format!(
                        "ringfence trace {} --rule {} --event {}",
                        shell_quote(&self.object_name),
                        rule.name,
                        shell_quote(&case.event.to_string())
                    ));
                    if verdict_ok && alerts_ok {
                        Verdict::Passed
                    } else if !verdict_ok {
                        Verdict::Failed {
                            expected: expect.word().to_string(),
                            got: verdict_word(got),
                            event: Some(case.event.clone()),
                            trace,
                        }
                    } else {
                        Verdict::Failed {
                            expected: format!(
                                "{}, alerts {}",
                                expect.word(),
                                show_expected_alerts(case.alerts.as_deref().unwrap_or(&[]))
                            ),
                            got: format!(
                                "{}, alerts {}",
                                verdict_word(got),
                                show_alerts(&got_alerts)
                            ),
                            event: Some(case.event.clone()),
                            trace,
                        }
                    }
                }
            };
            run.results.push(result(verdict));
        }
    }
}

/// An empty layout, for an event type the schemas do not know (the encoder refuses such
/// events first, so this is not reached).
fn rule_layout_fallback(_event_type: u32) -> ringfence_vm::event::Layout {
    ringfence_vm::event::Layout::of_fields(&[], 0)
}

fn alerts_agree(want: &[(u64, Option<String>)], got: &[(u64, String)]) -> bool {
    want.len() == got.len()
        && want
            .iter()
            .zip(got)
            .all(|((id, payload), (got_id, got_payload))| {
                id == got_id && payload.as_ref().is_none_or(|p| p == got_payload)
            })
}

fn show_expected_alerts(alerts: &[(u64, Option<String>)]) -> String {
    let items: Vec<String> = alerts
        .iter()
        .map(|(id, payload)| match payload {
            Some(p) => format!("{{rule_id {id}, payload {p}}}"),
            None => format!("{{rule_id {id}}}"),
        })
        .collect();
    format!("[{}]", items.join(", "))
}

fn show_alerts(alerts: &[(u64, String)]) -> String {
    let items: Vec<String> = alerts
        .iter()
        .map(|(id, p)| format!("{{rule_id {id}, payload {p}}}"))
        .collect();
    format!("[{}]", items.join(", "))
}

/// The report for people, in `cargo test`'s shape.
fn render_text(
    results: &[CaseResult],
    coverage: &[&RuleCoverage],
    below: &[String],
    n_files: usize,
) -> String {
    let mut out = format!(
        "\nrunning {} case(s) from {n_files} file(s)\n",
        results.len()
    );
    for result in results {
        let status = if result.passed() { "ok" } else { "FAILED" };
        let _ = writeln!(out, "test {} ... {status}", result.name());
    }
    let failures: Vec<&CaseResult> = results.iter().filter(|r| !r.passed()).collect();
    if !failures.is_empty() {
        out += "\nfailures:\n";
        for failure in &failures {
            let _ = writeln!(out, "\n---- {} ----", failure.name());
            match &failure.verdict {
                Verdict::Passed => {}
                Verdict::Failed {
                    expected,
                    got,
                    event,
                    trace,
                } => {
                    let _ = writeln!(out, "expected: {expected}");
                    let _ = writeln!(out, "     got: {}", got.replace('\n', "\n          "));
                    if let Some(event) = event {
                        let _ = writeln!(out, "   event: {event}");
                    }
                    if let Some(trace) = trace {
                        let _ = writeln!(out, "   trace: {trace}");
                    }
                }
                Verdict::Error(message) => {
                    let _ = writeln!(out, "{message}");
                }
            }
        }
        out += "\nfailures:\n";
        for failure in &failures {
            let _ = writeln!(out, "    {}", failure.name());
        }
    }
    for report in coverage {
        out += "\n";
        out += &report.render();
    }
    if !below.is_empty() {
        out += "\n";
        for line in below {
            let _ = writeln!(out, "error: {line}");
        }
    }
    let n_failed = failures.len();
    let status = if n_failed == 0 && below.is_empty() {
        "ok"
    } else {
        "FAILED"
    };
    let _ = writeln!(
        out,
        "\ntest result: {status}. {} passed, {n_failed} failed",
        results.len() - n_failed
    );
    out
}

/// JUnit XML: one `<testsuite>` per test file, one `<testcase>` per case and rule.
fn render_junit(results: &[CaseResult]) -> String {
    let mut suites: BTreeMap<&str, Vec<&CaseResult>> = BTreeMap::new();
    for result in results {
        suites.entry(&result.file).or_default().push(result);
    }
    let failed = |cases: &[&CaseResult]| {
        cases
            .iter()
            .filter(|c| matches!(c.verdict, Verdict::Failed { .. }))
            .count()
    };
    let errors = |cases: &[&CaseResult]| {
        cases
            .iter()
            .filter(|c| matches!(c.verdict, Verdict::Error(_)))
            .count()
    };
    let all: Vec<&CaseResult> = results.iter().collect();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"ringfence test\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
        all.len(),
        failed(&all),
        errors(&all)
    );
    for (file, cases) in suites {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
            xml_escape(file),
            cases.len(),
            failed(&cases),
            errors(&cases)
        );
        for case in cases {
            let classname = case.rule.as_deref().unwrap_or("file");
            let name = format!(
                "line {}{}",
                case.line,
                if case.why.is_empty() {
                    String::new()
                } else {
                    format!(": {}", case.why)
                }
            );
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" line=\"{}\"",
                xml_escape(classname),
                xml_escape(&name),
                xml_escape(&case.file),
                case.line
            );
            match &case.verdict {
                Verdict::Passed => out += "/>\n",
                Verdict::Failed {
                    expected,
                    got,
                    event,
                    ..
                } => {
                    let body = format!(
                        "expected: {expected}\n     got: {got}\n   event: {}",
                        event.as_ref().map(Value::to_string).unwrap_or_default()
                    );
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"expected {}, got {}\" type=\"verdict\">{}</failure>\n    </testcase>",
                        xml_escape(expected),
                        xml_escape(got.lines().next().unwrap_or_default()),
                        xml_escape(&body)
                    );
                }
                Verdict::Error(message) => {
                    let _ = writeln!(
                        out,
                        ">\n      <error message=\"{}\" type=\"error\">{}</error>\n    </testcase>",
                        xml_escape(message.lines().next().unwrap_or_default()),
                        xml_escape(message)
                    );
                }
            }
        }
        out += "  </testsuite>\n";
    }
    out += "</testsuites>\n";
    out
}

/// Text safe in XML attributes and content; control characters XML 1.0 forbids become
/// U+FFFD.
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out += "&amp;",
            '<' => out += "&lt;",
            '>' => out += "&gt;",
            '"' => out += "&quot;",
            '\'' => out += "&apos;",
            '\n' | '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_removes_dot_and_dot_dot_lexically() {
        assert_eq!(
            tidy(Path::new("examples/rules/../events/x.jsonl")),
            Path::new("examples/events/x.jsonl")
        );
        assert_eq!(tidy(Path::new("./a/./b")), Path::new("a/b"));
        assert_eq!(tidy(Path::new("../a")), Path::new("../a"));
    }

    #[test]
    fn shell_quote_quotes_what_the_shell_would_split() {
        assert_eq!(shell_quote("examples/rules/x.o"), "examples/rules/x.o");
        assert_eq!(shell_quote("{\"a\": 1}"), "'{\"a\": 1}'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn xml_escape_escapes_markup_and_control_characters() {
        assert_eq!(
            xml_escape("a<b>&\"c'\u{1}"),
            "a&lt;b&gt;&amp;&quot;c&apos;\u{fffd}"
        );
    }

    #[test]
    fn a_truncated_last_line_is_reported_not_a_panic() {
        let dir = std::env::temp_dir().join(format!("ringfence-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("cut.test.jsonl");
        std::fs::write(
            &path,
            b"{\"object\": \"x.o\"}\n# comment\n\n{\"expect\": \"ma",
        )
        .unwrap();
        let lines: Vec<Line> = read_json_lines(&path).unwrap().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1].number, 4);
        let error = lines[1].value.as_ref().unwrap_err();
        assert!(error.contains("truncated"), "{error}");
        std::fs::write(&path, b"{\"object\": \"x.o\"}\n\xff\xfe\n").unwrap();
        let lines: Vec<Line> = read_json_lines(&path).unwrap().collect();
        assert!(lines[1].value.as_ref().unwrap_err().contains("not UTF-8"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
