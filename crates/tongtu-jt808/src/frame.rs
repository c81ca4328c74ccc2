//! Framing: 0x7E delimiters, 0x7D escaping, the XOR checksum, and the streaming
//! [`FrameSplitter`] that cuts a byte stream into checked, unescaped frames.

use std::borrow::Cow;

use memchr::{memchr, memchr2};

use crate::error::{DecodeError, FrameError, FrameErrorKind};
use crate::packet::Packet;

/// Frame delimiter.
pub const DELIMITER: u8 = 0x7E;
/// Escape byte: 0x7D 0x02 stands for 0x7E and 0x7D 0x01 for 0x7D.
pub const ESCAPE: u8 = 0x7D;
/// Shortest valid content: a 2011/2013 header (12 bytes) plus the checksum.
pub const MIN_CONTENT_LEN: usize = 13;
/// Default limit on one escaped frame, delimiters included: the largest 2019 subpackaged
/// frame (21-byte header, 1023-byte body, checksum) with every byte escaped.
pub const DEFAULT_MAX_FRAME_LEN: usize = 2 * (21 + 1023 + 1) + 2;

/// XOR of all bytes.
#[inline]
pub fn checksum(data: &[u8]) -> u8 {
    let mut acc = 0u64;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        acc ^= u64::from_ne_bytes(w);
    }
    let mut x = chunks.remainder().iter().fold(0u8, |a, &b| a ^ b);
    for b in acc.to_ne_bytes() {
        x ^= b;
    }
    x
}

/// Undoes the 0x7D escaping of the bytes between the delimiters. Borrows when there is
/// nothing to undo. Offsets in errors count from the first byte after the opening 0x7E.
pub fn unescape(inner: &[u8]) -> Result<Cow<'_, [u8]>, DecodeError> {
    match memchr2(ESCAPE, DELIMITER, inner) {
        None => Ok(Cow::Borrowed(inner)),
        Some(first) => {
            let mut out = Vec::with_capacity(inner.len());
            unescape_from(inner, first, &mut out)?;
            Ok(Cow::Owned(out))
        }
    }
}

/// Slow path of [`unescape`]: `first` is the index of the first 0x7D or 0x7E.
fn unescape_from(inner: &[u8], first: usize, out: &mut Vec<u8>) -> Result<(), DecodeError> {
    let mut pos = 0;
    let mut hit = Some(first);
    while let Some(i) = hit {
        let at = pos + i;
        out.extend_from_slice(&inner[pos..at]);
        if inner[at] == DELIMITER {
            return Err(DecodeError::UnescapedDelimiter { offset: at });
        }
        match inner.get(at + 1) {
            Some(0x01) => out.push(ESCAPE),
            Some(0x02) => out.push(DELIMITER),
            found => {
                return Err(DecodeError::BadEscape {
                    offset: at,
                    found: found.copied(),
                })
            }
        }
        pos = at + 2;
        hit = memchr2(ESCAPE, DELIMITER, &inner[pos..]);
    }
    out.extend_from_slice(&inner[pos..]);
    Ok(())
}

/// Appends `0x7E`, the escaped `content`, and `0x7E` to `out`.
pub fn escape_into(content: &[u8], out: &mut Vec<u8>) {
    out.reserve(content.len() + 2);
    out.push(DELIMITER);
    let mut pos = 0;
    while let Some(i) = memchr2(ESCAPE, DELIMITER, &content[pos..]) {
        let at = pos + i;
        out.extend_from_slice(&content[pos..at]);
        out.push(ESCAPE);
        out.push(if content[at] == DELIMITER { 0x02 } else { 0x01 });
        pos = at + 1;
    }
    out.extend_from_slice(&content[pos..]);
    out.push(DELIMITER);
}

/// Checks the delimiters of one whole wire frame and returns its unescaped content
/// (header, body and checksum byte). Errors use offsets into `wire`.
pub fn unframe(wire: &[u8]) -> Result<Cow<'_, [u8]>, DecodeError> {
    if wire.first() != Some(&DELIMITER) {
        return Err(DecodeError::MissingDelimiter { offset: 0 });
    }
    if wire.len() < 2 || wire.last() != Some(&DELIMITER) {
        return Err(DecodeError::MissingDelimiter { offset: wire.len() });
    }
    unescape(&wire[1..wire.len() - 1]).map_err(|e| e.shifted(1))
}

