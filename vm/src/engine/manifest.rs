//! The pack manifest, `pack.json`: what a rule pack holds and what it was built against.
//!
//! ```json
//! {
//!   "name": "endpoint-examples",
//!   "version": "1.0.0",
//!   "schema_versions": {"process_exec": 1, "file_open": 1},
//!   "rules": [
//!     {"id": "netcat_exec", "object": "netcat_exec.o", "severity": "high"},
//!     {"id": "sensitive_file_read", "object": "sensitive_file_read.o", "enabled": false}
//!   ]
//! }
//! ```
//!
//! - `name` (required): the pack's name, shown in alerts and statistics.
//! - `version` (required): the pack's version, a string (`"1.0.0"`) or an integer.
//! - `schema_versions` (required): for each event type the pack's rules were built against,
//!   its schema version (`RF_<NAME>_VERSION` in the C header). A pack naming an event type the
//!   host lacks, or another version of one, is refused.
//! - `rules` (required, not empty): one entry per rule object.
//!   - `id` (required): unique in the pack; `[A-Za-z0-9_.-]`, at most 64 bytes.
//!   - `object` (required): the ELF object's path, relative to the pack directory, inside it.
//!     Every program of the object is a program of this rule (they share the object's maps).
//!   - `enabled` (optional, default `true`): a disabled rule is verified like the others (a
//!     pack that loads can enable it later) but never evaluated and costs nothing.
//!   - `severity` (optional, default `"medium"`): `info`, `low`, `medium`, `high` or
//!     `critical`; carried into alerts.
//!   - `keep_maps` (optional, default `false`): when this pack replaces a running one
//!     (`Engine::compile_pack`, `Engine::load_pack`), the object's arrays and hash maps that
//!     the running pack's rule of the same `id` has too, with the same name and definition,
//!     are taken over with their contents: a counter or a window goes on where the old
//!     version left it instead of starting empty (`Maps::carry_over`). Global data is
//!     never carried.
//!
//! Unknown keys are errors with a "did you mean", so a misspelt key never silently changes
//! what the pack does. Every problem is reported, not just the first.
#![forbid(unsafe_code)]

use std::fmt;
use std::path::{Component, Path, PathBuf};

use serde_json::{Map, Value};

use crate::event::error::suggest;

use super::error::{DiagnosticKind, PackDiagnostic};

/// The manifest's file name inside a pack directory.
pub const MANIFEST_FILE: &str = "pack.json";

const TOP_KEYS: [&str; 4] = ["name", "version", "schema_versions", "rules"];
const RULE_KEYS: [&str; 5] = ["id", "object", "enabled", "severity", "keep_maps"];

/// The longest rule id, in bytes.
pub const MAX_RULE_ID_LEN: usize = 64;

/// A parsed `pack.json`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    pub name: String,
    pub version: String,
    /// (event type name, schema version), sorted by name.
    pub schema_versions: Vec<(String, u32)>,
    pub rules: Vec<ManifestRule>,
}

/// One entry of `rules`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestRule {
    pub id: String,
    /// The object's path relative to the pack directory (checked to stay inside it).
    pub object: PathBuf,
    pub enabled: bool,
    pub severity: Severity,
    /// Whether a swap to this pack carries the running rule's maps over (`keep_maps`).
    pub keep_maps: bool,
}

/// How serious a rule's match is, carried into its alerts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Low,
    #[default]
    Medium,
    High,
    Critical,
}

