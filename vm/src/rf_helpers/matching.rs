//! The byte-string tests behind the rf_* helpers, on plain slices: equality, prefix, suffix,
//! substring (`memchr::memmem`), glob (`*`, `?`), each also ASCII case-insensitive; set
//! membership; CIDR match. None allocates; none takes more than O(text × pattern) time, and
//! the common cases (no `?`, case-sensitive) run at `memchr` speed.
//!
//! The glob follows the classic linear-time argument for `*`-only patterns (as in Go's
//! `path.Match` and Russ Cox's "Glob Matching Can Be Simple And Fast Too", 2017): split the
//! pattern at `*`; the first piece must match at the start, the last at the end, and each
//! piece between at its leftmost match after the previous one. Leftmost matching is optimal,
//! so no backtracking is needed and `a*a*a*a*b` cannot blow up.
#![forbid(unsafe_code)]

use memchr::memmem;

/// `text == pattern`.
#[inline]
pub fn eq(text: &[u8], pattern: &[u8]) -> bool {
    text == pattern
}

/// `text` starts with `pattern`.
#[inline]
pub fn prefix(text: &[u8], pattern: &[u8]) -> bool {
    text.starts_with(pattern)
}

/// `text` ends with `pattern`.
#[inline]
pub fn suffix(text: &[u8], pattern: &[u8]) -> bool {
    text.ends_with(pattern)
}

/// `pattern` occurs in `text` (the empty pattern occurs everywhere).
#[inline]
pub fn contains(text: &[u8], pattern: &[u8]) -> bool {
    find(text, pattern).is_some()
}

/// Slices up to this length are scanned for a byte by a plain loop: `memchr`'s dispatch and
/// setup cost more than the scan.
const SHORT_SCAN: usize = 32;

/// The position of the first `byte` in `bytes`.
#[inline]
fn find_byte(byte: u8, bytes: &[u8]) -> Option<usize> {
    if bytes.len() <= SHORT_SCAN {
        bytes.iter().position(|&b| b == byte)
    } else {
        memchr::memchr(byte, bytes)
    }
}

/// The position of the last `byte` in `bytes`.
#[inline]
fn rfind_byte(byte: u8, bytes: &[u8]) -> Option<usize> {
    if bytes.len() <= SHORT_SCAN {
        bytes.iter().rposition(|&b| b == byte)
    } else {
        memchr::memrchr(byte, bytes)
    }
}

/// Texts up to this length are searched without building a `memmem` finder (whose setup
/// costs more than a short search).
const SHORT_TEXT: usize = 96;

/// The leftmost position of `pattern` in `text`: `memmem` for long texts, a first-byte scan
/// and a compare for short ones.
#[inline]
fn find(text: &[u8], pattern: &[u8]) -> Option<usize> {
    if text.len() > SHORT_TEXT {
        return memmem::find(text, pattern);
    }
    let Some((&first, rest)) = pattern.split_first() else {
        return Some(0);
    };
    let last_start = text.len().checked_sub(pattern.len())?;
    (0..=last_start).find(|&at| text[at] == first && text[at + 1..at + pattern.len()] == *rest)
}

/// `text` matches the glob `pattern`: `*` matches any run of bytes (also empty), `?` exactly
/// one byte, every other byte itself. There is no escape: `*` and `?` are always wildcards.
#[inline]
pub fn glob(text: &[u8], pattern: &[u8]) -> bool {
    glob_match(text, pattern, false)
}

/// The plain test a glob is, when it is one: a glob without `?` whose `*`s are all at its
/// ends is an equality (no `*`), prefix (`X*`), suffix (`*X`) or substring (`*X*`) test of
/// the bytes `X` between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlainTest {
    Eq,
    Prefix,
    Suffix,
    Contains,
}

impl PlainTest {
    /// The comparison a compiler may emit inline for it (all but the substring test).
    pub fn str_match(self) -> Option<super::StrMatch> {
        match self {
            PlainTest::Eq => Some(super::StrMatch::Eq),
            PlainTest::Prefix => Some(super::StrMatch::Prefix),
            PlainTest::Suffix => Some(super::StrMatch::Suffix),
            PlainTest::Contains => None,
        }
    }

    /// The test itself: `test(text, X)` is `glob(text, pattern)`.
    pub fn element_test(self) -> fn(&[u8], &[u8]) -> bool {
        match self {
            PlainTest::Eq => eq,
            PlainTest::Prefix => prefix,
            PlainTest::Suffix => suffix,
            PlainTest::Contains => contains,
        }
    }
}

