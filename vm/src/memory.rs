//! Program memory as the checked interpreter sees it: a list of regions of host memory, each
//! with a kind, a base address, a length and a write permission, and every access checked
//! against them before it touches a byte.
//!
//! Registers hold real host addresses (`r1 = buffer.as_ptr() as u64`), but memory is only
//! ever reached through safe slice indexing, after the address range has been found inside
//! one region. An access that fits no region is a [`MemoryFault`] naming the nearest region
//! and how far the access missed it. The stack is one region whose visible window grows and
//! shrinks with the call depth (see [`Memory::set_stack_depth`]).
//!
//! Architecture Invariant: this module holds no `unsafe`; a wrong address can only ever
//! produce a fault, never a read of memory outside a region.
#![forbid(unsafe_code)]

use std::borrow::Cow;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::helpers::RunState;

/// What a region of program memory is, for diagnostics and for the rules of later program
/// types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RegionKind {
    /// The live stack frames, from the outermost frame (frame 0) to the current one.
    Stack {
        /// The index of the innermost live frame (0 in the main function).
        depth: usize,
    },
    /// The input buffer of a `mem` program (`r1` points to it, `r2` holds its length).
    Input,
    /// The context a program of an event type receives in `r1`.
    Context,
    /// The value of an entry of the map with this index.
    MapValue {
        /// The map's index in the program's map table.
        map_idx: u32,
    },
    /// Read-only data (`.rodata`).
    ReadOnlyData,
}

impl fmt::Display for RegionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegionKind::Stack { depth: 0 } => write!(f, "stack frame 0"),
            RegionKind::Stack { depth } => write!(f, "stack frames 0..={depth}"),
            RegionKind::Input => write!(f, "input buffer"),
            RegionKind::Context => write!(f, "context"),
            RegionKind::MapValue { map_idx } => write!(f, "value of map {map_idx}"),
            RegionKind::ReadOnlyData => write!(f, "read-only data"),
        }
    }
}

/// A region a program may touch: `[base, base + len)` in host addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Region {
    pub kind: RegionKind,
    /// The host address of the first byte.
    pub base: u64,
    /// The length in bytes.
    pub len: u64,
    /// Whether the program may write to it.
    pub writable: bool,
}

impl Region {
    /// The address one past the last byte.
    pub fn end(&self) -> u128 {
        self.base as u128 + self.len as u128
    }

    /// Whether `[addr, addr + size)` lies inside the region.
    pub fn contains(&self, addr: u64, size: u64) -> bool {
        let offset = addr.wrapping_sub(self.base);
        addr >= self.base && offset <= self.len && size <= self.len - offset
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{:#x}, +{})", self.kind, self.base, self.len)
    }
}

/// Whether an access reads or writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    Read,
    Write,
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Access::Read => "read",
            Access::Write => "write",
        })
    }
}

/// Where a faulting access lies relative to the region nearest to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Miss {
    /// The access ends `gap` bytes before the region starts.
    Before { gap: u64 },
    /// The access starts inside or at the region but runs `over` bytes past its end.
    PastEnd { over: u64 },
    /// The access starts `under` bytes before the region and runs into it.
    StartsBefore { under: u64 },
    /// The access starts `gap` bytes after the region ends.
    After { gap: u64 },
}

/// The region nearest to a faulting access, and how the access missed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NearestRegion {
    pub region: Region,
    pub miss: Miss,
}

impl fmt::Display for NearestRegion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let region = &self.region;
        match self.miss {
            Miss::Before { gap: 0 } => write!(f, "it ends just before {region}"),
            Miss::Before { gap } if gap > FAR => {
                write!(
                    f,
                    "the nearest region, {region}, starts {gap:#x} bytes above it"
                )
            }
            Miss::Before { gap } => write!(f, "it ends {} before {region}", bytes(gap)),
            Miss::PastEnd { over } => {
                write!(f, "it runs {} past the end of {region}", bytes(over))
            }
            Miss::StartsBefore { under } => {
                write!(f, "it starts {} before {region}", bytes(under))
            }
            Miss::After { gap } if gap > FAR => {
                write!(
                    f,
                    "the nearest region, {region}, ends {gap:#x} bytes below it"
                )
            }
            Miss::After { gap: 0 } => write!(f, "it starts just past the end of {region}"),
            Miss::After { gap } => write!(f, "it starts {} past the end of {region}", bytes(gap)),
        }
    }
}

