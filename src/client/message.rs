//! A NATS message: subject, optional reply, optional headers and payload.
//!
//! A message is one heap block: a small fixed part (lengths, sid) followed
//! by the bytes, laid out as
//!
//! ```text
//! subject \0 [reply \0] [header block] payload \0 [padding]
//! ```
//!
//! so that a received message costs one allocation and moving it between
//! threads moves a pointer. Subject, reply and payload are each followed by
//! a zero byte ([`Message::zero_terminated`]), so that a reader that needs
//! zero-terminated strings (the C API's `natsMsg_GetData`) borrows them from
//! the block instead of copying. Headers stay in their wire form
//! until someone asks for them; they are parsed once, on first access (into
//! a side allocation only such messages pay for), and re-encoded only if
//! they were changed.
//!
//! Subjects and reply subjects are kept byte for byte as they arrived: the
//! server passes any bytes (but whitespace) through, and a responder must
//! answer to the reply subject that was on the wire, not a repaired one.
//! [`Message::subject_bytes`] and [`Message::reply_bytes`] give the exact
//! bytes; [`Message::subject`] and [`Message::reply`] are the text view for
//! the usual, UTF-8 case.
use std::alloc::{self, Layout};
use std::any::Any;
use std::borrow::Cow;
use std::fmt;
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicPtr, Ordering::AcqRel, Ordering::Relaxed};
use std::sync::Arc;

use crate::client::block_cache;
use crate::client::error::{Error, ErrorKind, Result};
use crate::proto::headers::Headers;

/// The status line every header block starts with.
const HEADER_LINE_PREFIX: &[u8] = b"NATS/1.0";

/// `Block::reply_len` of a message without a reply subject.
const NO_REPLY: usize = usize::MAX;

/// A received or user-built message. It owns its block alone.
pub struct Message(NonNull<Block>);

/// The parts of a message stored with a zero byte after them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Subject,
    Reply,
    Data,
}

// SAFETY: a Message is the only owner of its block, and everything in the
// block is Send + Sync (plain integers, `Extras`); `&Message` only reads.
unsafe impl Send for Message {}
// SAFETY: as above; no method taking `&self` writes to the block.
unsafe impl Sync for Message {}

/// The fixed part at the start of a message's block; `len` bytes follow.
#[repr(C)]
struct Block {
    len: usize,
    subject_len: usize,
    /// `NO_REPLY`, or the reply's length; it starts right after the
    /// subject's NUL.
    reply_len: usize,
    /// Length of the wire header block (0 when none); the payload follows it.
    hdr_len: usize,
    /// Bytes after the payload: its NUL plus any padding the user asked for
    /// (`natsOptions_SetMessageBufferPadding`), all zero.
    tail: usize,
    sid: u64,
    extras: Option<Box<Extras>>,
}

/// What only some messages need.
#[derive(Default)]
struct Extras {
    /// The parsed headers, once someone asked for them (or set them).
    parsed: Option<Headers>,
    /// True once the headers were changed (or set) through this value, so
    /// the wire bytes no longer describe them.
    modified: bool,
    /// Where a message read back from a stream was stored: its sequence
    /// and time (UTC nanoseconds); zero for any other message.
    stored: (u64, i64),
    /// What a JetStream message was delivered through (its acks need it).
    binding: Option<Arc<dyn Any + Send + Sync>>,
}

/// Blocks with at least this many bytes are allocated in whole pages, and
/// a few freed ones are kept (`SPARES`) for the next large messages:
/// reusing one saves zeroing a fresh block and faulting its pages in, which
/// for 1 MiB messages cost the reader more than the socket copy. Several,
/// because the reader fills the next message while the callback still
/// holds the last.
const RECYCLE_MIN: usize = 64 * 1024;
/// Larger blocks are not kept: at most `SPARES.len()` times this much
/// memory stays with the process for messages it may never see again.
const RECYCLE_MAX: usize = 2 * 1024 * 1024;
const PAGE: usize = 4096;

/// Kept blocks (or null). Each one's header is valid (no extras) and all
/// its bytes are initialised.
static SPARES: [AtomicPtr<Block>; 4] = [const { AtomicPtr::new(ptr::null_mut()) }; 4];

/// How many bytes a block holding `len` bytes really has (`None`: more
/// than the address space).
fn capacity_for(len: usize) -> Option<usize> {
    if len >= RECYCLE_MIN {
        len.checked_next_multiple_of(PAGE)
    } else {
        Some(len)
    }
}

/// The block's layout for `len` bytes (the bytes start at
/// `size_of::<Block>()`, and there may be more of them: `capacity_for`).
/// Small sizes are rounded up to the block cache's classes, so that blocks
/// of one class are interchangeable (glibc rounds them up as much anyway).
/// `None` when no allocation can be that large.
fn block_layout(len: usize) -> Option<Layout> {
    let bytes = Layout::array::<u8>(capacity_for(len)?).ok()?;
    let layout = Layout::new::<Block>().extend(bytes).ok()?.0.pad_to_align();
    let size = block_cache::class_size(layout.size());
    Layout::from_size_align(size, layout.align()).ok()
}

