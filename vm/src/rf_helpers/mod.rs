//! ringfence's own helpers, defined once in [`RF_HELPERS`]: for each, its number, name,
//! C signature, one-line doc, the argument kinds the verifier checks, and its native
//! implementation. The C header's prototypes ([`crate::event::c_header`]) are generated
//! from this table, so the header, the verifier's signatures and the implementations cannot
//! drift apart.
//!
//! Numbering: Linux's helpers keep their own numbers (1 map_lookup_elem, 5 ktime_get_ns,
//! ...); ringfence's start at [`RF_HELPER_BASE`] (1000) and are never renumbered: a new
//! helper takes the next free number, a retired one leaves a hole.
//!
//! | id | name | returns |
//! |---|---|---|
//! | 1000..=1004 | `rf_str_eq`, `rf_str_prefix`, `rf_str_suffix`, `rf_str_contains`, `rf_str_glob` | 1 or 0 |
//! | 1005..=1009 | the same, `_ci` (ASCII case-insensitive) | 1 or 0 |
//! | 1010 | `rf_in_set` | 1 or 0 |
//! | 1011 | `rf_cidr_match` | 1, 0 or -EINVAL |
//! | 1012 | `rf_alert` | 0, -E2BIG or -ENOSPC |
//!
//! A native implementation is a [`NativeFn`]: it receives the event ([`EventView`]), the
//! five argument registers and the bytes of the one memory argument (already bounds-checked
//! by whoever read them: the verifier for the fast engines, [`Memory`](crate::Memory) for
//! the checked interpreter, see [`register_checked`]), and the evaluation's [`AlertSink`].
//! The byte-level tests live in [`matching`]; none allocates.
#![forbid(unsafe_code)]

pub mod checked;
pub mod direct;
pub mod matching;

pub use checked::register_checked;
pub use matching::PlainTest;

use std::ops::Range;

use crate::event::{EventView, FieldKind};

/// The first number of ringfence's helpers.
pub const RF_HELPER_BASE: u32 = 1000;

/// The most payload bytes an alert records.
pub const MAX_ALERT_PAYLOAD: usize = 64;

/// The default number of alerts one evaluation may record ([`AlertSink::new`]).
pub const DEFAULT_MAX_ALERTS: usize = 64;

/// `-EINVAL` as a helper's `r0`.
pub const EINVAL: u64 = -22i64 as u64;
/// `-E2BIG` as a helper's `r0`.
pub const E2BIG: u64 = -7i64 as u64;
/// `-ENOSPC` as a helper's `r0`.
pub const ENOSPC: u64 = -28i64 as u64;

/// One helper: everything about it, in one place.
#[derive(Debug)]
pub struct RfHelper {
    /// Its number (`call ID`).
    pub id: u32,
    /// Its C name.
    pub name: &'static str,
    /// The C return type.
    pub ret: &'static str,
    /// The parameters, `r1` first.
    pub params: &'static [RfParam],
    /// One line for rule authors.
    pub doc: &'static str,
    /// The implementation.
    pub native: NativeFn,
    /// For a helper that only tests a string field against the bytes of its memory
    /// argument (`rf_str_*`, `rf_in_set`): the test applied to each element of the field (the
    /// helper returns 1 if any holds, else 0), for engines that call it directly.
    pub element_test: Option<ElementTest>,
    /// For the helpers whose test against a given pattern may be a plain equality, prefix,
    /// suffix or substring test: that test and the part of the pattern it takes, so that a
    /// compiler that knows the pattern may run the plain test instead, or emit it inline
    /// (its answer is `element_test`'s on the whole pattern).
    pub plain: Option<PlainOf>,
}

/// [`RfHelper::plain`]: the plain test a pattern makes of the helper's test, if any.
pub type PlainOf = fn(&[u8]) -> Option<(PlainTest, Range<usize>)>;

/// A string comparison simple enough to compile inline: the field's bytes equal the
/// pattern, start with it, or end with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrMatch {
    Eq,
    Prefix,
    Suffix,
}

/// A string test: `(element, pattern) -> holds`.
pub type ElementTest = fn(&[u8], &[u8]) -> bool;

/// One parameter of a helper.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RfParam {
    /// The C type (`const char *`, `__u32`).
    pub c_type: &'static str,
    /// The C name.
    pub name: &'static str,
    /// What the verifier must prove about it.
    pub kind: RfArgKind,
}

