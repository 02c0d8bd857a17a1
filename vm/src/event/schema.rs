//! Event types: [`Schema`] (one event type: a name, a version and ordered, typed fields),
//! built in Rust with [`SchemaBuilder`], and [`SchemaSet`] (several event types, each with a
//! numeric type id), including the built-in endpoint set [`SchemaSet::endpoint`].
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use super::layout::Layout;
use super::SchemaError;

/// The kind of one event field: what it holds, how big it is in the context, and how a
/// JSON event spells it.
///
/// | kind | JSON | context (C type) | size, alignment |
/// |---|---|---|---|
/// | `U8`, `U16`, `U32`, `U64` | integer | `__u8` ... `__u64` | 1, 2, 4, 8 |
/// | `I32`, `I64` | integer | `__s32`, `__s64` | 4, 8 |
/// | `Bool` | `true` / `false` | `__u8` (0 or 1) | 1 |
/// | `Ipv4` | `"10.0.0.1"` | `__u32`, network byte order | 4 |
/// | `Ipv6` | `"::1"` or `"10.0.0.1"` (stored IPv4-mapped, `::ffff:10.0.0.1`) | `__u32[4]`, network byte order | 16, 4 |
/// | `Port` | integer 0..=65535 | `__u16`, host byte order | 2 |
/// | `Str` | string | `struct rf_str { __u32 off, len; }` | 8, 4 |
/// | `StrList` | array of strings | `struct rf_str_list { __u32 off, len, count; }` | 12, 4 |
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldKind {
    U8,
    U16,
    U32,
    U64,
    I32,
    I64,
    Bool,
    Ipv4,
    Ipv6,
    Port,
    Str,
    StrList,
}

impl FieldKind {
    /// Every kind, in the order of the table above.
    pub const ALL: [FieldKind; 12] = [
        FieldKind::U8,
        FieldKind::U16,
        FieldKind::U32,
        FieldKind::U64,
        FieldKind::I32,
        FieldKind::I64,
        FieldKind::Bool,
        FieldKind::Ipv4,
        FieldKind::Ipv6,
        FieldKind::Port,
        FieldKind::Str,
        FieldKind::StrList,
    ];

    /// The string kinds, whose bytes live in the data area.
    pub const STRINGS: [FieldKind; 2] = [FieldKind::Str, FieldKind::StrList];

    /// The address kinds.
    pub const ADDRESSES: [FieldKind; 2] = [FieldKind::Ipv4, FieldKind::Ipv6];

    /// The size of the field in the context's fixed part, in bytes.
    pub const fn size(self) -> u32 {
        match self {
            FieldKind::U8 | FieldKind::Bool => 1,
            FieldKind::U16 | FieldKind::Port => 2,
            FieldKind::U32 | FieldKind::I32 | FieldKind::Ipv4 => 4,
            FieldKind::U64 | FieldKind::I64 | FieldKind::Str => 8,
            FieldKind::StrList => 12,
            FieldKind::Ipv6 => 16,
        }
    }

    /// The field's alignment in the fixed part, in bytes.
    pub const fn align(self) -> u32 {
        match self {
            FieldKind::U8 | FieldKind::Bool => 1,
            FieldKind::U16 | FieldKind::Port => 2,
            FieldKind::U32
            | FieldKind::I32
            | FieldKind::Ipv4
            | FieldKind::Ipv6
            | FieldKind::Str
            | FieldKind::StrList => 4,
            FieldKind::U64 | FieldKind::I64 => 8,
        }
    }

    /// The name a schema file uses (`u32`, `str_list`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            FieldKind::U8 => "u8",
            FieldKind::U16 => "u16",
            FieldKind::U32 => "u32",
            FieldKind::U64 => "u64",
            FieldKind::I32 => "i32",
            FieldKind::I64 => "i64",
            FieldKind::Bool => "bool",
            FieldKind::Ipv4 => "ipv4",
            FieldKind::Ipv6 => "ipv6",
            FieldKind::Port => "port",
            FieldKind::Str => "str",
            FieldKind::StrList => "str_list",
        }
    }

    /// The kind a schema file names `name`.
    pub fn from_name(name: &str) -> Option<FieldKind> {
        FieldKind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// Whether the field's bytes live in the data area (`Str`, `StrList`).
    pub const fn is_string(self) -> bool {
        matches!(self, FieldKind::Str | FieldKind::StrList)
    }
}

