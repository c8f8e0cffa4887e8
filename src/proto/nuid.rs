//! NUID: fast unique identifiers for inboxes, as NATS defines them.
//!
//! 22 base62 characters: a 12-character random prefix followed by a
//! 10-character sequence. The sequence starts at a random point and advances
//! by a random step, so successive ids are cheap yet hard to guess; when it
//! runs out, the prefix is re-drawn from the OS.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::Read;
use std::sync::{Mutex, OnceLock};

const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE: u64 = 62;
const PRE_LEN: usize = 12;
const SEQ_LEN: usize = 10;
/// Total length of a NUID.
pub const NUID_LEN: usize = PRE_LEN + SEQ_LEN;
/// 62^10: the sequence must stay below this to fit in SEQ_LEN digits.
const MAX_SEQ: u64 = 839_299_365_868_340_224;
const MIN_INC: u64 = 33;
const MAX_INC: u64 = 333;

/// splitmix64: tiny, well-distributed, and good enough for the sequence
/// start and step, which only need to be unpredictable-ish, not secret.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Generator state. Not thread-safe by itself; see `next_global`.
#[derive(Debug, Clone)]
pub struct Nuid {
    pre: [u8; PRE_LEN],
    seq: u64,
    inc: u64,
    rng: SplitMix64,
}

impl Default for Nuid {
    fn default() -> Self {
        Nuid::new()
    }
}

impl Nuid {
    pub fn new() -> Self {
        let mut seed = [0u8; 8];
        os_random(&mut seed);
        let mut n = Nuid {
            pre: [0; PRE_LEN],
            seq: 0,
            inc: 0,
            rng: SplitMix64(u64::from_le_bytes(seed)),
        };
        n.randomize_prefix();
        n.reset_sequence();
        n
    }

    /// The next id as ASCII bytes. Named like nats.c's `natsNUID_Next`;
    /// an endless Iterator would add nothing but an always-`Some` wrapper.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> [u8; NUID_LEN] {
        self.seq += self.inc;
        if self.seq >= MAX_SEQ {
            self.randomize_prefix();
            self.reset_sequence();
        }
        let mut out = [0u8; NUID_LEN];
        out[..PRE_LEN].copy_from_slice(&self.pre);
        let mut v = self.seq;
        for slot in out[PRE_LEN..].iter_mut().rev() {
            *slot = DIGITS[(v % BASE) as usize];
            v /= BASE;
        }
        out
    }

    pub fn next_string(&mut self) -> String {
        // Every byte comes from DIGITS, so this is plain ASCII.
        self.next().iter().map(|&b| b as char).collect()
    }

    /// Draws a fresh prefix from the OS, rejecting bytes that would bias
    /// the modulo towards the first few digits.
    fn randomize_prefix(&mut self) {
        const LIMIT: u8 = (256 - 256 % BASE as usize) as u8; // 248
        let mut pool = [0u8; 64];
        os_random(&mut pool);
        let mut accepted = pool.iter().copied().filter(|&b| b < LIMIT);
        for slot in self.pre.iter_mut() {
            // The pool almost never runs dry; if it does, the PRNG fills in.
            let r = match accepted.next() {
                Some(b) => u64::from(b),
                None => self.rng.next_u64(),
            };
            *slot = DIGITS[(r % BASE) as usize];
        }
    }

    fn reset_sequence(&mut self) {
        self.seq = self.rng.next_u64() % MAX_SEQ;
        self.inc = MIN_INC + self.rng.next_u64() % (MAX_INC - MIN_INC);
    }
}

/// Fills `buf` from /dev/urandom; if that is unavailable, from a hash of
/// the time, pid, a stack address and a counter, keyed by std's own
/// randomly seeded `RandomState`.
fn os_random(buf: &mut [u8]) {
    let ok = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(buf))
        .is_ok();
    if !ok {
        fallback_random(buf);
    }
}

fn fallback_random(buf: &mut [u8]) {
    let state = RandomState::new();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let marker = 0u8;
    for (i, chunk) in buf.chunks_mut(8).enumerate() {
        let mut h = state.build_hasher();
        h.write_u128(now);
        h.write_u32(std::process::id());
        h.write_usize(std::ptr::addr_of!(marker) as usize);
        h.write_usize(i);
        let bytes = h.finish().to_le_bytes();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
}

fn global() -> &'static Mutex<Nuid> {
    static GLOBAL: OnceLock<Mutex<Nuid>> = OnceLock::new();
    GLOBAL.get_or_init(|| Mutex::new(Nuid::new()))
}

