//! Base64 with the URL-safe alphabet (RFC 4648 §5). NATS writes it without
//! padding for JWT parts and for the signature of the server's nonce in
//! `CONNECT`; decoding accepts both forms since other tools pad.
use super::error::{AuthError, AuthErrorKind, Result};

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Encodes `bytes` with the URL-safe alphabet and no `=` padding.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity((bytes.len() * 4).div_ceil(3));
    let sextet = |v: u32, shift: u32| char::from(ALPHABET[((v >> shift) & 0x3f) as usize]);
    let mut chunks = bytes.chunks_exact(3);
    for c in &mut chunks {
        let v = u32::from(c[0]) << 16 | u32::from(c[1]) << 8 | u32::from(c[2]);
        for shift in [18, 12, 6, 0] {
            out.push(sextet(v, shift));
        }
    }
    match *chunks.remainder() {
        [a] => {
            let v = u32::from(a) << 16;
            out.push(sextet(v, 18));
            out.push(sextet(v, 12));
        }
        [a, b] => {
            let v = u32::from(a) << 16 | u32::from(b) << 8;
            out.push(sextet(v, 18));
            out.push(sextet(v, 12));
            out.push(sextet(v, 6));
        }
        _ => {}
    }
    out
}

/// Decodes URL-safe base64, with or without trailing `=` padding.
///
/// Rejects characters outside the URL-safe alphabet, impossible lengths,
/// wrong padding and non-zero unused bits in the last character (so each
/// byte string has exactly one accepted spelling).
pub fn decode(s: &str) -> Result<Vec<u8>> {
    let data = strip_padding(s)?;
    if data.len() % 4 == 1 {
        return Err(invalid(format!("invalid base64 length: {}", s.len())));
    }
    let mut out = Vec::with_capacity(data.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for (i, &c) in data.iter().enumerate() {
        let v = value_of(c).ok_or_else(|| {
            invalid(format!(
                "invalid base64 character {:?} at position {}",
                char::from(c),
                i
            ))
        })?;
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            // Truncation keeps the 8 bits just completed.
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if acc != 0 {
        return Err(invalid("invalid base64: non-zero trailing bits"));
    }
    Ok(out)
}

/// Returns the data characters of `s`: padding, when present, must make the
/// length a multiple of 4 and sit only at the end.
fn strip_padding(s: &str) -> Result<&[u8]> {
    let bytes = s.as_bytes();
    let data_len = bytes.iter().rposition(|&b| b != b'=').map_or(0, |p| p + 1);
    let pads = bytes.len() - data_len;
    if pads == 0 {
        return Ok(bytes);
    }
    let expected = match data_len % 4 {
        2 => 2,
        3 => 1,
        _ => 0,
    };
    if pads != expected {
        return Err(invalid("invalid base64 padding"));
    }
    Ok(&bytes[..data_len])
}

fn value_of(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'-' => Some(62),
        b'_' => Some(63),
        _ => None,
    }
}

fn invalid(text: impl Into<String>) -> AuthError {
    AuthError::new(AuthErrorKind::InvalidEncoding, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4648 §10 test vectors (unpadded, padded).
    const RFC4648: [(&str, &str, &str); 7] = [
        ("", "", ""),
        ("f", "Zg", "Zg=="),
        ("fo", "Zm8", "Zm8="),
        ("foo", "Zm9v", "Zm9v"),
        ("foob", "Zm9vYg", "Zm9vYg=="),
        ("fooba", "Zm9vYmE", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy", "Zm9vYmFy"),
    ];

    #[test]
    fn rfc4648_vectors() {
        for (plain, raw, padded) in RFC4648 {
            assert_eq!(encode(plain.as_bytes()), raw);
            assert_eq!(decode(raw).unwrap(), plain.as_bytes(), "{raw}");
            assert_eq!(decode(padded).unwrap(), plain.as_bytes(), "{padded}");
        }
    }

    #[test]
    fn url_safe_alphabet() {
        // 0xfb 0xff encodes to "+/8" in the standard alphabet.
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(decode("-_8").unwrap(), [0xfb, 0xff]);
        assert!(decode("+/8").is_err());
    }

    #[test]
    fn nats_c_vectors() {
        let bytes = [0u8, 2, 0, 3, 4, 5, 0, 6, 7, 8, 0, 9, 0];
        assert_eq!(encode(&bytes), "AAIAAwQFAAYHCAAJAA");
        assert_eq!(decode("AAIAAwQFAAYHCAAJAA==").unwrap(), bytes);
        assert_eq!(
            encode(b"this is testing base64 encoding"),
            "dGhpcyBpcyB0ZXN0aW5nIGJhc2U2NCBlbmNvZGluZw"
        );
    }

    #[test]
    fn round_trip_all_lengths() {
        let data: Vec<u8> = (0..=255u8).collect();
        for n in 0..data.len() {
            assert_eq!(decode(&encode(&data[..n])).unwrap(), &data[..n]);
        }
    }

    #[test]
    fn rejects_malformed_input() {
        for bad in [
            "Z",      // a lone character cannot hold a byte
            "Zg=",    // wrong amount of padding
            "Zg===",  // too much padding
            "Z=g=",   // padding in the middle
            "Zm9v=",  // padding after a complete group
            "Zh",     // non-zero unused bits ("Zg" is the canonical form)
            "Zm 9v",  // whitespace
            "Zm9v\n", // newline
            "é",      // non-ASCII
            "=",
        ] {
            let err = decode(bad).unwrap_err();
            assert_eq!(err.kind, AuthErrorKind::InvalidEncoding, "{bad:?}");
        }
    }
}
