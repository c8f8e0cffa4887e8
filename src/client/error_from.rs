//! How the errors of the layers below (tls/, auth/) become client errors,
//! with the `natsStatus` nats.c gives for the same failure. Kept here so
//! that tls/ and auth/ know nothing of the client.
use super::error::{Error, ErrorKind};
use crate::auth::{AuthError, AuthErrorKind};
use crate::tls::{TlsError, TlsErrorKind};

impl From<TlsError> for Error {
    fn from(e: TlsError) -> Self {
        let kind = match e.kind {
            TlsErrorKind::EmptyArgument => ErrorKind::InvalidArg,
            TlsErrorKind::Rejected => ErrorKind::SslError,
        };
        Error::new(kind, e.text)
    }
}

impl From<AuthError> for Error {
    fn from(e: AuthError) -> Self {
        let kind = match e.kind {
            // nats.c reports bad keys, unreadable files and a failing
            // random generator all as NATS_ERR.
            AuthErrorKind::InvalidKey | AuthErrorKind::Random | AuthErrorKind::File => {
                ErrorKind::Err
            }
            AuthErrorKind::InvalidEncoding => ErrorKind::InvalidArg,
            AuthErrorKind::NotFound => ErrorKind::NotFound,
            AuthErrorKind::NoJwt => ErrorKind::IllegalState,
        };
        Error::new(kind, e.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::base64url;
    use crate::auth::creds::UserCreds;
    use crate::auth::nkeys::KeyPair;
    use crate::tls::TlsSettings;

    fn kind_of<E: Into<Error>, T>(r: std::result::Result<T, E>) -> ErrorKind {
        match r {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.into().kind,
        }
    }

    /// The statuses nats.c gives for the same failures, reached through
    /// real calls rather than hand-made errors.
    #[test]
    fn lower_layer_failures_keep_nats_c_statuses() {
        assert_eq!(kind_of(KeyPair::from_seed("SUNOTASEED")), ErrorKind::Err);
        let missing = std::env::temp_dir().join("nats_rs_error_from_no_such.creds");
        assert_eq!(
            kind_of(UserCreds::from_files(&missing, None).user_jwt()),
            ErrorKind::Err
        );
        assert_eq!(
            kind_of(UserCreds::from_memory("").user_jwt()),
            ErrorKind::NotFound
        );
        assert_eq!(
            kind_of(UserCreds::from_seed_file(&missing).user_jwt()),
            ErrorKind::IllegalState
        );
        assert_eq!(kind_of(base64url::decode("a")), ErrorKind::InvalidArg);

        let mut tls = TlsSettings::default();
        assert_eq!(kind_of(tls.add_ca_file("")), ErrorKind::InvalidArg);
        let missing = missing.to_string_lossy().into_owned();
        assert_eq!(kind_of(tls.add_ca_file(&missing)), ErrorKind::SslError);
        assert_eq!(
            kind_of(tls.set_ciphers("NO-SUCH-CIPHER")),
            ErrorKind::SslError
        );
    }

    #[test]
    fn the_text_is_kept() {
        let e = Error::from(KeyPair::from_seed("SUNOTASEED").unwrap_err());
        assert!(!e.text.is_empty());
        assert_eq!(e.text, KeyPair::from_seed("SUNOTASEED").unwrap_err().text);
    }
}
