//! The schema file: event types for CLI users, as JSON, parsed into a [`SchemaSet`] and
//! written back from one. The format is in the event module's documentation.
#![forbid(unsafe_code)]

use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::error::suggest;
use super::schema::{FieldKind, Schema, SchemaSet, DEFAULT_MAX_DATA_LEN};
use super::SchemaError;

const SET_KEYS: &str = "events";
const EVENT_KEYS: &str = "name, id, version, doc, max_data_len, fields";
const FIELD_KEYS: &str = "name, type, doc";

impl SchemaSet {
    /// Parses a schema file: either `{"events": [EVENT, ...]}` or a single `EVENT` object.
    /// Errors name the line and column (syntax) or the event and field (meaning), and the fix.
    pub fn from_json_str(text: &str) -> Result<SchemaSet, SchemaError> {
        let value: Value = serde_json::from_str(text).map_err(|err| SchemaError::Syntax {
            line: err.line(),
            column: err.column(),
            message: strip_position(&err.to_string()),
        })?;
        let Value::Object(top) = value else {
            return Err(SchemaError::WrongValue {
                at: "the file".to_string(),
                key: "(top level)",
                expected: "a JSON object: {\"events\": [...]} or one event {\"name\": ..., \"fields\": [...]}",
            });
        };
        let mut set = SchemaSet::new();
        if top.contains_key("events") {
            check_keys(&top, &["events"], SET_KEYS, "the file")?;
            let Some(events) = top["events"].as_array() else {
                return Err(SchemaError::WrongValue {
                    at: "the file".to_string(),
                    key: "events",
                    expected: "an array of event objects",
                });
            };
            for (idx, event) in events.iter().enumerate() {
                let at = format!("events[{idx}]");
                let Value::Object(event) = event else {
                    return Err(SchemaError::WrongValue {
                        at,
                        key: "events",
                        expected: "an array of event objects",
                    });
                };
                let (id, schema) = parse_event(event, idx, &at)?;
                set.add(id, schema)?;
            }
        } else {
            let (id, schema) = parse_event(&top, 0, "the event")?;
            set.add(id, schema)?;
        }
        Ok(set)
    }

    /// The set as a schema file (the `{"events": [...]}` form, one field per line), which
    /// [`SchemaSet::from_json_str`] reads back to an equal set.
    pub fn to_json_string(&self) -> String {
        let mut out = String::from("{\n  \"events\": [\n");
        for (n, (id, schema)) in self.iter().enumerate() {
            out.push_str("    {\n");
            let _ = writeln!(out, "      \"name\": {},", quote(schema.name()));
            let _ = writeln!(out, "      \"id\": {id},");
            let _ = writeln!(out, "      \"version\": {},", schema.version());
            let _ = writeln!(out, "      \"doc\": {},", quote(schema.doc()));
            if schema.layout().max_data_len != DEFAULT_MAX_DATA_LEN {
                let _ = writeln!(
                    out,
                    "      \"max_data_len\": {},",
                    schema.layout().max_data_len
                );
            }
            out.push_str("      \"fields\": [\n");
            for (idx, field) in schema.fields().iter().enumerate() {
                let comma = if idx + 1 < schema.fields().len() {
                    ","
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "        {{\"name\": {}, \"type\": {}, \"doc\": {}}}{comma}",
                    quote(&field.name),
                    quote(field.kind.name()),
                    quote(&field.doc)
                );
            }
            out.push_str("      ]\n");
            let comma = if n + 1 < self.len() { "," } else { "" };
            let _ = writeln!(out, "    }}{comma}");
        }
        out.push_str("  ]\n}\n");
        out
    }
}

fn quote(text: &str) -> String {
    serde_json::to_string(text).expect("a string serialises")
}

/// serde_json appends " at line L column C"; the error carries those separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(idx) => message[..idx].to_string(),
        None => message.to_string(),
    }
}

fn check_keys(
    object: &Map<String, Value>,
    keys: &[&str],
    allowed: &'static str,
    at: &str,
) -> Result<(), SchemaError> {
    for key in object.keys() {
        if !keys.contains(&key.as_str()) {
            return Err(SchemaError::UnknownKey {
                at: at.to_string(),
                key: key.clone(),
                suggestion: suggest(key, keys.iter().copied()),
                allowed,
            });
        }
    }
    Ok(())
}