/// Validates the content of one delimited frame: escapes, minimum length and checksum.
fn check_inner(inner: &[u8]) -> Result<Cow<'_, [u8]>, DecodeError> {
    let data = unescape(inner)?;
    if data.len() < MIN_CONTENT_LEN {
        return Err(DecodeError::Truncated {
            what: "frame",
            offset: 0,
            needed: MIN_CONTENT_LEN,
            available: data.len(),
        });
    }
    let (body, cs) = data.split_at(data.len() - 1);
    let expected = checksum(body);
    if expected != cs[0] {
        return Err(DecodeError::Checksum {
            offset: body.len(),
            expected,
            found: cs[0],
        });
    }
    Ok(data)
}

/// One frame cut from the stream: unescaped, checksum verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame<'a> {
    offset: u64,
    data: Cow<'a, [u8]>,
}

impl<'a> Frame<'a> {
    /// Stream offset of the opening 0x7E.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The unescaped content: header, body and checksum byte.
    pub fn content(&self) -> &[u8] {
        &self.data
    }

    /// Decodes the header and message.
    pub fn decode(&self) -> Result<Packet, DecodeError> {
        Packet::decode(&self.data)
    }

    /// Detaches the frame from the splitter's buffer.
    pub fn into_owned(self) -> Frame<'static> {
        Frame {
            offset: self.offset,
            data: Cow::Owned(self.data.into_owned()),
        }
    }
}

#[derive(Debug, Clone, Default)]
struct ScanState {
    /// Stream offset of `buf[0]`.
    base: u64,
    /// Bytes at the front of `buf` that are done with.
    consumed: usize,
    /// Where the next search starts.
    pos: usize,
    /// Index of the opening 0x7E of the frame being collected.
    open: Option<usize>,
    /// Dropping the rest of an over-long frame until the next 0x7E.
    discarding: bool,
    max: usize,
}

/// Streaming frame splitter for one connection.
///
/// Feed it what the socket returned; it yields every complete frame (unescaped and
/// checksum-checked, borrowing its buffer when no unescaping was needed) and an error
/// for each stretch of garbage, over-long frame, or frame that fails its escape, length
/// or checksum check. A failed frame's closing 0x7E is reused as the next opening one,
/// so a bad frame or stray bytes never take the good frame after them down too.
/// Memory stays bounded by the largest feed plus the maximum frame length.
///
/// ```
/// use tongtu_jt808::FrameSplitter;
/// let mut splitter = FrameSplitter::new();
/// let wire = [0x7E, 0x00, 0x02, 0x00, 0x00, 0x01, 0x23, 0x45, 0x67, 0x89, 0x00,
///             0x00, 0x01, 0x8A, 0x7E];
/// let frames: Vec<_> = splitter.feed(&wire[..5]).collect();
/// assert!(frames.is_empty());
/// let frames: Vec<_> = splitter.feed(&wire[5..]).collect();
/// assert_eq!(frames.len(), 1);
/// let packet = frames[0].as_ref().unwrap().decode().unwrap();
/// assert_eq!(packet.header.msg_id, 0x0002);
/// ```
#[derive(Debug, Clone)]
pub struct FrameSplitter {
    buf: Vec<u8>,
    st: ScanState,
}

impl Default for FrameSplitter {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameSplitter {
    /// A splitter with [`DEFAULT_MAX_FRAME_LEN`].
    pub fn new() -> Self {
        Self::with_max_frame_len(DEFAULT_MAX_FRAME_LEN)
    }

    /// A splitter that drops frames longer than `max` escaped bytes (delimiters included).
    pub fn with_max_frame_len(max: usize) -> Self {
        FrameSplitter {
            buf: Vec::new(),
            st: ScanState {
                max: max.max(MIN_CONTENT_LEN + 2),
                ..ScanState::default()
            },
        }
    }