/// Beyond this gap a miss is described in hex, from the region's side.
const FAR: u64 = 0xffff;

/// `1 byte`, `2 bytes`.
fn bytes(n: u64) -> String {
    if n == 1 {
        String::from("1 byte")
    } else {
        format!("{n} bytes")
    }
}

/// A memory access the regions do not allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum MemoryFault {
    /// The access lies (at least partly) outside every region.
    #[error(
        "{size}-byte {access} at {addr:#x} is outside every region{}",
        describe_nearest(nearest)
    )]
    OutOfBounds {
        addr: u64,
        size: u64,
        access: Access,
        nearest: Option<NearestRegion>,
    },
    /// A write into a region that is not writable.
    #[error("{size}-byte write at {addr:#x} into read-only {region}")]
    ReadOnly {
        addr: u64,
        size: u64,
        region: Region,
    },
    /// An atomic instruction on shared memory that straddles two of its 8-byte words:
    /// hardware has no such atomic (the verifier refuses misaligned atomics).
    #[error("{}", describe_misaligned_atomic(*addr, *size, region))]
    MisalignedAtomic {
        addr: u64,
        size: u64,
        region: Region,
    },
}

/// The message of a misaligned atomic, for [`MemoryFault`] and the run error.
pub(crate) fn describe_misaligned_atomic(addr: u64, size: u64, region: &Region) -> String {
    format!(
        "{size}-byte atomic at {addr:#x} straddles two 8-byte words of {region}: atomic \
         accesses must be aligned to their size"
    )
}

/// `: <how the access missed the nearest region>`, for fault messages.
pub(crate) fn describe_nearest(nearest: &Option<NearestRegion>) -> String {
    match nearest {
        Some(nearest) => format!(": {nearest}"),
        None => String::from(" (there are no regions)"),
    }
}

/// The bytes behind a region, borrowed from their owner.
#[derive(Debug)]
pub enum RegionBytes<'a> {
    /// Readable and writable.
    ReadWrite(&'a mut [u8]),
    /// Readable only.
    ReadOnly(&'a [u8]),
    /// Memory other threads use at the same time (map values): the first `len` bytes of
    /// `words`, each word accessed atomically, so no access here is a data race.
    Shared {
        words: &'a [AtomicU64],
        len: usize,
        writable: bool,
    },
}

impl RegionBytes<'_> {
    /// The address of the first byte.
    fn base(&self) -> u64 {
        match self {
            RegionBytes::ReadWrite(bytes) => bytes.as_ptr() as u64,
            RegionBytes::ReadOnly(bytes) => bytes.as_ptr() as u64,
            RegionBytes::Shared { words, .. } => words.as_ptr() as u64,
        }
    }

    /// The length in bytes.
    fn len(&self) -> usize {
        match self {
            RegionBytes::ReadWrite(bytes) => bytes.len(),
            RegionBytes::ReadOnly(bytes) => bytes.len(),
            RegionBytes::Shared { len, .. } => *len,
        }
    }

    fn writable(&self) -> bool {
        match self {
            RegionBytes::ReadWrite(_) => true,
            RegionBytes::ReadOnly(_) => false,
            RegionBytes::Shared { writable, .. } => *writable,
        }
    }

    /// Bytes `start..start + len`, copied out of shared memory or borrowed otherwise.
    fn get(&self, start: usize, len: usize) -> Option<Cow<'_, [u8]>> {
        let end = start.checked_add(len)?;
        match self {
            RegionBytes::ReadWrite(bytes) => bytes.get(start..end).map(Cow::Borrowed),
            RegionBytes::ReadOnly(bytes) => bytes.get(start..end).map(Cow::Borrowed),
            RegionBytes::Shared {
                words, len: size, ..
            } => (end <= *size)
                .then(|| Cow::Owned((start..end).map(|i| shared_byte(words, i)).collect())),
        }
    }
}

/// Byte `i` of shared words.
fn shared_byte(words: &[AtomicU64], i: usize) -> u8 {
    (words[i / 8].load(Ordering::Relaxed) >> (8 * (i % 8))) as u8
}