/// A NUID from the process-wide generator.
pub fn next_global() -> String {
    // A panic while holding the lock cannot leave Nuid half-updated in a
    // harmful way, so a poisoned lock is still usable.
    let mut g = global().lock().unwrap_or_else(|e| e.into_inner());
    g.next_string()
}

/// `prefix.NUID`, e.g. `_INBOX.<22 chars>`.
pub fn new_inbox(prefix: &str) -> String {
    let id = {
        let mut g = global().lock().unwrap_or_else(|e| e.into_inner());
        g.next()
    };
    let mut s = String::with_capacity(prefix.len() + 1 + NUID_LEN);
    s.push_str(prefix);
    s.push('.');
    s.extend(id.iter().map(|&b| b as char));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn decode_seq(id: &[u8]) -> u64 {
        id[PRE_LEN..].iter().fold(0u64, |acc, b| {
            let d = DIGITS.iter().position(|x| x == b).unwrap() as u64;
            acc * BASE + d
        })
    }

    #[test]
    fn max_seq_is_62_pow_10() {
        assert_eq!(MAX_SEQ, BASE.pow(SEQ_LEN as u32));
    }

    #[test]
    fn length_and_alphabet() {
        let mut n = Nuid::new();
        for _ in 0..1000 {
            let id = n.next();
            assert_eq!(id.len(), 22);
            assert!(id.iter().all(|b| b.is_ascii_alphanumeric()));
            let s = n.next_string();
            assert_eq!(s.len(), 22);
            assert!(s.bytes().all(|b| b.is_ascii_alphanumeric()));
        }
    }

    #[test]
    fn hundred_thousand_unique() {
        let mut n = Nuid::new();
        let mut seen = HashSet::with_capacity(100_000);
        for _ in 0..100_000 {
            assert!(seen.insert(n.next()));
        }
        // Independent generators must not collide either.
        let mut m = Nuid::new();
        for _ in 0..1000 {
            assert!(!seen.contains(&m.next()));
        }
    }

    #[test]
    fn sequence_increments_within_bounds() {
        let mut n = Nuid::new();
        n.seq = 1000;
        n.inc = 100;
        let a = n.next();
        let b = n.next();
        assert_eq!(a[..PRE_LEN], b[..PRE_LEN]);
        assert_eq!(decode_seq(&a), 1100);
        assert_eq!(decode_seq(&b), 1200);
        let mut n = Nuid::new();
        for _ in 0..100 {
            assert!((MIN_INC..MAX_INC).contains(&n.inc));
            n.reset_sequence();
        }
    }

    #[test]
    fn rollover_rerandomizes_prefix() {
        let mut n = Nuid::new();
        n.seq = MAX_SEQ - 1;
        let old_pre = n.pre;
        let id = n.next();
        assert_ne!(id[..PRE_LEN], old_pre);
        assert_eq!(id[..PRE_LEN], n.pre);
        assert!(n.seq < MAX_SEQ);
        assert_eq!(decode_seq(&id), n.seq);
        // The largest sequence still encodes in 10 digits.
        n.seq = MAX_SEQ - 1 - n.inc;
        let id = n.next();
        assert_eq!(&id[PRE_LEN..], b"zzzzzzzzzz");
    }

    #[test]
    fn global_and_inbox() {
        let a = next_global();
        let b = next_global();
        assert_eq!(a.len(), 22);
        assert_ne!(a, b);
        let inbox = new_inbox("_INBOX");
        assert!(inbox.starts_with("_INBOX."));
        assert_eq!(inbox.len(), "_INBOX.".len() + 22);
        assert_ne!(new_inbox("_INBOX"), inbox);
    }

    #[test]
    fn random_sources_fill_buffer() {
        let mut a = [0u8; 13];
        let mut b = [0u8; 13];
        os_random(&mut a);
        fallback_random(&mut b);
        assert!(a.iter().any(|&x| x != 0));
        assert!(b.iter().any(|&x| x != 0));
        let mut c = [0u8; 13];
        fallback_random(&mut c);
        assert_ne!(b, c, "RandomState keys differ per call");
    }
}
