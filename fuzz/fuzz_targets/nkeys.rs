//! Encoded nkeys (seeds and public keys, from users and files) and the
//! base64url that JWTs and nonce signatures use.
//!
//! Checked: no panic; a seed that decodes encodes to a seed that decodes to
//! the same key (the encoding's unused last bits are not checked, so the
//! text may differ) and signs what its public key verifies; base64url
//! decodes what it encodes, and accepts one spelling per byte string.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nats_rs::auth::{base64url, nkeys};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(kp) = nkeys::KeyPair::from_seed(&text) {
        let public = kp.public_key();
        let again = nkeys::KeyPair::from_seed(&kp.seed()).expect("own seed decodes");
        assert_eq!(again.public_key(), public, "a seed does not encode back");
        assert_eq!(again.key_type(), kp.key_type());
        let sig = kp.sign(data);
        assert_eq!(nkeys::verify(&public, data, &sig).ok(), Some(true));
        let (kind, _) = nkeys::decode_public_key(&public).expect("own public key decodes");
        assert_eq!(kind, kp.key_type());
        let again = nkeys::sign_with_seed(&kp.seed(), data).expect("own seed signs");
        assert_eq!(again, sig, "ed25519 signatures are deterministic");
    }
    if nkeys::decode_public_key(&text).is_ok() {
        // A well-formed key with a signature that is just the input bytes.
        let _ = nkeys::verify(&text, b"nonce", data);
    }
    if let Ok(raw) = base64url::decode(&text) {
        let enc = base64url::encode(&raw);
        assert_eq!(
            enc,
            text.trim_end_matches('='),
            "base64url accepted a second spelling"
        );
    }
    let enc = base64url::encode(data);
    assert_eq!(base64url::decode(&enc).ok().as_deref(), Some(data));
});
