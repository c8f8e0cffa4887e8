//! What bucket names and keys may be (nats.c's rules, which are ADR-8's):
//! a bucket is letters, digits, `_` and `-`; a key is letters, digits and
//! `_ - / \ =` in dot-separated tokens, none of them empty.

/// nats.c's error texts for these checks.
pub const ERR_INVALID_BUCKET_NAME: &str = "invalid bucket name";
pub const ERR_BAD_BUCKET: &str = "bucket not valid key-value store";
pub const ERR_INVALID_KEY: &str = "invalid key";
pub const ERR_INVALID_REVISION: &str = "invalid revision";
pub const ERR_HISTORY_TOO_LARGE: &str = "history limited to a max of";

/// Whether `bucket` can name a bucket.
pub fn valid_bucket_name(bucket: &str) -> bool {
    !bucket.is_empty()
        && bucket
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
}

/// Whether `key` can be stored: no wildcard, no empty token (so no
/// leading, trailing or doubled dot).
pub fn valid_key(key: &str) -> bool {
    let ok_char = |c: u8| c.is_ascii_alphanumeric() || b"_-/\\=".contains(&c);
    !key.is_empty()
        && key
            .split('.')
            .all(|token| !token.is_empty() && token.bytes().all(ok_char))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names() {
        for good in ["a", "KV-1_b", "Z9"] {
            assert!(valid_bucket_name(good), "{good}");
        }
        for bad in ["", "a.b", "a b", "a*", ">", "é", "a/b"] {
            assert!(!valid_bucket_name(bad), "{bad}");
        }
    }

    #[test]
    fn keys() {
        for good in ["a", "a.b", "A-b_c/d\\e=f", "1.2.3", "_"] {
            assert!(valid_key(good), "{good}");
        }
        for bad in [
            "", ".", "a..b", ".a", "a.", "*", "a.*", ">", "a b", "é", "a\0b",
        ] {
            assert!(!valid_key(bad), "{bad:?}");
        }
    }
}
