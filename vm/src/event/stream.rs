//! Streaming JSON Lines events from disk: [`EventStream`] reads one line at a time through a
//! fixed buffer (never the whole file), encodes each line into a caller's [`EventBuf`], and
//! reports a bad line with its 1-based line number. What happens to a bad line is the
//! caller's [`BadLinePolicy`]: skip it (and count it) or stop. A final line cut off in the
//! middle (a log still being written, a copy that ran out of disk) is a bad line like any
//! other, reported as truncated; it never panics.
//!
//! Memory stays constant: the line buffer grows to the longest line read so far, at most
//! [`StreamConfig::max_line_len`] bytes; a longer line is skipped to its end without being
//! held, and reported as too long.
//!
//! Blank lines (only whitespace) are not events and are passed over silently.
#![forbid(unsafe_code)]

use std::fmt;
use std::io::{self, BufRead};

use super::encode::{Encoder, EventBuf};
use super::error::EventError;

/// What to do with a line that is not a valid event.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BadLinePolicy {
    /// Report it (through [`EventStream::next_event`]'s `Skipped` item) and go on.
    #[default]
    Skip,
    /// Stop at it: the stream returns the error and then ends.
    Fatal,
}

/// Options of an [`EventStream`].
#[derive(Clone, Debug)]
pub struct StreamConfig {
    /// What to do with a bad line.
    pub policy: BadLinePolicy,
    /// The longest line accepted, in bytes (without the newline); longer lines are bad.
    pub max_line_len: usize,
}

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            policy: BadLinePolicy::Skip,
            max_line_len: 16 << 20,
        }
    }
}

/// Why one line was not an event.
#[derive(Debug, thiserror::Error)]
pub enum LineErrorKind {
    /// The line is not a valid event (JSON, type, fields).
    #[error("{0}")]
    Event(BadEvent),
    /// The line is not UTF-8.
    #[error("the line is not valid UTF-8 (at byte {valid_up_to}); events are UTF-8 JSON")]
    NotUtf8 { valid_up_to: usize },
    /// The last line of the input has no newline and is not a valid event: the file was cut
    /// off while it was being written.
    #[error("the last line is cut off ({len} bytes, no newline) and is not a complete event: {error}; the file was probably truncated while being written")]
    Truncated { len: usize, error: String },
    /// The line is longer than [`StreamConfig::max_line_len`].
    #[error(
        "the line is {len} bytes long, over the limit of {max}; split the event or raise the limit"
    )]
    TooLong { len: usize, max: usize },
}

/// The encoder's error for a line, shown without its line number (the [`LineError`] holds
/// it).
#[derive(Debug)]
pub struct BadEvent(pub EventError);

impl fmt::Display for BadEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.kind)
    }
}

/// A line that is not an event: where it is and why.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {kind}")]
pub struct LineError {
    /// The 1-based line number.
    pub line: u64,
    pub kind: LineErrorKind,
}

/// Why a stream stopped.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// Reading the input failed.
    #[error("reading the events after line {line}: {source}")]
    Io {
        line: u64,
        #[source]
        source: io::Error,
    },
    /// A bad line under [`BadLinePolicy::Fatal`].
    #[error("{0} (stopping here: bad lines are fatal)")]
    Bad(LineError),
}

/// One step of a stream.
#[derive(Debug)]
pub enum StreamItem {
    /// The event on line `line` is now in the caller's buffer.
    Event { line: u64 },
    /// A bad line that was skipped (policy [`BadLinePolicy::Skip`]).
    Skipped(LineError),
}

/// Counters of a stream so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamStats {
    /// Lines read (including blank and bad ones).
    pub lines: u64,
    /// Events encoded.
    pub events: u64,
    /// Bad lines (skipped or fatal).
    pub bad: u64,
    /// Bytes read.
    pub bytes: u64,
}

/// JSON Lines events from a reader, one at a time. See the module documentation.
#[derive(Debug)]
pub struct EventStream<R> {
    reader: R,
    encoder: Encoder,
    config: StreamConfig,
    line: Vec<u8>,
    stats: StreamStats,
    done: bool,
}

impl<R: BufRead> EventStream<R> {
    /// A stream of the events in `reader`, encoded by `encoder`.
    pub fn new(reader: R, encoder: Encoder, config: StreamConfig) -> EventStream<R> {
        EventStream {
            reader,
            encoder,
            config,
            line: Vec::new(),
            stats: StreamStats::default(),
            done: false,
        }
    }

    /// The counters so far.
    pub fn stats(&self) -> StreamStats {
        self.stats
    }

    /// The text of the line last read (without its newline), as it was in the input: the
    /// event [`next_event`](Self::next_event) just returned, for showing it as written.
    /// Empty after a line too long to hold.
    pub fn last_line(&self) -> &[u8] {
        let mut line = &self.line[..];
        while let [rest @ .., b'\r'] = line {
            line = rest;
        }
        line
    }

