//! Credentials for NATS authentication: nkeys (ed25519 seeds in NATS'
//! base32 form), `.creds` files holding a user JWT and its seed, and the
//! raw base64url encoding used for JWTs and nonce signatures.

pub mod base64url;
pub mod creds;
pub mod error;
pub mod nkeys;

pub use error::{AuthError, AuthErrorKind};
