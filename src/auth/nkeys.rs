//! NATS nkeys: ed25519 keys written as base32 text with a type prefix and a
//! CRC16 checksum, e.g. a user public key `U...` and its seed `SU...`.
//!
//! Layout of the decoded bytes (before base32):
//! - public key: `prefix | 32-byte ed25519 public key | crc16 (little endian)`
//! - seed: `seed prefix and type prefix packed in 2 bytes | 32-byte ed25519
//!   seed | crc16`. The packing puts the seed prefix in the top 5 bits of the
//!   first byte and the type prefix in the next 5 bits, so the text starts
//!   with two readable letters ("SU", "SA", "SO", ...).
//!
//! The checksum is CRC16/XMODEM over everything before it. Error texts are
//! nats.c's, since C users may match on them.
use std::sync::atomic::{compiler_fence, Ordering};

use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self, Ed25519KeyPair, KeyPair as _};

use super::error::{AuthError, AuthErrorKind, Result};

/// First 5 bits of every seed ('S' in base32). Private keys ('P', 15 << 3)
/// exist in the nkeys format too but NATS never exchanges them.
const PREFIX_SEED: u8 = 18 << 3;

const SEED_LEN: usize = 32;
/// Decoded length of an encoded public key: prefix + key.
const PUBLIC_RAW_LEN: usize = 1 + SEED_LEN;
/// Decoded length of an encoded seed: two packed prefix bytes + seed.
const SEED_RAW_LEN: usize = 2 + SEED_LEN;

const INVALID_ENCODED_KEY: &str = "invalid encoded key";
const INVALID_CHECKSUM: &str = "invalid checksum";
const INVALID_SEED: &str = "invalid seed";
const INVALID_PREFIX: &str = "invalid prefix byte";

/// The role of a key; its prefix byte makes the first letter of the public
/// key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// 'O...': signs account JWTs.
    Operator,
    /// 'A...': signs user JWTs.
    Account,
    /// 'U...': a client identity.
    User,
    /// 'N...': a server identity.
    Server,
    /// 'C...': a cluster identity.
    Cluster,
}

impl KeyType {
    const ALL: [KeyType; 5] = [
        KeyType::Operator,
        KeyType::Account,
        KeyType::User,
        KeyType::Server,
        KeyType::Cluster,
    ];

    /// The prefix byte of public keys of this type.
    pub fn prefix(self) -> u8 {
        match self {
            KeyType::Operator => 14 << 3,
            KeyType::Account => 0,
            KeyType::User => 20 << 3,
            KeyType::Server => 13 << 3,
            KeyType::Cluster => 2 << 3,
        }
    }

    /// The type whose public prefix byte is `b`, if any.
    pub fn from_prefix(b: u8) -> Option<KeyType> {
        KeyType::ALL.into_iter().find(|t| t.prefix() == b)
    }
}

/// An ed25519 key pair made from a 32-byte nkey seed.
///
/// The seed is overwritten with zeros when the pair is dropped. (ring's
/// expanded private key inside [`Ed25519KeyPair`] is not ours to wipe.)
pub struct KeyPair {
    kind: KeyType,
    seed: [u8; SEED_LEN],
    pair: Ed25519KeyPair,
}

impl KeyPair {
    /// Parses an encoded seed such as `SUAM...`. Surrounding whitespace is
    /// ignored, so a line read from a file can be passed as is.
    pub fn from_seed(encoded: &str) -> Result<KeyPair> {
        let encoded = encoded.trim().as_bytes();
        // Sized up front so decoding never reallocates: a reallocation would
        // leave an unwiped copy of the seed behind.
        let mut raw = Vec::with_capacity(encoded.len() * 5 / 8 + 1);
        let parsed = base32_decode_into(encoded, &mut raw).and_then(|()| parse_seed(&raw));
        wipe_vec(&mut raw);
        let (kind, mut seed) = parsed?;
        let pair = KeyPair::from_raw_seed(kind, seed);
        wipe(&mut seed);
        Ok(pair)
    }