/// Writes `data` at byte `start` of shared words, each word updated atomically.
fn shared_write(words: &[AtomicU64], start: usize, data: &[u8]) {
    let mut i = 0;
    while i < data.len() {
        let at = start + i;
        let (word, shift) = (at / 8, at % 8);
        let n = (8 - shift).min(data.len() - i);
        let mut value = 0u64;
        let mut mask = 0u64;
        for (k, &byte) in data[i..i + n].iter().enumerate() {
            value |= (byte as u64) << (8 * (shift + k));
            mask |= 0xffu64 << (8 * (shift + k));
        }
        let _ = words[word].fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
            Some((old & !mask) | value)
        });
        i += n;
    }
}

/// A region together with the bytes behind it; its base address is the bytes' address.
#[derive(Debug)]
pub struct MemoryRegion<'a> {
    kind: RegionKind,
    bytes: RegionBytes<'a>,
}

impl<'a> MemoryRegion<'a> {
    /// A region the program may read and write.
    pub fn read_write(kind: RegionKind, bytes: &'a mut [u8]) -> MemoryRegion<'a> {
        MemoryRegion {
            kind,
            bytes: RegionBytes::ReadWrite(bytes),
        }
    }

    /// A region the program may only read.
    pub fn read_only(kind: RegionKind, bytes: &'a [u8]) -> MemoryRegion<'a> {
        MemoryRegion {
            kind,
            bytes: RegionBytes::ReadOnly(bytes),
        }
    }

    /// A region of memory other threads use at the same time (a map's values): the first
    /// `len` bytes of `words`.
    pub fn shared(
        kind: RegionKind,
        words: &'a [AtomicU64],
        len: usize,
        writable: bool,
    ) -> MemoryRegion<'a> {
        let len = len.min(words.len() * 8);
        MemoryRegion {
            kind,
            bytes: RegionBytes::Shared {
                words,
                len,
                writable,
            },
        }
    }

    /// Whether other threads may use the bytes at the same time ([`MemoryRegion::shared`]):
    /// an engine accessing them without [`Memory`] must do so atomically.
    pub fn is_shared(&self) -> bool {
        matches!(self.bytes, RegionBytes::Shared { .. })
    }

    /// The region's descriptor.
    pub fn region(&self) -> Region {
        Region {
            kind: self.kind,
            base: self.bytes.base(),
            len: self.bytes.len() as u64,
            writable: self.bytes.writable(),
        }
    }
}

/// The longest read of shared memory [`Memory::read_with`] copies onto the stack.
pub const READ_WITH_INLINE: usize = 256;

/// All the memory a running program may touch, checked on every access.
#[derive(Debug)]
pub struct Memory<'a> {
    /// The visible part of each region; `windows[i]` belongs to `backing[i]`.
    windows: Vec<Window>,
    backing: Vec<RegionBytes<'a>>,
    /// The index of the stack region in `windows`, if there is one.
    stack_idx: Option<usize>,
    stack_per_frame: u64,
    /// What the run's helpers share besides memory, when the caller gave it.
    run_state: Option<&'a mut RunState>,
}

/// The visible part of one region: `region` in host addresses, starting `start` bytes into
/// the backing slice.
#[derive(Clone, Copy, Debug)]
struct Window {
    region: Region,
    start: usize,
}

/// The vectors behind a [`Memory`], kept between runs so that building the next one
/// allocates nothing ([`Memory::with_stack_in`], [`Memory::into_buffers`]). Always empty
/// between runs: only the allocations are kept.
#[derive(Debug, Default)]
pub struct MemoryBuffers {
    windows: Vec<Window>,
    backing: Vec<RegionBytes<'static>>,
}

