//! JSON events to binary events and back: [`Encoder`] writes a JSON object into a reusable
//! [`EventBuf`] (the fixed part followed by the data area, in one 8-aligned allocation),
//! [`EventView`] reads an encoded event, and [`event_to_json`] turns one back into JSON.
//!
//! A JSON event is one object, one per line in JSON Lines input: `"type"` names the event
//! type (optional when the set has only one), every other key is a field. A field left out
//! is zero (integers, `false`, the address `0.0.0.0` / `::`) or empty (strings, lists).
//! Strings are stored in schema field order in the data area.
#![forbid(unsafe_code)]

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde_json::{Map, Value};

use super::error::suggest;
use super::layout::{FieldLayout, Layout};
use super::schema::{FieldKind, Schema, SchemaSet};
use super::{EventError, EventErrorKind};

/// Encodes JSON events for the event types of a [`SchemaSet`]. Holds no scratch state:
/// share it between threads, give each thread its own [`EventBuf`].
#[derive(Clone, Debug)]
pub struct Encoder {
    set: SchemaSet,
    type_names: String,
}

/// An encoded event: the fixed part (the context a rule's `r1` points to) followed by the
/// data area, in one allocation whose start is kept 8-aligned. Reuse one buffer for many
/// events: once it has grown to the largest event, encoding allocates nothing.
#[derive(Clone, Debug, Default)]
pub struct EventBuf {
    /// `bytes[start..start + fixed_len]` is the fixed part, `bytes[start + fixed_len..]` the
    /// data area; `start` makes `bytes[start..]` 8-aligned.
    bytes: Vec<u8>,
    start: usize,
    fixed_len: usize,
    type_id: u32,
}

/// A read-only view of an encoded event: its layout, its fixed part and its data area.
/// Accessors bounds-check every descriptor, so a view of corrupt bytes yields `None`, never a
/// panic.
#[derive(Clone, Copy, Debug)]
pub struct EventView<'a> {
    layout: &'a Layout,
    fixed: &'a [u8],
    data: &'a [u8],
}

/// The strings of a `Str` field (one) or a `StrList` field (its elements).
#[derive(Clone, Debug)]
pub struct FieldStrings<'a> {
    rest: &'a [u8],
    remaining: u32,
    split: bool,
}

impl Encoder {
    /// An encoder for the event types of `set`.
    pub fn new(set: &SchemaSet) -> Encoder {
        let names: Vec<&str> = set.iter().map(|(_, schema)| schema.name()).collect();
        Encoder {
            set: set.clone(),
            type_names: names.join(", "),
        }
    }

    /// The event types.
    pub fn schemas(&self) -> &SchemaSet {
        &self.set
    }

    /// Parses `line` (line number `line_no`, 1-based, of a JSON Lines text) and encodes it.
    pub fn encode_line(
        &self,
        line: &str,
        line_no: usize,
        buf: &mut EventBuf,
    ) -> Result<(), EventError> {
        let value: Value = serde_json::from_str(line).map_err(|err| EventError {
            line: Some(line_no),
            kind: EventErrorKind::Json {
                column: err.column(),
                message: strip_position(&err.to_string()),
            },
        })?;
        self.encode_into(&value, buf).map_err(|mut err| {
            err.line = Some(line_no);
            err
        })
    }

    /// Encodes the JSON event `event` into `buf`, replacing what it held. Allocates only
    /// when `buf` must grow.
    pub fn encode_into(&self, event: &Value, buf: &mut EventBuf) -> Result<(), EventError> {
        self.encode_object(event, buf)
            .map_err(|kind| EventError { line: None, kind })
    }

    /// The event type of a JSON event, as `encode_into` chooses it.
    pub fn schema_of(&self, event: &Map<String, Value>) -> Result<(u32, &Schema), EventError> {
        self.pick_schema(event)
            .map_err(|kind| EventError { line: None, kind })
    }

    fn pick_schema(&self, event: &Map<String, Value>) -> Result<(u32, &Schema), EventErrorKind> {
        match event.get("type") {
            None => {
                if self.set.len() == 1 {
                    let (id, schema) = self.set.iter().next().expect("one schema");
                    Ok((id, schema))
                } else if self.set.is_empty() {
                    Err(EventErrorKind::NoSchemas)
                } else {
                    let (_, first) = self.set.iter().next().expect("several schemas");
                    Err(EventErrorKind::MissingType {
                        types: self.type_names.clone(),
                        first: first.name().to_string(),
                    })
                }
            }
            Some(Value::String(name)) => {
                self.set
                    .by_name(name)
                    .ok_or_else(|| EventErrorKind::UnknownType {
                        name: name.clone(),
                        suggestion: suggest(name, self.set.iter().map(|(_, schema)| schema.name())),
                        types: self.type_names.clone(),
                    })
            }
            Some(other) => Err(EventErrorKind::TypeNotString {
                found: json_type(other),
                types: self.type_names.clone(),
            }),
        }
    }

