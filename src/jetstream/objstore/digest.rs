//! An object's digest as ADR-20 writes it: `SHA-256=` and the base64url
//! (padded) of the SHA-256 of its bytes. The hash is ring's, which the
//! crate already depends on for TLS and nkeys.
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, Engine};
use ring::digest::{Context, SHA256};

/// The prefix of the digest value.
pub const DIGEST_PREFIX: &str = "SHA-256=";

/// A running SHA-256 of an object's bytes.
pub struct Digest(Context);

impl Default for Digest {
    fn default() -> Digest {
        Digest(Context::new(&SHA256))
    }
}

impl Digest {
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    /// The raw hash of everything so far (the running hash is not consumed).
    pub fn sum(&self) -> Vec<u8> {
        self.0.clone().finish().as_ref().to_vec()
    }

    /// The value of the info's `digest` field.
    pub fn value(&self) -> String {
        let b64 = base64::engine::general_purpose::URL_SAFE.encode(self.sum());
        format!("{DIGEST_PREFIX}{b64}")
    }

    /// Whether a stored `digest` names these bytes. Other clients agree on
    /// base64url but not all pad it, so the decoded hash is compared.
    pub fn matches(&self, digest: &str) -> bool {
        decode(digest).is_some_and(|want| want == self.sum())
    }
}

/// The hash a digest value names, if it is a SHA-256 one.
fn decode(digest: &str) -> Option<Vec<u8>> {
    let b64 = digest.strip_prefix(DIGEST_PREFIX)?;
    let cfg = GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    [alphabet::URL_SAFE, alphabet::STANDARD]
        .iter()
        .find_map(|a| GeneralPurpose::new(a, cfg).decode(b64).ok())
        .filter(|h| h.len() == SHA256.output_len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_is_adr_20s() {
        // SHA-256 of the empty string, base64url with padding.
        let d = Digest::default();
        assert_eq!(
            d.value(),
            "SHA-256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        assert!(d.matches(&d.value()));
        assert!(d.matches("SHA-256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"));
        assert!(d.matches("SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="));
        let mut other = Digest::default();
        other.update(b"x");
        assert!(!other.matches(&d.value()));
        assert!(!d.matches(""));
        assert!(!d.matches("SHA-512=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU="));
        assert!(!d.matches("SHA-256=AAAA"));
    }
}
