//! The abstract state at one program point: a value per register, a state per stack byte of
//! every live frame (with spilled registers kept whole), and the proven length of the data
//! area.
//!
//! Lattice, per register: `Uninit` is the top (unusable, any read is an error), `Mixed` below
//! it (a pointer on some paths and a number on others: may be copied, not used), then the
//! typed values: scalars ordered by [`Scalar::le`], pointers of one region ordered by their
//! offsets, a nullable pointer above the non-null one and above the scalar 0. Per stack
//! slot of 8 bytes: a spilled register (its whole value), or 8 byte states ordered
//! `Zero < Misc < Poison < Uninit` (`Poison`: bytes of a spilled pointer, not readable as a
//! number). The join is pointwise; the proven data-area ranges (per pointer base, see
//! [`Pointer::pkt_id`]) join by `min`, and a join at a node gives data-area pointers whose
//! base differs between the paths a fresh base ([`join_id`]) with nothing proven; the
//! remembered sums ([`State::sums`]) join by intersection, less those of bases the join
//! renames.

use std::collections::BTreeMap;
use std::fmt;

use crate::domain::Scalar;

/// A `null_id` no branch clears: the result of joining different nullable pointers.
pub(crate) const ANON_ID: u32 = u32::MAX;

/// The number of stack bytes of one frame.
pub const STACK_SIZE: i64 = 512;
pub(crate) const N_SLOTS: usize = (STACK_SIZE / 8) as usize;

/// A memory region a pointer may point into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Region {
    /// The stack frame at this call depth (0 = the entry function); offsets are relative to
    /// `r10` of that frame, so valid ones are negative.
    Stack(u8),
    /// The context struct.
    Context,
    /// The `mem` buffer.
    Buffer,
    /// The variable data area that `data` and `data_end` bound; offsets from `data`.
    Packet,
    /// The value of map `n`.
    MapValue(u32),
}

/// A pointer: its region, its offset, and whether it may be null (and which check clears it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pointer {
    pub region: Region,
    pub off: Scalar,
    pub null_id: Option<u32>,
    /// Data-area pointers only: the pointer is `base(pkt_id) + pkt_c`, where pointers with
    /// the same id share one unknown base (id 0: `data` itself; [`ANON_ID`]: no relation).
    pub pkt_id: u32,
    pub pkt_c: i64,
    /// Which object of the region: a map's values are many objects, which two pointers
    /// into one map need not share. [`ONE_OBJ`] for the regions that are one object and for
    /// the value `map_value(m, off)` names; a lookup's value is the lookup's slot plus one
    /// (until the lookup runs again, which makes older pointers [`ANON_OBJ`]); [`ANON_OBJ`]
    /// when unknown. Pointers into one region are subtracted and compared only when their
    /// object is the same known one.
    pub obj: u32,
}

/// [`Pointer::obj`] of a region that is one object.
pub(crate) const ONE_OBJ: u32 = 0;
/// [`Pointer::obj`] when the object is unknown.
pub(crate) const ANON_OBJ: u32 = u32::MAX;

impl Pointer {
    /// A non-null pointer into `region` at `off`, into its one object (or the value a
    /// `map_value` reference names).
    pub fn new(region: Region, off: Scalar) -> Pointer {
        Pointer {
            region,
            off,
            null_id: None,
            pkt_id: 0,
            pkt_c: 0,
            obj: ONE_OBJ,
        }
    }

    /// Whether `self` and `other` point into the same object: their difference and their
    /// order are their offsets' (else they may be anywhere relative to each other).
    pub fn same_object(&self, other: &Pointer) -> bool {
        self.region == other.region && self.obj == other.obj && self.obj != ANON_OBJ
    }
}

/// The abstract value of a register or spilled slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    Uninit,
    Mixed,
    Scalar(Scalar),
    Ptr(Pointer),
    /// `data_end`: just past the data area.
    PacketEnd,
    /// A reference to map `n`.
    MapRef(u32),
}