    fn encode_object(&self, event: &Value, buf: &mut EventBuf) -> Result<(), EventErrorKind> {
        let Value::Object(event) = event else {
            return Err(EventErrorKind::NotAnObject {
                found: json_type(event),
            });
        };
        let (type_id, schema) = self.pick_schema(event)?;
        let layout = schema.layout();
        buf.reset(type_id, layout.size as usize);
        let mut n_found = usize::from(event.contains_key("type"));
        for (field, placed) in schema.fields().iter().zip(&layout.fields) {
            let Some(value) = event.get(&field.name) else {
                continue;
            };
            n_found += 1;
            encode_field(schema, placed, value, buf)?;
        }
        if n_found != event.len() {
            let unknown = event
                .keys()
                .find(|key| *key != "type" && schema.field_id(key).is_none())
                .expect("a key that is no field");
            return Err(EventErrorKind::UnknownField {
                event: schema.name().to_string(),
                field: unknown.clone(),
                suggestion: suggest(
                    unknown,
                    schema.fields().iter().map(|field| field.name.as_str()),
                ),
                fields: field_names(schema),
            });
        }
        buf.realign();
        buf.fix_data_pointers();
        Ok(())
    }
}

impl EventBuf {
    /// An empty buffer.
    pub fn new() -> EventBuf {
        EventBuf::default()
    }

    /// An empty buffer with room for events of `capacity` bytes (fixed part and data area).
    pub fn with_capacity(capacity: usize) -> EventBuf {
        EventBuf {
            bytes: Vec::with_capacity(capacity + 8),
            ..EventBuf::default()
        }
    }

    /// Builds an event directly: sets the type id and a zeroed fixed part of `fixed_len`
    /// bytes, and empties the data area. Then [`put_fixed`](Self::put_fixed) and
    /// [`push_data`](Self::push_data) fill it (the encoder does exactly this).
    pub fn reset(&mut self, type_id: u32, fixed_len: usize) {
        self.bytes.clear();
        self.bytes.reserve(fixed_len + 8);
        self.start = align_gap(self.bytes.as_ptr());
        self.bytes.resize(self.start + fixed_len, 0);
        self.fixed_len = fixed_len;
        self.type_id = type_id;
    }

    /// Writes `bytes` into the fixed part at `offset`.
    ///
    /// # Panics
    /// If the write does not fit in the fixed part.
    pub fn put_fixed(&mut self, offset: usize, bytes: &[u8]) {
        assert!(
            offset + bytes.len() <= self.fixed_len,
            "write past the fixed part"
        );
        let at = self.start + offset;
        self.bytes[at..at + bytes.len()].copy_from_slice(bytes);
    }

    /// Appends `bytes` to the data area.
    pub fn push_data(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }

    /// The event type's id.
    pub fn type_id(&self) -> u32 {
        self.type_id
    }

    /// The fixed part (what a rule's `r1` points to). Its `data` and `data_end` members hold
    /// the addresses they had when last fixed up: see [`context_ptr`](Self::context_ptr).
    pub fn fixed(&self) -> &[u8] {
        &self.bytes[self.start..self.start + self.fixed_len]
    }

    /// The data area.
    pub fn data(&self) -> &[u8] {
        &self.bytes[self.start + self.fixed_len..]
    }

    /// The fixed part's length in bytes.
    pub fn fixed_len(&self) -> usize {
        self.fixed_len
    }

    /// The data area's length in bytes.
    pub fn data_len(&self) -> usize {
        self.bytes.len() - self.start - self.fixed_len
    }

    /// A view of the event, read with `layout` (the layout of the event's type).
    ///
    /// # Panics
    /// If the fixed part is shorter than `layout.size`.
    pub fn view<'a>(&'a self, layout: &'a Layout) -> EventView<'a> {
        EventView::new(layout, self.fixed(), self.data()).expect("the buffer holds this layout")
    }

    /// Makes the buffer ready to run a rule on: re-aligns it if it moved, writes the host
    /// addresses of the data area into `data` and `data_end`, and returns the fixed part
    /// followed by the data area. The slice's address is the context pointer.
    pub fn prepare(&mut self) -> &[u8] {
        self.realign();
        self.fix_data_pointers();
        &self.bytes[self.start..]
    }