impl<'a> Memory<'a> {
    /// Memory made of `regions`, without a stack.
    pub fn new(regions: Vec<MemoryRegion<'a>>) -> Memory<'a> {
        let mut memory = Memory {
            windows: Vec::with_capacity(regions.len() + 1),
            backing: Vec::with_capacity(regions.len() + 1),
            stack_idx: None,
            stack_per_frame: 0,
            run_state: None,
        };
        for region in regions {
            memory.push(region);
        }
        memory
    }

    /// Memory made of a stack of frames of `stack_per_frame` bytes each (`stack.len()` must
    /// be a multiple of it) and `regions`. Frame 0 is the highest `stack_per_frame` bytes;
    /// frame `d` lies just below frame `d - 1`. Only frames up to the current depth (see
    /// [`Memory::set_stack_depth`]) are visible; at first only frame 0.
    pub fn with_stack(
        stack: &'a mut [u8],
        stack_per_frame: usize,
        regions: Vec<MemoryRegion<'a>>,
    ) -> Memory<'a> {
        Memory::with_stack_in(MemoryBuffers::default(), stack, stack_per_frame, regions)
    }

    /// Like [`Memory::with_stack`], built in `buffers` (from [`Memory::into_buffers`]), so
    /// that no allocation happens once they have grown to the largest run.
    pub fn with_stack_in(
        buffers: MemoryBuffers,
        stack: &'a mut [u8],
        stack_per_frame: usize,
        regions: impl IntoIterator<Item = MemoryRegion<'a>>,
    ) -> Memory<'a> {
        let MemoryBuffers {
            mut windows,
            backing,
        } = buffers;
        windows.clear();
        // `RegionBytes` is covariant in its lifetime: the empty `'static` vector is one of
        // `'a` regions.
        let mut backing: Vec<RegionBytes<'a>> = backing;
        backing.clear();
        let mut memory = Memory {
            windows,
            backing,
            stack_idx: Some(0),
            stack_per_frame: stack_per_frame as u64,
            run_state: None,
        };
        memory.push(MemoryRegion::read_write(
            RegionKind::Stack { depth: 0 },
            stack,
        ));
        memory.set_stack_depth(0);
        for region in regions {
            memory.push(region);
        }
        memory
    }

    /// Ends the memory, keeping its vectors' allocations for the next
    /// [`Memory::with_stack_in`].
    // `filter_map` is the point: it yields another element type (`'static`) in place.
    #[allow(clippy::unnecessary_filter_map)]
    pub fn into_buffers(self) -> MemoryBuffers {
        let mut windows = self.windows;
        windows.clear();
        // Emptied, the vector holds no borrow: collecting it in place (the standard library
        // reuses the allocation of an in-place `into_iter().filter_map().collect()` between
        // types of the same size and alignment) gives it back its `'static` type.
        let backing = self
            .backing
            .into_iter()
            .filter_map(|_| None::<RegionBytes<'static>>)
            .collect();
        MemoryBuffers { windows, backing }
    }

    /// Gives the run's helpers `state` (alerts, trace output, randomness, the clock).
    pub fn set_run_state(&mut self, state: &'a mut RunState) {
        self.run_state = Some(state);
    }

    /// The run's shared helper state, if the caller gave one.
    pub fn run_state(&mut self) -> Option<&mut RunState> {
        self.run_state.as_deref_mut()
    }

    /// The regions as the program currently sees them.
    pub fn regions(&self) -> impl Iterator<Item = Region> + '_ {
        self.windows.iter().map(|window| window.region)
    }

    /// The address just past the innermost live stack frame (the value of `r10` in it), or 0
    /// without a stack.
    pub fn frame_pointer(&self) -> u64 {
        match self.stack_idx {
            Some(idx) => self.windows[idx].region.base + self.stack_per_frame,
            None => 0,
        }
    }

    /// Makes frames `0..=depth` visible. Returns false (and changes nothing) if the stack has
    /// no room for that many frames.
    pub fn set_stack_depth(&mut self, depth: usize) -> bool {
        let Some(idx) = self.stack_idx else {
            return false;
        };
        let total = self.backing[idx].len() as u64;
        let Some(live) = (depth as u64 + 1).checked_mul(self.stack_per_frame) else {
            return false;
        };
        if live > total {
            return false;
        }
        let start = (total - live) as usize;
        self.windows[idx] = Window {
            region: Region {
                kind: RegionKind::Stack { depth },
                base: self.backing[idx].base() + start as u64,
                len: live,
                writable: true,
            },
            start,
        };
        true
    }

    /// Reads an unsigned little-endian value of `size` bytes (1, 2, 4 or 8) at `addr`.
    #[inline]
    pub fn load(&self, addr: u64, size: u64) -> Result<u64, MemoryFault> {
        let bytes = self.read(addr, size)?;
        Ok(match *bytes {
            [b0] => b0 as u64,
            [b0, b1] => u16::from_le_bytes([b0, b1]) as u64,
            [b0, b1, b2, b3] => u32::from_le_bytes([b0, b1, b2, b3]) as u64,
            [b0, b1, b2, b3, b4, b5, b6, b7] => {
                u64::from_le_bytes([b0, b1, b2, b3, b4, b5, b6, b7])
            }
            _ => {
                return Err(MemoryFault::OutOfBounds {
                    addr,
                    size,
                    access: Access::Read,
                    nearest: None,
                })
            }
        })
    }

    /// Writes the low `size` bytes (1, 2, 4 or 8) of `value` at `addr`, little endian.
    #[inline]
    pub fn store(&mut self, addr: u64, size: u64, value: u64) -> Result<(), MemoryFault> {
        let bytes = value.to_le_bytes();
        let n = (size as usize).min(8);
        self.write(addr, &bytes[..n])
    }

    /// The `len` bytes at `addr`, if they lie inside one region (copied out of shared
    /// memory, borrowed otherwise).
    #[inline]
    pub fn read(&self, addr: u64, len: u64) -> Result<Cow<'_, [u8]>, MemoryFault> {
        for (window, backing) in self.windows.iter().zip(&self.backing) {
            if window.region.contains(addr, len) {
                let start = window.start + (addr - window.region.base) as usize;
                if let Some(bytes) = backing.get(start, len as usize) {
                    return Ok(bytes);
                }
            }
        }
        Err(self.fault(addr, len, Access::Read))
    }

    /// Calls `f` with the `len` bytes at `addr`, if they lie inside one region: borrowed
    /// where [`Memory::read`] borrows, and copied from shared memory into a buffer on the
    /// stack when they fit [`READ_WITH_INLINE`] bytes, so that short reads of map values
    /// (a rule's string literals live in `.rodata`) allocate nothing.
    #[inline]
    pub fn read_with<R>(
        &self,
        addr: u64,
        len: u64,
        f: impl FnOnce(&[u8]) -> R,
    ) -> Result<R, MemoryFault> {
        for (window, backing) in self.windows.iter().zip(&self.backing) {
            if window.region.contains(addr, len) {
                let start = window.start + (addr - window.region.base) as usize;
                let n = len as usize;
                if let RegionBytes::Shared {
                    words, len: size, ..
                } = backing
                {
                    if n <= READ_WITH_INLINE && start + n <= *size {
                        let mut copy = [0u8; READ_WITH_INLINE];
                        for (i, byte) in copy[..n].iter_mut().enumerate() {
                            *byte = shared_byte(words, start + i);
                        }
                        return Ok(f(&copy[..n]));
                    }
                }
                if let Some(bytes) = backing.get(start, n) {
                    return Ok(f(&bytes));
                }
            }
        }
        Err(self.fault(addr, len, Access::Read))
    }

    /// Checks that `len` bytes at `addr` lie inside one region the program may access so.
    pub fn check(&self, addr: u64, len: u64, access: Access) -> Result<(), MemoryFault> {
        let Some(window) = self.windows.iter().find(|w| w.region.contains(addr, len)) else {
            return Err(self.fault(addr, len, access));
        };
        if access == Access::Write && !window.region.writable {
            return Err(MemoryFault::ReadOnly {
                addr,
                size: len,
                region: window.region,
            });
        }
        Ok(())
    }

    /// Replaces the `size`-byte value at `addr` with `update(old)` in one step that no other
    /// thread can interleave with when the region is shared, and returns the old value. The
    /// update returns `None` to leave memory as it is (a failed compare-and-exchange), which
    /// still needs write permission.
    pub fn read_modify_write(
        &mut self,
        addr: u64,
        size: u64,
        update: impl Fn(u64) -> Option<u64>,
    ) -> Result<u64, MemoryFault> {
        self.check(addr, size, Access::Write)?;
        let idx = self
            .windows
            .iter()
            .position(|w| w.region.contains(addr, size))
            .expect("check found the region");
        let window = self.windows[idx];
        let start = window.start + (addr - window.region.base) as usize;
        if let RegionBytes::Shared { words, .. } = &self.backing[idx] {
            let shift = start % 8;
            if shift + size as usize > 8 {
                // Atomics are aligned on hardware; a misaligned one is refused, not torn.
                return Err(MemoryFault::MisalignedAtomic {
                    addr,
                    size,
                    region: window.region,
                });
            }
            let mask = if size == 8 {
                u64::MAX
            } else {
                ((1u64 << (8 * size)) - 1) << (8 * shift)
            };
            let mut old_value = 0;
            let _ = words[start / 8].fetch_update(Ordering::SeqCst, Ordering::SeqCst, |word| {
                old_value = (word & mask) >> (8 * shift);
                update(old_value).map(|new| (word & !mask) | ((new << (8 * shift)) & mask))
            });
            return Ok(old_value);
        }
        let old = self.load(addr, size)?;
        if let Some(new) = update(old) {
            self.store(addr, size, new)?;
        }
        Ok(old)
    }

    /// Copies `data` to `addr`, if the range lies inside one writable region.
    #[inline]
    pub fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), MemoryFault> {
        let len = data.len() as u64;
        let shared = self
            .windows
            .iter()
            .zip(&self.backing)
            .find_map(|(window, backing)| match backing {
                RegionBytes::Shared {
                    words,
                    writable: true,
                    ..
                } if window.region.contains(addr, len) => {
                    Some((*words, window.start + (addr - window.region.base) as usize))
                }
                _ => None,
            });
        if let Some((words, start)) = shared {
            shared_write(words, start, data);
            return Ok(());
        }
        let dst = self.write_slice(addr, len)?;
        dst.copy_from_slice(data);
        Ok(())
    }

    /// The `len` bytes at `addr` for writing, if they lie inside one writable region that is
    /// not shared (shared memory is written with [`Memory::write`]).
    pub fn write_slice(&mut self, addr: u64, len: u64) -> Result<&mut [u8], MemoryFault> {
        let found = self
            .windows
            .iter()
            .position(|window| window.region.contains(addr, len));
        let Some(idx) = found else {
            return Err(self.fault(addr, len, Access::Write));
        };
        let window = self.windows[idx];
        let start = window.start + (addr - window.region.base) as usize;
        match &mut self.backing[idx] {
            RegionBytes::ReadWrite(bytes) => match bytes.get_mut(start..start + len as usize) {
                Some(slice) => Ok(slice),
                None => Err(MemoryFault::OutOfBounds {
                    addr,
                    size: len,
                    access: Access::Write,
                    nearest: None,
                }),
            },
            RegionBytes::ReadOnly(_) | RegionBytes::Shared { .. } => Err(MemoryFault::ReadOnly {
                addr,
                size: len,
                region: window.region,
            }),
        }
    }

    /// Reads a NUL-terminated string of at most `max_len` bytes (without the NUL) starting at
    /// `addr`; the string and its terminator must lie inside one region.
    pub fn read_c_str(&self, addr: u64, max_len: u64) -> Result<Vec<u8>, MemoryFault> {
        for (window, backing) in self.windows.iter().zip(&self.backing) {
            if window.region.contains(addr, 1) {
                let start = window.start + (addr - window.region.base) as usize;
                let available = backing.len().saturating_sub(start);
                let limit = available.min(max_len as usize);
                let rest = backing.get(start, limit).unwrap_or_default();
                return match rest.iter().position(|&b| b == 0) {
                    Some(nul) => Ok(rest[..nul].to_vec()),
                    None => Err(self.fault(addr, limit as u64 + 1, Access::Read)),
                };
            }
        }
        Err(self.fault(addr, 1, Access::Read))
    }

    /// The fault for an access of `size` bytes at `addr` that fits no region.
    fn fault(&self, addr: u64, size: u64, access: Access) -> MemoryFault {
        let start = addr as u128;
        let end = start + size as u128;
        let nearest = self
            .regions()
            .filter(|region| region.len > 0)
            .map(|region| {
                let (base, region_end) = (region.base as u128, region.end());
                let miss = if end <= base {
                    Miss::Before {
                        gap: (base - end) as u64,
                    }
                } else if start >= region_end {
                    Miss::After {
                        gap: (start - region_end) as u64,
                    }
                } else if start < base {
                    Miss::StartsBefore {
                        under: (base - start) as u64,
                    }
                } else {
                    Miss::PastEnd {
                        over: end.saturating_sub(region_end) as u64,
                    }
                };
                let distance = match miss {
                    Miss::Before { gap } | Miss::After { gap } => gap as u128 + 1,
                    _ => 0,
                };
                (distance, NearestRegion { region, miss })
            })
            .min_by_key(|(distance, _)| *distance)
            .map(|(_, nearest)| nearest);
        MemoryFault::OutOfBounds {
            addr,
            size,
            access,
            nearest,
        }
    }

    fn push(&mut self, region: MemoryRegion<'a>) {
        let descriptor = region.region();
        self.windows.push(Window {
            region: descriptor,
            start: 0,
        });
        self.backing.push(region.bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accesses_inside_a_region_work_and_outside_fault_with_the_nearest_region() {
        let mut buffer = [1u8, 2, 3, 4, 5, 6, 7, 8];
        let base = buffer.as_ptr() as u64;
        let mut memory = Memory::new(vec![MemoryRegion::read_write(
            RegionKind::Input,
            &mut buffer,
        )]);
        assert_eq!(memory.load(base + 4, 4).unwrap(), 0x0807_0605);
        memory.store(base, 2, 0xaabb).unwrap();
        assert_eq!(memory.load(base, 1).unwrap(), 0xbb);
        let fault = memory.load(base + 6, 4).unwrap_err();
        let MemoryFault::OutOfBounds {
            nearest: Some(nearest),
            ..
        } = fault
        else {
            panic!("{fault:?}")
        };
        assert_eq!(nearest.miss, Miss::PastEnd { over: 2 });
        assert!(fault
            .to_string()
            .contains("runs 2 bytes past the end of input buffer"));
        let fault = memory.load(base + 13, 1).unwrap_err();
        assert!(
            fault
                .to_string()
                .contains("starts 5 bytes past the end of input buffer"),
            "{fault}"
        );
        assert!(memory.load(u64::MAX, 8).is_err());
    }

    #[test]
    fn read_only_regions_refuse_writes() {
        let data = [0u8; 4];
        let base = data.as_ptr() as u64;
        let mut memory = Memory::new(vec![MemoryRegion::read_only(
            RegionKind::ReadOnlyData,
            &data,
        )]);
        assert_eq!(memory.load(base, 4).unwrap(), 0);
        assert!(matches!(
            memory.store(base, 4, 1),
            Err(MemoryFault::ReadOnly { .. })
        ));
    }

    #[test]
    fn memory_buffers_keep_their_allocations_between_runs() {
        let mut buffers = MemoryBuffers::default();
        let mut capacity = (0, 0);
        for round in 0..3 {
            let mut stack = vec![0u8; 64];
            let mut input = [round as u8; 8];
            let base = input.as_ptr() as u64;
            let memory = Memory::with_stack_in(
                buffers,
                &mut stack,
                16,
                [MemoryRegion::read_write(RegionKind::Input, &mut input)],
            );
            assert_eq!(memory.load(base, 1).unwrap(), round);
            buffers = memory.into_buffers();
            let now = (buffers.windows.capacity(), buffers.backing.capacity());
            assert!(now.0 >= 2 && now.1 >= 2);
            if round > 0 {
                assert_eq!(now, capacity, "the allocations are reused");
            }
            capacity = now;
        }
    }

    #[test]
    fn the_stack_window_follows_the_depth() {
        let mut stack = vec![0u8; 4 * 16];
        let top = stack.as_ptr() as u64 + 64;
        let mut memory = Memory::with_stack(&mut stack, 16, Vec::new());
        assert_eq!(memory.frame_pointer(), top);
        assert!(memory.load(top - 16, 8).is_ok());
        assert!(memory.load(top - 17, 1).is_err());
        assert!(memory.set_stack_depth(1));
        assert_eq!(memory.frame_pointer(), top - 16);
        assert!(memory.load(top - 32, 8).is_ok());
        assert!(memory.load(top - 8, 8).is_ok());
        assert!(!memory.set_stack_depth(4));
    }
}