/// Frees a block whose header is valid and owns nothing.
///
/// # Safety
/// `p` came from `Message::try_alloc` and nothing uses it any more.
unsafe fn free_block(p: *mut Block) {
    // SAFETY: per the contract the header is readable and gives the layout
    // the block was allocated with (so `block_layout` succeeded for it once
    // and does again); a small block may be kept for reuse.
    unsafe {
        let Some(layout) = block_layout((*p).len) else {
            return;
        };
        let bytes = NonNull::new_unchecked(p.cast::<u8>());
        if !block_cache::give(bytes, layout) {
            alloc::dealloc(bytes.as_ptr(), layout);
        }
    }
}

fn no_memory(len: usize) -> Error {
    Error::new(
        ErrorKind::NoMemory,
        format!("cannot allocate a message of {len} bytes"),
    )
}

/// The sizes of a message's pieces, added up with overflow checks (the
/// lengths may come from the wire). `None` when they exceed `usize`.
struct Sizes {
    /// Where the header block starts: past the subject, the reply and their NULs.
    hdr_start: usize,
    /// Where the payload ends (its NUL and the padding follow).
    data_end: usize,
    /// All the bytes of the block.
    len: usize,
}

impl Sizes {
    fn new(subject: usize, reply: Option<usize>, body: usize, padding: usize) -> Option<Sizes> {
        let reply_size = match reply {
            Some(r) => r.checked_add(1)?,
            None => 0,
        };
        let hdr_start = subject.checked_add(1)?.checked_add(reply_size)?;
        let data_end = hdr_start.checked_add(body)?;
        let len = data_end.checked_add(1)?.checked_add(padding)?;
        Some(Sizes {
            hdr_start,
            data_end,
            len,
        })
    }
}

/// Frees the kept large blocks (`nats_Close`).
pub fn release_spare_blocks() {
    for slot in &SPARES {
        let p = slot.swap(ptr::null_mut(), AcqRel);
        if !p.is_null() {
            // SAFETY: taken out of its slot, so nobody else has it.
            unsafe { free_block(p) }
        }
    }
}

impl Message {
    /// Allocates a block with the fixed part `header` (no extras); the bytes are zeroed when `zeroed`,
    /// otherwise the caller must write every one before reading any. An
    /// impossible size or a failed allocation is `NoMemory`, never an abort.
    fn try_alloc(header: Block, zeroed: bool) -> Result<Message> {
        let (Some(layout), Some(cap)) = (block_layout(header.len), capacity_for(header.len)) else {
            return Err(no_memory(header.len));
        };
        let raw = match block_cache::take(layout) {
            Some(p) => {
                if zeroed {
                    // SAFETY: a cached block of this layout, ours alone now.
                    unsafe { ptr::write_bytes(p.as_ptr(), 0, layout.size()) };
                }
                p.as_ptr()
            }
            // SAFETY: the layout is never zero-sized (it holds a Block).
            None if zeroed => unsafe { alloc::alloc_zeroed(layout) },
            // SAFETY: as above.
            None => unsafe { alloc::alloc(layout) },
        };
        let Some(ptr) = NonNull::new(raw.cast::<Block>()) else {
            return Err(no_memory(header.len));
        };
        let slack = cap - header.len;
        if !zeroed && slack > 0 {
            // Bytes past `len` are never read through this message, but a
            // later one reusing the block may cover them: initialise them.
            // SAFETY: inside the allocation, after the `len` bytes.
            unsafe { ptr::write_bytes(raw.add(size_of::<Block>() + header.len), 0, slack) };
        }
        // SAFETY: memory of this block's layout that only we use (fresh, or
        // a cached block), so sized and aligned for a Block.
        unsafe { ptr.as_ptr().write(header) };
        Ok(Message(ptr))
    }

    fn block(&self) -> &Block {
        // SAFETY: the block lives as long as self, which owns it.
        unsafe { self.0.as_ref() }
    }

    fn block_mut(&mut self) -> &mut Block {
        // SAFETY: as in `block`, and `&mut self` makes the access exclusive.
        unsafe { self.0.as_mut() }
    }

    fn bytes_ptr(&self) -> *mut u8 {
        // SAFETY: the bytes follow the Block inside the same allocation.
        unsafe { self.0.as_ptr().cast::<u8>().add(size_of::<Block>()) }
    }

    /// All the bytes after the fixed part.
    fn bytes(&self) -> &[u8] {
        // SAFETY: `len` bytes follow the Block; they were all written (or
        // zeroed) when the message was made.
        unsafe { std::slice::from_raw_parts(self.bytes_ptr(), self.block().len) }
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        let len = self.block().len;
        // SAFETY: as in `bytes`, and `&mut self` makes the access exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.bytes_ptr(), len) }
    }