impl fmt::Display for FieldKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One field of an event type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// A lowercase C identifier, unique in its event type.
    pub name: String,
    pub kind: FieldKind,
    /// One line for rule authors; it becomes the comment in the C header.
    pub doc: String,
}

/// The most fields an event type may have.
pub const MAX_FIELDS: usize = 256;

/// The default bound on an event's data area (all its strings together): 1 MiB.
pub const DEFAULT_MAX_DATA_LEN: u32 = 1 << 20;

/// One event type: its name, version, ordered fields, and the [`Layout`] derived from them.
///
/// A `Schema` is only made by [`SchemaBuilder::build`] (or parsed from a schema file), which
/// checks the names; its layout is computed once there, so every consumer sees the same one.
/// Cloning is cheap (the contents are shared).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schema {
    inner: Arc<SchemaInner>,
}

impl Schema {
    /// Starts building an event type named `name` (a lowercase C identifier) at `version`.
    pub fn builder(name: &str, version: u32) -> SchemaBuilder {
        SchemaBuilder {
            name: name.to_string(),
            version,
            doc: String::new(),
            fields: Vec::new(),
            max_data_len: DEFAULT_MAX_DATA_LEN,
        }
    }

    /// The event type's name (`process_exec`).
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The schema's version, which rule authors see as `RF_<NAME>_VERSION`.
    pub fn version(&self) -> u32 {
        self.inner.version
    }

    /// The one-line description.
    pub fn doc(&self) -> &str {
        &self.inner.doc
    }

    /// The fields in order; a field's id is its index here.
    pub fn fields(&self) -> &[Field] {
        &self.inner.fields
    }

    /// The binary layout of the context a rule receives.
    pub fn layout(&self) -> &Layout {
        &self.inner.layout
    }

    /// The id (index) of the field named `name`.
    pub fn field_id(&self, name: &str) -> Option<u32> {
        self.inner.by_name.get(name).copied()
    }

    /// The field with id `id`.
    pub fn field(&self, id: u32) -> Option<&Field> {
        self.inner.fields.get(id as usize)
    }
}

/// Builds a [`Schema`]:
///
/// ```
/// use ringfence_vm::event::{FieldKind, Schema};
/// let schema = Schema::builder("login", 1)
///     .doc("A login attempt.")
///     .field("uid", FieldKind::U32, "The user id.")
///     .field("user", FieldKind::Str, "The user name.")
///     .build()
///     .unwrap();
/// assert_eq!(schema.field_id("user"), Some(1));
/// ```
#[derive(Clone, Debug)]
pub struct SchemaBuilder {
    name: String,
    version: u32,
    doc: String,
    fields: Vec<Field>,
    max_data_len: u32,
}

impl SchemaBuilder {
    /// Sets the one-line description.
    pub fn doc(mut self, doc: &str) -> SchemaBuilder {
        self.doc = doc.to_string();
        self
    }

    /// Appends a field.
    pub fn field(mut self, name: &str, kind: FieldKind, doc: &str) -> SchemaBuilder {
        self.fields.push(Field {
            name: name.to_string(),
            kind,
            doc: doc.to_string(),
        });
        self
    }

    /// Appends fields.
    pub fn fields(mut self, fields: &[Field]) -> SchemaBuilder {
        self.fields.extend_from_slice(fields);
        self
    }

    /// Bounds the data area of one event (default [`DEFAULT_MAX_DATA_LEN`]); the encoder
    /// refuses larger events, and the verifier may rely on the bound.
    pub fn max_data_len(mut self, max_data_len: u32) -> SchemaBuilder {
        self.max_data_len = max_data_len;
        self
    }