    /// Like [`prepare`](Self::prepare), returning the context pointer (8-aligned). It stays
    /// valid, and `data`/`data_end` stay true, until the buffer is next used mutably.
    pub fn context_ptr(&mut self) -> *mut u8 {
        self.realign();
        self.fix_data_pointers();
        self.bytes[self.start..].as_mut_ptr()
    }

    /// Moves the contents so that they start 8-aligned, after an append may have moved the
    /// allocation.
    fn realign(&mut self) {
        let len = self.bytes.len() - self.start;
        // Room for a shift of up to 7 bytes, so the resize below never reallocates.
        self.bytes.reserve(8);
        let want = align_gap(self.bytes.as_ptr());
        if want != self.start {
            if want > self.start {
                self.bytes.resize(want + len, 0);
            }
            self.bytes.copy_within(self.start..self.start + len, want);
            self.bytes.truncate(want + len);
            self.start = want;
        }
    }

    /// Writes the current host addresses of the data area into `data` and `data_end`.
    fn fix_data_pointers(&mut self) {
        if self.fixed_len < 16 {
            return;
        }
        let data = self.bytes.as_ptr() as u64 + (self.start + self.fixed_len) as u64;
        let data_end = data + self.data_len() as u64;
        self.put_fixed(0, &data.to_le_bytes());
        self.put_fixed(8, &data_end.to_le_bytes());
    }
}

/// How many bytes after `ptr` the next 8-aligned address is.
fn align_gap(ptr: *const u8) -> usize {
    (ptr as usize).wrapping_neg() % 8
}

impl<'a> EventView<'a> {
    /// A view of an event of `layout` whose fixed part is `fixed` and data area `data`;
    /// `None` when `fixed` is shorter than `layout.size` or `data` longer than `u32::MAX`.
    pub fn new(layout: &'a Layout, fixed: &'a [u8], data: &'a [u8]) -> Option<EventView<'a>> {
        if fixed.len() < layout.size as usize || u32::try_from(data.len()).is_err() {
            return None;
        }
        Some(EventView {
            layout,
            fixed,
            data,
        })
    }

    /// The layout.
    pub fn layout(&self) -> &'a Layout {
        self.layout
    }

    /// The fixed part.
    pub fn fixed(&self) -> &'a [u8] {
        self.fixed
    }

    /// The data area.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// The layout of field `field_id`.
    #[inline]
    pub fn field(&self, field_id: u32) -> Option<&'a FieldLayout> {
        self.layout.fields.get(field_id as usize)
    }

    /// The raw bytes of field `field_id` in the fixed part.
    #[inline]
    pub fn field_bytes(&self, field_id: u32) -> Option<&'a [u8]> {
        let field = self.field(field_id)?;
        self.fixed
            .get(field.offset as usize..(field.offset + field.size) as usize)
    }

    /// The value of an integer, `Bool` or `Port` field, zero-extended (`I32`/`I64`
    /// sign-extended to 64 bits); `None` for other kinds.
    pub fn scalar(&self, field_id: u32) -> Option<u64> {
        let field = self.field(field_id)?;
        let bytes = self.field_bytes(field_id)?;
        let mut raw = [0u8; 8];
        raw[..bytes.len().min(8)].copy_from_slice(&bytes[..bytes.len().min(8)]);
        let value = u64::from_le_bytes(raw);
        match field.kind {
            FieldKind::I32 => Some(value as u32 as i32 as i64 as u64),
            FieldKind::U8
            | FieldKind::U16
            | FieldKind::U32
            | FieldKind::U64
            | FieldKind::I64
            | FieldKind::Bool
            | FieldKind::Port => Some(value),
            _ => None,
        }
    }

    /// The address in an `Ipv4` or `Ipv6` field (an IPv4-mapped `Ipv6` field gives the IPv4
    /// address).
    pub fn ip(&self, field_id: u32) -> Option<IpAddr> {
        let field = self.field(field_id)?;
        let bytes = self.field_bytes(field_id)?;
        match field.kind {
            FieldKind::Ipv4 => Some(IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(bytes).ok()?))),
            FieldKind::Ipv6 => {
                let v6 = Ipv6Addr::from(<[u8; 16]>::try_from(bytes).ok()?);
                Some(match v6.to_ipv4_mapped() {
                    Some(v4) => IpAddr::V4(v4),
                    None => IpAddr::V6(v6),
                })
            }
            _ => None,
        }
    }

    /// The bytes of a `Str` field, or the whole span of a `StrList` field; `None` for other
    /// kinds or a descriptor outside the data area.
    #[inline]
    pub fn str_bytes(&self, field_id: u32) -> Option<&'a [u8]> {
        let field = self.field(field_id)?;
        if !field.kind.is_string() {
            return None;
        }
        let off = self.u32_at(field.offset as usize)? as usize;
        let len = self.u32_at(field.offset as usize + 4)? as usize;
        self.data.get(off..off.checked_add(len)?)
    }

    /// The strings of a `Str` field (exactly one) or a `StrList` field (its `count`
    /// elements); `None` for other kinds or a descriptor outside the data area.
    #[inline]
    pub fn strings(&self, field_id: u32) -> Option<FieldStrings<'a>> {
        let field = self.field(field_id)?;
        let span = self.str_bytes(field_id)?;
        Some(match field.kind {
            FieldKind::StrList => FieldStrings {
                rest: span,
                remaining: self.u32_at(field.offset as usize + 8)?,
                split: true,
            },
            _ => FieldStrings {
                rest: span,
                remaining: 1,
                split: false,
            },
        })
    }

    #[inline]
    fn u32_at(&self, at: usize) -> Option<u32> {
        let bytes = self.fixed.get(at..at + 4)?;
        Some(u32::from_le_bytes(bytes.try_into().ok()?))
    }
}