    fn extras(&self) -> Option<&Extras> {
        self.block().extras.as_deref()
    }

    fn extras_mut(&mut self) -> &mut Extras {
        self.block_mut().extras.get_or_insert_with(Box::default)
    }

    /// Gives up the message as a pointer to its block, as `Box::into_raw`
    /// does, for code that keeps messages where only a pointer fits.
    pub(crate) fn into_raw(self) -> NonNull<u8> {
        std::mem::ManuallyDrop::new(self).0.cast()
    }

    /// Takes a message back from [`Message::into_raw`].
    ///
    /// # Safety
    /// `p` came from `into_raw` and is not used again (except through
    /// another `from_raw` after this message is handed back with
    /// `into_raw`).
    pub(crate) unsafe fn from_raw(p: NonNull<u8>) -> Message {
        Message(p.cast())
    }

    /// A message built by the user, without headers. Aborts when memory
    /// runs out, as `Vec` does; see [`Message::try_new`].
    pub fn new(subject: &str, reply: Option<&str>, data: &[u8]) -> Message {
        Message::try_new(subject.as_bytes(), reply.map(str::as_bytes), data)
            .unwrap_or_else(|_| alloc::handle_alloc_error(Layout::new::<Block>()))
    }

    /// A message built by the user, without headers, from subject bytes
    /// (kept as given; publishing checks them). `NoMemory` when it cannot
    /// be allocated.
    pub fn try_new(subject: &[u8], reply: Option<&[u8]>, data: &[u8]) -> Result<Message> {
        Message::assemble(subject, reply, &[], data, 0, 0)
    }

    /// A message as it arrived from the server (`MSG`/`HMSG`), copied into
    /// one allocation. The header block is kept as is and parsed only when
    /// first asked for; the subject and reply are kept byte for byte.
    /// Aborts when memory runs out; the reader uses [`Message::try_from_wire`].
    pub fn from_wire(
        subject: &[u8],
        reply: Option<&[u8]>,
        headers: Option<&[u8]>,
        payload: &[u8],
        sid: u64,
        padding: usize,
    ) -> Message {
        Message::try_from_wire(subject, reply, headers, payload, sid, padding)
            .unwrap_or_else(|_| alloc::handle_alloc_error(Layout::new::<Block>()))
    }

    /// [`Message::from_wire`], with `NoMemory` when it cannot be allocated.
    pub fn try_from_wire(
        subject: &[u8],
        reply: Option<&[u8]>,
        headers: Option<&[u8]>,
        payload: &[u8],
        sid: u64,
        padding: usize,
    ) -> Result<Message> {
        Message::assemble(
            subject,
            reply,
            headers.unwrap_or(&[]),
            payload,
            sid,
            padding,
        )
    }

    /// A received message whose header block and payload (`body_len` bytes,
    /// `hdr_len` of them headers) are still to come: the reader fills them
    /// in through `body_mut`, straight from the socket, so a large payload
    /// is not copied once more from the read buffer. The sizes come from
    /// the wire: an impossible sum or a failed allocation is `NoMemory`.
    pub(crate) fn with_body_space(
        subject: &[u8],
        reply: Option<&[u8]>,
        hdr_len: usize,
        body_len: usize,
        sid: u64,
        padding: usize,
    ) -> Result<Message> {
        let sizes = Sizes::new(subject.len(), reply.map(<[u8]>::len), body_len, padding)
            .ok_or_else(|| no_memory(usize::MAX))?;
        if hdr_len > body_len {
            return Err(Error::new(
                ErrorKind::ProtocolError,
                "header size exceeds the message size",
            ));
        }
        let header = Block {
            len: sizes.len,
            subject_len: subject.len(),
            reply_len: reply.map_or(NO_REPLY, <[u8]>::len),
            hdr_len,
            tail: 1 + padding,
            sid,
            extras: None,
        };
        // A reused block holds old bytes; a fresh one is zeroed in one go.
        // Either way the body is overwritten by the caller.
        let mut m = match Message::reuse_spare(header) {
            Ok(m) => m,
            Err(h) => Message::try_alloc(h, true)?,
        };
        let buf = m.bytes_mut();
        buf[..subject.len()].copy_from_slice(subject);
        buf[subject.len()] = 0;
        if let Some(r) = reply {
            buf[subject.len() + 1..subject.len() + 1 + r.len()].copy_from_slice(r);
            buf[subject.len() + 1 + r.len()] = 0;
        }
        buf[sizes.data_end..].fill(0);
        Ok(m)
    }