    /// Checks the names and computes the layout.
    pub fn build(self) -> Result<Schema, SchemaError> {
        let event_at = format!("event `{}`", self.name);
        check_name(&self.name, &event_at)?;
        if RESERVED_EVENT_NAMES.contains(&self.name.as_str()) {
            return Err(SchemaError::ReservedName {
                at: event_at,
                name: self.name,
                reserved: RESERVED_EVENT_NAMES.join(", "),
            });
        }
        if self.fields.len() > MAX_FIELDS {
            return Err(SchemaError::TooManyFields {
                event: self.name,
                n_fields: self.fields.len(),
                max: MAX_FIELDS,
            });
        }
        let mut by_name = HashMap::with_capacity(self.fields.len());
        for (idx, field) in self.fields.iter().enumerate() {
            let at = format!("event `{}`, field {idx} (`{}`)", self.name, field.name);
            check_name(&field.name, &at)?;
            if RESERVED_FIELD_NAMES.contains(&field.name.as_str()) {
                return Err(SchemaError::ReservedName {
                    at,
                    name: field.name.clone(),
                    reserved: RESERVED_FIELD_NAMES.join(", "),
                });
            }
            if let Some(first) = by_name.insert(field.name.clone(), idx as u32) {
                return Err(SchemaError::DuplicateField {
                    event: self.name.clone(),
                    name: field.name.clone(),
                    first_idx: first as usize,
                    second_idx: idx,
                });
            }
        }
        let layout = Layout::of_fields(&self.fields, self.max_data_len);
        Ok(Schema {
            inner: Arc::new(SchemaInner {
                name: self.name,
                version: self.version,
                doc: self.doc,
                fields: self.fields,
                layout,
                by_name,
            }),
        })
    }
}

/// Field names a schema may not use: `data` and `data_end` are the context's first members,
/// `type` names the event type in a JSON event.
pub const RESERVED_FIELD_NAMES: [&str; 3] = ["data", "data_end", "type"];

/// Event names a schema may not use: their C struct would collide with the header's own.
pub const RESERVED_EVENT_NAMES: [&str; 3] = ["str", "str_list", "event"];

/// The longest name allowed, in bytes.
pub const MAX_NAME_LEN: usize = 64;

/// Several event types, each with a numeric type id (what `enum rf_event_type` holds in the
/// C header). Cloning is cheap.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SchemaSet {
    entries: Vec<(u32, Schema)>,
}

impl SchemaSet {
    /// An empty set.
    pub fn new() -> SchemaSet {
        SchemaSet::default()
    }

    /// Adds `schema` as type `type_id`; refuses a type id or name already present, and
    /// names that would make two C identifiers of the generated header collide.
    pub fn add(&mut self, type_id: u32, schema: Schema) -> Result<&mut SchemaSet, SchemaError> {
        if let Some((_, other)) = self.entries.iter().find(|(id, _)| *id == type_id) {
            return Err(SchemaError::DuplicateTypeId {
                type_id,
                first: other.name().to_string(),
                second: schema.name().to_string(),
            });
        }
        if self.by_name(schema.name()).is_some() {
            return Err(SchemaError::DuplicateEvent {
                name: schema.name().to_string(),
            });
        }
        self.entries.push((type_id, schema));
        if let Err(err) = super::header::check_c_names(self) {
            self.entries.pop();
            return Err(err);
        }
        Ok(self)
    }

    /// The set with `schema` added as type `type_id`.
    pub fn with(mut self, type_id: u32, schema: Schema) -> Result<SchemaSet, SchemaError> {
        self.add(type_id, schema)?;
        Ok(self)
    }

