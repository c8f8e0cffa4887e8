//! OpenSSL-style cipher lists (what nats.c's `natsOptions_SetCiphers` and
//! `natsOptions_SetCipherSuites` hand to OpenSSL) mapped onto the suites
//! rustls implements with the ring provider.
//!
//! rustls only implements AEAD suites with forward secrecy: three TLS 1.3
//! suites and six ECDHE TLS 1.2 suites. A list therefore selects a subset of
//! those; anything else is refused when the list is set, naming the word, so
//! that a user is not left believing an unsupported suite is in use.
//!
//! Accepted syntax (a subset of OpenSSL's `ciphers(1)`):
//!
//! * Entries are separated by `:`, `,` or white space. Empty entries are
//!   ignored.
//! * An entry is a suite name, a keyword, or several of them joined by `+`
//!   (`ECDHE+AESGCM`: the suites matching all parts).
//! * Suite names: the OpenSSL name (`ECDHE-RSA-AES128-GCM-SHA256`,
//!   `TLS_AES_128_GCM_SHA256`), the IANA name
//!   (`TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`) or rustls' own spelling
//!   (`TLS13_AES_128_GCM_SHA256`). Case is ignored.
//! * Keywords selecting suites: `ALL`, `DEFAULT`, `HIGH` (every suite of the
//!   list's TLS version: all of rustls' suites are "high"); `TLSv1.2`;
//!   `ECDHE`, `EECDH`, `kECDHE`, `kEECDH` (TLS 1.2 suites); `aRSA`,
//!   `aECDSA`, `ECDSA`; `AES`, `AESGCM`, `AES128`, `AES256`, `CHACHA20`.
//! * Keywords that OpenSSL knows but that select nothing here (weak or
//!   obsolete families rustls does not implement), so that hardening lists
//!   such as `HIGH:!aNULL:!MD5:!RC4` work: see [`SELECTS_NOTHING`].
//! * Prefixes: `-X` removes the matching suites (a later entry may add them
//!   back), `!X` removes them for good, `+X` moves those already chosen to
//!   the end of the list. `@STRENGTH` and `@SECLEVEL=n` are accepted and
//!   ignored (every suite offered is at full strength).
//!
//! A TLS 1.3 name in a TLS 1.2 list (or the reverse) is refused with a hint,
//! rather than silently ignored as OpenSSL does.
use rustls::crypto::ring::cipher_suite as cs;
use rustls::SupportedCipherSuite;

use super::error::{Result, TlsError, TlsErrorKind};