/// The plain test `pattern` is as a glob ([`glob`]), with where its bytes `X` lie in
/// `pattern`; `None` for a glob with a `?` or a `*` between other bytes.
pub fn glob_as_plain(pattern: &[u8]) -> Option<(PlainTest, std::ops::Range<usize>)> {
    if pattern.contains(&b'?') {
        return None;
    }
    let lead = pattern.iter().take_while(|&&byte| byte == b'*').count();
    if lead == pattern.len() {
        // "" matches only "", and a run of `*` everything (a prefix of nothing).
        let test = if lead == 0 {
            PlainTest::Eq
        } else {
            PlainTest::Prefix
        };
        return Some((test, 0..0));
    }
    let trail = pattern
        .iter()
        .rev()
        .take_while(|&&byte| byte == b'*')
        .count();
    let bytes = lead..pattern.len() - trail;
    if pattern[bytes.clone()].contains(&b'*') {
        return None;
    }
    let test = match (lead > 0, trail > 0) {
        (false, false) => PlainTest::Eq,
        (false, true) => PlainTest::Prefix,
        (true, false) => PlainTest::Suffix,
        (true, true) => PlainTest::Contains,
    };
    Some((test, bytes))
}

/// [`eq`], ASCII case-insensitive.
#[inline]
pub fn eq_ci(text: &[u8], pattern: &[u8]) -> bool {
    text.eq_ignore_ascii_case(pattern)
}

/// [`prefix`], ASCII case-insensitive.
#[inline]
pub fn prefix_ci(text: &[u8], pattern: &[u8]) -> bool {
    text.len() >= pattern.len() && text[..pattern.len()].eq_ignore_ascii_case(pattern)
}

/// [`suffix`], ASCII case-insensitive.
#[inline]
pub fn suffix_ci(text: &[u8], pattern: &[u8]) -> bool {
    text.len() >= pattern.len() && text[text.len() - pattern.len()..].eq_ignore_ascii_case(pattern)
}

/// [`contains`], ASCII case-insensitive. Patterns up to [`CI_FAST_PATTERN_LEN`] bytes are
/// lowered onto the stack and searched with `memmem` over lowered chunks of `text`; longer
/// ones by direct comparison.
pub fn contains_ci(text: &[u8], pattern: &[u8]) -> bool {
    if pattern.is_empty() {
        return true;
    }
    if pattern.len() > text.len() {
        return false;
    }
    if pattern.len() > CI_FAST_PATTERN_LEN {
        return find_piece(text, pattern, true).is_some();
    }
    let mut lowered = [0u8; CI_FAST_PATTERN_LEN];
    let lowered = &mut lowered[..pattern.len()];
    lowered.copy_from_slice(pattern);
    lowered.make_ascii_lowercase();
    let finder = memmem::Finder::new(lowered);
    let mut chunk = [0u8; CI_CHUNK_LEN];
    let mut start = 0;
    loop {
        let end = (start + CI_CHUNK_LEN).min(text.len());
        let window = &mut chunk[..end - start];
        window.copy_from_slice(&text[start..end]);
        window.make_ascii_lowercase();
        if finder.find(window).is_some() {
            return true;
        }
        if end == text.len() {
            return false;
        }
        // Overlap by one byte less than the pattern, so no match straddles unseen.
        start = end - (pattern.len() - 1);
    }
}

/// The longest pattern [`contains_ci`] searches with `memmem`.
pub const CI_FAST_PATTERN_LEN: usize = 64;
const CI_CHUNK_LEN: usize = 1024;

/// [`glob`], ASCII case-insensitive.
#[inline]
pub fn glob_ci(text: &[u8], pattern: &[u8]) -> bool {
    glob_match(text, pattern, true)
}