/// The state of one stack byte that is not part of a spilled register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ByteKind {
    Zero,
    Misc,
    Poison,
    Uninit,
}

/// One 8-byte stack slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    Spill(Value),
    Bytes([ByteKind; 8]),
}

/// One stack frame: its slots (absent = uninitialised), the caller's `r6`-`r9`, and the
/// copy ids of spilled scalars (see [`State::sids`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Frame {
    pub slots: BTreeMap<u8, Slot>,
    pub saved: [Value; 4],
    pub sids: BTreeMap<u8, u32>,
}

/// The abstract state. See the module documentation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct State {
    pub regs: [Value; 11],
    pub frames: Vec<Frame>,
    /// Copy ids of scalar registers: two locations (registers, or spilled slots in
    /// [`Frame::sids`]) with the same nonzero id hold the same number, so a branch that
    /// refines one refines all (the kernel's scalar ids). 0: no known copy.
    pub sids: [u32; 11],
    /// Proven readable lengths of the data area: for each base id, `base + n <= data_end`
    /// (id 0 is `data` itself).
    pub pkt_ranges: BTreeMap<u32, i64>,
    /// Data-area bases made by adding a number to a pointer: `(id, c, sid) -> new` says that
    /// `base(id) + c + v` is `base(new)`, where `v` is the number the locations with copy
    /// id `sid` hold. Computing the same sum again (clang rematerialises `p + i` after
    /// checking it) gives the same base, with what was proven for it.
    pub sums: BTreeMap<(u32, i64, u32), u32>,
}

impl Value {
    pub fn join(&self, other: &Value) -> Value {
        use Value::*;
        if self == other {
            return *self;
        }
        match (self, other) {
            (Uninit, _) | (_, Uninit) => Uninit,
            (Mixed, _) | (_, Mixed) => Mixed,
            (Scalar(a), Scalar(b)) => Scalar(a.join(b)),
            (Ptr(a), Ptr(b)) if a.region == b.region => {
                let same = (a.pkt_id, a.pkt_c) == (b.pkt_id, b.pkt_c);
                Ptr(Pointer {
                    region: a.region,
                    off: a.off.join(&b.off),
                    null_id: join_ids(a.null_id, b.null_id),
                    pkt_id: if same { a.pkt_id } else { ANON_ID },
                    pkt_c: if same { a.pkt_c } else { 0 },
                    obj: if a.obj == b.obj { a.obj } else { ANON_OBJ },
                })
            }
            // A pointer on one path and 0 on the other (a function returning a value or
            // NULL): a nullable pointer that only a check of this very register clears.
            (Ptr(p), Scalar(s)) | (Scalar(s), Ptr(p)) if s.as_constant() == Some(0) => {
                Ptr(Pointer {
                    null_id: Some(ANON_ID),
                    ..*p
                })
            }
            (PacketEnd, PacketEnd) => PacketEnd,
            (MapRef(a), MapRef(b)) if a == b => MapRef(*a),
            _ => Mixed,
        }
    }

    /// Widening: `self` is the old value, `newer` the new one.
    /// Widening: `self` is the old value, `joined` its join with the new one.
    pub fn widen(&self, joined: &Value, thresholds: &[u64]) -> Value {
        match (self, *joined) {
            (Value::Scalar(a), Value::Scalar(j)) => Value::Scalar(a.widen(&j, thresholds)),
            (Value::Ptr(a), Value::Ptr(j)) if a.region == j.region => Value::Ptr(Pointer {
                off: a.off.widen(&j.off, thresholds),
                ..j
            }),
            (_, j) => j,
        }
    }

    /// Narrowing: `self` is the old value, `newer` the new one (below it).
    pub fn narrow(&self, newer: &Value) -> Value {
        match (self, newer) {
            (Value::Scalar(a), Value::Scalar(b)) => Value::Scalar(a.narrow(b)),
            (Value::Ptr(a), Value::Ptr(b))
                if a.region == b.region && a.null_id == b.null_id && a.obj == b.obj =>
            {
                Value::Ptr(Pointer {
                    off: a.off.narrow(&b.off),
                    ..*b
                })
            }
            _ => *self,
        }
    }