fn parse_event(
    event: &Map<String, Value>,
    idx: usize,
    at: &str,
) -> Result<(u32, Schema), SchemaError> {
    let name = match event.get("name") {
        None => {
            return Err(SchemaError::MissingKey {
                at: at.to_string(),
                key: "name",
                example: "\"name\": \"process_exec\"",
            })
        }
        Some(Value::String(name)) => name.as_str(),
        Some(_) => {
            return Err(SchemaError::WrongValue {
                at: at.to_string(),
                key: "name",
                expected: "a string",
            })
        }
    };
    let at = format!("{at} (`{name}`)");
    check_keys(
        event,
        &["name", "id", "version", "doc", "max_data_len", "fields"],
        EVENT_KEYS,
        &at,
    )?;
    let id = match event.get("id") {
        None => idx as u32 + 1,
        Some(value) => as_u32(value).ok_or_else(|| SchemaError::WrongValue {
            at: at.clone(),
            key: "id",
            expected: "an integer in 0..=4294967295",
        })?,
    };
    let version = match event.get("version") {
        None => {
            return Err(SchemaError::MissingKey {
                at,
                key: "version",
                example: "\"version\": 1",
            })
        }
        Some(value) => as_u32(value).ok_or_else(|| SchemaError::WrongValue {
            at: at.clone(),
            key: "version",
            expected: "an integer in 0..=4294967295",
        })?,
    };
    let doc = match event.get("doc") {
        None => "",
        Some(Value::String(doc)) => doc.as_str(),
        Some(_) => {
            return Err(SchemaError::WrongValue {
                at,
                key: "doc",
                expected: "a string",
            })
        }
    };
    let mut builder = Schema::builder(name, version).doc(doc);
    if let Some(value) = event.get("max_data_len") {
        let max = as_u32(value).ok_or_else(|| SchemaError::WrongValue {
            at: at.clone(),
            key: "max_data_len",
            expected: "an integer in 0..=4294967295",
        })?;
        builder = builder.max_data_len(max);
    }
    let fields = match event.get("fields") {
        None => {
            return Err(SchemaError::MissingKey {
                at,
                key: "fields",
                example: "\"fields\": [{\"name\": \"pid\", \"type\": \"u32\"}]",
            })
        }
        Some(Value::Array(fields)) => fields,
        Some(_) => {
            return Err(SchemaError::WrongValue {
                at,
                key: "fields",
                expected: "an array of field objects such as {\"name\": \"pid\", \"type\": \"u32\", \"doc\": \"...\"}",
            })
        }
    };
    for (field_idx, field) in fields.iter().enumerate() {
        let field_at = format!("{at}, field {field_idx}");
        let Value::Object(field) = field else {
            return Err(SchemaError::WrongValue {
                at: field_at,
                key: "fields",
                expected: "an array of field objects such as {\"name\": \"pid\", \"type\": \"u32\", \"doc\": \"...\"}",
            });
        };
        let field_name = match field.get("name") {
            None => {
                return Err(SchemaError::MissingKey {
                    at: field_at,
                    key: "name",
                    example: "\"name\": \"pid\"",
                })
            }
            Some(Value::String(name)) => name.as_str(),
            Some(_) => {
                return Err(SchemaError::WrongValue {
                    at: field_at,
                    key: "name",
                    expected: "a string",
                })
            }
        };
        let field_at = format!("{field_at} (`{field_name}`)");
        check_keys(field, &["name", "type", "doc"], FIELD_KEYS, &field_at)?;
        let kind = match field.get("type") {
            None => {
                return Err(SchemaError::MissingKey {
                    at: field_at,
                    key: "type",
                    example: "\"type\": \"u32\"",
                })
            }
            Some(Value::String(kind)) => {
                FieldKind::from_name(kind).ok_or_else(|| SchemaError::UnknownKind {
                    at: field_at.clone(),
                    found: kind.clone(),
                    suggestion: suggest_kind(kind),
                })?
            }
            Some(_) => {
                return Err(SchemaError::WrongValue {
                    at: field_at,
                    key: "type",
                    expected: "a string naming the type, e.g. \"u32\" or \"str\"",
                })
            }
        };
        let field_doc = match field.get("doc") {
            None => "",
            Some(Value::String(doc)) => doc.as_str(),
            Some(_) => {
                return Err(SchemaError::WrongValue {
                    at: field_at,
                    key: "doc",
                    expected: "a string",
                })
            }
        };
        builder = builder.field(field_name, kind, field_doc);
    }
    Ok((id, builder.build()?))
}

fn as_u32(value: &Value) -> Option<u32> {
    value.as_u64().and_then(|n| u32::try_from(n).ok())
}

/// Common spellings of the kinds in other languages, then near names.
fn suggest_kind(found: &str) -> Option<String> {
    let alias = match found {
        "string" | "String" | "text" | "char*" => Some("str"),
        "strings" | "string_list" | "list" | "array" | "[str]" | "args" => Some("str_list"),
        "int" | "uint" | "uint32" | "u_int" | "unsigned" => Some("u32"),
        "int32" | "s32" => Some("i32"),
        "int64" | "s64" | "long" => Some("i64"),
        "uint64" | "ulong" => Some("u64"),
        "boolean" => Some("bool"),
        "ip" | "ipaddr" | "ip_addr" | "addr" | "address" => Some("ipv6"),
        "inet" | "ip4" => Some("ipv4"),
        "ip6" => Some("ipv6"),
        _ => None,
    };
    alias
        .map(str::to_string)
        .or_else(|| suggest(found, FieldKind::ALL.iter().map(|kind| kind.name())))
}