    /// Appends `data` and returns an iterator over the frames and errors it completes.
    /// Bytes of an unfinished frame are kept for the next call.
    pub fn feed(&mut self, data: &[u8]) -> Frames<'_> {
        self.compact();
        self.buf.extend_from_slice(data);
        Frames {
            buf: &self.buf,
            st: &mut self.st,
        }
    }

    /// Bytes held back (the start of an unfinished frame, or not yet iterated).
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.st.consumed
    }

    /// Total bytes fed so far.
    pub fn stream_len(&self) -> u64 {
        self.st.base + self.buf.len() as u64
    }

    /// Ends the stream: reports an unfinished frame, if any, and clears the buffer.
    pub fn finish(&mut self) -> Option<FrameError> {
        let err = self.st.open.map(|open| FrameError {
            offset: self.st.base + open as u64,
            kind: FrameErrorKind::Unterminated {
                len: self.buf.len() - open,
            },
        });
        self.st.base += self.buf.len() as u64;
        self.buf.clear();
        self.st.consumed = 0;
        self.st.pos = 0;
        self.st.open = None;
        self.st.discarding = false;
        err
    }

    fn compact(&mut self) {
        let c = self.st.consumed;
        if c == 0 {
            return;
        }
        self.buf.drain(..c);
        self.st.base += c as u64;
        self.st.pos -= c;
        self.st.open = self.st.open.map(|o| o - c);
        self.st.consumed = 0;
    }
}

/// Iterator over what one [`FrameSplitter::feed`] completed.
#[derive(Debug)]
pub struct Frames<'a> {
    buf: &'a [u8],
    st: &'a mut ScanState,
}

impl<'a> Iterator for Frames<'a> {
    type Item = Result<Frame<'a>, FrameError>;

    fn next(&mut self) -> Option<Self::Item> {
        let buf: &'a [u8] = self.buf;
        let st = &mut *self.st;
        loop {
            let Some(open) = st.open else {
                // Between frames: everything up to the next 0x7E is garbage.
                let start = st.pos;
                let rest = buf.get(start..)?;
                let (skipped, next_open) = match memchr(DELIMITER, rest) {
                    Some(i) => (i, Some(start + i)),
                    None => (rest.len(), None),
                };
                let discarding = st.discarding;
                match next_open {
                    Some(o) => {
                        st.open = Some(o);
                        st.pos = o + 1;
                        st.consumed = o;
                        st.discarding = false;
                    }
                    None => {
                        st.pos = buf.len();
                        st.consumed = buf.len();
                    }
                }
                if skipped > 0 && !discarding {
                    return Some(Err(FrameError {
                        offset: st.base + start as u64,
                        kind: FrameErrorKind::Garbage { len: skipped },
                    }));
                }
                next_open?;
                continue;
            };
            let rest = buf.get(st.pos..)?;
            let Some(i) = memchr(DELIMITER, rest) else {
                st.pos = buf.len();
                if buf.len() - open > st.max {
                    st.open = None;
                    st.discarding = true;
                    st.consumed = buf.len();
                    return Some(Err(FrameError {
                        offset: st.base + open as u64,
                        kind: FrameErrorKind::TooLong { max: st.max },
                    }));
                }
                st.consumed = open;
                return None;
            };
            let close = st.pos + i;
            st.pos = close + 1;
            if close == open + 1 {
                // "7E 7E": the first one closed something we never saw; resync.
                st.open = Some(close);
                st.consumed = close;
                continue;
            }
            let offset = st.base + open as u64;
            let result = if close + 1 - open > st.max {
                Err(FrameErrorKind::TooLong { max: st.max })
            } else {
                check_inner(&buf[open + 1..close])
                    .map_err(|e| FrameErrorKind::Invalid(e.shifted(1)))
            };
            return Some(match result {
                Ok(data) => {
                    st.open = None;
                    st.consumed = close + 1;
                    Ok(Frame { offset, data })
                }
                Err(kind) => {
                    // Maybe we were out of step: let this 0x7E open the next frame.
                    st.open = Some(close);
                    st.consumed = close;
                    Err(FrameError { offset, kind })
                }
            });
        }
    }
}