/// What the verifier must prove about one helper argument. The verifier's own signature
/// types are derived from these (by the program-type wiring):
/// `Context` → the context pointer; `FieldId` → a constant scalar naming a field of one of
/// the kinds listed; `ReadableMem` → a pointer to readable, initialised memory whose length
/// is the argument `size_arg`; `Size` → that length, a bounded scalar; `Scalar` → any
/// initialised scalar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RfArgKind {
    /// The program's context pointer.
    Context,
    /// A field id of the context's event type, of one of these kinds; the verifier should
    /// require a constant, so a wrong id is a load-time error, not a run-time one.
    FieldId { kinds: &'static [FieldKind] },
    /// A pointer to readable, initialised memory of the length held by argument `size_arg`
    /// (0-based: 0 is `r1`).
    ReadableMem { size_arg: usize },
    /// The length of the `ReadableMem` argument that names it.
    Size,
    /// Any initialised scalar.
    Scalar,
}

/// A helper call as a native implementation sees it: the argument registers `r1..=r5`, and
/// the bytes of the helper's `ReadableMem` argument.
#[derive(Clone, Copy, Debug)]
pub struct RfCall<'a> {
    pub args: [u64; 5],
    pub mem: &'a [u8],
}

/// A native implementation: `(event, call, alerts) -> r0`.
pub type NativeFn = fn(&EventView<'_>, &RfCall<'_>, &mut AlertSink) -> Result<u64, RfHelperError>;

/// A helper call that cannot be answered: a fault that ends the run. The verifier's checks
/// make these impossible for a verified program on a well-formed event.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RfHelperError {
    /// The field id names no field of the event type.
    #[error("{helper}: field id {field_id} is not a field of this event type ({n_fields} fields)")]
    NoSuchField {
        helper: &'static str,
        field_id: u64,
        n_fields: usize,
    },
    /// The field is of a kind the helper does not take.
    #[error("{helper}: field `{field}` is a {kind}; this helper takes {expected}")]
    WrongFieldKind {
        helper: &'static str,
        field: String,
        kind: FieldKind,
        expected: &'static str,
    },
    /// The field's descriptor points outside the data area (a corrupt event).
    #[error("{helper}: the descriptor of field `{field}` points outside the data area")]
    BadDescriptor { helper: &'static str, field: String },
}

/// An alert a rule recorded: its rule id and up to [`MAX_ALERT_PAYLOAD`] bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Alert {
    pub rule_id: u32,
    len: u8,
    payload: [u8; MAX_ALERT_PAYLOAD],
}

impl Alert {
    /// The payload the rule gave.
    pub fn payload(&self) -> &[u8] {
        &self.payload[..self.len as usize]
    }
}

impl std::fmt::Debug for Alert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Alert")
            .field("rule_id", &self.rule_id)
            .field("payload", &String::from_utf8_lossy(self.payload()))
            .finish()
    }
}

/// The alerts of one evaluation. Preallocated: recording allocates nothing; past
/// `max_alerts` further alerts are counted in [`dropped`](Self::dropped) and `rf_alert`
/// returns -ENOSPC. Clear it between evaluations.
#[derive(Clone, Debug)]
pub struct AlertSink {
    alerts: Vec<Alert>,
    max_alerts: usize,
    dropped: u64,
}

impl Default for AlertSink {
    fn default() -> AlertSink {
        AlertSink::new(DEFAULT_MAX_ALERTS)
    }
}

impl AlertSink {
    /// A sink for up to `max_alerts` alerts per evaluation.
    pub fn new(max_alerts: usize) -> AlertSink {
        AlertSink {
            alerts: Vec::with_capacity(max_alerts),
            max_alerts,
            dropped: 0,
        }
    }

    /// Forgets the alerts and the dropped count.
    pub fn clear(&mut self) {
        self.alerts.clear();
        self.dropped = 0;
    }

    /// The alerts recorded, in order.
    pub fn alerts(&self) -> &[Alert] {
        &self.alerts
    }

    /// How many alerts were refused because the sink was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Records an alert: `r0` of `rf_alert` (0, [`E2BIG`] for a payload over
    /// [`MAX_ALERT_PAYLOAD`] bytes, [`ENOSPC`] when full).
    pub fn record(&mut self, rule_id: u32, payload: &[u8]) -> u64 {
        if payload.len() > MAX_ALERT_PAYLOAD {
            return E2BIG;
        }
        if self.alerts.len() >= self.max_alerts {
            self.dropped += 1;
            return ENOSPC;
        }
        let mut alert = Alert {
            rule_id,
            len: payload.len() as u8,
            payload: [0; MAX_ALERT_PAYLOAD],
        };
        alert.payload[..payload.len()].copy_from_slice(payload);
        self.alerts.push(alert);
        0
    }
}

impl RfHelper {
    /// A plain test that answers as this helper's test against `pattern`, and the part of
    /// `pattern` it takes ([`RfHelper::plain`]).
    pub fn as_plain(&self, pattern: &[u8]) -> Option<(PlainTest, Range<usize>)> {
        self.plain.and_then(|plain| plain(pattern))
    }

