//! Subject and queue-group name checks done before anything is sent.

fn has_whitespace(s: &str) -> bool {
    has_whitespace_bytes(s.as_bytes())
}

fn has_whitespace_bytes(s: &[u8]) -> bool {
    s.iter().any(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// A subscription subject: dot-separated non-empty tokens, where `*` may only
/// be a whole token and `>` only the whole last token.
pub fn is_valid_subject(s: &str) -> bool {
    if s.is_empty() || has_whitespace(s) {
        return false;
    }
    let mut tokens = s.split('.').peekable();
    while let Some(tok) = tokens.next() {
        let last = tokens.peek().is_none();
        let ok = match tok {
            "" => false,
            ">" => last,
            "*" => true,
            _ => !tok.contains(['*', '>']),
        };
        if !ok {
            return false;
        }
    }
    true
}

/// Publishing is deliberately permissive (as nats.c): the server has the
/// final say, we only refuse what would corrupt the protocol line. Any
/// other bytes go as they are (UTF-8 or not), so a reply subject received
/// as bytes is answered to as exactly those bytes.
pub fn is_valid_publish_subject(s: &[u8]) -> bool {
    !s.is_empty() && !has_whitespace_bytes(s)
}

pub fn is_valid_queue_name(q: &str) -> bool {
    !q.is_empty() && !has_whitespace(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_subjects() {
        for s in [
            "foo",
            "foo.bar",
            "foo.*",
            "*",
            ">",
            "foo.>",
            "*.*.>",
            "a.*.c",
            "_INBOX.abc.1",
            "$JS.API.INFO",
        ] {
            assert!(is_valid_subject(s), "{s}");
        }
    }

    #[test]
    fn invalid_subjects() {
        for s in [
            "",
            ".",
            "foo.",
            ".foo",
            "foo..bar",
            "foo bar",
            "foo\tbar",
            "foo\r",
            "foo\n",
            ">.foo",
            "foo.>.bar",
            "foo*",
            "foo.*bar",
            "foo.b>",
            ">>",
            "**",
        ] {
            assert!(!is_valid_subject(s), "{s:?}");
        }
    }

    #[test]
    fn publish_subjects() {
        for s in [
            &b"foo"[..],
            b"foo.*",
            b"foo.>",
            b"a..b",
            b".",
            b"r.\xff\xfe",
            b"\xc3\x28",
        ] {
            assert!(is_valid_publish_subject(s), "{s:?}");
        }
        for s in [&b""[..], b"a b", b"a\tb", b"a\r\n", b"\xff \xfe"] {
            assert!(!is_valid_publish_subject(s), "{s:?}");
        }
    }

    #[test]
    fn queue_names() {
        assert!(is_valid_queue_name("workers"));
        assert!(is_valid_queue_name("q.1"));
        for q in ["", "a b", "a\t", "\n"] {
            assert!(!is_valid_queue_name(q), "{q:?}");
        }
    }
}