    /// Builds the key pair of a raw 32-byte ed25519 seed.
    pub fn from_raw_seed(kind: KeyType, seed: [u8; SEED_LEN]) -> KeyPair {
        // ring only rejects seeds of the wrong length, which the type rules
        // out.
        let pair = Ed25519KeyPair::from_seed_unchecked(&seed)
            .expect("ring accepts every 32-byte ed25519 seed");
        KeyPair { kind, seed, pair }
    }

    /// A new key pair from the system's secure random generator.
    pub fn random(kind: KeyType) -> Result<KeyPair> {
        let mut seed = [0u8; SEED_LEN];
        SystemRandom::new().fill(&mut seed).map_err(|_| {
            AuthError::new(
                AuthErrorKind::Random,
                "unable to generate a random nkey seed",
            )
        })?;
        let pair = KeyPair::from_raw_seed(kind, seed);
        wipe(&mut seed);
        Ok(pair)
    }

    pub fn key_type(&self) -> KeyType {
        self.kind
    }

    /// The encoded public key, e.g. `UDXU...` for a user.
    pub fn public_key(&self) -> String {
        let mut raw = Vec::with_capacity(PUBLIC_RAW_LEN + 2);
        raw.push(self.kind.prefix());
        raw.extend_from_slice(self.pair.public_key().as_ref());
        push_crc(&mut raw);
        base32_encode(&raw)
    }

    /// The encoded seed, e.g. `SU...`. It is the secret: callers keeping it
    /// should wipe it when done.
    pub fn seed(&self) -> String {
        let prefix = self.kind.prefix();
        let mut raw = Vec::with_capacity(SEED_RAW_LEN + 2);
        raw.push(PREFIX_SEED | prefix >> 5);
        raw.push((prefix & 0x1f) << 3);
        raw.extend_from_slice(&self.seed);
        push_crc(&mut raw);
        let encoded = base32_encode(&raw);
        wipe_vec(&mut raw);
        encoded
    }

    /// Signs `msg` (for NATS: the server's nonce, or a JWT's header and
    /// claims).
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        let mut out = [0u8; 64];
        // An ed25519 signature is always 64 bytes.
        out.copy_from_slice(self.pair.sign(msg).as_ref());
        out
    }
}

impl Drop for KeyPair {
    fn drop(&mut self) {
        wipe(&mut self.seed);
    }
}

impl std::fmt::Debug for KeyPair {
    // Never print the seed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("kind", &self.kind)
            .field("public_key", &self.public_key())
            .finish()
    }
}

/// Signs `msg` with an encoded seed, as nats.c's `nats_Sign` does. The
/// decoded seed does not outlive the call.
pub fn sign_with_seed(encoded_seed: &str, msg: &[u8]) -> Result<[u8; 64]> {
    Ok(KeyPair::from_seed(encoded_seed)?.sign(msg))
}

/// Checks that `sig` is the signature of `msg` by the key `public_key`
/// (encoded, e.g. `U...`). A malformed key is an error; a signature that
/// does not match is `Ok(false)`.
pub fn verify(public_key: &str, msg: &[u8], sig: &[u8]) -> Result<bool> {
    let (_, raw) = decode_public_key(public_key)?;
    let key = signature::UnparsedPublicKey::new(&signature::ED25519, raw);
    Ok(key.verify(msg, sig).is_ok())
}