    /// The encoder.
    pub fn encoder(&self) -> &Encoder {
        &self.encoder
    }

    /// Reads the next event into `buf`. `Ok(None)` at the end of the input (or after a fatal
    /// error has been returned once).
    pub fn next_event(&mut self, buf: &mut EventBuf) -> Result<Option<StreamItem>, StreamError> {
        loop {
            if self.done {
                return Ok(None);
            }
            let read = self.read_line()?;
            let Some((too_long, terminated)) = read else {
                self.done = true;
                return Ok(None);
            };
            self.stats.lines += 1;
            let line_no = self.stats.lines;
            let kind = if let Some(len) = too_long {
                Some(LineErrorKind::TooLong {
                    len,
                    max: self.config.max_line_len,
                })
            } else {
                let text = match std::str::from_utf8(&self.line) {
                    Ok(text) => text,
                    Err(err) => {
                        let kind = if terminated {
                            LineErrorKind::NotUtf8 {
                                valid_up_to: err.valid_up_to(),
                            }
                        } else {
                            // Cut off in the middle of a character.
                            LineErrorKind::Truncated {
                                len: self.line.len(),
                                error: format!("invalid UTF-8 at byte {}", err.valid_up_to()),
                            }
                        };
                        return self.bad(line_no, kind);
                    }
                };
                let text = text.trim_end_matches('\r');
                if text.trim().is_empty() {
                    continue;
                }
                match self.encoder.encode_line(text, line_no as usize, buf) {
                    Ok(()) => None,
                    Err(err) if !terminated => Some(LineErrorKind::Truncated {
                        len: text.len(),
                        error: BadEvent(err).to_string(),
                    }),
                    Err(err) => Some(LineErrorKind::Event(BadEvent(err))),
                }
            };
            match kind {
                None => {
                    self.stats.events += 1;
                    return Ok(Some(StreamItem::Event { line: line_no }));
                }
                Some(kind) => return self.bad(line_no, kind),
            }
        }
    }

    fn bad(&mut self, line: u64, kind: LineErrorKind) -> Result<Option<StreamItem>, StreamError> {
        self.stats.bad += 1;
        let error = LineError { line, kind };
        match self.config.policy {
            BadLinePolicy::Skip => Ok(Some(StreamItem::Skipped(error))),
            BadLinePolicy::Fatal => {
                self.done = true;
                Err(StreamError::Bad(error))
            }
        }
    }

