//! Decentralized authentication for tests: mints NATS JWTs (v2) for an
//! operator, its accounts and their users, writes `.creds` files the way
//! `nsc` does, and the server configuration that trusts the operator.
//!
//! ```ignore
//! let op = Operator::new("OP");
//! let acc = op.account("ACC");
//! let user = acc.user("alice");
//! let conf = server_config(&op, &[&acc]);   // for nats-server -c
//! let creds = user.creds();                  // .creds file text
//! ```
//!
//! A JWT is `base64url(header) "." base64url(claims) "." base64url(sig)`,
//! unpadded, signed with ed25519 by the issuer's nkey over the first two
//! parts. The claim layout follows github.com/nats-io/jwt v2.
use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use nats_rs::auth::base64url;
use nats_rs::auth::nkeys::{KeyPair, KeyType};
use serde::Serialize;
use serde_json::{json, Value};

/// The JOSE header of every NATS v2 JWT.
const HEADER: &str = r#"{"typ":"JWT","alg":"ed25519-nkey"}"#;

/// The trust root: a self-signed operator JWT.
pub struct Operator {
    pub key: KeyPair,
    pub jwt: String,
}

/// An account, signed by its operator.
pub struct Account {
    pub key: KeyPair,
    pub jwt: String,
    name: String,
    /// The operator's key, to sign new versions of this account's JWT.
    operator: KeyPair,
    /// Revoked user public keys, with the time of revocation: the server
    /// refuses JWTs of that user issued at or before it.
    revocations: BTreeMap<String, u64>,
}

/// A user, signed by its account.
pub struct User {
    pub key: KeyPair,
    pub jwt: String,
}

impl Operator {
    pub fn new(name: &str) -> Operator {
        let key = new_key(KeyType::Operator);
        let jwt = encode(
            &key,
            &key.public_key(),
            name,
            None,
            json!({"type": "operator", "version": 2}),
        );
        Operator { key, jwt }
    }

    /// A new account with unlimited limits, signed by this operator.
    pub fn account(&self, name: &str) -> Account {
        let mut account = Account {
            key: new_key(KeyType::Account),
            jwt: String::new(),
            name: name.to_owned(),
            operator: copy_key(&self.key),
            revocations: BTreeMap::new(),
        };
        account.jwt = account.mint();
        account
    }
}

impl Account {
    pub fn public_key(&self) -> String {
        self.key.public_key()
    }

    /// A user of this account that never expires.
    pub fn user(&self, name: &str) -> User {
        self.user_with(name, None)
    }

    /// A user whose JWT expires at `exp` (unix seconds) when given.
    pub fn user_with(&self, name: &str, exp: Option<u64>) -> User {
        let key = new_key(KeyType::User);
        // Unlimited, with empty (allow-all) permissions, as `nsc add user`.
        let nats = json!({
            "pub": {},
            "sub": {},
            "subs": -1,
            "data": -1,
            "payload": -1,
            "type": "user",
            "version": 2,
        });
        let jwt = encode(&self.key, &key.public_key(), name, exp, nats);
        User { key, jwt }
    }

    /// A new version of this account's JWT (same key) that revokes `user`.
    /// Configure the server with it to have `user` refused.
    pub fn with_revoked_user(&self, user: &User) -> Account {
        let mut revocations = self.revocations.clone();
        revocations.insert(user.key.public_key(), unix_now());
        let mut account = Account {
            key: copy_key(&self.key),
            jwt: String::new(),
            name: self.name.clone(),
            operator: copy_key(&self.operator),
            revocations,
        };
        account.jwt = account.mint();
        account
    }