impl<'a> Iterator for FieldStrings<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        if !self.split || self.remaining == 0 {
            // The last element takes what is left (a corrupt count cannot make it overrun).
            self.remaining = 0;
            return Some(std::mem::take(&mut self.rest));
        }
        match memchr::memchr(0, self.rest) {
            Some(nul) => {
                let item = &self.rest[..nul];
                self.rest = &self.rest[nul + 1..];
                Some(item)
            }
            None => {
                self.remaining = 0;
                Some(std::mem::take(&mut self.rest))
            }
        }
    }
}

/// The event in `view` (of type `schema`, id `type_id`) as a JSON object with every field,
/// plus `"type"`; [`Encoder::encode_into`] turns it back into the same bytes. Strings that
/// are not UTF-8 are shown with U+FFFD in place of bad bytes.
pub fn event_to_json(schema: &Schema, view: &EventView<'_>) -> Value {
    let mut object = Map::new();
    object.insert("type".to_string(), Value::String(schema.name().to_string()));
    for (id, field) in schema.fields().iter().enumerate() {
        object.insert(
            field.name.clone(),
            field_to_json(field.kind, view, id as u32),
        );
    }
    Value::Object(object)
}

/// Like [`event_to_json`], as one line of JSON with `"type"` first and the fields in schema
/// order.
pub fn event_to_json_line(schema: &Schema, view: &EventView<'_>) -> String {
    let mut line = format!("{{\"type\":{}", Value::String(schema.name().to_string()));
    for (id, field) in schema.fields().iter().enumerate() {
        let value = field_to_json(field.kind, view, id as u32);
        let _ = write!(line, ",{}:{}", Value::String(field.name.clone()), value);
    }
    line.push('}');
    line
}

fn field_to_json(kind: FieldKind, view: &EventView<'_>, id: u32) -> Value {
    let text = |bytes: &[u8]| Value::String(String::from_utf8_lossy(bytes).into_owned());
    match kind {
        FieldKind::Bool => Value::Bool(view.scalar(id).unwrap_or(0) != 0),
        FieldKind::I32 | FieldKind::I64 => Value::from(view.scalar(id).unwrap_or(0) as i64),
        FieldKind::Ipv4 | FieldKind::Ipv6 => match view.ip(id) {
            Some(addr) => Value::String(addr.to_string()),
            None => Value::Null,
        },
        FieldKind::Str => view.str_bytes(id).map_or(Value::Null, text),
        FieldKind::StrList => match view.strings(id) {
            Some(items) => Value::Array(items.map(text).collect()),
            None => Value::Null,
        },
        _ => Value::from(view.scalar(id).unwrap_or(0)),
    }
}