/// `text` equals one element of `set`: strings separated by NUL bytes, where one NUL at the
/// very end terminates the last string rather than starting an empty one. So a C array
/// `"sh\0bash"`, whose `sizeof` counts the final NUL, is the set {`sh`, `bash`}; `""` is the
/// empty set; `"\0"` is the set holding the empty string; `"sh\0\0"` is {`sh`, ``}.
pub fn in_set(text: &[u8], set: &[u8]) -> bool {
    if set.is_empty() {
        return false;
    }
    let set = set.strip_suffix(&[0]).unwrap_or(set);
    // One pass over the set, eight bytes at a time: each NUL ends an element, compared with
    // `text` only when the lengths and first bytes agree. An element holds no NUL, so a
    // `text` with one never equals it.
    let is_text = |start: usize, end: usize| {
        end - start == text.len()
            && (start == end || set[start] == text[0])
            && set[start..end] == *text
    };
    let mut start = 0;
    let mut base = 0;
    let chunks = set.chunks_exact(8);
    let tail = chunks.remainder();
    for chunk in chunks {
        let mut nuls = zero_bytes(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        while nuls != 0 {
            let nul = base + (nuls.trailing_zeros() / 8) as usize;
            if is_text(start, nul) {
                return true;
            }
            start = nul + 1;
            nuls &= nuls - 1;
        }
        base += 8;
    }
    for (at, &byte) in (base..).zip(tail) {
        if byte == 0 {
            if is_text(start, at) {
                return true;
            }
            start = at + 1;
        }
    }
    is_text(start, set.len())
}

/// The high bit of each byte of `word` that is 0 (exactly: no borrow crosses bytes).
#[inline]
fn zero_bytes(word: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    !(((word & LOW7) + LOW7) | word) & !LOW7
}

/// Why a CIDR test could not be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CidrError {
    /// The network is neither 4 nor 16 bytes.
    NetLen(usize),
    /// The prefix is longer than the network's bits.
    PrefixLen { prefix_len: u32, max: u32 },
}

/// Whether `addr` (4 or 16 bytes, network order) lies in the network `net` (4 or 16 bytes)
/// of `prefix_len` bits. An IPv4 network matches an IPv4 address or an IPv4-mapped IPv6 one
/// (`::ffff:a.b.c.d`); an IPv6 network matches an IPv6 address or an IPv4 address seen as
/// IPv4-mapped. A prefix of 0 matches every address of the network's family.
pub fn cidr_match(addr: &[u8], net: &[u8], prefix_len: u32) -> Result<bool, CidrError> {
    let max = match net.len() {
        4 => 32,
        16 => 128,
        len => return Err(CidrError::NetLen(len)),
    };
    if prefix_len > max {
        return Err(CidrError::PrefixLen { prefix_len, max });
    }
    let mut mapped = [0u8; 16];
    let addr: &[u8] = match (addr.len(), net.len()) {
        (4, 4) | (16, 16) => addr,
        (16, 4) => {
            if addr[..12] != V4_MAPPED_PREFIX {
                return Ok(false);
            }
            &addr[12..]
        }
        (4, 16) => {
            mapped[..12].copy_from_slice(&V4_MAPPED_PREFIX);
            mapped[12..].copy_from_slice(addr);
            &mapped
        }
        _ => return Ok(false),
    };
    let full = (prefix_len / 8) as usize;
    if addr[..full] != net[..full] {
        return Ok(false);
    }
    let rest = prefix_len % 8;
    if rest == 0 {
        return Ok(true);
    }
    let mask = 0xffu8 << (8 - rest);
    Ok(addr[full] & mask == net[full] & mask)
}

const V4_MAPPED_PREFIX: [u8; 12] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

fn glob_match(text: &[u8], pattern: &[u8], ci: bool) -> bool {
    let Some(first_star) = find_byte(b'*', pattern) else {
        return text.len() == pattern.len() && piece_eq(text, pattern, ci);
    };
    let last_star = rfind_byte(b'*', pattern).expect("a star");
    let head = &pattern[..first_star];
    let tail = &pattern[last_star + 1..];
    if text.len() < head.len() + tail.len() {
        return false;
    }
    if !piece_eq(&text[..head.len()], head, ci)
        || !piece_eq(&text[text.len() - tail.len()..], tail, ci)
    {
        return false;
    }
    let mut middle_text = &text[head.len()..text.len() - tail.len()];
    if first_star == last_star {
        return true;
    }
    for piece in pattern[first_star + 1..last_star].split(|&b| b == b'*') {
        if piece.is_empty() {
            continue;
        }
        match find_piece(middle_text, piece, ci) {
            Some(at) => middle_text = &middle_text[at + piece.len()..],
            None => return false,
        }
    }
    true
}

