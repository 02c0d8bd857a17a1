//! The errors of the event module: [`SchemaError`] (building or parsing a schema) and
//! [`EventError`] (encoding a JSON event), each naming where the problem is and how to fix it.
#![forbid(unsafe_code)]

use std::fmt;

use super::schema::FieldKind;

/// A schema that cannot be built or parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// The schema file is not valid JSON.
    #[error("line {line}, column {column}: {message}; a schema file is one JSON object (see sdk/README.md)")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// A name that is not a lowercase C identifier.
    #[error("{at}: `{name}` is not a valid name; use a lowercase C identifier (a-z, 0-9, _; not starting with a digit or `__`; at most 64 bytes)")]
    BadName { at: String, name: String },
    /// A name the header or the JSON encoding reserves.
    #[error("{at}: `{name}` is reserved ({reserved}); choose another name")]
    ReservedName {
        at: String,
        name: String,
        reserved: String,
    },
    /// Two fields with one name.
    #[error(
        "event `{event}`: fields {first_idx} and {second_idx} are both named `{name}`; rename one"
    )]
    DuplicateField {
        event: String,
        name: String,
        first_idx: usize,
        second_idx: usize,
    },
    /// More than [`MAX_FIELDS`](super::schema::MAX_FIELDS) fields.
    #[error("event `{event}` has {n_fields} fields; at most {max} are allowed")]
    TooManyFields {
        event: String,
        n_fields: usize,
        max: usize,
    },
    /// Two event types with one type id.
    #[error("events `{first}` and `{second}` both have type id {type_id}; give each its own `id`")]
    DuplicateTypeId {
        type_id: u32,
        first: String,
        second: String,
    },
    /// Two event types with one name.
    #[error("two events are named `{name}`; rename one")]
    DuplicateEvent { name: String },
    /// Two names that would generate the same C identifier in the header.
    #[error(
        "the C header would define `{c_name}` twice: for {first} and for {second}; rename one"
    )]
    CNameCollision {
        c_name: String,
        first: String,
        second: String,
    },
    /// A field type the schema file names that does not exist.
    #[error(
        "{at}: unknown type `{found}`{}; the types are {}",
        did_you_mean(suggestion),
        kind_names()
    )]
    UnknownKind {
        at: String,
        found: String,
        suggestion: Option<String>,
    },
    /// A key the schema file format does not have.
    #[error(
        "{at}: unknown key `{key}`{}; the keys are {allowed}",
        did_you_mean(suggestion)
    )]
    UnknownKey {
        at: String,
        key: String,
        suggestion: Option<String>,
        allowed: &'static str,
    },
    /// A key the schema file format requires.
    #[error("{at}: missing key `{key}`; add it, e.g. {example}")]
    MissingKey {
        at: String,
        key: &'static str,
        example: &'static str,
    },
    /// A value of the wrong JSON type or range.
    #[error("{at}: `{key}` must be {expected}")]
    WrongValue {
        at: String,
        key: &'static str,
        expected: &'static str,
    },
}

/// A JSON event that cannot be encoded: the line (when the event came from a JSON Lines
/// text) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct EventError {
    /// The 1-based line of the event in its JSON Lines input.
    pub line: Option<usize>,
    pub kind: EventErrorKind,
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        write!(f, "{}", self.kind)
    }
}

/// What is wrong with a JSON event.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EventErrorKind {
    /// The line is not valid JSON.
    #[error("column {column}: {message}; an event is one JSON object per line")]
    Json { column: usize, message: String },
    /// The event is valid JSON but not an object.
    #[error("the event is {found}; an event is a JSON object such as {{\"type\": \"process_exec\", \"pid\": 1}}")]
    NotAnObject { found: &'static str },
    /// The schema set is empty.
    #[error("no event types are defined; load a schema first")]
    NoSchemas,
    /// Several event types and no `type` key.
    #[error(
        "missing `type`: there are several event types ({types}); add e.g. \"type\": \"{first}\""
    )]
    MissingType { types: String, first: String },
    /// A `type` that is not a string.
    #[error("`type` must be a string naming the event type ({types}), not {found}")]
    TypeNotString { found: &'static str, types: String },
    /// A `type` naming no event type.
    #[error(
        "unknown event type `{name}`{}; the types are {types}",
        did_you_mean(suggestion)
    )]
    UnknownType {
        name: String,
        suggestion: Option<String>,
        types: String,
    },
    /// A key that is not a field of the event type.
    #[error(
        "unknown field `{field}` in a `{event}` event{}; the fields are {fields}",
        did_you_mean(suggestion)
    )]
    UnknownField {
        event: String,
        field: String,
        suggestion: Option<String>,
        fields: String,
    },
    /// A value of the wrong JSON type.
    #[error("field `{field}` of `{event}` has type {kind}; {}, not {found}", kind_expects(*kind))]
    WrongType {
        event: String,
        field: String,
        kind: FieldKind,
        found: &'static str,
    },
    /// An integer the field cannot hold.
    #[error("field `{field}` of `{event}`: {value} is out of range for {kind} ({})", kind_range(*kind))]
    OutOfRange {
        event: String,
        field: String,
        kind: FieldKind,
        value: String,
    },
    /// A string that is not an address of the field's kind.
    #[error("field `{field}` of `{event}`: `{text}` is not {}", address_expects(*kind))]
    BadAddress {
        event: String,
        field: String,
        kind: FieldKind,
        text: String,
    },
    /// A string list element that is not a string, or that holds a NUL byte.
    #[error("field `{field}` of `{event}`: element {idx} is {found}; a str_list is an array of strings without NUL bytes, e.g. [\"ls\", \"-l\"]")]
    BadListElement {
        event: String,
        field: String,
        idx: usize,
        found: &'static str,
    },
    /// The strings together exceed the event type's data area bound.
    #[error("the strings of this `{event}` event take more than {max} bytes (at field `{field}`); shorten them or raise the schema's max_data_len")]
    TooLong {
        event: String,
        field: String,
        max: u32,
    },
}

