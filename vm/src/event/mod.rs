//! Event types, the one source every event consumer derives from (the lesson of Channel
//! File 291: a content validator and an interpreter that disagreed on the number of input
//! fields): a [`Schema`] per event type gives the context [`Layout`] the verifier checks
//! rules against, the binary encoding of events ([`Encoder`], [`EventBuf`]), JSON decoding
//! for display ([`event_to_json`]), and the C header rule authors include ([`c_header`]).
//!
//! Module map:
//! - [`schema`]: [`FieldKind`], [`Field`], [`Schema`] and its [`SchemaBuilder`], [`SchemaSet`]
//!   and the built-in endpoint set [`SchemaSet::endpoint`];
//! - [`layout`]: [`Layout`], derived from a schema by [`Layout::of_fields`], and
//!   [`Layout::diff`], which names the fields where a rule's view of an event differs;
//! - [`encode`]: JSON events to binary ([`Encoder`]) and back ([`event_to_json`]);
//! - [`header`]: the C header;
//! - `schema_file`: [`SchemaSet::from_json_str`] and [`SchemaSet::to_json_string`];
//! - [`stream`]: JSON Lines events streamed from disk ([`EventStream`]), bad lines by policy;
//! - [`error`]: [`SchemaError`] and [`EventError`].
//!
//! # The schema file
//!
//! One JSON object: a set of event types,
//!
//! ```json
//! {
//!   "events": [
//!     {
//!       "name": "login",
//!       "id": 1,
//!       "version": 1,
//!       "doc": "A login attempt.",
//!       "fields": [
//!         {"name": "uid", "type": "u32", "doc": "The user id."},
//!         {"name": "user", "type": "str", "doc": "The user name."},
//!         {"name": "source", "type": "ipv6", "doc": "Where it came from."}
//!       ]
//!     }
//!   ]
//! }
//! ```
//!
//! or a single event object (the element of `events` above) on its own.
//! - `name` (required): a lowercase C identifier (`[a-z_][a-z0-9_]*`, not `__`-prefixed,
//!   at most 64 bytes); field names also, except `data`, `data_end` and `type`.
//! - `id` (optional): the numeric type id; by default the position in `events` plus one.
//! - `version` (required): an integer, shown to rule authors as `RF_<NAME>_VERSION`.
//! - `doc` (optional, events and fields): one line, copied into the C header.
//! - `max_data_len` (optional): the most bytes all of an event's strings may take
//!   (default 1 MiB).
//! - `fields` (required): in order; a field's id is its index. `type` is one of `u8`, `u16`,
//!   `u32`, `u64`, `i32`, `i64`, `bool`, `ipv4`, `ipv6`, `port`, `str`, `str_list` (see
//!   [`FieldKind`] for what each holds and how).
//!
//! Unknown keys are errors (with a "did you mean"), so a misspelt key never silently drops
//! a field. `sdk/schemas/endpoint.json` is the built-in set in this format.
//!
//! # JSON events
//!
//! One object per line: `{"type": "process_exec", "pid": 42, "exe": "/bin/sh",
//! "args": ["sh", "-c", "id"]}`. `type` may be left out when the set has one event type.
//! Fields left out are zero or empty. See [`encode`] for the details.
//!
//! Architecture Invariant: a layout is computed in exactly one place, [`Layout::of_fields`],
//! called once per schema by [`SchemaBuilder::build`]; every other consumer reads
//! [`Schema::layout`]. This module holds no `unsafe`.
#![forbid(unsafe_code)]

pub mod encode;
pub mod error;
pub mod header;
pub mod layout;
pub mod schema;
mod schema_file;
pub mod stream;

pub use encode::{event_to_json, event_to_json_line, Encoder, EventBuf, EventView, FieldStrings};
pub use error::{EventError, EventErrorKind, SchemaError};
pub use header::c_header;
pub use layout::{FieldLayout, Layout, LayoutMismatch, StructMember};
pub use schema::{
    process_fields, Field, FieldKind, Schema, SchemaBuilder, SchemaSet, DEFAULT_MAX_DATA_LEN,
    MAX_FIELDS,
};
pub use stream::{
    BadLinePolicy, EventStream, LineError, LineErrorKind, StreamConfig, StreamError, StreamItem,
    StreamStats,
};
