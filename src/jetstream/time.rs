//! RFC 3339 times as `i64` UTC nanoseconds since the Unix epoch, the way
//! nats.c hands them to C (`int64_t`). The server writes Go's zero time,
//! `0001-01-01T00:00:00Z`, for "never"; it maps to 0 both ways.
use std::fmt::Write;

/// Go's zero `time.Time`, which means "not set".
pub const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

const NANOS_PER_SEC: i64 = 1_000_000_000;
const SECS_PER_DAY: i64 = 86_400;

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (inverse of the above).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Reads exactly `n` ASCII digits at `*pos`.
fn digits(s: &[u8], pos: &mut usize, n: usize) -> Option<i64> {
    let part = s.get(*pos..*pos + n)?;
    if !part.iter().all(u8::is_ascii_digit) {
        return None;
    }
    *pos += n;
    Some(part.iter().fold(0, |v, &b| v * 10 + i64::from(b - b'0')))
}

fn expect(s: &[u8], pos: &mut usize, what: &[u8]) -> Option<()> {
    let b = *s.get(*pos)?;
    if what.contains(&b) {
        *pos += 1;
        Some(())
    } else {
        None
    }
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)` into UTC
/// nanoseconds. The zero time is 0. At most nine fraction digits (the
/// server writes nanoseconds); anything else is an error with a text.
pub fn parse_rfc3339(text: &str) -> Result<i64, String> {
    if text == ZERO_TIME {
        return Ok(0);
    }
    let bad = || format!("invalid RFC 3339 time '{text}'");
    let s = text.as_bytes();
    let mut p = 0;
    let year = digits(s, &mut p, 4).ok_or_else(bad)?;
    expect(s, &mut p, b"-").ok_or_else(bad)?;
    let month = digits(s, &mut p, 2).ok_or_else(bad)?;
    expect(s, &mut p, b"-").ok_or_else(bad)?;
    let day = digits(s, &mut p, 2).ok_or_else(bad)?;
    expect(s, &mut p, b"Tt ").ok_or_else(bad)?;
    let hour = digits(s, &mut p, 2).ok_or_else(bad)?;
    expect(s, &mut p, b":").ok_or_else(bad)?;
    let min = digits(s, &mut p, 2).ok_or_else(bad)?;
    expect(s, &mut p, b":").ok_or_else(bad)?;
    let sec = digits(s, &mut p, 2).ok_or_else(bad)?;
    let mut nanos = 0;
    if s.get(p) == Some(&b'.') {
        p += 1;
        let start = p;
        while s.get(p).is_some_and(u8::is_ascii_digit) {
            p += 1;
        }
        let n = p - start;
        if n == 0 || n > 9 {
            return Err(format!("invalid second fraction in time '{text}'"));
        }
        let mut q = start;
        nanos = digits(s, &mut q, n).ok_or_else(bad)? * 10_i64.pow(9 - n as u32);
    }
    let offset_secs = match s.get(p) {
        Some(b'Z' | b'z') => {
            p += 1;
            0
        }
        Some(&sign @ (b'+' | b'-')) => {
            p += 1;
            let oh = digits(s, &mut p, 2).ok_or_else(bad)?;
            expect(s, &mut p, b":").ok_or_else(bad)?;
            let om = digits(s, &mut p, 2).ok_or_else(bad)?;
            if oh > 23 || om > 59 {
                return Err(bad());
            }
            let off = oh * 3600 + om * 60;
            if sign == b'+' {
                off
            } else {
                -off
            }
        }
        _ => return Err(format!("time '{text}' has no valid UTC offset")),
    };
    if p != s.len()
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || min > 59
        // 60: a leap second, which Go never writes but RFC 3339 allows.
        || sec > 60
    {
        return Err(bad());
    }
    let secs = days_from_civil(year, month, day) * SECS_PER_DAY + hour * 3600 + min * 60 + sec
        - offset_secs;
    secs.checked_mul(NANOS_PER_SEC)
        .and_then(|n| n.checked_add(nanos))
        .ok_or_else(|| format!("time '{text}' is out of range"))
}

/// Formats UTC nanoseconds as RFC 3339 in UTC with as many fraction digits
/// as needed (none for whole seconds); 0 is the zero time.
pub fn format_rfc3339(nanos: i64) -> String {
    if nanos == 0 {
        return ZERO_TIME.to_string();
    }
    let secs = nanos.div_euclid(NANOS_PER_SEC);
    let frac = nanos.rem_euclid(NANOS_PER_SEC);
    let (y, m, d) = civil_from_days(secs.div_euclid(SECS_PER_DAY));
    let sod = secs.rem_euclid(SECS_PER_DAY);
    let mut out = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    );
    if frac > 0 {
        let digits = format!("{frac:09}");
        let _ = write!(out, ".{}", digits.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// Serde adapter for a time field: a string on the wire (null or missing
/// reads as 0), UTC nanoseconds in Rust.
pub mod rfc3339 {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(nanos: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_rfc3339(*nanos))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(0),
            Some(text) => super::parse_rfc3339(&text).map_err(D::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_time_is_zero_both_ways() {
        assert_eq!(parse_rfc3339(ZERO_TIME), Ok(0));
        assert_eq!(format_rfc3339(0), ZERO_TIME);
    }

    #[test]
    fn known_instants() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:01Z"), Ok(NANOS_PER_SEC));
        // 2021-05-19T17:32:09.123456789Z, as `date -u -d ... +%s%N` gives it.
        assert_eq!(
            parse_rfc3339("2021-05-19T17:32:09.123456789Z"),
            Ok(1_621_445_529_123_456_789)
        );
        assert_eq!(
            format_rfc3339(1_621_445_529_123_456_789),
            "2021-05-19T17:32:09.123456789Z"
        );
        // A leap day and the end of a year.
        assert_eq!(
            parse_rfc3339("2024-02-29T23:59:59Z"),
            Ok(1_709_251_199 * NANOS_PER_SEC)
        );
        assert_eq!(
            format_rfc3339(1_709_251_199 * NANOS_PER_SEC),
            "2024-02-29T23:59:59Z"
        );
        assert_eq!(
            parse_rfc3339("1999-12-31T23:59:59Z"),
            Ok(946_684_799 * NANOS_PER_SEC)
        );
    }

    #[test]
    fn fractions_are_scaled_and_trimmed() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00.5Z"), Ok(500_000_000));
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00.005Z"), Ok(5_000_000));
        assert_eq!(format_rfc3339(5_000_000), "1970-01-01T00:00:00.005Z");
        assert_eq!(format_rfc3339(500_000_000), "1970-01-01T00:00:00.5Z");
        assert_eq!(format_rfc3339(1), "1970-01-01T00:00:00.000000001Z");
    }

    #[test]
    fn offsets_are_applied() {
        let utc = parse_rfc3339("2021-05-19T17:32:09Z").unwrap();
        assert_eq!(parse_rfc3339("2021-05-19T19:32:09+02:00"), Ok(utc));
        assert_eq!(parse_rfc3339("2021-05-19T12:02:09.000-05:30"), Ok(utc));
        assert_eq!(parse_rfc3339("2021-05-19t17:32:09z"), Ok(utc));
    }

    #[test]
    fn times_before_the_epoch() {
        let t = parse_rfc3339("1969-12-31T23:59:59.25Z").unwrap();
        assert_eq!(t, -750_000_000);
        assert_eq!(format_rfc3339(t), "1969-12-31T23:59:59.25Z");
    }

    #[test]
    fn round_trip_over_a_range() {
        let mut t: i64 = -5_000_000_000_000_000_000;
        while t < 5_000_000_000_000_000_000 {
            assert_eq!(parse_rfc3339(&format_rfc3339(t)), Ok(t), "{t}");
            t += 123_456_789_987_654_321;
        }
    }

    #[test]
    fn malformed_times_are_errors() {
        for bad in [
            "",
            "2021",
            "2021-05-19",
            "2021-05-19T17:32:09",
            "2021-05-19T17:32:09+0200",
            "2021-05-19T17:32:09.Z",
            "2021-05-19T17:32:09.1234567891Z",
            "2021-13-19T17:32:09Z",
            "2021-02-29T17:32:09Z",
            "2021-05-19T24:00:00Z",
            "2021-05-19T17:32:09Zjunk",
            "2021-05-19T17:32:09+25:00",
            "２021-05-19T17:32:09Z",
        ] {
            assert!(parse_rfc3339(bad).is_err(), "{bad:?}");
        }
    }
}