    pub fn le(&self, other: &Value) -> bool {
        use Value::*;
        if self == other {
            return true;
        }
        match (self, other) {
            (_, Uninit) => true,
            (Uninit, _) => false,
            (_, Mixed) => true,
            (Mixed, _) => false,
            (Scalar(a), Scalar(b)) => a.le(b),
            (Ptr(a), Ptr(b)) => {
                a.region == b.region
                    && (a.obj == b.obj || b.obj == ANON_OBJ)
                    && a.off.le(&b.off)
                    && (b.pkt_id == ANON_ID || (a.pkt_id, a.pkt_c) == (b.pkt_id, b.pkt_c))
                    && match (a.null_id, b.null_id) {
                        (None, _) => true,
                        (Some(_), None) => false,
                        (Some(x), Some(y)) => x == y || y == ANON_ID,
                    }
            }
            (Scalar(s), Ptr(p)) => p.null_id.is_some() && s.as_constant() == Some(0),
            (PacketEnd, PacketEnd) => true,
            (MapRef(a), MapRef(b)) => a == b,
            _ => false,
        }
    }

    /// What the bytes of this value look like once it is no longer a whole spill.
    fn byte_kind(&self) -> ByteKind {
        match self {
            Value::Scalar(s) if s.as_constant() == Some(0) => ByteKind::Zero,
            Value::Scalar(_) => ByteKind::Misc,
            Value::Uninit => ByteKind::Uninit,
            _ => ByteKind::Poison,
        }
    }
}

/// The base id a join at `node` gives the data-area pointer at location `loc`.
pub(crate) fn join_id(node: usize, loc: usize) -> u32 {
    u32::try_from(node * 1024 + loc)
        .ok()
        .filter(|&v| v < 0x7fff_0000)
        .map_or(ANON_ID, |v| v | 0x8000_0000)
}

fn is_join_id_of(id: u32, node: usize) -> bool {
    id != ANON_ID && id & 0x8000_0000 != 0 && (id & 0x7fff_ffff) as usize / 1024 == node
}

/// The base id a variable addition at `slot` gives a data-area pointer.
pub(crate) fn new_base_id(slot: usize) -> u32 {
    0x4000_0000 + (slot as u32 & 0x3fff_ffff)
}

fn join_ids(a: Option<u32>, b: Option<u32>) -> Option<u32> {
    match (a, b) {
        (None, None) => None,
        (Some(x), Some(y)) if x == y => Some(x),
        _ => Some(ANON_ID),
    }
}

impl Slot {
    pub fn bytes(&self) -> [ByteKind; 8] {
        match self {
            Slot::Spill(v) => [v.byte_kind(); 8],
            Slot::Bytes(b) => *b,
        }
    }

    fn join(&self, other: &Slot) -> Slot {
        if let (Slot::Spill(a), Slot::Spill(b)) = (self, other) {
            return Slot::Spill(a.join(b));
        }
        let (a, b) = (self.bytes(), other.bytes());
        Slot::Bytes(std::array::from_fn(|i| a[i].max(b[i])))
    }

    fn le(&self, other: &Slot) -> bool {
        match (self, other) {
            (Slot::Spill(a), Slot::Spill(b)) => a.le(b),
            (_, Slot::Bytes(b)) => {
                let a = self.bytes();
                (0..8).all(|i| a[i] <= b[i])
            }
            (Slot::Bytes(_), Slot::Spill(_)) => false,
        }
    }

    fn is_uninit(&self) -> bool {
        matches!(self, Slot::Bytes(b) if b.iter().all(|&k| k == ByteKind::Uninit))
    }
}

impl Frame {
    pub fn new() -> Frame {
        Frame {
            slots: BTreeMap::new(),
            saved: [Value::Uninit; 4],
            sids: BTreeMap::new(),
        }
    }