    /// Reads one line into `self.line` (without its newline). `None` at the end of input;
    /// otherwise (the length if the line was too long and dropped, whether it ended in a
    /// newline).
    fn read_line(&mut self) -> Result<Option<(Option<usize>, bool)>, StreamError> {
        self.line.clear();
        let mut total = 0usize;
        let mut too_long = false;
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(chunk) => chunk,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    self.done = true;
                    return Err(StreamError::Io {
                        line: self.stats.lines,
                        source,
                    });
                }
            };
            if chunk.is_empty() {
                if total == 0 {
                    return Ok(None);
                }
                return Ok(Some((too_long.then_some(total), false)));
            }
            let (take, newline) = match memchr::memchr(b'\n', chunk) {
                Some(at) => (at, true),
                None => (chunk.len(), false),
            };
            total += take;
            if !too_long && total > self.config.max_line_len {
                too_long = true;
                self.line = Vec::new();
            }
            if !too_long {
                self.line.extend_from_slice(&chunk[..take]);
            }
            let consumed = take + usize::from(newline);
            self.reader.consume(consumed);
            self.stats.bytes += consumed as u64;
            if newline {
                return Ok(Some((too_long.then_some(total), true)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::SchemaSet;

    fn stream(text: &str, policy: BadLinePolicy) -> EventStream<&[u8]> {
        let config = StreamConfig {
            policy,
            max_line_len: 200,
        };
        EventStream::new(
            text.as_bytes(),
            Encoder::new(&SchemaSet::endpoint()),
            config,
        )
    }

    /// Every item of a stream, as `event N` / `bad N: message` / `fatal: message`.
    fn items(text: &str, policy: BadLinePolicy) -> Vec<String> {
        let mut s = stream(text, policy);
        let mut buf = EventBuf::new();
        let mut out = Vec::new();
        loop {
            match s.next_event(&mut buf) {
                Ok(None) => break,
                Ok(Some(StreamItem::Event { line })) => out.push(format!("event {line}")),
                Ok(Some(StreamItem::Skipped(e))) => out.push(format!("bad {}: {}", e.line, e)),
                Err(e) => out.push(format!("fatal: {e}")),
            }
        }
        out
    }

    const GOOD: &str = r#"{"type": "process_exec", "pid": 1, "exe": "/bin/sh"}"#;

    #[test]
    fn good_blank_and_bad_lines_with_numbers() {
        let text = format!("{GOOD}\n\n{{oops\n  \r\n{GOOD}\r\n[1]\n{GOOD}");
        let got = items(&text, BadLinePolicy::Skip);
        assert_eq!(got.len(), 5, "{got:?}");
        assert_eq!(got[0], "event 1");
        let crlf = format!("{GOOD}\r\n");
        let mut s = stream(&crlf, BadLinePolicy::Skip);
        s.next_event(&mut EventBuf::new()).unwrap();
        assert_eq!(s.last_line(), GOOD.as_bytes());
        assert!(got[1].starts_with("bad 3: line 3: column"), "{got:?}");
        assert_eq!(got[2], "event 5");
        assert!(
            got[3].starts_with("bad 6: line 6: the event is an array"),
            "{got:?}"
        );
        assert_eq!(
            got[4], "event 7",
            "a final good line without newline is an event"
        );
    }

    #[test]
    fn fatal_stops_at_the_first_bad_line() {
        let text = format!("{GOOD}\n{{\"type\": \"nope\"}}\n{GOOD}\n");
        let got = items(&text, BadLinePolicy::Fatal);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(
            got[1].starts_with("fatal: line 2: unknown event type `nope`"),
            "{got:?}"
        );
    }

    #[test]
    fn truncated_last_line_is_reported_not_a_crash() {
        let text = format!("{GOOD}\n{}", &GOOD[..20]);
        let got = items(&text, BadLinePolicy::Skip);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(
            got[1].contains("line 2: the last line is cut off (20 bytes"),
            "{got:?}"
        );
    }

    #[test]
    fn a_last_line_cut_inside_a_character_is_truncated() {
        let mut bytes = format!("{GOOD}\n{{\"exe\": \"caf").into_bytes();
        bytes.push(0xc3); // the first byte of `é`
        let mut s = EventStream::new(
            &bytes[..],
            Encoder::new(&SchemaSet::endpoint()),
            StreamConfig::default(),
        );
        let mut buf = EventBuf::new();
        assert!(matches!(
            s.next_event(&mut buf),
            Ok(Some(StreamItem::Event { line: 1 }))
        ));
        match s.next_event(&mut buf) {
            Ok(Some(StreamItem::Skipped(e))) => assert!(
                e.to_string()
                    .starts_with("line 2: the last line is cut off (13 bytes"),
                "{e}"
            ),
            other => panic!("{other:?}"),
        }
        assert!(matches!(s.next_event(&mut buf), Ok(None)));
    }

    #[test]
    fn long_lines_and_bad_utf8_are_bad_lines() {
        let long = format!(
            "{{\"type\": \"process_exec\", \"exe\": \"{}\"}}",
            "a".repeat(500)
        );
        let mut bytes = format!("{long}\n{GOOD}\n").into_bytes();
        bytes.extend_from_slice(b"{\"exe\": \"\xff\"}\n");
        let mut s = EventStream::new(
            &bytes[..],
            Encoder::new(&SchemaSet::endpoint()),
            StreamConfig {
                policy: BadLinePolicy::Skip,
                max_line_len: 200,
            },
        );
        let mut buf = EventBuf::new();
        let mut got = Vec::new();
        while let Some(item) = s.next_event(&mut buf).unwrap() {
            got.push(match item {
                StreamItem::Event { line } => format!("event {line}"),
                StreamItem::Skipped(e) => e.to_string(),
            });
        }
        assert!(got[0].starts_with("line 1: the line is 5"), "{got:?}");
        assert_eq!(got[1], "event 2");
        assert!(
            got[2].starts_with("line 3: the line is not valid UTF-8 (at byte 9)"),
            "{got:?}"
        );
        let stats = s.stats();
        assert_eq!((stats.lines, stats.events, stats.bad), (3, 1, 2));
        assert_eq!(stats.bytes, bytes.len() as u64);
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A small deterministic fuzz: every prefix of a mixed text, with random bytes.
        let mut text = format!("{GOOD}\n{{\"type\": 3}}\n\u{e9}\n").into_bytes();
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let alphabet = b"{}[]\",:\n a1\\\x00\xff";
            text.push(alphabet[(x % alphabet.len() as u64) as usize]);
        }
        for end in 0..text.len() {
            for policy in [BadLinePolicy::Skip, BadLinePolicy::Fatal] {
                let mut s = EventStream::new(
                    &text[..end],
                    Encoder::new(&SchemaSet::endpoint()),
                    StreamConfig {
                        policy,
                        max_line_len: 40,
                    },
                );
                let mut buf = EventBuf::new();
                let mut steps = 0;
                while let Ok(Some(_)) = s.next_event(&mut buf) {
                    steps += 1;
                    assert!(steps <= end + 1);
                }
            }
        }
    }
}