    /// A kept large block with the capacity `header` needs, set up with it
    /// (its bytes are old but initialised). Kept blocks of another size
    /// met on the way are freed: the sizes in use have changed.
    /// (`header` comes back when there is none).
    fn reuse_spare(header: Block) -> std::result::Result<Message, Block> {
        let Some(cap) = capacity_for(header.len).filter(|&c| c >= RECYCLE_MIN) else {
            return Err(header);
        };
        for slot in &SPARES {
            let Some(p) = NonNull::new(slot.swap(ptr::null_mut(), AcqRel)) else {
                continue;
            };
            // SAFETY: taken out of its slot, so this thread alone has the
            // block; its header is valid and owns nothing.
            unsafe {
                if capacity_for((*p.as_ptr()).len) != Some(cap) {
                    free_block(p.as_ptr());
                    continue;
                }
                p.as_ptr().write(header);
            }
            return Ok(Message(p));
        }
        Err(header)
    }

    /// The header block and payload, for `with_body_space`'s caller.
    pub(crate) fn body_mut(&mut self) -> &mut [u8] {
        let (start, end) = (self.hdr_start(), self.data_end());
        &mut self.bytes_mut()[start..end]
    }

    /// Lays out the single block.
    fn assemble(
        subject: &[u8],
        reply: Option<&[u8]>,
        headers: &[u8],
        payload: &[u8],
        sid: u64,
        padding: usize,
    ) -> Result<Message> {
        let body = headers
            .len()
            .checked_add(payload.len())
            .ok_or_else(|| no_memory(usize::MAX))?;
        let Sizes {
            hdr_start,
            data_end,
            len,
        } = Sizes::new(subject.len(), reply.map(<[u8]>::len), body, padding)
            .ok_or_else(|| no_memory(usize::MAX))?;
        let data_start = hdr_start + headers.len();
        let m = Message::try_alloc(
            Block {
                len,
                subject_len: subject.len(),
                reply_len: reply.map_or(NO_REPLY, <[u8]>::len),
                hdr_len: headers.len(),
                tail: 1 + padding,
                sid,
                extras: None,
            },
            false,
        )?;
        // Every byte is written below, in order, before anything reads them.
        let buf = m.bytes_ptr();
        let put = |at: usize, src: &[u8]| {
            // SAFETY: `at + src.len() <= len`: the pieces written below add
            // up to exactly `len` bytes of the block.
            unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), buf.add(at), src.len()) }
        };
        put(0, subject);
        put(subject.len(), &[0]);
        if let Some(r) = reply {
            put(subject.len() + 1, r);
            put(subject.len() + 1 + r.len(), &[0]);
        }
        put(hdr_start, headers);
        put(data_start, payload);
        // SAFETY: the NUL and the padding are the block's last bytes.
        unsafe { std::ptr::write_bytes(buf.add(data_end), 0, 1 + padding) };
        Ok(m)
    }

    fn hdr_start(&self) -> usize {
        let b = self.block();
        let reply_size = if b.reply_len == NO_REPLY {
            0
        } else {
            b.reply_len + 1
        };
        b.subject_len + 1 + reply_size
    }

    fn data_end(&self) -> usize {
        self.block().len - self.block().tail
    }

    /// The subject exactly as received (or given).
    pub fn subject_bytes(&self) -> &[u8] {
        &self.bytes()[..self.block().subject_len]
    }

    /// The subject as text. A subject that is not valid UTF-8 (the server
    /// passes any bytes through) has no text form and shows as `""`, which
    /// no publish accepts: use [`Message::subject_bytes`] for such subjects.
    pub fn subject(&self) -> &str {
        std::str::from_utf8(self.subject_bytes()).unwrap_or_default()
    }

    fn reply_range(&self) -> Option<std::ops::Range<usize>> {
        let b = self.block();
        let start = b.subject_len + 1;
        (b.reply_len != NO_REPLY).then(|| start..start + b.reply_len)
    }

    /// The reply subject exactly as received (or given), if any.
    pub fn reply_bytes(&self) -> Option<&[u8]> {
        self.reply_range().map(|r| &self.bytes()[r])
    }

    /// The reply subject as text, if any. A reply subject that is not valid
    /// UTF-8 shows as `Some("")`, so that answering to it fails
    /// (`InvalidSubject`) instead of reaching another subject: use
    /// [`Message::reply_bytes`] (which `Connection::publish_bytes` takes) to
    /// answer to it.
    pub fn reply(&self) -> Option<&str> {
        self.reply_bytes()
            .map(|r| std::str::from_utf8(r).unwrap_or_default())
    }

    fn data_start(&self) -> usize {
        self.hdr_start() + self.block().hdr_len
    }

    /// The payload.
    pub fn data(&self) -> &[u8] {
        &self.bytes()[self.data_start()..self.data_end()]
    }

    /// The bytes of `part` followed by the zero byte stored after them (not
    /// part of them); `None` for a missing reply. The block keeps these
    /// zeros so that views needing zero-terminated strings borrow without
    /// a copy.
    pub fn zero_terminated(&self, part: Part) -> Option<&[u8]> {
        let range = match part {
            Part::Subject => 0..self.block().subject_len,
            Part::Reply => self.reply_range()?,
            Part::Data => self.data_start()..self.data_end(),
        };
        Some(&self.bytes()[range.start..=range.end])
    }

    /// The id of the subscription that received the message (0 for a
    /// message built by the user).
    pub fn sid(&self) -> u64 {
        self.block().sid
    }

    /// The header block exactly as received (empty when none).
    fn wire_headers(&self) -> &[u8] {
        &self.bytes()[self.hdr_start()..self.data_start()]
    }

    fn parsed(&self) -> Option<&Headers> {
        self.extras().and_then(|e| e.parsed.as_ref())
    }

    fn modified(&self) -> bool {
        self.extras().is_some_and(|e| e.modified)
    }

    /// Parses the wire header block into the extras if not done yet.
    fn lift_headers(&mut self) -> Result<()> {
        if self.parsed().is_none() && self.block().hdr_len > 0 {
            let headers = Headers::parse(self.wire_headers()).map_err(|e| {
                Error::new(
                    ErrorKind::ProtocolError,
                    format!("invalid message headers: {e}"),
                )
            })?;
            self.extras_mut().parsed = Some(headers);
        }
        Ok(())
    }

    /// The headers, parsed on first access; `None` when the message has
    /// none. A malformed header block is a `ProtocolError` (and is not
    /// remembered, so the message stays usable for its payload).
    pub fn headers(&mut self) -> Result<Option<&Headers>> {
        self.lift_headers()?;
        Ok(self.parsed())
    }

    /// The headers for changing them, created empty when absent. The message
    /// counts as modified from here on: publishing re-encodes them.
    pub fn headers_mut(&mut self) -> Result<&mut Headers> {
        self.lift_headers()?;
        let e = self.extras_mut();
        e.modified = true;
        Ok(e.parsed.get_or_insert_with(Headers::new))
    }

    /// Whether the headers are held decoded (they were asked for or
    /// changed); once true, it stays true. Cheap: no parse.
    pub fn headers_decoded(&self) -> bool {
        self.parsed().is_some()
    }

    /// The stream sequence of a message read from a stream (JetStream's
    /// get and direct get); 0 for other messages (`natsMsg_GetSequence`).
    pub fn sequence(&self) -> u64 {
        self.extras().map_or(0, |e| e.stored.0)
    }

    /// When a message read from a stream was stored, UTC nanoseconds; 0
    /// for other messages (`natsMsg_GetTime`).
    pub fn time(&self) -> i64 {
        self.extras().map_or(0, |e| e.stored.1)
    }

    /// What a layer above bound this message to when it delivered it (a
    /// JetStream subscription, for acknowledgements); `None` for others.
    pub fn binding(&self) -> Option<&Arc<dyn Any + Send + Sync>> {
        self.extras().and_then(|e| e.binding.as_ref())
    }

    pub(crate) fn set_binding(&mut self, binding: Arc<dyn Any + Send + Sync>) {
        self.extras_mut().binding = Some(binding);
    }

    /// Records where a message read back from a stream was stored.
    pub(crate) fn set_stored(&mut self, sequence: u64, time: i64) {
        self.extras_mut().stored = (sequence, time);
    }

    /// Whether publishing this message would send headers (`HPUB`).
    pub fn has_headers(&self) -> bool {
        match self.parsed() {
            Some(h) if self.modified() => !h.is_empty(),
            None if self.modified() => false,
            _ => self.block().hdr_len > 0,
        }
    }

    /// The header block to publish: the received bytes when the headers were
    /// not changed, a fresh encoding when they were, `None` when there are
    /// no headers (so the message goes out as a plain `PUB`).
    pub fn encoded_headers(&self) -> Option<Cow<'_, [u8]>> {
        if self.modified() {
            let h = self.parsed().filter(|h| !h.is_empty())?;
            let mut out = Vec::with_capacity(h.encoded_len());
            h.encode(&mut out);
            Some(Cow::Owned(out))
        } else if self.block().hdr_len > 0 {
            Some(Cow::Borrowed(self.wire_headers()))
        } else {
            None
        }
    }

    /// The header status code (e.g. 503), without a full parse when the
    /// headers are still in wire form.
    pub fn status(&self) -> Option<u16> {
        if let Some(h) = self.parsed() {
            return h.status();
        }
        let rest = self.wire_headers().strip_prefix(HEADER_LINE_PREFIX)?;
        let start = rest.iter().position(|&b| b != b' ' && b != b'\t')?;
        let code = rest.get(start..start + 3)?;
        if !code.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(code).ok()?.parse().ok()
    }

    /// Whether this is the server's "no responders" reply to a request: an
    /// empty payload with status 503.
    pub fn is_no_responders(&self) -> bool {
        self.data().is_empty() && self.status() == Some(503)
    }

    /// The bytes the message occupied on the wire: header block plus payload
    /// as received or created (later header changes are not counted). Used
    /// for pending-bytes accounting.
    pub fn wire_len(&self) -> usize {
        self.data_end() - self.hdr_start()
    }
}