fn did_you_mean(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(name) => format!(" (did you mean `{name}`?)"),
        None => String::new(),
    }
}

fn kind_names() -> String {
    let names: Vec<&str> = FieldKind::ALL.iter().map(|kind| kind.name()).collect();
    names.join(", ")
}

fn kind_expects(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::U8
        | FieldKind::U16
        | FieldKind::U32
        | FieldKind::U64
        | FieldKind::I32
        | FieldKind::I64
        | FieldKind::Port => "give an integer",
        FieldKind::Bool => "give true or false",
        FieldKind::Ipv4 => "give an IPv4 address as a string, e.g. \"10.0.0.1\"",
        FieldKind::Ipv6 => "give an IPv6 or IPv4 address as a string, e.g. \"::1\" or \"10.0.0.1\"",
        FieldKind::Str => "give a string",
        FieldKind::StrList => "give an array of strings, e.g. [\"ls\", \"-l\"]",
    }
}

fn kind_range(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::U8 => "0..=255",
        FieldKind::U16 | FieldKind::Port => "0..=65535",
        FieldKind::U32 => "0..=4294967295",
        FieldKind::U64 => "0..=18446744073709551615",
        FieldKind::I32 => "-2147483648..=2147483647",
        FieldKind::I64 => "-9223372036854775808..=9223372036854775807",
        _ => "not an integer kind",
    }
}

fn address_expects(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Ipv4 => "an IPv4 address; write it as \"10.0.0.1\"",
        _ => "an IP address; write it as \"2001:db8::1\" or \"10.0.0.1\"",
    }
}

/// The name among `candidates` nearest to `name`, if it is near enough to be a likely typo
/// (edit distance at most 2, or at most a third of the name), or if one contains the other.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let distance = edit_distance(name, candidate);
        let near = distance <= 2.max(name.len() / 3)
            || (name.len() >= 3 && (candidate.contains(name) || name.contains(candidate)));
        if near && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate.to_string())
}

/// The optimal-string-alignment distance (Levenshtein plus adjacent transpositions, so
/// `u23` is one edit from `u32`), ignoring ASCII case.
fn edit_distance(a: &str, b: &str) -> usize {
    let a = a.as_bytes();
    let b = b.as_bytes();
    let width = b.len() + 1;
    // Rows i-2, i-1 and i of the distance table.
    let mut rows = vec![0usize; 3 * width];
    for (j, cell) in rows[width..2 * width].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        let (older, rest) = rows.split_at_mut(width);
        let (prev, cur) = rest.split_at_mut(width);
        cur[0] = i;
        for j in 1..=b.len() {
            let same = a[i - 1].eq_ignore_ascii_case(&b[j - 1]);
            let mut best = (prev[j - 1] + usize::from(!same))
                .min(prev[j] + 1)
                .min(cur[j - 1] + 1);
            if i > 1
                && j > 1
                && a[i - 1].eq_ignore_ascii_case(&b[j - 2])
                && a[i - 2].eq_ignore_ascii_case(&b[j - 1])
            {
                best = best.min(older[j - 2] + 1);
            }
            cur[j] = best;
        }
        rows.copy_within(width.., 0);
    }
    rows[width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_find_near_names_only() {
        let fields = ["pid", "ppid", "exe", "parent_exe", "container_id"];
        assert_eq!(suggest("pdi", fields), Some("pid".to_string()));
        assert_eq!(suggest("exe_path", fields), Some("exe".to_string()));
        assert_eq!(
            suggest("containerid", fields),
            Some("container_id".to_string())
        );
        assert_eq!(suggest("zzzzzzzz", fields), None);
        assert_eq!(
            suggest("u23", ["u8", "u16", "u32"]),
            Some("u32".to_string())
        );
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("ab", "ba"), 1);
    }
}