/// Decodes an encoded public key into its type and raw ed25519 key,
/// checking the checksum and the prefix.
pub fn decode_public_key(encoded: &str) -> Result<(KeyType, [u8; 32])> {
    let mut raw = Vec::new();
    base32_decode_into(encoded.trim().as_bytes(), &mut raw)?;
    let payload = check_crc(&raw)?;
    let kind = KeyType::from_prefix(payload[0]).ok_or_else(|| err(INVALID_PREFIX))?;
    if payload.len() != PUBLIC_RAW_LEN {
        return Err(err(INVALID_ENCODED_KEY));
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(&payload[1..]);
    Ok((kind, key))
}

/// Overwrites `buf` with zeros. Volatile writes keep the compiler from
/// dropping the stores as dead, which it may do for memory about to be
/// freed.
pub fn wipe(buf: &mut [u8]) {
    for b in buf.iter_mut() {
        // SAFETY: `b` is a unique reference, hence a valid, aligned pointer
        // to an initialised u8 for the duration of the write.
        unsafe { std::ptr::write_volatile(b, 0) };
    }
    compiler_fence(Ordering::SeqCst);
}

/// Wipes a vector's whole allocation, including spare capacity where
/// earlier contents may remain.
pub(crate) fn wipe_vec(v: &mut Vec<u8>) {
    v.resize(v.capacity(), 0); // within capacity: no reallocation
    wipe(v);
    v.clear();
}

/// Checks the seed prefixes and length of a decoded seed (with checksum),
/// in nats.c's order so the same bad input gives the same error text.
fn parse_seed(raw: &[u8]) -> Result<(KeyType, [u8; SEED_LEN])> {
    let payload = check_crc(raw)?;
    // Undo the packing of `seed()`: top 5 bits, then the next 5 bits.
    let b1 = payload[0] & 0xf8;
    let b2 = (payload[0] & 0x07) << 5 | (payload[1] & 0xf8) >> 3;
    if b1 != PREFIX_SEED {
        return Err(err(INVALID_SEED));
    }
    let kind = KeyType::from_prefix(b2).ok_or_else(|| err(INVALID_PREFIX))?;
    if payload.len() != SEED_RAW_LEN {
        return Err(err(INVALID_ENCODED_KEY));
    }
    let mut seed = [0u8; SEED_LEN];
    seed.copy_from_slice(&payload[2..]);
    Ok((kind, seed))
}

/// Verifies the trailing little-endian CRC16 and returns what precedes it
/// (at least 2 bytes).
fn check_crc(raw: &[u8]) -> Result<&[u8]> {
    if raw.len() < 4 {
        return Err(err(INVALID_ENCODED_KEY));
    }
    let (payload, crc) = raw.split_at(raw.len() - 2);
    if crc16(payload) != u16::from_le_bytes([crc[0], crc[1]]) {
        return Err(err(INVALID_CHECKSUM));
    }
    Ok(payload)
}

fn push_crc(raw: &mut Vec<u8>) {
    let crc = crc16(raw);
    raw.extend_from_slice(&crc.to_le_bytes());
}

/// CRC16/XMODEM (CCITT polynomial 0x1021, initial value 0, no reflection).
fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &byte in data {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

const BASE32_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32, standard alphabet, no padding.
fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity((bytes.len() * 8).div_ceil(5));
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32_ALPHABET[((acc >> bits) & 0x1f) as usize]));
        }
        acc &= (1 << bits) - 1; // keep only the bits not yet written
    }
    if bits > 0 {
        out.push(char::from(
            BASE32_ALPHABET[((acc << (5 - bits)) & 0x1f) as usize],
        ));
    }
    out
}

/// Decodes unpadded base32 into `out` (appending). Like nats.c and Go, the
/// unused low bits of the last character are ignored.
fn base32_decode_into(s: &[u8], out: &mut Vec<u8>) -> Result<()> {
    // 1, 3 and 6 trailing characters cannot end a valid encoding.
    if matches!(s.len() % 8, 1 | 3 | 6) {
        return Err(err(INVALID_ENCODED_KEY));
    }
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for (i, &c) in s.iter().enumerate() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => {
                // nats.c counts positions from 1.
                return Err(err(format!("base32: invalid data at location {}", i + 1)));
            }
        };
        acc = (acc << 5) | u32::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8); // the 8 bits just completed
            acc &= (1 << bits) - 1;
        }
    }
    Ok(())
}