    fn mint(&self) -> String {
        // Explicit unlimited limits: a zero limit would mean "none allowed".
        // JetStream limits are left out, so JetStream is off for the account.
        let mut nats = json!({
            "limits": {
                "subs": -1,
                "data": -1,
                "payload": -1,
                "imports": -1,
                "exports": -1,
                "wildcards": true,
                "conn": -1,
                "leaf": -1,
            },
            "default_permissions": {"pub": {}, "sub": {}},
            "authorization": {},
            "type": "account",
            "version": 2,
        });
        if !self.revocations.is_empty() {
            nats["revocations"] = json!(self.revocations);
        }
        encode(&self.operator, &self.public_key(), &self.name, None, nats)
    }
}

impl User {
    /// The `.creds` file text, exactly as `nsc generate creds` writes it.
    pub fn creds(&self) -> String {
        format!(
            "-----BEGIN NATS USER JWT-----\n{}\n------END NATS USER JWT------\n\n\
             ************************* IMPORTANT *************************\n\
             NKEY Seed printed below can be used to sign and prove identity.\n\
             NKEYs are sensitive and should be treated as secrets.\n\n\
             -----BEGIN USER NKEY SEED-----\n{}\n------END USER NKEY SEED------\n\n\
             *************************************************************\n",
            self.jwt,
            self.key.seed()
        )
    }
}

/// nats-server configuration for operator mode with the accounts preloaded
/// in the memory resolver. Append `listen`, `port` or other settings as
/// needed.
///
/// No system account is set: nats-server 2.15 accepts that and only logs
/// "Trusted Operators should utilize a System Account". To have one, preload
/// another account and append `system_account: <its public key>`.
pub fn server_config(op: &Operator, accounts: &[&Account]) -> String {
    let mut conf = format!(
        "operator: \"{}\"\nresolver: MEMORY\nresolver_preload: {{\n",
        op.jwt
    );
    for account in accounts {
        conf.push_str(&format!(
            "  {}: \"{}\"\n",
            account.public_key(),
            account.jwt
        ));
    }
    conf.push_str("}\n");
    conf
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("system clock after 1970")
        .as_secs()
}

/// The standard claims, in the field order of Go's `jwt.ClaimsData` so that
/// the `jti` hash is computed over the same bytes nats-io/jwt would hash.
#[derive(Serialize)]
struct ClaimsData<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    exp: Option<u64>,
    #[serde(skip_serializing_if = "String::is_empty")]
    jti: String,
    iat: u64,
    iss: &'a str,
    name: &'a str,
    sub: &'a str,
}

/// Signs claims about `subject` with `issuer` and returns the JWT.
fn encode(issuer: &KeyPair, subject: &str, name: &str, exp: Option<u64>, nats: Value) -> String {
    let issuer_public = issuer.public_key();
    let mut data = ClaimsData {
        exp,
        jti: String::new(),
        iat: unix_now(),
        iss: &issuer_public,
        name,
        sub: subject,
    };
    // As nats-io/jwt: jti is base32 (no padding) of SHA-512/256 over the
    // JSON of the standard claims with jti empty.
    let unsigned = serde_json::to_vec(&data).expect("claims serialize");
    let digest = ring::digest::digest(&ring::digest::SHA512_256, &unsigned);
    data.jti = base32_nopad(digest.as_ref());

    let mut claims = serde_json::to_value(&data).expect("claims serialize");
    claims["nats"] = nats;
    let header = base64url::encode(HEADER.as_bytes());
    let body = base64url::encode(claims.to_string().as_bytes());
    let signing_input = format!("{header}.{body}");
    let sig = issuer.sign(signing_input.as_bytes());
    format!("{signing_input}.{}", base64url::encode(&sig))
}

fn new_key(kind: KeyType) -> KeyPair {
    KeyPair::random(kind).expect("system random generator")
}

fn copy_key(key: &KeyPair) -> KeyPair {
    KeyPair::from_seed(&key.seed()).expect("own seed parses")
}

/// RFC 4648 base32, standard alphabet, no padding (jti only).
fn base32_nopad(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((acc >> bits) & 31) as usize]));
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((acc << (5 - bits)) & 31) as usize]));
    }
    out
}
