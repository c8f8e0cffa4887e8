//! Checks on the names that go into API subjects, with nats.c's rules and
//! texts: a stream name may not contain '.', a consumer name may not
//! contain '.', ' ', '*' or '>', and a priority group is a "limited term".
use super::error::{JsError, JsResult};

pub fn check_stream_name(name: &str) -> JsResult<()> {
    if name.is_empty() {
        return Err(JsError::invalid_arg("stream name is required"));
    }
    if name.contains('.') {
        return Err(JsError::invalid_arg(format!(
            "invalid stream name '{name}' (cannot contain '.')"
        )));
    }
    Ok(())
}

/// `durable` only changes the wording ("durable name" or "consumer name").
pub fn check_consumer_name(name: &str, durable: bool) -> JsResult<()> {
    if name.is_empty() {
        return Err(JsError::invalid_arg("consumer name is required"));
    }
    if let Some(c) = name.chars().find(|c| matches!(c, '.' | ' ' | '*' | '>')) {
        let what = if durable {
            "invalid durable name"
        } else {
            "invalid consumer name"
        };
        return Err(JsError::invalid_arg(format!(
            "{what} '{name}' (cannot contain '{c}')"
        )));
    }
    Ok(())
}

/// ADR-6's limited term: 1 to 16 of `A-Z a-z 0-9 - _ / =`.
pub fn check_limited_term(what: &str, term: &str) -> JsResult<()> {
    if term.is_empty() {
        return Err(JsError::invalid_arg(format!("{what} must not be empty")));
    }
    if term.len() > 16 {
        return Err(JsError::invalid_arg(format!(
            "{what} must not be longer than 16 characters"
        )));
    }
    if !term
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'/' | b'='))
    {
        return Err(JsError::invalid_arg(format!(
            "{what} must contain only [A-Za-z0-9-_/=]"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ErrorKind;

    #[test]
    fn stream_names() {
        assert!(check_stream_name("ORDERS-1_x").is_ok());
        let e = check_stream_name("").unwrap_err();
        assert_eq!(
            (e.kind, e.text.as_str()),
            (ErrorKind::InvalidArg, "stream name is required")
        );
        let e = check_stream_name("a.b").unwrap_err();
        assert_eq!(e.text, "invalid stream name 'a.b' (cannot contain '.')");
    }

    #[test]
    fn consumer_names() {
        assert!(check_consumer_name("c-1", false).is_ok());
        assert_eq!(
            check_consumer_name("", true).unwrap_err().text,
            "consumer name is required"
        );
        for (bad, c) in [("a.b", '.'), ("a b", ' '), ("a*", '*'), ("a>", '>')] {
            let e = check_consumer_name(bad, true).unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidArg);
            assert_eq!(
                e.text,
                format!("invalid durable name '{bad}' (cannot contain '{c}')")
            );
        }
        assert!(check_consumer_name("x.y", false)
            .unwrap_err()
            .text
            .starts_with("invalid consumer name"));
    }

    #[test]
    fn limited_terms() {
        assert!(check_limited_term("group", "A-z_0/9=").is_ok());
        assert!(check_limited_term("group", "").is_err());
        assert!(check_limited_term("group", "abcdefghijklmnopq").is_err());
        assert!(check_limited_term("group", "a.b").is_err());
        assert!(check_limited_term("group", "é").is_err());
    }
}