    pub fn slot(&self, i: u8) -> Slot {
        self.slots
            .get(&i)
            .copied()
            .unwrap_or(Slot::Bytes([ByteKind::Uninit; 8]))
    }

    /// Writes slot `i`; it is no longer a known copy of anything.
    pub fn set_slot(&mut self, i: u8, slot: Slot) {
        self.sids.remove(&i);
        self.set_slot_keep_sid(i, slot);
    }

    /// Replaces slot `i`'s abstract value by another description of the same number.
    pub fn set_slot_keep_sid(&mut self, i: u8, slot: Slot) {
        if slot.is_uninit() {
            self.slots.remove(&i);
        } else {
            self.slots.insert(i, slot);
        }
    }

    fn join(&self, other: &Frame) -> Frame {
        if self == other {
            return self.clone();
        }
        let mut slots = BTreeMap::new();
        for (i, a) in &self.slots {
            if let Some(b) = other.slots.get(i) {
                let j = a.join(b);
                if !j.is_uninit() {
                    slots.insert(*i, j);
                }
            }
        }
        Frame {
            slots,
            saved: std::array::from_fn(|i| self.saved[i].join(&other.saved[i])),
            sids: self
                .sids
                .iter()
                .filter(|(i, id)| other.sids.get(i) == Some(id))
                .map(|(i, id)| (*i, *id))
                .collect(),
        }
    }

    fn le(&self, other: &Frame) -> bool {
        if self == other {
            return true;
        }
        other
            .sids
            .iter()
            .all(|(i, id)| self.sids.get(i) == Some(id))
            && (0..4).all(|i| self.saved[i].le(&other.saved[i]))
            && other
                .slots
                .iter()
                .all(|(i, b)| self.slots.get(i).is_some_and(|a| a.le(b)))
    }

    fn map_values(&self, f: &mut impl FnMut(&Value) -> Value) -> Frame {
        let slots = self
            .slots
            .iter()
            .map(|(i, s)| {
                let s = match s {
                    Slot::Spill(v) => Slot::Spill(f(v)),
                    b => *b,
                };
                (*i, s)
            })
            .collect();
        Frame {
            slots,
            saved: std::array::from_fn(|i| f(&self.saved[i])),
            sids: self.sids.clone(),
        }
    }
}

impl State {
    /// The join at the entry of node `node`. A data-area pointer whose base differs between
    /// the two sides (or was itself made by a join at this node) gets a fresh base id
    /// [`join_id`]`(node, location)`, with no proven range.
    pub fn join(&self, other: &State, node: usize) -> State {
        let mut out = State {
            regs: std::array::from_fn(|i| self.regs[i].join(&other.regs[i])),
            sids: std::array::from_fn(|i| {
                if self.sids[i] == other.sids[i] {
                    self.sids[i]
                } else {
                    0
                }
            }),
            frames: self
                .frames
                .iter()
                .zip(&other.frames)
                .map(|(a, b)| a.join(b))
                .collect(),
            pkt_ranges: self
                .pkt_ranges
                .iter()
                .filter(|(id, _)| !is_join_id_of(**id, node))
                .filter_map(|(id, r)| other.pkt_ranges.get(id).map(|r2| (*id, (*r).min(*r2))))
                .collect(),
            // Sums known on both sides, except those of bases this join renames.
            sums: self
                .sums
                .iter()
                .filter(|(k, new)| {
                    other.sums.get(k) == Some(new)
                        && !is_join_id_of(k.0, node)
                        && !is_join_id_of(**new, node)
                })
                .map(|(k, new)| (*k, *new))
                .collect(),
        };
        let fresh = |a: &Value, b: &Value, out: &mut Value, loc: usize| {
            if let Value::Ptr(p) = out {
                if p.region != Region::Packet {
                    return;
                }
                let keep = matches!((a, b), (Value::Ptr(x), Value::Ptr(y))
                    if (x.pkt_id, x.pkt_c) == (y.pkt_id, y.pkt_c) && !is_join_id_of(x.pkt_id, node));
                if !keep {
                    p.pkt_id = join_id(node, loc);
                    p.pkt_c = 0;
                }
            }
        };
        for r in 0..out.regs.len() {
            fresh(&self.regs[r], &other.regs[r], &mut out.regs[r], r);
        }
        for k in 0..out.frames.len() {
            let slots: Vec<u8> = out.frames[k].slots.keys().copied().collect();
            for i in slots {
                if let (Slot::Spill(a), Slot::Spill(b), Some(Slot::Spill(o))) = (
                    self.frames[k].slot(i),
                    other.frames[k].slot(i),
                    out.frames[k].slots.get_mut(&i),
                ) {
                    fresh(&a, &b, o, 11 + 64 * k + i as usize);
                }
            }
        }
        out
    }