fn err(text: impl Into<String>) -> AuthError {
    AuthError::new(AuthErrorKind::InvalidKey, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The user seed of nats.c's and nats.go's tests, and its public key
    /// (as other nkeys implementations derive it).
    const SEED: &str = "SUAMK2FG4MI6UE3ACF3FK3OIQBCEIEZV7NSWFFEW63UXMRLFM2XLAXK4GY";
    const PUBLIC: &str = "UAT6BWCSCWLUKJT6K6MBJJOEOTXZ5AJDOYKNEVRFC7VNO6OA43N4TRNO";

    /// The `nk -gen user -pubout` example of the NATS documentation.
    const DOC_SEED: &str = "SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6BFDTJ7M6USDXIEDNPPQYYYCU3VY";
    const DOC_PUBLIC: &str = "UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4";

    /// nats.c's test_natsKeys: the signature of "nonce" by `SEED`.
    const NONCE_SIG: [u8; 64] = [
        155, 157, 8, 183, 93, 154, 78, 7, 219, 39, 11, 16, 134, 231, 46, 142, 168, 87, 110, 202,
        187, 180, 179, 62, 49, 255, 225, 74, 48, 80, 176, 111, 248, 162, 121, 188, 203, 101, 100,
        195, 162, 70, 213, 182, 220, 14, 71, 113, 93, 239, 141, 131, 66, 190, 237, 127, 104, 191,
        138, 217, 227, 1, 92, 14,
    ];

    fn error_text(r: Result<KeyPair>) -> String {
        match r {
            Ok(kp) => panic!("expected an error, got {kp:?}"),
            Err(e) => {
                assert_eq!(e.kind, AuthErrorKind::InvalidKey);
                e.text
            }
        }
    }

    #[test]
    fn known_seed_gives_known_public_key_and_signature() {
        let kp = KeyPair::from_seed(SEED).unwrap();
        assert_eq!(kp.key_type(), KeyType::User);
        assert_eq!(kp.public_key(), PUBLIC);
        assert_eq!(kp.seed(), SEED);
        assert_eq!(kp.sign(b"nonce"), NONCE_SIG);
        assert_eq!(sign_with_seed(SEED, b"nonce").unwrap(), NONCE_SIG);
        assert!(verify(PUBLIC, b"nonce", &NONCE_SIG).unwrap());
        assert!(!verify(PUBLIC, b"nonce2", &NONCE_SIG).unwrap());
        assert!(!verify(PUBLIC, b"nonce", &NONCE_SIG[..63]).unwrap());
        // The same signature, as base64url in a CONNECT.
        assert_eq!(
            crate::auth::base64url::encode(&NONCE_SIG),
            "m50It12aTgfbJwsQhucujqhXbsq7tLM-Mf_hSjBQsG_4onm8y2Vkw6JG1bbcDkdxXe-Ng0K-7X9ov4rZ4wFcDg"
        );
    }

    #[test]
    fn documented_seed_gives_documented_public_key() {
        let kp = KeyPair::from_seed(DOC_SEED).unwrap();
        assert_eq!(kp.public_key(), DOC_PUBLIC);
        assert_eq!(kp.seed(), DOC_SEED);
        assert!(!verify(DOC_PUBLIC, b"nonce", &NONCE_SIG).unwrap());
    }

    #[test]
    fn whitespace_around_seed_is_ignored() {
        let kp = KeyPair::from_seed(&format!(" \t{SEED}\r\n")).unwrap();
        assert_eq!(kp.public_key(), PUBLIC);
    }

    #[test]
    fn round_trip_every_type() {
        for (kind, letter) in [
            (KeyType::Operator, 'O'),
            (KeyType::Account, 'A'),
            (KeyType::User, 'U'),
            (KeyType::Server, 'N'),
            (KeyType::Cluster, 'C'),
        ] {
            let kp = KeyPair::random(kind).unwrap();
            let public = kp.public_key();
            let seed = kp.seed();
            assert_eq!(public.len(), 56);
            assert_eq!(seed.len(), 58);
            assert!(public.starts_with(letter), "{public}");
            assert!(seed.starts_with(&format!("S{letter}")), "{seed}");

            let again = KeyPair::from_seed(&seed).unwrap();
            assert_eq!(again.key_type(), kind);
            assert_eq!(again.public_key(), public);
            assert_eq!(decode_public_key(&public).unwrap().0, kind);

            let sig = kp.sign(b"hello");
            assert!(verify(&public, b"hello", &sig).unwrap());
        }
    }

    #[test]
    fn raw_seed_is_deterministic() {
        let a = KeyPair::from_raw_seed(KeyType::Account, [7; 32]);
        let b = KeyPair::from_raw_seed(KeyType::Account, [7; 32]);
        assert_eq!(a.public_key(), b.public_key());
        assert_eq!(a.seed(), b.seed());
        assert!(a.seed().starts_with("SA"));
    }

    #[test]
    fn nats_c_error_vectors() {
        assert_eq!(error_text(KeyPair::from_seed("ABC")), INVALID_ENCODED_KEY);
        // "XYTHISISNOTAVALIDSEED" with a correct checksum.
        assert_eq!(
            error_text(KeyPair::from_seed("LBMVISCJKNEVGTSPKRAVMQKMJFCFGRKFIQ52C")),
            INVALID_SEED
        );
        assert_eq!(
            error_text(KeyPair::from_seed(
                "SBAUEQ2EIVDEOSCJJJFUYTKOJ5IFCUSTKRKVMV2YLFNECQSDIRCUMR2IJFFEWTCNJZHVAUKSKNKFKVSXLBMVUQKCINCEKRSHJBEUUS2MJVHE6UCRKJJVIVKWK5MFSWV2QA"
            )),
            INVALID_PREFIX
        );
        assert_eq!(
            error_text(KeyPair::from_seed(
                "SUAMK2FG4MI6UE3ACF3FK3OIQBCEIEZV7NSWFFEW63UXMRLFM2XLAXK4AA"
            )),
            INVALID_CHECKSUM
        );
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        // A public key is not a seed.
        assert_eq!(error_text(KeyPair::from_seed(PUBLIC)), INVALID_SEED);
        // Truncated at every length.
        for n in 0..SEED.len() {
            let r = KeyPair::from_seed(&SEED[..n]);
            assert!(r.is_err(), "accepted {:?}", &SEED[..n]);
        }
        // A character outside the alphabet, lower case, and non-ASCII.
        assert!(error_text(KeyPair::from_seed(&SEED.replace('G', "1")))
            .starts_with("base32: invalid data at location"));
        assert!(KeyPair::from_seed(&SEED.to_lowercase()).is_err());
        assert!(KeyPair::from_seed("SUé").is_err());
        assert!(KeyPair::from_seed("").is_err());
        // A flipped character breaks the checksum.
        let mut flipped = SEED.as_bytes().to_vec();
        flipped[10] = if flipped[10] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).unwrap();
        assert_eq!(error_text(KeyPair::from_seed(&flipped)), INVALID_CHECKSUM);
        // A valid checksum over a seed that is one byte too long.
        let mut raw = vec![PREFIX_SEED | KeyType::User.prefix() >> 5];
        raw.push((KeyType::User.prefix() & 0x1f) << 3);
        raw.extend_from_slice(&[1; 33]);
        push_crc(&mut raw);
        assert_eq!(
            error_text(KeyPair::from_seed(&base32_encode(&raw))),
            INVALID_ENCODED_KEY
        );
    }

    #[test]
    fn bad_public_keys() {
        assert!(verify(SEED, b"x", &NONCE_SIG).is_err());
        assert!(verify(&PUBLIC[..40], b"x", &NONCE_SIG).is_err());
        assert!(verify("", b"x", &NONCE_SIG).is_err());
        let wrong_crc = format!("{}A", &PUBLIC[..55]);
        assert!(decode_public_key(&wrong_crc).is_err());
        // 'P' (private key prefix) is not a public type.
        let mut raw = vec![15 << 3];
        raw.extend_from_slice(&[0; 32]);
        push_crc(&mut raw);
        assert_eq!(
            decode_public_key(&base32_encode(&raw)).unwrap_err().text,
            INVALID_PREFIX
        );
    }

    #[test]
    fn crc16_matches_nats_c() {
        let a = [
            153u8, 209, 36, 74, 103, 32, 65, 34, 111, 68, 104, 156, 50, 14, 164, 140, 144, 230,
        ];
        assert_eq!(crc16(&a), 10272);
        // The XMODEM check value.
        assert_eq!(crc16(b"123456789"), 0x31c3);
    }

    #[test]
    fn base32_rfc4648_vectors() {
        for (plain, enc) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32_encode(plain.as_bytes()), enc);
            let mut out = Vec::new();
            base32_decode_into(enc.as_bytes(), &mut out).unwrap();
            assert_eq!(out, plain.as_bytes());
        }
    }

    #[test]
    fn wipe_zeroes_whole_allocation() {
        let mut v = Vec::with_capacity(16);
        v.extend_from_slice(b"secret");
        wipe_vec(&mut v);
        assert!(v.is_empty());
        v.resize(v.capacity(), 1);
        wipe(&mut v);
        assert!(v.iter().all(|&b| b == 0));
    }
}