/// `text` matches the star-free `piece` byte for byte (`?` matches any byte).
#[inline]
fn piece_eq(text: &[u8], piece: &[u8], ci: bool) -> bool {
    debug_assert_eq!(text.len(), piece.len());
    text.iter()
        .zip(piece)
        .all(|(&t, &p)| p == b'?' || t == p || (ci && t.eq_ignore_ascii_case(&p)))
}

/// The leftmost position where the star-free `piece` matches in `text`.
fn find_piece(text: &[u8], piece: &[u8], ci: bool) -> Option<usize> {
    if piece.len() > text.len() {
        return None;
    }
    let has_any = find_byte(b'?', piece).is_some();
    if !ci && !has_any {
        return find(text, piece);
    }
    let last_start = text.len() - piece.len();
    let first = piece[0];
    let mut at = 0;
    while at <= last_start {
        // Skip to the next place the first byte can match.
        if first != b'?' {
            let window = &text[at..=last_start];
            let found = if ci && first.is_ascii_alphabetic() {
                memchr::memchr2(
                    first.to_ascii_lowercase(),
                    first.to_ascii_uppercase(),
                    window,
                )
            } else {
                find_byte(first, window)
            };
            match found {
                Some(skip) => at += skip,
                None => return None,
            }
        }
        if piece_eq(&text[at..at + piece.len()], piece, ci) {
            return Some(at);
        }
        at += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every string over `alphabet` of at most `max_len` bytes.
    fn all_strings(alphabet: &[u8], max_len: usize) -> Vec<Vec<u8>> {
        let mut out = vec![Vec::new()];
        let mut last = vec![Vec::new()];
        for _ in 0..max_len {
            last = last
                .iter()
                .flat_map(|s: &Vec<u8>| {
                    alphabet.iter().map(move |&b| {
                        let mut t = s.clone();
                        t.push(b);
                        t
                    })
                })
                .collect();
            out.extend(last.iter().cloned());
        }
        out
    }

    #[test]
    fn zero_bytes_flags_exactly_the_zero_bytes() {
        for fill in [0x00u8, 0x01, 0x7f, 0x80, 0xff] {
            for value in 0..=255u8 {
                for pos in 0..8 {
                    let mut bytes = [fill; 8];
                    bytes[pos] = value;
                    let expected = bytes
                        .iter()
                        .enumerate()
                        .filter(|(_, &b)| b == 0)
                        .fold(0u64, |mask, (i, _)| mask | 0x80 << (8 * i));
                    assert_eq!(zero_bytes(u64::from_le_bytes(bytes)), expected, "{bytes:?}");
                }
            }
        }
    }

    #[test]
    fn in_set_find_and_glob_agree_with_their_definitions_on_every_small_input() {
        let texts = all_strings(b"ab\0", 3);
        let sets = all_strings(b"ab\0", 5);
        // Behind elements of several lengths, so that every alignment is met.
        let padded = [0usize, 3, 8, 13].into_iter().flat_map(|pad| {
            sets.iter().map(move |set| {
                let mut full = vec![b'x'; pad];
                if pad > 0 {
                    full.push(0);
                }
                full.extend_from_slice(set);
                full
            })
        });
        for set in &padded.collect::<Vec<_>>() {
            // The definition: split at NUL, one final NUL ends the last string.
            let elements: Vec<&[u8]> = match set.strip_suffix(&[0]) {
                _ if set.is_empty() => Vec::new(),
                Some(body) => body.split(|&b| b == 0).collect(),
                None => set.split(|&b| b == 0).collect(),
            };
            for text in &texts {
                let expected = elements.contains(&text.as_slice());
                assert_eq!(in_set(text, set), expected, "{text:?} in {set:?}");
                // `set` as a haystack: the short search against the naive one.
                let naive = if text.is_empty() {
                    Some(0)
                } else {
                    set.windows(text.len()).position(|w| w == text.as_slice())
                };
                assert_eq!(find(set, text), naive, "{text:?} in {set:?}");
                let mut star = b"*".to_vec();
                star.extend_from_slice(text);
                star.push(b'*');
                assert_eq!(glob(set, &star), naive.is_some(), "{star:?} on {set:?}");
            }
        }
        // Long sets and patterns go through `memchr`.
        let set = b"nc\0ncat\0netcat\0nc.traditional\0nc.openbsd\0a-rather-long-last-element";
        for element in set.split(|&b| b == 0) {
            assert!(in_set(element, set), "{element:?}");
            assert!(!in_set(&element[1..], set), "{element:?}");
        }
        assert!(!in_set(b"nc\0ncat", set));
        let star = b"*a-rather-long*last*elem*";
        assert!(glob(b"xx a-rather-long-last-element", star));
        assert!(!glob(
            b"xx a-rather-long-last-elemen",
            b"*a-rather-long*last*elem*t"
        ));
        // Long texts go through `memmem`.
        let mut long = vec![b'a'; 200];
        long.extend_from_slice(b"needle");
        assert_eq!(find(&long, b"needle"), Some(200));
        assert!(contains(&long, b"aneedle"));
        assert!(!contains(&long, b"needles"));
    }

    #[test]
    fn plain_tests_on_empty_and_short_inputs() {
        assert!(eq(b"", b""));
        assert!(!eq(b"a", b""));
        assert!(prefix(b"abc", b""));
        assert!(suffix(b"abc", b""));
        assert!(contains(b"", b""));
        assert!(!prefix(b"ab", b"abc"));
        assert!(!suffix(b"bc", b"abc"));
        assert!(!contains(b"ab", b"abc"));
        assert!(contains(b"/usr/bin/nc.openbsd", b"nc."));
        assert!(suffix(b"/bin/bash", b"/bash"));
        assert!(!suffix(b"/bin/rbash", b"/bash"));
    }

    #[test]
    fn case_folding_is_ascii_only() {
        assert!(eq_ci(b"/BIN/Bash", b"/bin/bash"));
        assert!(prefix_ci(b"PowerShell.exe", b"powershell"));
        assert!(suffix_ci(b"x.EXE", b".exe"));
        assert!(!eq_ci("É".as_bytes(), "é".as_bytes()));
        assert!(!prefix_ci(b"ab", b"abc"));
        assert!(!suffix_ci(b"", b"a"));
    }

    #[test]
    fn contains_ci_finds_matches_across_chunks() {
        let mut text = vec![b'x'; 3000];
        text[1020..1028].copy_from_slice(b"SeCrEt_K");
        assert!(contains_ci(&text, b"secret_k"));
        assert!(!contains_ci(&text, b"secret_q"));
        text[1020..1028].copy_from_slice(b"xxxxxxxx");
        text[2990..2998].copy_from_slice(b"ID_RSA.p");
        assert!(contains_ci(&text, b"id_rsa.P"));
        assert!(contains_ci(b"abc", b""));
        assert!(!contains_ci(b"", b"a"));
        // Longer than the stack buffer: the direct path.
        let long: Vec<u8> = (0..100).map(|i| b'a' + (i % 26) as u8).collect();
        let mut hay = b"zz".to_vec();
        hay.extend(long.iter().map(u8::to_ascii_uppercase));
        assert!(contains_ci(&hay, &long));
        assert!(!contains_ci(&hay[..50], &long));
    }

    /// A glob that is a plain test answers as that test on every small input, and the
    /// globs that are not are exactly those with a `?` or an inner `*`.
    #[test]
    fn globs_that_are_plain_tests_answer_as_those_tests() {
        let texts = all_strings(b"ab*", 4);
        let mut plain = 0;
        for pattern in all_strings(b"ab*?", 4) {
            let Some((test, bytes)) = glob_as_plain(&pattern) else {
                let inner_star = {
                    let trimmed: &[u8] = &pattern;
                    let start = trimmed.iter().position(|&b| b != b'*').unwrap_or(0);
                    let end = trimmed
                        .iter()
                        .rposition(|&b| b != b'*')
                        .map_or(0, |e| e + 1);
                    trimmed[start..end.max(start)].contains(&b'*')
                };
                assert!(pattern.contains(&b'?') || inner_star, "{pattern:?}");
                continue;
            };
            plain += 1;
            for text in &texts {
                assert_eq!(
                    test.element_test()(text, &pattern[bytes.clone()]),
                    glob(text, &pattern),
                    "text {text:?}, glob {pattern:?} as {test:?}"
                );
            }
        }
        assert!(plain > 50, "{plain} plain globs");
    }

    #[test]
    fn glob_star_question_and_anchors() {
        assert!(glob(b"", b""));
        assert!(!glob(b"a", b""));
        assert!(glob(b"", b"*"));
        assert!(glob(b"anything at all", b"*"));
        assert!(glob(b"", b"**"));
        assert!(!glob(b"", b"?"));
        assert!(glob(b"x", b"?"));
        assert!(glob(b"abc", b"a*b*c"));
        assert!(glob(b"aXbYc", b"a*b*c"));
        assert!(glob(b"abbbc", b"a*b*c"));
        assert!(!glob(b"acb", b"a*b*c"));
        assert!(!glob(b"ab", b"a*b*c"));
        assert!(glob(b"/tmp/x/y.sh", b"/tmp/*.sh"));
        assert!(!glob(b"/tmp/x.shx", b"/tmp/*.sh"));
        assert!(glob(b"/dev/shm/a", b"/dev/shm/?"));
        assert!(!glob(b"/dev/shm/ab", b"/dev/shm/?"));
        assert!(glob(b"abcabc", b"*abc"));
        assert!(glob(b"ab", b"a*?"));
        assert!(!glob(b"a", b"a*?"));
        assert!(glob(b"xaay", b"*a?y"));
        // Overlapping head and tail are refused, not double-counted.
        assert!(!glob(b"ab", b"ab*b"));
        assert!(glob(b"abb", b"ab*b"));
    }

    #[test]
    fn glob_has_no_backtracking_blowup() {
        let text = vec![b'a'; 10_000];
        let mut pattern = b"a*".repeat(20);
        pattern.push(b'b');
        assert!(!glob(&text, &pattern));
        assert!(!glob_ci(&text, &pattern));
    }

    #[test]
    fn glob_ci_folds_case() {
        assert!(glob_ci(
            b"C:\\WINDOWS\\System32\\CMD.EXE",
            b"*\\system32\\*.exe"
        ));
        assert!(glob_ci(b"AbC", b"a?c"));
        assert!(!glob(b"AbC", b"a?c"));
    }

    #[test]
    fn set_membership() {
        assert!(in_set(b"bash", b"sh\0bash\0zsh\0"));
        assert!(in_set(b"zsh", b"sh\0bash\0zsh"));
        assert!(!in_set(b"ba", b"sh\0bash\0zsh\0"));
        assert!(!in_set(b"", b""));
        assert!(!in_set(b"a", b""));
        assert!(!in_set(b"", b"sh\0bash\0"));
        assert!(in_set(b"", b"\0"));
        assert!(!in_set(b"a", b"\0"));
        assert!(in_set(b"", b"sh\0\0bash"));
        assert!(in_set(b"", b"sh\0\0"));
        assert!(!in_set(b"", b"sh\0bash"));
    }

    #[test]
    fn cidr_prefixes_and_families() {
        let ten = [10, 1, 2, 3];
        assert_eq!(cidr_match(&ten, &[10, 0, 0, 0], 8), Ok(true));
        assert_eq!(cidr_match(&ten, &[11, 0, 0, 0], 8), Ok(false));
        assert_eq!(cidr_match(&ten, &[0, 0, 0, 0], 0), Ok(true));
        assert_eq!(cidr_match(&ten, &[10, 1, 2, 3], 32), Ok(true));
        assert_eq!(cidr_match(&ten, &[10, 1, 2, 4], 32), Ok(false));
        assert_eq!(cidr_match(&[172, 31, 0, 1], &[172, 16, 0, 0], 12), Ok(true));
        assert_eq!(
            cidr_match(&[172, 32, 0, 1], &[172, 16, 0, 0], 12),
            Ok(false)
        );
        let mapped = std::net::Ipv4Addr::new(10, 1, 2, 3)
            .to_ipv6_mapped()
            .octets();
        assert_eq!(cidr_match(&mapped, &[10, 0, 0, 0], 8), Ok(true));
        let v6 = std::net::Ipv6Addr::LOCALHOST.octets();
        assert_eq!(cidr_match(&v6, &[0, 0, 0, 0], 0), Ok(false));
        assert_eq!(cidr_match(&v6, &v6, 128), Ok(true));
        assert_eq!(cidr_match(&v6, &[0; 16], 0), Ok(true));
        assert_eq!(cidr_match(&ten, &mapped, 104), Ok(true));
        assert_eq!(cidr_match(&ten, &[0; 5], 8), Err(CidrError::NetLen(5)));
        assert_eq!(
            cidr_match(&ten, &[0; 4], 33),
            Err(CidrError::PrefixLen {
                prefix_len: 33,
                max: 32
            })
        );
        assert_eq!(
            cidr_match(&v6, &[0; 16], 129),
            Err(CidrError::PrefixLen {
                prefix_len: 129,
                max: 128
            })
        );
    }
}