    /// The number of event types.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the set holds no event type.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The event types with their ids, in the order they were added.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (u32, &Schema)> + '_ {
        self.entries.iter().map(|(id, schema)| (*id, schema))
    }

    /// The event type with id `type_id`.
    pub fn get(&self, type_id: u32) -> Option<&Schema> {
        self.entries
            .iter()
            .find(|(id, _)| *id == type_id)
            .map(|(_, schema)| schema)
    }

    /// The event type named `name`, with its id.
    pub fn by_name(&self, name: &str) -> Option<(u32, &Schema)> {
        self.entries
            .iter()
            .find(|(_, schema)| schema.name() == name)
            .map(|(id, schema)| (*id, schema))
    }

    /// The built-in endpoint event types, sharing the ten process fields as a common prefix
    /// (so `pid` ... `container_id` have the same field ids and offsets in every type):
    ///
    /// | id | name | fields |
    /// |---|---|---|
    /// | 1 | `process_exec` | the process fields |
    /// | 2 | `file_open` | the process fields, `path`, `flags` |
    /// | 3 | `network_connect` | the process fields, `saddr`, `daddr` (`ipv6`; IPv4 is stored IPv4-mapped), `sport`, `dport`, `protocol` |
    pub fn endpoint() -> SchemaSet {
        let process = process_fields();
        let fd_doc = "0 unknown, 1 regular file, 2 pipe, 3 terminal, 4 socket, 5 /dev/null.";
        let process_exec = Schema::builder("process_exec", 1)
            .doc(
                "A process replaced its image (execve); the process fields describe the new image.",
            )
            .fields(&process)
            .field(
                "stdin_type",
                FieldKind::U8,
                &format!("What standard input is: {fd_doc}"),
            )
            .field(
                "stdout_type",
                FieldKind::U8,
                &format!("What standard output is: {fd_doc}"),
            )
            .build();
        let file_open = Schema::builder("file_open", 1)
            .doc("A process opened a file.")
            .fields(&process)
            .field("path", FieldKind::Str, "The path as opened, absolute when known.")
            .field(
                "flags",
                FieldKind::U32,
                "The open(2) flags (O_WRONLY = 0x1, O_RDWR = 0x2, O_CREAT = 0x40, O_TRUNC = 0x200).",
            )
            .build();
        let network_connect = Schema::builder("network_connect", 1)
            .doc("A process connected a socket (connect(2)).")
            .fields(&process)
            .field(
                "saddr",
                FieldKind::Ipv6,
                "The local address; an IPv4 address is stored IPv4-mapped (::ffff:a.b.c.d).",
            )
            .field(
                "daddr",
                FieldKind::Ipv6,
                "The remote address; an IPv4 address is stored IPv4-mapped (::ffff:a.b.c.d).",
            )
            .field("sport", FieldKind::Port, "The local port, host byte order.")
            .field(
                "dport",
                FieldKind::Port,
                "The remote port, host byte order.",
            )
            .field(
                "protocol",
                FieldKind::U8,
                "The IP protocol number (6 = TCP, 17 = UDP).",
            )
            .build();
        let auth_attempt = Schema::builder("auth_attempt", 1)
            .doc("A login attempt (sshd, login, su, sudo), successful or not.")
            .fields(&process)
            .field("user", FieldKind::Str, "The account the attempt was for.")
            .field(
                "service",
                FieldKind::Str,
                "The service that checked it (sshd, sudo, ...).",
            )
            .field(
                "saddr",
                FieldKind::Ipv6,
                "The remote address the attempt came from (IPv4-mapped), zero when local.",
            )
            .field("success", FieldKind::Bool, "Whether the attempt succeeded.")
            .build();
        let mut set = SchemaSet::new();
        for (id, schema) in [
            (1, process_exec),
            (2, file_open),
            (3, network_connect),
            (4, auth_attempt),
        ] {
            let schema = schema.expect("the built-in schemas are valid");
            set.add(id, schema)
                .expect("the built-in schemas have distinct ids and names");
        }
        set
    }
}

/// The ten process fields every built-in event type starts with.
pub fn process_fields() -> Vec<Field> {
    let field = |name: &str, kind, doc: &str| Field {
        name: name.to_string(),
        kind,
        doc: doc.to_string(),
    };
    vec![
        field("pid", FieldKind::U32, "The process id (thread group id)."),
        field("ppid", FieldKind::U32, "The parent's process id."),
        field("uid", FieldKind::U32, "The real user id."),
        field("gid", FieldKind::U32, "The real group id."),
        field(
            "exe",
            FieldKind::Str,
            "The absolute path of the executable.",
        ),
        field(
            "args",
            FieldKind::StrList,
            "The command line, argv[0] first (count elements, NUL-separated).",
        ),
        field("cwd", FieldKind::Str, "The working directory."),
        field(
            "parent_exe",
            FieldKind::Str,
            "The absolute path of the parent's executable.",
        ),
        field(
            "tty",
            FieldKind::Str,
            "The controlling terminal (pts/0), empty when there is none.",
        ),
        field(
            "container_id",
            FieldKind::Str,
            "The container id, empty outside containers.",
        ),
    ]
}

#[derive(Debug, PartialEq, Eq)]
struct SchemaInner {
    name: String,
    version: u32,
    doc: String,
    fields: Vec<Field>,
    layout: Layout,
    by_name: HashMap<String, u32>,
}

fn check_name(name: &str, at: &str) -> Result<(), SchemaError> {
    let bytes = name.as_bytes();
    let valid = !bytes.is_empty()
        && bytes.len() <= MAX_NAME_LEN
        && (bytes[0].is_ascii_lowercase() || bytes[0] == b'_')
        && bytes
            .iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !name.starts_with("__");
    if valid {
        Ok(())
    } else {
        Err(SchemaError::BadName {
            at: at.to_string(),
            name: name.to_string(),
        })
    }
}