    /// The C prototype, `long rf_str_eq(const void *ctx, __u32 field_id, ...)`.
    pub fn c_prototype(&self) -> String {
        format!("{} {}({})", self.ret, self.name, self.c_params())
    }

    /// The libbpf-style declaration the header holds:
    /// `static long (* const rf_str_eq)(...) = (void *) 1000;`.
    pub fn c_declaration(&self) -> String {
        format!(
            "static {} (* const {})({}) = (void *) {};",
            self.ret,
            self.name,
            self.c_params(),
            self.id
        )
    }

    fn c_params(&self) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|param| {
                if param.c_type.ends_with('*') {
                    format!("{}{}", param.c_type, param.name)
                } else {
                    format!("{} {}", param.c_type, param.name)
                }
            })
            .collect();
        params.join(", ")
    }

    /// The argument kinds, `r1` first.
    pub fn arg_kinds(&self) -> impl Iterator<Item = RfArgKind> + '_ {
        self.params.iter().map(|param| param.kind)
    }

    /// The index of the `ReadableMem` argument and of its size argument.
    pub fn mem_arg(&self) -> Option<(usize, usize)> {
        self.params
            .iter()
            .enumerate()
            .find_map(|(idx, param)| match param.kind {
                RfArgKind::ReadableMem { size_arg } => Some((idx, size_arg)),
                _ => None,
            })
    }
}

/// The helper numbered `id`.
pub fn rf_helper(id: u32) -> Option<&'static RfHelper> {
    RF_HELPERS.iter().find(|helper| helper.id == id)
}

/// The helper named `name`.
pub fn rf_helper_by_name(name: &str) -> Option<&'static RfHelper> {
    RF_HELPERS.iter().find(|helper| helper.name == name)
}

const CTX: RfParam = RfParam {
    c_type: "const void *",
    name: "ctx",
    kind: RfArgKind::Context,
};
const STR_FIELD: RfParam = RfParam {
    c_type: "__u32",
    name: "field_id",
    kind: RfArgKind::FieldId {
        kinds: &FieldKind::STRINGS,
    },
};
const ADDR_FIELD: RfParam = RfParam {
    c_type: "__u32",
    name: "field_id",
    kind: RfArgKind::FieldId {
        kinds: &FieldKind::ADDRESSES,
    },
};
const fn mem(c_type: &'static str, name: &'static str) -> RfParam {
    RfParam {
        c_type,
        name,
        kind: RfArgKind::ReadableMem { size_arg: 3 },
    }
}
const fn size(name: &'static str) -> RfParam {
    RfParam {
        c_type: "__u32",
        name,
        kind: RfArgKind::Size,
    }
}
const STR_PARAMS: &[RfParam] = &[CTX, STR_FIELD, mem("const char *", "s"), size("len")];

macro_rules! str_helper {
    ($id:expr, $name:literal, $doc:literal, $test:path) => {
        str_helper!($id, $name, $doc, $test, None)
    };
    ($id:expr, $name:literal, $doc:literal, $test:path, $plain:expr) => {
        RfHelper {
            id: $id,
            name: $name,
            ret: "long",
            params: STR_PARAMS,
            doc: $doc,
            native: |event, call, _alerts| str_test(event, call, $name, $test),
            element_test: Some($test),
            plain: $plain,
        }
    };
}

