//! The storage behind map keys and values: a heap buffer of 8-byte atomic words that is
//! allocated once, never moves, never grows and is freed only when its map is dropped.
//!
//! This is the only module of [`crate::maps`] allowed `unsafe`, and it needs it for one
//! thing: viewing the words as bytes ([`Slab::bytes`]) for engines that access map values a
//! byte at a time. Everything else is safe code over `[AtomicU64]`: a shared slice of atomics
//! may be read and written from many threads at once, and the pointer handed to programs
//! ([`Slab::base`]) is derived from it, so it carries permission to write.
#![allow(unsafe_code)]

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};

/// A fixed buffer of zero-initialised 8-byte words, 8-byte aligned.
pub(crate) struct Slab {
    words: Box<[AtomicU64]>,
}

impl Slab {
    /// A slab of `n_words` zero words.
    pub(crate) fn zeroed(n_words: usize) -> Slab {
        Slab {
            words: (0..n_words).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// The whole slab as words.
    pub(crate) fn words(&self) -> &[AtomicU64] {
        &self.words
    }

    /// The length of the slab in bytes.
    pub(crate) fn len_bytes(&self) -> usize {
        self.words.len() * 8
    }

    /// The address of the first byte. Programs get addresses inside `[base, base + len)`;
    /// the pointer is derived from the whole boxed slice, so it may be offset anywhere in
    /// it, and since the words are atomics (interior mutability) it may be written through.
    pub(crate) fn base(&self) -> *mut u8 {
        self.words.as_ptr().cast::<u8>().cast_mut()
    }

    /// The whole slab as bytes, for engines that access values byte by byte.
    pub(crate) fn bytes(&self) -> &[AtomicU8] {
        let ptr = self.words.as_ptr().cast::<AtomicU8>();
        // SAFETY: `ptr` points to `self.words.len() * 8` initialised bytes that live as long
        // as `&self` (the box is never reallocated or freed while borrowed). `AtomicU8` has
        // the size and alignment of `u8` (1), so every byte of an `AtomicU64` is a valid,
        // aligned `AtomicU8`, and any bit pattern is valid for it. Both types are interior-
        // mutable atomics, so handing out a shared slice of them while other threads hold
        // `&AtomicU64` to the same words aliases only shared references to `UnsafeCell`s,
        // which Rust permits. The remaining caveat, that racing atomic accesses of different
        // sizes are not defined by the Rust (or C++) memory model, is discussed in the module
        // doc of `crate::maps`; no access through this slice can be a non-atomic data race.
        unsafe { std::slice::from_raw_parts(ptr, self.len_bytes()) }
    }

    /// Copies `out.len()` bytes starting at word `word` into `out`, with relaxed atomic word
    /// loads.
    pub(crate) fn read(&self, word: usize, out: &mut [u8]) {
        let words = &self.words[word..word + out.len().div_ceil(8)];
        for (chunk, cell) in out.chunks_mut(8).zip(words) {
            let bytes = cell.load(Ordering::Relaxed).to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }

    /// Copies `data` to the bytes starting at word `word`, with relaxed atomic word stores;
    /// the bytes of the last word past the end of `data` (padding) become zero.
    pub(crate) fn write(&self, word: usize, data: &[u8]) {
        let words = &self.words[word..word + data.len().div_ceil(8)];
        for (chunk, cell) in data.chunks(8).zip(words) {
            cell.store(word_of(chunk), Ordering::Relaxed);
        }
    }

    /// Whether the bytes starting at word `word` equal `data` (and the padding after it is
    /// zero, which [`Slab::write`] guarantees).
    pub(crate) fn equals(&self, word: usize, data: &[u8]) -> bool {
        let words = &self.words[word..word + data.len().div_ceil(8)];
        data.chunks(8)
            .zip(words)
            .all(|(chunk, cell)| cell.load(Ordering::Relaxed) == word_of(chunk))
    }
}

/// Up to 8 bytes as a little-endian word, zero-padded.
fn word_of(chunk: &[u8]) -> u64 {
    let mut bytes = [0u8; 8];
    bytes[..chunk.len()].copy_from_slice(chunk);
    u64::from_le_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_writes_and_compares_whole_words_with_zero_padding() {
        let slab = Slab::zeroed(4);
        assert_eq!(slab.len_bytes(), 32);
        assert_eq!(slab.base() as usize % 8, 0);
        slab.write(1, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        let mut out = [0u8; 11];
        slab.read(1, &mut out);
        assert_eq!(out, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        assert!(slab.equals(1, &out));
        assert!(!slab.equals(1, &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12]));
        let bytes = slab.bytes();
        assert_eq!(bytes.len(), 32);
        assert_eq!(bytes[8].load(Ordering::Relaxed), 1);
        assert_eq!(bytes[18].load(Ordering::Relaxed), 11);
        assert_eq!(bytes[19].load(Ordering::Relaxed), 0, "padding is zero");
        bytes[19].store(0xff, Ordering::Relaxed);
        slab.write(1, &out);
        assert_eq!(
            bytes[19].load(Ordering::Relaxed),
            0,
            "a write clears the padding"
        );
        assert_eq!(slab.words()[0].load(Ordering::Relaxed), 0);
    }
}