    /// Widening at node `node`: `self` is the old state at a loop header, `newer` the
    /// incoming one.
    pub fn widen(&self, newer: &State, thresholds: &[u64], node: usize) -> State {
        let mut out = self.join(newer, node);
        for i in 0..out.regs.len() {
            out.regs[i] = self.regs[i].widen(&out.regs[i], thresholds);
        }
        for (k, frame) in out.frames.iter_mut().enumerate() {
            for (i, slot) in frame.slots.iter_mut() {
                if let (Slot::Spill(joined), Some(Slot::Spill(old))) =
                    (*slot, self.frames[k].slots.get(i))
                {
                    *slot = Slot::Spill(old.widen(&joined, thresholds));
                }
            }
        }
        out
    }

    /// Narrowing: `self` is the old state at a loop header, `newer` the recomputed one.
    pub fn narrow(&self, newer: &State) -> State {
        let mut out = newer.clone();
        for i in 0..out.regs.len() {
            out.regs[i] = self.regs[i].narrow(&newer.regs[i]);
        }
        for (k, frame) in out.frames.iter_mut().enumerate() {
            for (i, slot) in frame.slots.iter_mut() {
                if let (Slot::Spill(new), Some(Slot::Spill(old))) =
                    (*slot, self.frames[k].slots.get(i))
                {
                    *slot = Slot::Spill(old.narrow(&new));
                }
            }
        }
        out
    }

    pub fn le(&self, other: &State) -> bool {
        other
            .pkt_ranges
            .iter()
            .all(|(id, r)| self.pkt_ranges.get(id).is_some_and(|r2| r2 >= r))
            && other
                .sums
                .iter()
                .all(|(k, new)| self.sums.get(k) == Some(new))
            && (0..11).all(|i| other.sids[i] == 0 || self.sids[i] == other.sids[i])
            && self.regs.iter().zip(&other.regs).all(|(a, b)| a.le(b))
            && self.frames.iter().zip(&other.frames).all(|(a, b)| a.le(b))
    }

    /// Applies `f` to every value: registers, spills, saved registers.
    pub fn map_values(&mut self, mut f: impl FnMut(&Value) -> Value) {
        for r in self.regs.iter_mut() {
            *r = f(r);
        }
        self.frames = self.frames.iter().map(|fr| fr.map_values(&mut f)).collect();
    }

    /// The current frame (the innermost).
    pub fn frame(&self) -> &Frame {
        self.frames.last().expect("at least one frame")
    }

    pub fn depth(&self) -> u8 {
        (self.frames.len() - 1) as u8
    }

    /// Forgets that register `r` is a copy of anything (it was written).
    pub fn clear_sid(&mut self, r: usize) {
        self.sids[r] = 0;
    }

    /// A fresh copy id made at `slot`: no location (and no sum) keeps an older use of it.
    pub fn fresh_sid(&mut self, slot: usize) -> u32 {
        let id = (slot as u32 & 0x7fff_ffff) + 1;
        self.sums.retain(|k, _| k.2 != id);
        for s in self.sids.iter_mut().filter(|s| **s == id) {
            *s = 0;
        }
        for f in self.frames.iter_mut() {
            f.sids.retain(|_, s| *s != id);
        }
        id
    }