/// Which setter a list is for: `SetCiphers` (TLS 1.2) or `SetCipherSuites`
/// (TLS 1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsVersion {
    Tls12,
    Tls13,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Auth {
    Rsa,
    Ecdsa,
    /// TLS 1.3 suites do not fix the certificate type.
    Any,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Cipher {
    Aes128Gcm,
    Aes256Gcm,
    Chacha20Poly1305,
}

/// One suite rustls can do, with the names users may know it by.
struct Known {
    suite: SupportedCipherSuite,
    version: TlsVersion,
    auth: Auth,
    cipher: Cipher,
    openssl: &'static str,
    iana: &'static str,
    rustls: &'static str,
}

/// Every suite of the ring provider, TLS 1.3 first, strongest first within a
/// version (the order rustls itself prefers).
static KNOWN: [Known; 9] = [
    Known {
        suite: cs::TLS13_AES_256_GCM_SHA384,
        version: TlsVersion::Tls13,
        auth: Auth::Any,
        cipher: Cipher::Aes256Gcm,
        openssl: "TLS_AES_256_GCM_SHA384",
        iana: "TLS_AES_256_GCM_SHA384",
        rustls: "TLS13_AES_256_GCM_SHA384",
    },
    Known {
        suite: cs::TLS13_AES_128_GCM_SHA256,
        version: TlsVersion::Tls13,
        auth: Auth::Any,
        cipher: Cipher::Aes128Gcm,
        openssl: "TLS_AES_128_GCM_SHA256",
        iana: "TLS_AES_128_GCM_SHA256",
        rustls: "TLS13_AES_128_GCM_SHA256",
    },
    Known {
        suite: cs::TLS13_CHACHA20_POLY1305_SHA256,
        version: TlsVersion::Tls13,
        auth: Auth::Any,
        cipher: Cipher::Chacha20Poly1305,
        openssl: "TLS_CHACHA20_POLY1305_SHA256",
        iana: "TLS_CHACHA20_POLY1305_SHA256",
        rustls: "TLS13_CHACHA20_POLY1305_SHA256",
    },
    Known {
        suite: cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        version: TlsVersion::Tls12,
        auth: Auth::Ecdsa,
        cipher: Cipher::Aes256Gcm,
        openssl: "ECDHE-ECDSA-AES256-GCM-SHA384",
        iana: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        rustls: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    },
    Known {
        suite: cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        version: TlsVersion::Tls12,
        auth: Auth::Ecdsa,
        cipher: Cipher::Aes128Gcm,
        openssl: "ECDHE-ECDSA-AES128-GCM-SHA256",
        iana: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        rustls: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    },
    Known {
        suite: cs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        version: TlsVersion::Tls12,
        auth: Auth::Ecdsa,
        cipher: Cipher::Chacha20Poly1305,
        openssl: "ECDHE-ECDSA-CHACHA20-POLY1305",
        iana: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        rustls: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    },
    Known {
        suite: cs::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        version: TlsVersion::Tls12,
        auth: Auth::Rsa,
        cipher: Cipher::Aes256Gcm,
        openssl: "ECDHE-RSA-AES256-GCM-SHA384",
        iana: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        rustls: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    },
    Known {
        suite: cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        version: TlsVersion::Tls12,
        auth: Auth::Rsa,
        cipher: Cipher::Aes128Gcm,
        openssl: "ECDHE-RSA-AES128-GCM-SHA256",
        iana: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        rustls: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    },
    Known {
        suite: cs::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        version: TlsVersion::Tls12,
        auth: Auth::Rsa,
        cipher: Cipher::Chacha20Poly1305,
        openssl: "ECDHE-RSA-CHACHA20-POLY1305",
        iana: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        rustls: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    },
];

/// OpenSSL keywords for families rustls does not implement (null, export,
/// RC4, DES, CBC-with-SHA1, static RSA/DH key exchange, PSK, SRP, CCM...).
/// They are accepted so that common hardening lists parse, and select
/// nothing.
pub const SELECTS_NOTHING: &[&str] = &[
    "aNULL",
    "eNULL",
    "NULL",
    "COMPLEMENTOFDEFAULT",
    "COMPLEMENTOFALL",
    "LOW",
    "MEDIUM",
    "EXP",
    "EXPORT",
    "RC4",
    "RC2",
    "MD5",
    "SHA1",
    "SHA",
    "DES",
    "3DES",
    "IDEA",
    "SEED",
    "CAMELLIA",
    "CAMELLIA128",
    "CAMELLIA256",
    "ARIA",
    "ARIA128",
    "ARIA256",
    "PSK",
    "aPSK",
    "kPSK",
    "kECDHEPSK",
    "kDHEPSK",
    "kRSAPSK",
    "SRP",
    "kSRP",
    "aSRP",
    "DSS",
    "aDSS",
    "kRSA",
    "RSA",
    "DH",
    "DHE",
    "EDH",
    "kDHE",
    "kEDH",
    "kDH",
    "ADH",
    "AECDH",
    "aECDH",
    "kECDH",
    "AESCCM",
    "AESCCM8",
    "CCM",
    "CCM8",
    "SSLv3",
    "TLSv1",
    "TLSv1.0",
    "GOST94",
    "GOST89MAC",
    "kGOST",
    "aGOST",
    "aGOST01",
];

/// A keyword as a test on a suite, for suites of the list's version.
fn keyword(word: &str) -> Option<fn(&Known) -> bool> {
    let w = word.to_ascii_uppercase();
    let test: fn(&Known) -> bool = match w.as_str() {
        "ALL" | "DEFAULT" | "HIGH" => |_| true,
        "TLSV1.2" | "ECDHE" | "EECDH" | "KECDHE" | "KEECDH" => |k| k.version == TlsVersion::Tls12,
        "ARSA" => |k| k.auth == Auth::Rsa,
        "AECDSA" | "ECDSA" => |k| k.auth == Auth::Ecdsa,
        "AES" | "AESGCM" => |k| k.cipher != Cipher::Chacha20Poly1305,
        "AES128" => |k| k.cipher == Cipher::Aes128Gcm,
        "AES256" => |k| k.cipher == Cipher::Aes256Gcm,
        "CHACHA20" => |k| k.cipher == Cipher::Chacha20Poly1305,
        _ if SELECTS_NOTHING.iter().any(|n| n.eq_ignore_ascii_case(word)) => |_| false,
        _ => return None,
    };
    Some(test)
}

/// The position in [`KNOWN`] of the suite called `word`.
fn by_name(word: &str) -> Option<usize> {
    KNOWN.iter().position(|k| {
        k.openssl.eq_ignore_ascii_case(word)
            || k.iana.eq_ignore_ascii_case(word)
            || k.rustls.eq_ignore_ascii_case(word)
    })
}

fn version_label(v: TlsVersion) -> &'static str {
    match v {
        TlsVersion::Tls12 => "TLS 1.2",
        TlsVersion::Tls13 => "TLS 1.3",
    }
}