impl Drop for Message {
    fn drop(&mut self) {
        // What the block owns goes now; the header stays valid.
        self.block_mut().extras = None;
        let cap = capacity_for(self.block().len).unwrap_or(usize::MAX);
        let p = self.0.as_ptr();
        if block_cache::RECYCLING && (RECYCLE_MIN..=RECYCLE_MAX).contains(&cap) {
            let empty = ptr::null_mut();
            if SPARES
                .iter()
                .any(|slot| slot.compare_exchange(empty, p, AcqRel, Relaxed).is_ok())
            {
                return;
            }
        }
        // SAFETY: this message's own block, which nobody else has.
        unsafe { free_block(p) }
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("subject", &String::from_utf8_lossy(self.subject_bytes()))
            .field("reply", &self.reply_bytes().map(String::from_utf8_lossy))
            .field("sid", &self.sid())
            .field("header_bytes", &self.block().hdr_len)
            .field("data_len", &self.data().len())
            .field("headers_modified", &self.modified())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_space_filled_in_equals_a_wire_message() {
        for (hdr, reply) in [
            (&b""[..], None),
            (&b"NATS/1.0\r\nA: b\r\n\r\n"[..], Some(&b"r.1"[..])),
        ] {
            let payload = b"payload bytes";
            let whole = Message::from_wire(
                b"s.x",
                reply,
                (!hdr.is_empty()).then_some(hdr),
                payload,
                7,
                3,
            );
            let Ok(mut m) =
                Message::with_body_space(b"s.x", reply, hdr.len(), hdr.len() + payload.len(), 7, 3)
            else {
                panic!("allocation failed")
            };
            let body = m.body_mut();
            body[..hdr.len()].copy_from_slice(hdr);
            body[hdr.len()..].copy_from_slice(payload);
            assert_eq!(m.data(), whole.data());
            assert_eq!(
                m.zero_terminated(Part::Data),
                whole.zero_terminated(Part::Data)
            );
            assert_eq!(m.reply(), whole.reply());
            assert_eq!(m.subject(), whole.subject());
            assert_eq!(m.wire_len(), whole.wire_len());
        }
    }

    #[test]
    fn layout_of_a_user_message() {
        let m = Message::new("foo.bar", Some("_INBOX.1"), b"hello");
        assert_eq!(m.subject(), "foo.bar");
        assert_eq!(
            m.zero_terminated(Part::Subject).unwrap_or_default(),
            b"foo.bar\0"
        );
        assert_eq!(m.reply(), Some("_INBOX.1"));
        assert_eq!(m.zero_terminated(Part::Reply), Some(&b"_INBOX.1\0"[..]));
        assert_eq!(m.data(), b"hello");
        assert_eq!(
            m.zero_terminated(Part::Data).unwrap_or_default(),
            b"hello\0"
        );
        assert_eq!(m.sid(), 0);
        assert!(!m.has_headers());
        assert!(m.encoded_headers().is_none());
        assert_eq!(m.wire_len(), 5);
        assert!(!m.is_no_responders());
    }

    #[test]
    fn no_reply_and_empty_payload() {
        let m = Message::new("a", None, b"");
        assert_eq!(m.reply(), None);
        assert_eq!(m.zero_terminated(Part::Reply), None);
        assert_eq!(m.data(), b"");
        assert_eq!(m.zero_terminated(Part::Data).unwrap_or_default(), b"\0");
        assert_eq!(m.wire_len(), 0);
    }

    #[test]
    fn wire_message_keeps_headers_unparsed_until_asked() {
        let hdr = b"NATS/1.0\r\nA: 1\r\nB: 2\r\n\r\n";
        let mut m = Message::from_wire(b"s", Some(b"r"), Some(hdr), b"data", 7, 0);
        assert_eq!(m.sid(), 7);
        assert!(m.parsed().is_none());
        assert!(m.has_headers());
        assert_eq!(m.wire_len(), hdr.len() + 4);
        assert_eq!(m.zero_terminated(Part::Data).unwrap_or_default(), b"data\0");
        // Unchanged headers are published as received.
        assert!(matches!(m.encoded_headers(), Some(Cow::Borrowed(b)) if b == hdr));

        let h = m
            .headers()
            .ok()
            .flatten()
            .map(|h| h.get("A").map(<[u8]>::to_vec));
        assert_eq!(h, Some(Some(b"1".to_vec())));
        assert!(m.parsed().is_some());
        assert!(matches!(m.encoded_headers(), Some(Cow::Borrowed(_))));

        let Ok(h) = m.headers_mut() else {
            panic!("headers should parse")
        };
        h.set("C", "3");
        let Some(Cow::Owned(encoded)) = m.encoded_headers() else {
            panic!("modified headers are re-encoded")
        };
        let Ok(reparsed) = Headers::parse(&encoded) else {
            panic!("re-encoded headers parse")
        };
        assert_eq!(reparsed.get("A"), Some(&b"1"[..]));
        assert_eq!(reparsed.get("C"), Some(&b"3"[..]));
        // The payload is untouched by header edits.
        assert_eq!(m.data(), b"data");
    }

    #[test]
    fn header_bytes_survive_reading_and_editing() {
        let hdr = b"NATS/1.0\r\nBin:  a\0b\xff  \r\nX: 1\r\n\r\n";
        let mut m = Message::from_wire(b"s", None, Some(hdr), b"", 1, 0);
        let got = m
            .headers()
            .ok()
            .flatten()
            .and_then(|h| h.get("Bin").map(<[u8]>::to_vec));
        assert_eq!(got.as_deref(), Some(&b"a\0b\xff"[..]));
        // Read but unchanged: published exactly as received.
        assert!(matches!(m.encoded_headers(), Some(Cow::Borrowed(b)) if b == hdr));
        // Changed: re-encoded, the odd bytes included.
        if let Ok(h) = m.headers_mut() {
            h.add("X", "2");
        }
        let Some(encoded) = m.encoded_headers() else {
            panic!("headers expected")
        };
        assert_eq!(
            &encoded[..],
            b"NATS/1.0\r\nBin: a\0b\xff\r\nX: 1\r\nX: 2\r\n\r\n"
        );
    }

    #[test]
    fn headers_created_on_demand_and_emptied() {
        let mut m = Message::new("s", None, b"x");
        assert!(matches!(m.headers(), Ok(None)));
        match m.headers_mut() {
            Ok(h) => h.add("K", "v"),
            Err(e) => panic!("{e}"),
        }
        assert!(m.has_headers());
        assert!(m.encoded_headers().is_some());
        if let Ok(h) = m.headers_mut() {
            h.delete("K");
        }
        assert!(!m.has_headers());
        assert!(m.encoded_headers().is_none());
    }

    #[test]
    fn malformed_headers_are_an_error_not_a_panic() {
        let mut m = Message::from_wire(b"s", None, Some(b"garbage"), b"", 1, 0);
        let err = m.headers().map(|_| ()).map_err(|e| e.kind);
        assert_eq!(err, Err(ErrorKind::ProtocolError));
        assert!(!m.is_no_responders());
        assert_eq!(m.data(), b"");
    }

    #[test]
    fn no_responders_detection() {
        let hdr = b"NATS/1.0 503\r\n\r\n";
        let m = Message::from_wire(b"_INBOX.x", None, Some(hdr), b"", 1, 0);
        assert_eq!(m.status(), Some(503));
        assert!(m.is_no_responders());

        let mut m = Message::from_wire(
            b"_INBOX.x",
            None,
            Some(b"NATS/1.0 503 No Responders\r\n\r\n"),
            b"",
            1,
            0,
        );
        assert!(m.is_no_responders());
        // Same answer after a full parse.
        assert!(m.headers().is_ok());
        assert!(m.is_no_responders());

        let m = Message::from_wire(b"_INBOX.x", None, Some(hdr), b"payload", 1, 0);
        assert!(!m.is_no_responders());
        let m = Message::from_wire(
            b"_INBOX.x",
            None,
            Some(b"NATS/1.0 404 No Messages\r\n\r\n"),
            b"",
            1,
            0,
        );
        assert_eq!(m.status(), Some(404));
        assert!(!m.is_no_responders());
        let m = Message::from_wire(
            b"_INBOX.x",
            None,
            Some(b"NATS/1.0\r\nA: b\r\n\r\n"),
            b"",
            1,
            0,
        );
        assert_eq!(m.status(), None);
    }

    #[test]
    fn subjects_are_kept_byte_for_byte() {
        for (subject, reply) in [
            (&b"a\xffb"[..], Some(&b"\xfe"[..])),
            (b"_INBOX.\xff\xfe.x", Some(b"r.\xc3\x28")),
            (b"caf\xc3\xa9", None),
        ] {
            let m = Message::from_wire(subject, reply, None, b"p", 1, 0);
            assert_eq!(m.subject_bytes(), subject);
            assert_eq!(m.reply_bytes(), reply);
            assert_eq!(
                &m.zero_terminated(Part::Subject).unwrap_or_default()[..subject.len()],
                subject
            );
            assert_eq!(
                m.zero_terminated(Part::Subject).unwrap_or_default().last(),
                Some(&0)
            );
            assert_eq!(
                m.zero_terminated(Part::Reply).map(|r| &r[..r.len() - 1]),
                reply,
                "the C view is the same bytes"
            );
            assert_eq!(m.data(), b"p");
            // The text view: the exact text when there is one, never a
            // repaired subject that was not on the wire.
            assert_eq!(m.subject(), std::str::from_utf8(subject).unwrap_or(""));
            assert_eq!(
                m.reply(),
                reply.map(|r| std::str::from_utf8(r).unwrap_or(""))
            );
            // The large-body path keeps them too.
            let Ok(big) = Message::with_body_space(subject, reply, 0, 1, 1, 0) else {
                panic!("allocation failed")
            };
            assert_eq!(big.subject_bytes(), subject);
            assert_eq!(big.reply_bytes(), reply);
        }
        assert_eq!(
            Message::from_wire(b"caf\xc3\xa9", None, None, b"", 1, 0).subject(),
            "caf\u{e9}"
        );
    }

    #[test]
    fn sizes_from_the_wire_are_checked_not_trusted() {
        // Sums near the top of usize neither wrap nor panic.
        for (body, padding) in [
            (usize::MAX, 0),
            (usize::MAX - 3, 0),
            (usize::MAX / 2 + 1, 0),
            (1 << 62, 0),
            (isize::MAX as usize, 0),
            (10, usize::MAX),
        ] {
            let r = Message::with_body_space(b"s\xff", Some(b"r\xfe"), 0, body, 1, padding);
            assert_eq!(r.map(|_| ()).map_err(|e| e.kind), Err(ErrorKind::NoMemory));
        }
        // A size the allocator refuses is NoMemory too, not an abort.
        let r = Message::with_body_space(b"s", None, 0, 1 << 60, 1, 0);
        assert_eq!(r.map(|_| ()).map_err(|e| e.kind), Err(ErrorKind::NoMemory));
        // Headers larger than the body are refused.
        let r = Message::with_body_space(b"s", None, 5, 4, 1, 0);
        assert_eq!(
            r.map(|_| ()).map_err(|e| e.kind),
            Err(ErrorKind::ProtocolError)
        );
        assert!(Sizes::new(usize::MAX, None, 0, 0).is_none());
        assert!(Sizes::new(1, Some(usize::MAX), 0, 0).is_none());
        assert!(Sizes::new(1, Some(usize::MAX - 2), 0, 0).is_none());
        assert!(block_layout(usize::MAX).is_none());
        assert!(block_layout(isize::MAX as usize).is_none());
    }

    #[test]
    fn a_large_block_is_reused_with_nothing_of_its_old_message_showing() {
        let body = vec![0xAB; 200 * 1024];
        let old = Message::from_wire(
            b"old.subject.longer",
            Some(b"old.reply"),
            None,
            &body,
            1,
            16,
        );
        let old_addr = old
            .zero_terminated(Part::Subject)
            .unwrap_or_default()
            .as_ptr();
        drop(old);

        let len = 200 * 1024 - 10;
        let Ok(mut m) = Message::with_body_space(b"new", Some(b"r"), 0, len, 2, 8) else {
            panic!("allocation failed")
        };
        // Same capacity: the kept block comes back (unless another thread
        // took it meanwhile, which no other test here does).
        assert_eq!(
            m.zero_terminated(Part::Subject)
                .unwrap_or_default()
                .as_ptr(),
            old_addr
        );
        m.body_mut().fill(b'x');
        assert_eq!(
            m.zero_terminated(Part::Subject).unwrap_or_default(),
            b"new\0"
        );
        assert_eq!(m.zero_terminated(Part::Reply), Some(&b"r\0"[..]));
        assert_eq!(m.data().len(), len);
        assert!(m.data().iter().all(|&b| b == b'x'));
        assert_eq!(
            m.zero_terminated(Part::Data).unwrap_or_default().last(),
            Some(&0)
        );
        let end = m
            .zero_terminated(Part::Data)
            .unwrap_or_default()
            .as_ptr_range()
            .end;
        // SAFETY: the padding bytes are part of the same allocation.
        let pad = unsafe { std::slice::from_raw_parts(end, 8) };
        assert_eq!(pad, &[0u8; 8]);
        assert_eq!(m.wire_len(), len);
        drop(m);

        // Another size frees the kept block and gets a fresh, zeroed one.
        let Ok(m) = Message::with_body_space(b"s", None, 0, 300 * 1024, 3, 0) else {
            panic!("allocation failed")
        };
        assert!(m.data().iter().all(|&b| b == 0));
        drop(m);
        release_spare_blocks();
    }

    #[test]
    fn padding_follows_the_payload_as_zeros() {
        let m = Message::from_wire(b"s", None, None, b"abc", 1, 8);
        assert_eq!(m.data(), b"abc");
        assert_eq!(m.zero_terminated(Part::Data).unwrap_or_default(), b"abc\0");
        assert_eq!(m.wire_len(), 3);
        let end = m
            .zero_terminated(Part::Data)
            .unwrap_or_default()
            .as_ptr_range()
            .end;
        // SAFETY: the padding bytes are part of the same allocation.
        let pad = unsafe { std::slice::from_raw_parts(end, 8) };
        assert_eq!(pad, &[0u8; 8]);
    }
}
