//! Decorated credentials text (`.creds` files, `natsOptions_SetUserCredentialsFromMemory`).
//!
//! Checked: no panic in finding the JWT and seed blocks, in decoding the
//! seed, or in signing with it; what `decorated_item` finds is what the
//! JWT/seed helpers return.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nats_rs::auth::creds::{self, UserCreds};
use nats_rs::auth::nkeys::KeyPair;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for i in 0..3 {
        let _ = creds::decorated_item(text, i);
    }
    match creds::jwt_from_content(text) {
        Ok(jwt) => assert_eq!(creds::decorated_item(text, 0), Some(jwt.as_str())),
        Err(_) => assert!(creds::decorated_item(text, 0).is_none_or(str::is_empty)),
    }
    if let Ok(seed) = creds::seed_from_content(text) {
        assert_eq!(creds::decorated_item(text, 1), Some(seed.as_str()));
        let _ = KeyPair::from_seed(seed.as_str());
    }
    let uc = UserCreds::from_memory(text);
    let _ = uc.has_jwt();
    let _ = uc.user_jwt();
    let _ = uc.sign(b"nonce");
});
