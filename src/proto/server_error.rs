//! What a server's `-ERR` text means. The rules are nats.c's: the server
//! sends free text, and clients recognise a few phrases in it.

/// The kinds of `-ERR` a client acts on; everything else is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerErrorKind {
    /// The server closed the connection because our pings went unanswered.
    StaleConnection,
    /// A publish or subscribe was refused; the connection stays up.
    PermissionsViolation,
    /// The credentials were refused.
    AuthorizationViolation,
    /// The credentials were valid but have expired.
    AuthExpired,
    /// Any other error; the server closes the connection after it.
    Other,
}

impl ServerErrorKind {
    /// Whether this is an authentication refusal (nats.c treats exactly
    /// these two as auth errors; "Authentication Timeout", for one, is not).
    pub fn is_auth(self) -> bool {
        matches!(
            self,
            ServerErrorKind::AuthorizationViolation | ServerErrorKind::AuthExpired
        )
    }
}

/// Sorts the text of a `-ERR` (as the parser hands it over, quotes removed).
/// The phrases are matched without regard to case, "stale connection" only
/// as the whole text, the others anywhere in it, in this order.
pub fn classify(text: &str) -> ServerErrorKind {
    if text.trim().eq_ignore_ascii_case("stale connection") {
        return ServerErrorKind::StaleConnection;
    }
    let lower = text.to_ascii_lowercase();
    if lower.contains("permissions violation") {
        ServerErrorKind::PermissionsViolation
    } else if lower.contains("authorization violation") {
        ServerErrorKind::AuthorizationViolation
    } else if lower.contains("user authentication expired") {
        ServerErrorKind::AuthExpired
    } else {
        ServerErrorKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ServerErrorKind::*;

    #[test]
    fn stale_connection_is_the_whole_text_in_any_case() {
        assert_eq!(classify("Stale Connection"), StaleConnection);
        assert_eq!(classify("  stale CONNECTION "), StaleConnection);
        // Only the whole text counts: a longer message is something else.
        assert_eq!(classify("Stale Connection detected"), Other);
        assert_eq!(classify("not a stale connection"), Other);
    }

    #[test]
    fn permissions_violation_anywhere_in_any_case() {
        assert_eq!(
            classify("Permissions Violation for Publish to \"foo\""),
            PermissionsViolation
        );
        assert_eq!(
            classify("permissions violation for subscription to bar"),
            PermissionsViolation
        );
    }

    #[test]
    fn authorization_violation_anywhere_in_any_case() {
        assert_eq!(classify("Authorization Violation"), AuthorizationViolation);
        assert_eq!(
            classify("nats: AUTHORIZATION VIOLATION for user x"),
            AuthorizationViolation
        );
    }

    #[test]
    fn expired_credentials_anywhere_in_any_case() {
        assert_eq!(classify("User Authentication Expired"), AuthExpired);
        assert_eq!(classify("user authentication expired (jwt)"), AuthExpired);
    }

    #[test]
    fn permissions_win_over_auth_words_in_the_same_text() {
        assert_eq!(
            classify("Permissions Violation: authorization violation"),
            PermissionsViolation
        );
    }

    #[test]
    fn everything_else_is_other() {
        for text in [
            "",
            "Authentication Timeout",
            "Maximum Connections Exceeded",
            "Unknown Protocol Operation",
            "Maximum Payload Violation",
            "permission violation",
        ] {
            assert_eq!(classify(text), Other, "{text:?}");
        }
    }

    #[test]
    fn only_the_two_refusals_are_auth_errors() {
        assert!(AuthorizationViolation.is_auth());
        assert!(AuthExpired.is_auth());
        for k in [StaleConnection, PermissionsViolation, Other] {
            assert!(!k.is_auth(), "{k:?}");
        }
    }
}