fn field_names(schema: &Schema) -> String {
    let names: Vec<&str> = schema
        .fields()
        .iter()
        .map(|field| field.name.as_str())
        .collect();
    names.join(", ")
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(idx) => message[..idx].to_string(),
        None => message.to_string(),
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a fractional number",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn encode_field(
    schema: &Schema,
    placed: &FieldLayout,
    value: &Value,
    buf: &mut EventBuf,
) -> Result<(), EventErrorKind> {
    let wrong_type = || EventErrorKind::WrongType {
        event: schema.name().to_string(),
        field: placed.name.clone(),
        kind: placed.kind,
        found: json_type(value),
    };
    let out_of_range = || EventErrorKind::OutOfRange {
        event: schema.name().to_string(),
        field: placed.name.clone(),
        kind: placed.kind,
        value: value.to_string(),
    };
    let bad_address = |text: &str| EventErrorKind::BadAddress {
        event: schema.name().to_string(),
        field: placed.name.clone(),
        kind: placed.kind,
        text: text.to_string(),
    };
    let offset = placed.offset as usize;
    match placed.kind {
        FieldKind::U8 | FieldKind::U16 | FieldKind::U32 | FieldKind::U64 | FieldKind::Port => {
            let Value::Number(number) = value else {
                return Err(wrong_type());
            };
            let n = match (number.as_u64(), number.as_i64()) {
                (Some(n), _) => n,
                (None, Some(_)) => return Err(out_of_range()),
                (None, None) => return Err(wrong_type()),
            };
            let max = match placed.kind {
                FieldKind::U8 => u8::MAX as u64,
                FieldKind::U16 | FieldKind::Port => u16::MAX as u64,
                FieldKind::U32 => u32::MAX as u64,
                _ => u64::MAX,
            };
            if n > max {
                return Err(out_of_range());
            }
            buf.put_fixed(offset, &n.to_le_bytes()[..placed.size as usize]);
        }
        FieldKind::I32 | FieldKind::I64 => {
            let Value::Number(number) = value else {
                return Err(wrong_type());
            };
            let n = match (number.as_i64(), number.as_u64()) {
                (Some(n), _) => n,
                (None, Some(_)) => return Err(out_of_range()),
                (None, None) => return Err(wrong_type()),
            };
            if placed.kind == FieldKind::I32 && i32::try_from(n).is_err() {
                return Err(out_of_range());
            }
            buf.put_fixed(offset, &n.to_le_bytes()[..placed.size as usize]);
        }
        FieldKind::Bool => {
            let Value::Bool(b) = value else {
                return Err(wrong_type());
            };
            buf.put_fixed(offset, &[u8::from(*b)]);
        }
        FieldKind::Ipv4 => {
            let Value::String(text) = value else {
                return Err(wrong_type());
            };
            let addr: Ipv4Addr = text.parse().map_err(|_| bad_address(text))?;
            buf.put_fixed(offset, &addr.octets());
        }
        FieldKind::Ipv6 => {
            let Value::String(text) = value else {
                return Err(wrong_type());
            };
            let addr: IpAddr = text.parse().map_err(|_| bad_address(text))?;
            let addr = match addr {
                IpAddr::V4(v4) => v4.to_ipv6_mapped(),
                IpAddr::V6(v6) => v6,
            };
            buf.put_fixed(offset, &addr.octets());
        }
        FieldKind::Str => {
            let Value::String(text) = value else {
                return Err(wrong_type());
            };
            let off = buf.data_len();
            buf.push_data(text.as_bytes());
            check_data_len(schema, placed, buf)?;
            buf.put_fixed(offset, &(off as u32).to_le_bytes());
            buf.put_fixed(offset + 4, &(text.len() as u32).to_le_bytes());
        }
        FieldKind::StrList => {
            let Value::Array(items) = value else {
                return Err(wrong_type());
            };
            let off = buf.data_len();
            for (idx, item) in items.iter().enumerate() {
                let bad_element = |found| EventErrorKind::BadListElement {
                    event: schema.name().to_string(),
                    field: placed.name.clone(),
                    idx,
                    found,
                };
                let Value::String(text) = item else {
                    return Err(bad_element(json_type(item)));
                };
                if memchr::memchr(0, text.as_bytes()).is_some() {
                    return Err(bad_element("a string holding a NUL byte"));
                }
                if idx > 0 {
                    buf.push_data(&[0]);
                }
                buf.push_data(text.as_bytes());
                check_data_len(schema, placed, buf)?;
            }
            let len = buf.data_len() - off;
            buf.put_fixed(offset, &(off as u32).to_le_bytes());
            buf.put_fixed(offset + 4, &(len as u32).to_le_bytes());
            buf.put_fixed(offset + 8, &(items.len() as u32).to_le_bytes());
        }
    }
    Ok(())
}

fn check_data_len(
    schema: &Schema,
    placed: &FieldLayout,
    buf: &EventBuf,
) -> Result<(), EventErrorKind> {
    let max = schema.layout().max_data_len;
    if buf.data_len() > max as usize {
        return Err(EventErrorKind::TooLong {
            event: schema.name().to_string(),
            field: placed.name.clone(),
            max,
        });
    }
    Ok(())
}