impl Severity {
    const NAMES: [&'static str; 5] = ["info", "low", "medium", "high", "critical"];

    /// The severity named `name` (lowercase).
    pub fn from_name(name: &str) -> Option<Severity> {
        Some(match name {
            "info" => Severity::Info,
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }

    /// The lowercase name.
    pub fn name(self) -> &'static str {
        Severity::NAMES[self as usize]
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Manifest {
    /// Parses the text of `file` (for diagnostics). Returns every problem found, each naming
    /// the file, the field and the fix.
    pub fn parse(text: &str, file: &Path) -> Result<Manifest, Vec<PackDiagnostic>> {
        let mut diags = Diags {
            file,
            list: Vec::new(),
        };
        let value: Value = match serde_json::from_str(text) {
            Ok(value) => value,
            Err(err) => {
                diags.push(
                    format!("line {}, column {}", err.line(), err.column()),
                    format!("is not valid JSON: {}", strip_position(&err.to_string())),
                    "fix the JSON syntax",
                );
                return Err(diags.list);
            }
        };
        let Value::Object(top) = value else {
            diags.push(
                "(top level)",
                "is not a JSON object",
                "write {\"name\": ..., \"version\": ..., \"schema_versions\": {...}, \"rules\": [...]}",
            );
            return Err(diags.list);
        };
        diags.unknown_keys(&top, &TOP_KEYS, "");
        let name = match top.get("name") {
            Some(Value::String(name)) if !name.is_empty() => name.clone(),
            Some(_) => {
                diags.push("name", "is not a non-empty string", "give the pack a name");
                String::new()
            }
            None => {
                diags.push("name", "is missing", "add \"name\": \"<pack name>\"");
                String::new()
            }
        };
        let version = match top.get("version") {
            Some(Value::String(v)) if !v.is_empty() => v.clone(),
            Some(Value::Number(n)) if n.is_u64() => n.to_string(),
            Some(_) => {
                diags.push(
                    "version",
                    "is neither a non-empty string nor a non-negative integer",
                    "write \"version\": \"1.0.0\"",
                );
                String::new()
            }
            None => {
                diags.push("version", "is missing", "add \"version\": \"1.0.0\"");
                String::new()
            }
        };
        let mut schema_versions = Vec::new();
        match top.get("schema_versions") {
            Some(Value::Object(map)) => {
                for (event, v) in map {
                    match v.as_u64().and_then(|v| u32::try_from(v).ok()) {
                        Some(v) => schema_versions.push((event.clone(), v)),
                        None => diags.push(
                            format!("schema_versions.{event}"),
                            "is not an unsigned 32-bit integer",
                            "write the schema version the rules were built against (RF_<EVENT>_VERSION in ringfence.h)",
                        ),
                    }
                }
            }
            Some(_) => diags.push(
                "schema_versions",
                "is not an object",
                "write {\"<event type>\": <version>, ...}",
            ),
            None => diags.push(
                "schema_versions",
                "is missing",
                "add \"schema_versions\": {\"<event type>\": <version>, ...} for the event types the rules were built against (`ringfence schema` lists them)",
            ),
        }
        let mut rules = Vec::new();
        match top.get("rules") {
            Some(Value::Array(entries)) if !entries.is_empty() => {
                let mut ids: Vec<&str> = Vec::new();
                for (idx, entry) in entries.iter().enumerate() {
                    if let Some(id) = entry.get("id").and_then(Value::as_str) {
                        if let Some(first) = ids.iter().position(|seen| *seen == id) {
                            diags.push(
                                format!("rules[{idx}].id"),
                                format!("`{id}` is already the id of rules[{first}]"),
                                "give every rule a distinct id",
                            );
                        }
                    }
                    ids.push(entry.get("id").and_then(Value::as_str).unwrap_or(""));
                    rules.extend(parse_rule(entry, idx, &mut diags));
                }
            }
            Some(Value::Array(_)) => diags.push(
                "rules",
                "is empty",
                "list at least one rule: {\"id\": ..., \"object\": ...}",
            ),
            Some(_) => diags.push(
                "rules",
                "is not an array",
                "write \"rules\": [{\"id\": ..., \"object\": ...}]",
            ),
            None => diags.push(
                "rules",
                "is missing",
                "add \"rules\": [{\"id\": ..., \"object\": ...}]",
            ),
        }
        if diags.list.is_empty() {
            Ok(Manifest {
                name,
                version,
                schema_versions,
                rules,
            })
        } else {
            Err(diags.list)
        }
    }
}

fn parse_rule(entry: &Value, idx: usize, diags: &mut Diags<'_>) -> Option<ManifestRule> {
    let at = format!("rules[{idx}]");
    let Value::Object(entry) = entry else {
        diags.push(
            &at,
            "is not an object",
            "write {\"id\": ..., \"object\": ...}",
        );
        return None;
    };
    let n_before = diags.list.len();
    diags.unknown_keys(entry, &RULE_KEYS, &format!("{at}."));
    let id = match entry.get("id") {
        Some(Value::String(id)) => {
            if id.is_empty()
                || id.len() > MAX_RULE_ID_LEN
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
            {
                diags.push(
                    format!("{at}.id"),
                    format!("`{id}` is not a rule id"),
                    "use 1 to 64 of A-Z a-z 0-9 _ . -",
                );
            }
            id.clone()
        }
        Some(_) => {
            diags.push(
                format!("{at}.id"),
                "is not a string",
                "write \"id\": \"<rule id>\"",
            );
            String::new()
        }
        None => {
            diags.push(
                format!("{at}.id"),
                "is missing",
                "add \"id\": \"<rule id>\"",
            );
            String::new()
        }
    };
    let object = match entry.get("object") {
        Some(Value::String(path)) => {
            let path = PathBuf::from(path);
            let inside = !path.as_os_str().is_empty()
                && path
                    .components()
                    .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
            if !inside {
                diags.push(
                    format!("{at}.object"),
                    format!("`{}` is not a relative path inside the pack", path.display()),
                    "put the object in the pack directory and name it relative to it (no `..`, no leading `/`)",
                );
            }
            path
        }
        Some(_) => {
            diags.push(
                format!("{at}.object"),
                "is not a string",
                "write \"object\": \"<file>.o\"",
            );
            PathBuf::new()
        }
        None => {
            diags.push(
                format!("{at}.object"),
                "is missing",
                "add \"object\": \"<file>.o\"",
            );
            PathBuf::new()
        }
    };
    let mut flag = |key: &str, default: bool| match entry.get(key) {
        None => default,
        Some(Value::Bool(value)) => *value,
        Some(_) => {
            diags.push(
                format!("{at}.{key}"),
                "is not a boolean",
                "write true or false",
            );
            default
        }
    };
    let enabled = flag("enabled", true);
    let keep_maps = flag("keep_maps", false);
    let severity = match entry.get("severity") {
        None => Severity::default(),
        Some(Value::String(name)) => Severity::from_name(name).unwrap_or_else(|| {
            let hint = suggest(name, Severity::NAMES)
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            diags.push(
                format!("{at}.severity"),
                format!("`{name}` is not a severity"),
                format!("{hint}use one of {}", Severity::NAMES.join(", ")),
            );
            Severity::default()
        }),
        Some(_) => {
            diags.push(
                format!("{at}.severity"),
                "is not a string",
                format!("use one of {}", Severity::NAMES.join(", ")),
            );
            Severity::default()
        }
    };
    (diags.list.len() == n_before).then_some(ManifestRule {
        id,
        object,
        enabled,
        severity,
        keep_maps,
    })
}

/// Collects the manifest's diagnostics.
struct Diags<'a> {
    file: &'a Path,
    list: Vec<PackDiagnostic>,
}

impl Diags<'_> {
    fn push(
        &mut self,
        field: impl Into<String>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) {
        self.list.push(PackDiagnostic {
            file: self.file.to_path_buf(),
            rule: None,
            kind: DiagnosticKind::Manifest {
                field: field.into(),
                problem: problem.into(),
                fix: fix.into(),
            },
        });
    }

    fn unknown_keys(&mut self, object: &Map<String, Value>, known: &[&str], prefix: &str) {
        for key in object.keys() {
            if !known.contains(&key.as_str()) {
                let hint = suggest(key, known.iter().copied())
                    .map(|s| format!("did you mean `{s}`? "))
                    .unwrap_or_default();
                self.push(
                    format!("{prefix}{key}"),
                    "is not a key of the manifest",
                    format!("{hint}the keys are {}", known.join(", ")),
                );
            }
        }
    }
}

/// serde_json's message without its trailing " at line L column C" (we print those).
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Manifest, Vec<String>> {
        Manifest::parse(text, Path::new("p/pack.json"))
            .map_err(|d| d.iter().map(|d| d.to_string()).collect())
    }

    #[test]
    fn a_full_manifest_parses() {
        let m = parse(
            r#"{"name": "p", "version": 3, "schema_versions": {"process_exec": 1},
                "rules": [{"id": "a", "object": "a.o", "severity": "high", "keep_maps": true},
                          {"id": "b", "object": "./sub/b.o", "enabled": false}]}"#,
        )
        .unwrap();
        assert!(m.rules[0].keep_maps);
        assert!(!m.rules[1].keep_maps);
        assert_eq!(m.version, "3");
        assert_eq!(m.schema_versions, vec![("process_exec".to_string(), 1)]);
        assert_eq!(m.rules[0].severity, Severity::High);
        assert!(!m.rules[1].enabled);
        assert_eq!(m.rules[1].severity, Severity::Medium);
    }

    #[test]
    fn every_problem_is_reported_with_its_field_and_fix() {
        let errors = parse(
            r#"{"nmae": "p", "version": "1", "rules": [
                {"id": "a", "object": "../a.o", "severity": "hgh"},
                {"id": "a", "object": "b.o", "keep_maps": "yes"},
                {"object": "c.o"}]}"#,
        )
        .unwrap_err();
        let all = errors.join("\n");
        for needle in [
            "p/pack.json: nmae: is not a key of the manifest; did you mean `name`?",
            "p/pack.json: name: is missing",
            "schema_versions: is missing",
            "rules[0].object: `../a.o` is not a relative path inside the pack",
            "rules[0].severity: `hgh` is not a severity; did you mean `high`?",
            "rules[1].id: `a` is already the id of rules[0]",
            "rules[1].keep_maps: is not a boolean",
            "rules[2].id: is missing",
        ] {
            assert!(all.contains(needle), "missing {needle:?} in\n{all}");
        }
        assert_eq!(errors.len(), 8, "{all}");
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let errors = parse("{\n\"name\": }").unwrap_err();
        assert!(errors[0].contains("line 2, column 9"), "{errors:?}");
    }
}