/// Every suite of a version, in rustls' preference order.
pub fn all_suites(version: TlsVersion) -> Vec<SupportedCipherSuite> {
    KNOWN
        .iter()
        .filter(|k| k.version == version)
        .map(|k| k.suite)
        .collect()
}

/// The OpenSSL names of a version's suites, for error messages and docs.
pub fn supported_names(version: TlsVersion) -> Vec<&'static str> {
    KNOWN
        .iter()
        .filter(|k| k.version == version)
        .map(|k| k.openssl)
        .collect()
}

/// The OpenSSL name of a suite rustls negotiated (e.g. for logs or tests).
pub fn openssl_name(suite: SupportedCipherSuite) -> Option<&'static str> {
    KNOWN
        .iter()
        .find(|k| k.suite.suite() == suite.suite())
        .map(|k| k.openssl)
}

/// Parses a list for one TLS version into suites, in list order.
///
/// For TLS 1.2 (`SetCiphers`) the result must not be empty, as OpenSSL's
/// "no cipher match". For TLS 1.3 (`SetCipherSuites`) an empty result is
/// allowed and means "do not offer TLS 1.3", as OpenSSL's
/// `SSL_CTX_set_ciphersuites(ctx, "")`.
///
/// Errors are `Rejected` with nats.c's text: `Error setting ciphers
/// '<list>': <reason>`.
pub fn parse_list(list: &str, version: TlsVersion) -> Result<Vec<SupportedCipherSuite>> {
    parse_indices(list, version)
        .map(|idx| idx.into_iter().map(|i| KNOWN[i].suite).collect())
        .map_err(|reason| {
            TlsError::new(
                TlsErrorKind::Rejected,
                format!("Error setting ciphers '{list}': {reason}"),
            )
        })
}

/// The parser proper, on indices into [`KNOWN`]; the error is the reason.
fn parse_indices(list: &str, version: TlsVersion) -> std::result::Result<Vec<usize>, String> {
    let mut chosen: Vec<usize> = Vec::new();
    let mut banned: Vec<usize> = Vec::new();
    for entry in list
        .split(|c: char| c == ':' || c == ',' || c.is_whitespace())
        .filter(|e| !e.is_empty())
    {
        if entry.eq_ignore_ascii_case("@STRENGTH")
            || entry.to_ascii_uppercase().starts_with("@SECLEVEL=")
        {
            continue;
        }
        // The prefixes are ASCII, so slicing after one byte is safe.
        let (op, body) = match entry.chars().next() {
            Some(c @ ('!' | '-' | '+')) => (Some(c), &entry[1..]),
            _ => (None, entry),
        };
        let matching = select(body, version)?;
        match op {
            None => {
                for i in matching {
                    if !chosen.contains(&i) && !banned.contains(&i) {
                        chosen.push(i);
                    }
                }
            }
            Some('+') => {
                // OpenSSL: move the matching suites already chosen to the end.
                let (moved, kept): (Vec<usize>, Vec<usize>) =
                    chosen.iter().partition(|i| matching.contains(i));
                chosen = kept;
                chosen.extend(moved);
            }
            Some(c) => {
                chosen.retain(|i| !matching.contains(i));
                if c == '!' {
                    banned.extend(matching);
                }
            }
        }
    }
    if chosen.is_empty() && version == TlsVersion::Tls12 {
        return Err(format!(
            "no TLS 1.2 cipher suite selected (supported: {})",
            supported_names(TlsVersion::Tls12).join(":")
        ));
    }
    Ok(chosen)
}

/// The suites (indices into [`KNOWN`], of `version`) one entry body selects:
/// words joined by `+` select the intersection.
fn select(body: &str, version: TlsVersion) -> std::result::Result<Vec<usize>, String> {
    if body.is_empty() {
        return Err("empty cipher entry after prefix".to_string());
    }
    let mut result: Option<Vec<usize>> = None;
    for word in body.split('+') {
        let ids = select_word(word, version)?;
        result = Some(match result {
            None => ids,
            Some(prev) => prev.into_iter().filter(|i| ids.contains(i)).collect(),
        });
    }
    Ok(result.unwrap_or_default())
}

