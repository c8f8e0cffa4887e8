//! User credentials: a user JWT and the nkey seed that signs the server's
//! nonce, read from `.creds` files (as written by `nsc`), from memory, or a
//! bare seed file for nkey authentication.
//!
//! A decorated `.creds` file holds blocks like
//!
//! ```text
//! -----BEGIN NATS USER JWT-----
//! eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ...
//! ------END NATS USER JWT------
//! ```
//!
//! followed by a `USER NKEY SEED` block. Block 0 is the JWT, block 1 the
//! seed. Parsing follows nats.c (`nats_GetJWTOrSeed`, `_getJwtOrSeed`) so
//! files that work there work here.
use std::fmt;
use std::path::{Path, PathBuf};

use super::error::{AuthError, AuthErrorKind, Result};
use super::nkeys::{self, wipe_vec};

/// A string holding secret material (a seed, or a file that contains one).
/// Its whole buffer is overwritten with zeros when dropped. No `PartialEq`:
/// comparing secrets byte by byte would leak timing.
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Secret {
        Secret(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Secret {
        Secret(s.to_owned())
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // `into_bytes` hands over the same allocation, so this wipes the
        // string's own buffer.
        let mut bytes = std::mem::take(&mut self.0).into_bytes();
        wipe_vec(&mut bytes);
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// Index of the user JWT block in a decorated file.
const JWT_ITEM: usize = 0;
/// Index of the seed block in a chained (JWT + seed) file.
const CHAINED_SEED_ITEM: usize = 1;

/// The user JWT of decorated credentials text (block 0). `NotFound` when
/// the text has no such block.
pub fn jwt_from_content(content: &str) -> Result<String> {
    match decorated_item(content, JWT_ITEM) {
        Some(jwt) if !jwt.is_empty() => Ok(jwt.to_owned()),
        _ => Err(AuthError::new(AuthErrorKind::NotFound, "no user JWT found")),
    }
}

/// The nkey seed of decorated credentials text (block 1, after the JWT).
/// `NotFound` when the text has no such block.
pub fn seed_from_content(content: &str) -> Result<Secret> {
    match decorated_item(content, CHAINED_SEED_ITEM) {
        Some(seed) if !seed.is_empty() => Ok(Secret::from(seed)),
        _ => Err(AuthError::new(
            AuthErrorKind::NotFound,
            "no nkey user seed found",
        )),
    }
}

/// The value of block `index` of decorated text: the single non-empty line
/// between two header lines. Blank lines are skipped; `\r`, `\n` or both end
/// a line.
///
/// Scanning is nats.c's: after a header, the next line is the candidate
/// value and the one after it must be a header too; otherwise both are
/// passed over.
pub fn decorated_item(content: &str, index: usize) -> Option<&str> {
    let mut lines = content.split(['\r', '\n']).filter(|l| !l.is_empty());
    let mut current = 0;
    while let Some(line) = lines.next() {
        if !is_header(line) {
            continue;
        }
        let value = lines.next()?;
        if lines.next().is_some_and(is_header) {
            if current == index {
                return Some(value.trim());
            }
            current += 1;
        }
    }
    None
}

/// A header line ends with `---` and has another `---` before those (nats.c's
/// `_isLineAnHeader`, modelled on the Go client's regular expression).
/// Leading text and spaces are allowed, trailing spaces are not: nats.c's
/// tests require `--- START --- ` not to be a header.
fn is_header(line: &str) -> bool {
    line.strip_suffix("---")
        .is_some_and(|rest| rest.contains("---"))
}

/// Where the credentials come from. Files are read again at each use, so
/// credentials rotated on disk are picked up at the next connect.
#[derive(Clone, Debug)]
pub enum CredsSource {
    /// A chained `.creds` file (JWT and seed), or a JWT file with the seed in
    /// `seed_file` (`natsOptions_SetUserCredentialsFromFiles`).
    Files {
        user_or_chained: PathBuf,
        seed_file: Option<PathBuf>,
    },
    /// Decorated text holding both the JWT and the seed
    /// (`natsOptions_SetUserCredentialsFromMemory`).
    Memory(Secret),
    /// Only a seed, for nkey authentication without a JWT
    /// (`natsOptions_SetNKeyFromSeed`).
    SeedFile(PathBuf),
}

/// User credentials: produces the JWT to send in `CONNECT` and signs the
/// server's nonce.
#[derive(Clone, Debug)]
pub struct UserCreds {
    source: CredsSource,
}

impl UserCreds {
    pub fn new(source: CredsSource) -> UserCreds {
        UserCreds { source }
    }

    pub fn from_files(user_or_chained: impl Into<PathBuf>, seed_file: Option<PathBuf>) -> Self {
        UserCreds::new(CredsSource::Files {
            user_or_chained: user_or_chained.into(),
            seed_file,
        })
    }

    pub fn from_memory(jwt_and_seed: &str) -> UserCreds {
        UserCreds::new(CredsSource::Memory(Secret::from(jwt_and_seed)))
    }

    pub fn from_seed_file(seed_file: impl Into<PathBuf>) -> UserCreds {
        UserCreds::new(CredsSource::SeedFile(seed_file.into()))
    }

    /// Whether these credentials carry a user JWT (all but a bare seed file).
    pub fn has_jwt(&self) -> bool {
        !matches!(self.source, CredsSource::SeedFile(_))
    }

    /// The user JWT, read afresh from the file when there is one.
    ///
    /// A file without decorated blocks is taken to be the JWT itself.
    pub fn user_jwt(&self) -> Result<String> {
        match &self.source {
            CredsSource::Memory(content) => jwt_from_content(content.as_str()),
            CredsSource::Files {
                user_or_chained, ..
            } => {
                let content = read_secret_file(user_or_chained)?;
                let text = content.as_str();
                let jwt = decorated_item(text, JWT_ITEM).unwrap_or_else(|| text.trim());
                if jwt.is_empty() {
                    return Err(AuthError::new(
                        AuthErrorKind::NotFound,
                        format!("no user JWT found in '{}'", user_or_chained.display()),
                    ));
                }
                Ok(jwt.to_owned())
            }
            CredsSource::SeedFile(_) => Err(AuthError::new(
                AuthErrorKind::NoJwt,
                "nkey seed credentials have no user JWT",
            )),
        }
    }

    /// Signs `msg` (the server's nonce) with the user's seed. The seed and
    /// the file text holding it are wiped before returning.
    pub fn sign(&self, msg: &[u8]) -> Result<[u8; 64]> {
        let seed = match &self.source {
            CredsSource::Memory(content) => seed_from_content(content.as_str())?,
            CredsSource::Files {
                seed_file: Some(seed_file),
                ..
            } => seed_from_file(seed_file, 0)?,
            CredsSource::Files {
                user_or_chained,
                seed_file: None,
            } => seed_from_file(user_or_chained, CHAINED_SEED_ITEM)?,
            CredsSource::SeedFile(seed_file) => seed_from_file(seed_file, 0)?,
        };
        nkeys::sign_with_seed(seed.as_str(), msg)
    }
}

/// The seed in block `item` of a file; when the file has no such block, its
/// first line starting with `SU` (after spaces and tabs), as nats.c does for
/// plain seed files.
fn seed_from_file(path: &Path, item: usize) -> Result<Secret> {
    let content = read_secret_file(path)?;
    seed_in_file_text(content.as_str(), item)
        .map(Secret::from)
        .ok_or_else(|| {
            AuthError::new(
                AuthErrorKind::File,
                format!("no nkey user seed found in '{}'", path.display()),
            )
        })
}

fn seed_in_file_text(text: &str, item: usize) -> Option<&str> {
    decorated_item(text, item)
        .filter(|s| !s.is_empty())
        .or_else(|| {
            text.split('\n')
                .map(|line| line.trim_start_matches([' ', '\t']))
                .find(|line| line.starts_with("SU"))
                .map(str::trim_end)
        })
}

/// Reads a whole file into a [`Secret`] so its text is wiped after use.
/// A missing file is a `File` error (nats.c's `NATS_ERR`).
fn read_secret_file(path: &Path) -> Result<Secret> {
    let bytes = std::fs::read(path).map_err(|e| {
        AuthError::new(
            AuthErrorKind::File,
            format!("error opening file '{}': {}", path.display(), e),
        )
    })?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Secret::from(text)),
        Err(e) => {
            let mut bytes = e.into_bytes();
            wipe_vec(&mut bytes);
            Err(AuthError::new(
                AuthErrorKind::File,
                format!("file '{}' is not UTF-8 text", path.display()),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::nkeys::{KeyPair, KeyType};
    use std::sync::atomic::{AtomicUsize, Ordering};

    const JWT: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJzdWIiOiJVIn0.c2ln";

    /// The layout `nsc` writes.
    fn creds_text(jwt: &str, seed: &str) -> String {
        format!(
            "-----BEGIN NATS USER JWT-----\n{jwt}\n------END NATS USER JWT------\n\n\
             ************************* IMPORTANT *************************\n\
             NKEY Seed printed below can be used to sign and prove identity.\n\
             NKEYs are sensitive and should be treated as secrets.\n\n\
             -----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n\n\
             *************************************************************\n"
        )
    }

    /// A file in a fresh temporary directory, removed on drop.
    struct TempFile(PathBuf);

    impl TempFile {
        fn new(content: &str) -> TempFile {
            static N: AtomicUsize = AtomicUsize::new(0);
            let path = std::env::temp_dir().join(format!(
                "nats_rs_creds_{}_{}.creds",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::write(&path, content).unwrap();
            TempFile(path)
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn user() -> KeyPair {
        KeyPair::random(KeyType::User).unwrap()
    }

    fn signs_as(creds: &UserCreds, kp: &KeyPair) {
        let sig = creds.sign(b"nonce").unwrap();
        assert!(nkeys::verify(&kp.public_key(), b"nonce", &sig).unwrap());
    }

    #[test]
    fn nsc_format_from_memory() {
        let kp = user();
        let text = creds_text(JWT, &kp.seed());
        assert_eq!(jwt_from_content(&text).unwrap(), JWT);
        assert_eq!(seed_from_content(&text).unwrap().as_str(), kp.seed());

        let creds = UserCreds::from_memory(&text);
        assert!(creds.has_jwt());
        assert_eq!(creds.user_jwt().unwrap(), JWT);
        signs_as(&creds, &kp);
    }

    #[test]
    fn crlf_and_blank_lines() {
        let kp = user();
        let text = creds_text(JWT, &kp.seed()).replace('\n', "\r\n\r\n");
        assert_eq!(jwt_from_content(&text).unwrap(), JWT);
        signs_as(&UserCreds::from_memory(&text), &kp);
    }

    #[test]
    fn memory_without_seed_is_not_found() {
        let text = format!("-----BEGIN NATS USER JWT-----\n{JWT}\n------END NATS USER JWT------\n");
        assert_eq!(jwt_from_content(&text).unwrap(), JWT);
        assert_eq!(
            seed_from_content(&text).unwrap_err().kind,
            AuthErrorKind::NotFound
        );
        let creds = UserCreds::from_memory(&text);
        assert_eq!(creds.sign(b"x").unwrap_err().kind, AuthErrorKind::NotFound);
        // Memory has no fallback: plain text is not a JWT.
        assert_eq!(
            jwt_from_content(JWT).unwrap_err().kind,
            AuthErrorKind::NotFound
        );
    }

    /// nats.c's test_natsGetJWTOrSeed: each valid text yields "some value"
    /// as the JWT, and as the seed after a preceding JWT block.
    #[test]
    fn nats_c_decorated_vectors() {
        let valids = [
            "--- START JWT ---\nsome value\n--- END JWT ---\n",
            "\r\n\r\n--- START JWT ---\r\nsome value\r\n--- END JWT ---\r\n",
            "--- ---\nsome value\n--- ---\n",
            "------\nsome value\n------\n",
            "---\nabc\n--\n---START---\nsome value\n---END---\n----\ndef\n--- ---\n",
            "nothing first\nthen it starts\n\r\n  --- START ---\r\n\n\n\r\nsome value\n--- END ---\n\n---START---\nof something else\n---END---\n",
            "--- START ---\nsome value\n\n\n--- END ---\n",
        ];
        let invalids = [
            "-- JWT -- START ----\nsome value\n--- END ---\n",
            "--- START --- \nsome value\n--- END ---\n",
            "--- START ---\nsome value\n-- END ---\n",
            "--- START ---\nsome value\n---- END --- \n",
        ];
        let jwt_block = "------\njwt\n------\n";
        for v in valids {
            assert_eq!(decorated_item(v, 0), Some("some value"), "{v:?}");
            assert_eq!(jwt_from_content(v).unwrap(), "some value");
            let chained = format!("{jwt_block}{v}");
            assert_eq!(seed_from_content(&chained).unwrap().as_str(), "some value");
        }
        for v in invalids {
            assert_eq!(decorated_item(v, 0), None, "{v:?}");
            let chained = format!("{jwt_block}{v}");
            assert_eq!(decorated_item(&chained, 1), None, "{v:?}");
        }
    }

    #[test]
    fn headers() {
        assert!(is_header("-----BEGIN NATS USER JWT-----"));
        assert!(is_header("------END NATS USER JWT------"));
        assert!(is_header("  --- x ---"));
        assert!(is_header("------"));
        assert!(!is_header("-----"));
        assert!(!is_header("--- x --- "));
        assert!(!is_header("-- x ---"));
        assert!(!is_header(""));
    }

    #[test]
    fn chained_file() {
        let kp = user();
        let file = TempFile::new(&creds_text(JWT, &kp.seed()));
        let creds = UserCreds::from_files(&file.0, None);
        assert_eq!(creds.user_jwt().unwrap(), JWT);
        signs_as(&creds, &kp);
    }

    #[test]
    fn separate_jwt_and_seed_files() {
        let kp = user();
        // A JWT file without decoration is the JWT itself.
        let jwt_file = TempFile::new(&format!("\n  {JWT}\r\n"));
        // A decorated seed file: the seed is its first block.
        let seed_file = TempFile::new(&format!(
            "-----BEGIN USER NKEY SEED-----\n{}\n------END USER NKEY SEED------\n",
            kp.seed()
        ));
        let creds = UserCreds::from_files(&jwt_file.0, Some(seed_file.0.clone()));
        assert_eq!(creds.user_jwt().unwrap(), JWT);
        signs_as(&creds, &kp);
    }

    #[test]
    fn undecorated_seed_file() {
        let kp = user();
        let file = TempFile::new(&format!(
            "This file does not have the proper header\r\nand also has spaces before the seed:\r\n  \t{}\r\nthis should work\r\n",
            kp.seed()
        ));
        let creds = UserCreds::from_seed_file(&file.0);
        assert!(!creds.has_jwt());
        assert_eq!(creds.user_jwt().unwrap_err().kind, AuthErrorKind::NoJwt);
        signs_as(&creds, &kp);
    }

    #[test]
    fn missing_seed_in_file() {
        let file = TempFile::new(&format!(
            "-----BEGIN NATS USER JWT-----\n{JWT}\n------END NATS USER JWT------\n"
        ));
        let err = UserCreds::from_files(&file.0, None).sign(b"x").unwrap_err();
        assert_eq!(err.kind, AuthErrorKind::File);
        assert_eq!(
            err.text,
            format!("no nkey user seed found in '{}'", file.0.display())
        );
    }

    #[test]
    fn bad_seed_is_an_nkeys_error() {
        let text = creds_text(JWT, "SUNOTAVALIDSEED");
        let err = UserCreds::from_memory(&text).sign(b"x").unwrap_err();
        assert_eq!(err.kind, AuthErrorKind::InvalidKey);
    }

    #[test]
    fn missing_file_is_an_io_error_naming_it() {
        let path = std::env::temp_dir().join("nats_rs_no_such_file.creds");
        let creds = UserCreds::from_files(&path, None);
        for err in [creds.user_jwt().unwrap_err(), creds.sign(b"x").unwrap_err()] {
            assert_eq!(err.kind, AuthErrorKind::File);
            assert!(err.text.starts_with("error opening file '"), "{}", err.text);
            assert!(err.text.contains("nats_rs_no_such_file.creds"));
        }
        let empty = TempFile::new(" \n");
        let err = UserCreds::from_files(&empty.0, None)
            .user_jwt()
            .unwrap_err();
        assert_eq!(err.kind, AuthErrorKind::NotFound);
    }

    #[test]
    fn files_are_read_at_each_use() {
        let first = user();
        let file = TempFile::new(&creds_text("jwt-one", &first.seed()));
        let creds = UserCreds::from_files(&file.0, None);
        assert_eq!(creds.user_jwt().unwrap(), "jwt-one");
        signs_as(&creds, &first);

        let second = user();
        std::fs::write(&file.0, creds_text("jwt-two", &second.seed())).unwrap();
        assert_eq!(creds.user_jwt().unwrap(), "jwt-two");
        signs_as(&creds, &second);
    }

    #[test]
    fn secret_does_not_print() {
        let s = Secret::from("SUSECRET");
        assert_eq!(format!("{s:?}"), "Secret(..)");
        let creds = UserCreds::from_memory("SUSECRET");
        assert!(!format!("{creds:?}").contains("SUSECRET"));
    }
}