/// The helper table. See the module documentation.
pub static RF_HELPERS: &[RfHelper] = &[
    str_helper!(1000, "rf_str_eq", "1 if the string field (any element of a str_list) equals the len bytes at s, else 0.", matching::eq, Some(|p| Some((PlainTest::Eq, 0..p.len())))),
    str_helper!(1001, "rf_str_prefix", "1 if the string field (any element of a str_list) starts with the len bytes at s, else 0.", matching::prefix, Some(|p| Some((PlainTest::Prefix, 0..p.len())))),
    str_helper!(1002, "rf_str_suffix", "1 if the string field (any element of a str_list) ends with the len bytes at s, else 0.", matching::suffix, Some(|p| Some((PlainTest::Suffix, 0..p.len())))),
    str_helper!(1003, "rf_str_contains", "1 if the len bytes at s occur in the string field (any element of a str_list), else 0.", matching::contains, Some(|p| Some((PlainTest::Contains, 0..p.len())))),
    str_helper!(1004, "rf_str_glob", "1 if the string field (any element of a str_list) matches the glob at s (`*` any run, `?` one byte, no escapes), else 0.", matching::glob, Some(matching::glob_as_plain)),
    str_helper!(1005, "rf_str_eq_ci", "rf_str_eq, ASCII case-insensitive.", matching::eq_ci),
    str_helper!(1006, "rf_str_prefix_ci", "rf_str_prefix, ASCII case-insensitive.", matching::prefix_ci),
    str_helper!(1007, "rf_str_suffix_ci", "rf_str_suffix, ASCII case-insensitive.", matching::suffix_ci),
    str_helper!(1008, "rf_str_contains_ci", "rf_str_contains, ASCII case-insensitive.", matching::contains_ci),
    str_helper!(1009, "rf_str_glob_ci", "rf_str_glob, ASCII case-insensitive.", matching::glob_ci),
    RfHelper {
        id: 1010,
        name: "rf_in_set",
        ret: "long",
        params: &[CTX, STR_FIELD, mem("const char *", "set"), size("set_len")],
        doc: "1 if the string field (any element of a str_list) equals one string of the NUL-separated set (set_len = sizeof, a final NUL ends the last string), else 0.",
        native: native_in_set,
        element_test: Some(matching::in_set),
        plain: None,
    },
    RfHelper {
        id: 1011,
        name: "rf_cidr_match",
        ret: "long",
        params: &[
            CTX,
            ADDR_FIELD,
            mem("const void *", "net"),
            size("net_len"),
            RfParam {
                c_type: "__u32",
                name: "prefix_len",
                kind: RfArgKind::Scalar,
            },
        ],
        doc: "1 if the address field is in the network net (net_len 4 or 16 bytes, network order) of prefix_len bits, else 0; -EINVAL for another net_len or too long a prefix.",
        native: native_cidr_match,
        element_test: None,
        plain: None,
    },
    RfHelper {
        id: 1012,
        name: "rf_alert",
        ret: "long",
        params: &[
            CTX,
            RfParam {
                c_type: "__u32",
                name: "rule_id",
                kind: RfArgKind::Scalar,
            },
            mem("const void *", "payload"),
            size("len"),
        ],
        doc: "Records an alert with rule_id and up to 64 bytes of payload; 0, or -E2BIG for a longer payload, -ENOSPC when this evaluation's alerts are full.",
        native: native_alert,
        element_test: None,
        plain: None,
    },
];

fn field_of<'a>(
    event: &EventView<'a>,
    helper: &'static str,
    field_id: u64,
) -> Result<&'a crate::event::FieldLayout, RfHelperError> {
    u32::try_from(field_id)
        .ok()
        .and_then(|id| event.field(id))
        .ok_or(RfHelperError::NoSuchField {
            helper,
            field_id,
            n_fields: event.layout().fields.len(),
        })
}

/// Applies `test(element, pattern)` to the string field `r2` (each element of a list) with
/// the pattern `mem`: 1 if any holds.
#[inline]
fn str_test(
    event: &EventView<'_>,
    call: &RfCall<'_>,
    helper: &'static str,
    test: ElementTest,
) -> Result<u64, RfHelperError> {
    let field = field_of(event, helper, call.args[1])?;
    if !field.kind.is_string() {
        return Err(RfHelperError::WrongFieldKind {
            helper,
            field: field.name.clone(),
            kind: field.kind,
            expected: "a str or str_list field",
        });
    }
    let strings =
        event
            .strings(call.args[1] as u32)
            .ok_or_else(|| RfHelperError::BadDescriptor {
                helper,
                field: field.name.clone(),
            })?;
    for text in strings {
        if test(text, call.mem) {
            return Ok(1);
        }
    }
    Ok(0)
}

fn native_in_set(
    event: &EventView<'_>,
    call: &RfCall<'_>,
    _alerts: &mut AlertSink,
) -> Result<u64, RfHelperError> {
    str_test(event, call, "rf_in_set", matching::in_set)
}

fn native_cidr_match(
    event: &EventView<'_>,
    call: &RfCall<'_>,
    _alerts: &mut AlertSink,
) -> Result<u64, RfHelperError> {
    const HELPER: &str = "rf_cidr_match";
    let field = field_of(event, HELPER, call.args[1])?;
    if !matches!(field.kind, FieldKind::Ipv4 | FieldKind::Ipv6) {
        return Err(RfHelperError::WrongFieldKind {
            helper: HELPER,
            field: field.name.clone(),
            kind: field.kind,
            expected: "an ipv4 or ipv6 field",
        });
    }
    let addr =
        event
            .field_bytes(call.args[1] as u32)
            .ok_or_else(|| RfHelperError::BadDescriptor {
                helper: HELPER,
                field: field.name.clone(),
            })?;
    let Ok(prefix_len) = u32::try_from(call.args[4]) else {
        return Ok(EINVAL);
    };
    Ok(match matching::cidr_match(addr, call.mem, prefix_len) {
        Ok(hit) => u64::from(hit),
        Err(_) => EINVAL,
    })
}

fn native_alert(
    _event: &EventView<'_>,
    call: &RfCall<'_>,
    alerts: &mut AlertSink,
) -> Result<u64, RfHelperError> {
    Ok(alerts.record(call.args[1] as u32, call.mem))
}

#[cfg(test)]
mod tests;