fn select_word(word: &str, version: TlsVersion) -> std::result::Result<Vec<usize>, String> {
    if let Some(i) = by_name(word) {
        let k = &KNOWN[i];
        if k.version != version {
            let setter = match k.version {
                TlsVersion::Tls12 => "natsOptions_SetCiphers",
                TlsVersion::Tls13 => "natsOptions_SetCipherSuites",
            };
            return Err(format!(
                "'{word}' is a {} suite (set those with {setter})",
                version_label(k.version)
            ));
        }
        return Ok(vec![i]);
    }
    if let Some(test) = keyword(word) {
        return Ok(KNOWN
            .iter()
            .enumerate()
            .filter(|(_, k)| k.version == version && test(k))
            .map(|(i, _)| i)
            .collect());
    }
    Err(format!(
        "unknown or unsupported cipher '{word}' (supported {} suites: {})",
        version_label(version),
        supported_names(version).join(":")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &str, v: TlsVersion) -> Vec<&'static str> {
        parse_list(list, v)
            .unwrap_or_else(|e| panic!("{list}: {e}"))
            .into_iter()
            .map(|s| openssl_name(s).expect("known suite"))
            .collect()
    }

    #[test]
    fn openssl_iana_and_rustls_names() {
        use TlsVersion::*;
        assert_eq!(
            names("ECDHE-RSA-AES128-GCM-SHA256", Tls12),
            ["ECDHE-RSA-AES128-GCM-SHA256"]
        );
        assert_eq!(
            names(
                "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, ecdhe-rsa-aes256-gcm-sha384",
                Tls12
            ),
            [
                "ECDHE-ECDSA-CHACHA20-POLY1305",
                "ECDHE-RSA-AES256-GCM-SHA384"
            ]
        );
        assert_eq!(
            names(
                "TLS_AES_128_GCM_SHA256:TLS13_CHACHA20_POLY1305_SHA256",
                Tls13
            ),
            ["TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"]
        );
        // Every suite is reachable by each of its names.
        for k in &KNOWN {
            for n in [k.openssl, k.iana, k.rustls] {
                assert_eq!(names(n, k.version), [k.openssl], "{n}");
            }
        }
    }

    #[test]
    fn keywords_and_prefixes() {
        use TlsVersion::*;
        assert_eq!(names("ALL", Tls12).len(), 6);
        assert_eq!(names("DEFAULT", Tls13).len(), 3);
        // nats.c's own example.
        assert_eq!(names("-ALL:HIGH", Tls12).len(), 6);
        assert_eq!(
            names("HIGH:!aNULL:!MD5:!RC4:!aRSA:@STRENGTH", Tls12),
            [
                "ECDHE-ECDSA-AES256-GCM-SHA384",
                "ECDHE-ECDSA-AES128-GCM-SHA256",
                "ECDHE-ECDSA-CHACHA20-POLY1305"
            ]
        );
        // '!' bans for good, '-' lets a later entry add back.
        assert_eq!(
            names("ALL:!CHACHA20:CHACHA20", Tls12).len(),
            4,
            "banned suites stay out"
        );
        assert_eq!(names("ALL:-CHACHA20:CHACHA20", Tls12).len(), 6);
        // '+' joins words (intersection); a leading '+' moves to the end.
        assert_eq!(
            names("ECDHE+AESGCM+aRSA", Tls12),
            ["ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256"]
        );
        assert_eq!(
            names("AES128:CHACHA20:+AES128", Tls13),
            ["TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"]
        );
    }

    #[test]
    fn unknown_unsupported_and_wrong_version_are_errors() {
        use TlsVersion::*;
        for (list, v, word) in [
            ("AES256-SHA", Tls12, "'AES256-SHA'"),
            ("HIGH:RC4-MD5", Tls12, "'RC4-MD5'"),
            ("NOPE", Tls13, "'NOPE'"),
            ("TLS_AES_128_GCM_SHA256", Tls12, "TLS 1.3 suite"),
            ("ECDHE-RSA-AES128-GCM-SHA256", Tls13, "TLS 1.2 suite"),
            ("ALL:!", Tls12, "empty cipher entry"),
        ] {
            let e = parse_list(list, v).expect_err(list);
            assert_eq!(e.kind, TlsErrorKind::Rejected);
            assert!(
                e.text
                    .starts_with(&format!("Error setting ciphers '{list}': ")),
                "{}",
                e.text
            );
            assert!(e.text.contains(word), "{list}: {}", e.text);
        }
    }

    #[test]
    fn empty_results() {
        use TlsVersion::*;
        // nats.c's test list: static RSA key exchange, which rustls lacks.
        let e = parse_list("-ALL:RSA", Tls12).expect_err("no suite");
        assert!(
            e.text.contains("no TLS 1.2 cipher suite selected"),
            "{}",
            e.text
        );
        assert!(parse_list("ALL:!ALL", Tls12).is_err());
        assert!(parse_list("", Tls12).is_err());
        // An empty TLS 1.3 list turns TLS 1.3 off, as with OpenSSL.
        assert_eq!(parse_list("", Tls13).map(|v| v.len()), Ok(0));
        assert_eq!(parse_list("!ALL", Tls13).map(|v| v.len()), Ok(0));
    }
}