    /// Register `dst` now holds a copy of register `src` (a 64-bit move of a scalar).
    pub fn copy_reg(&mut self, dst: usize, src: usize, slot: usize) {
        if self.sids[src] == 0 {
            self.sids[src] = self.fresh_sid(slot);
        }
        self.sids[dst] = self.sids[src];
    }

    /// Slot `i` of frame `d` now holds a copy of register `src` (a spill of a scalar).
    pub fn spill_copy(&mut self, d: usize, i: u8, src: usize, slot: usize) {
        if self.sids[src] == 0 {
            self.sids[src] = self.fresh_sid(slot);
        }
        let id = self.sids[src];
        self.frames[d].sids.insert(i, id);
    }

    /// Register `dst` now holds a copy of slot `i` of frame `d` (a fill of a scalar).
    pub fn fill_copy(&mut self, dst: usize, d: usize, i: u8, slot: usize) {
        let id = match self.frames[d].sids.get(&i) {
            Some(&id) => id,
            None => {
                let id = self.fresh_sid(slot);
                self.frames[d].sids.insert(i, id);
                id
            }
        };
        self.sids[dst] = id;
    }

    /// Every location that is a copy of register `r` takes the refined value `v`; `None`
    /// if some copy's own facts contradict it (the branch cannot be taken).
    pub fn refine_copies(&mut self, r: usize, v: &Scalar) -> Option<()> {
        let id = self.sids[r];
        if id == 0 {
            return Some(());
        }
        for k in 0..self.regs.len() {
            if k != r && self.sids[k] == id {
                if let Value::Scalar(s) = self.regs[k] {
                    self.regs[k] = Value::Scalar(s.meet(v)?);
                }
            }
        }
        for f in self.frames.iter_mut() {
            let ids: Vec<u8> = f
                .sids
                .iter()
                .filter(|(_, s)| **s == id)
                .map(|(i, _)| *i)
                .collect();
            for i in ids {
                if let Slot::Spill(Value::Scalar(s)) = f.slot(i) {
                    f.set_slot_keep_sid(i, Slot::Spill(Value::Scalar(s.meet(v)?)));
                }
            }
        }
        Some(())
    }
}

/// Prints a range compactly.
pub(crate) fn fmt_scalar(s: &Scalar) -> String {
    if let Some(c) = s.as_constant() {
        return format!("{}", c as i64);
    }
    if s.smin() >= 0 || s.umax() <= i64::MAX as u64 {
        format!("in [{}, {}]", s.umin(), s.umax())
    } else if s.smin() == i64::MIN && s.smax() == i64::MAX && s.umax() == u64::MAX {
        if s.u32_max() != u32::MAX || s.u32_min() != 0 {
            format!(
                "unknown (low 32 bits in [{}, {}])",
                s.u32_min(),
                s.u32_max()
            )
        } else {
            "unknown".to_string()
        }
    } else {
        format!("in signed [{}, {}]", s.smin(), s.smax())
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Region::Stack(d) => write!(f, "stack frame {d}"),
            Region::Context => write!(f, "context"),
            Region::Buffer => write!(f, "buffer"),
            Region::Packet => write!(f, "data area"),
            Region::MapValue(m) => write!(f, "value of map {m}"),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Uninit => write!(f, "uninitialised"),
            Value::Mixed => write!(f, "a pointer or a number depending on the path"),
            Value::Scalar(s) => write!(f, "scalar {}", fmt_scalar(s)),
            Value::Ptr(p) => {
                let null = if p.null_id.is_some() {
                    "possibly null "
                } else {
                    ""
                };
                write!(
                    f,
                    "{null}pointer to {}, offset {}",
                    p.region,
                    fmt_scalar(&p.off)
                )
            }
            Value::PacketEnd => write!(f, "data_end"),
            Value::MapRef(m) => write!(f, "map {m}"),
        }
    }
}
