//! Just enough DER to find a certificate's SubjectPublicKeyInfo, so a
//! client key can be matched with its certificate whatever the X.509
//! version: webpki (and so rustls' own check) refuses version 1
//! certificates, which `openssl x509 -req` makes when no extensions are
//! given, and which nats.c and nats-server accept.

/// One DER element at the start of a buffer.
struct Element<'a> {
    tag: u8,
    /// The element, tag and length included.
    whole: &'a [u8],
    /// What follows it.
    rest: &'a [u8],
    contents: &'a [u8],
}

/// The element `der` starts with; `None` for anything malformed
/// (indefinite or overlong lengths, truncation).
fn element(der: &[u8]) -> Option<Element<'_>> {
    let tag = *der.first()?;
    let first = *der.get(1)?;
    let (len, head) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        // 0x80 is BER's indefinite length; more than 4 length bytes would
        // describe a certificate of gigabytes.
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for b in der.get(2..2 + n)? {
            len = (len << 8) | usize::from(*b);
        }
        (len, 2 + n)
    };
    let end = head.checked_add(len)?;
    let contents = der.get(head..end)?;
    Some(Element {
        tag,
        whole: der.get(..end)?,
        rest: der.get(end..)?,
        contents,
    })
}

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
/// `[0] EXPLICIT Version`, absent in version 1 certificates.
const VERSION: u8 = 0xa0;

/// The DER of the SubjectPublicKeyInfo (the whole SEQUENCE) of an X.509
/// certificate, of any version; `None` if `cert` is not one.
pub fn subject_public_key_info(cert: &[u8]) -> Option<&[u8]> {
    let certificate = element(cert).filter(|e| e.tag == SEQUENCE)?;
    let tbs = element(certificate.contents).filter(|e| e.tag == SEQUENCE)?;
    let mut rest = tbs.contents;
    if rest.first() == Some(&VERSION) {
        rest = element(rest)?.rest;
    }
    // serialNumber, then signature, issuer, validity and subject.
    rest = element(rest).filter(|e| e.tag == INTEGER)?.rest;
    for _ in 0..4 {
        rest = element(rest).filter(|e| e.tag == SEQUENCE)?.rest;
    }
    element(rest).filter(|e| e.tag == SEQUENCE).map(|e| e.whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TLV with a definite length (short or long form).
    fn tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
        let mut v = vec![tag];
        let n = contents.len();
        if n < 0x80 {
            v.push(n as u8);
        } else if n < 0x100 {
            v.extend_from_slice(&[0x81, n as u8]);
        } else {
            v.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]);
        }
        v.extend_from_slice(contents);
        v
    }

    fn cert(version: bool, spki: &[u8]) -> Vec<u8> {
        let mut tbs = Vec::new();
        if version {
            tbs.extend(tlv(VERSION, &tlv(INTEGER, &[2])));
        }
        tbs.extend(tlv(INTEGER, &[0x01, 0x02]));
        for _ in 0..4 {
            tbs.extend(tlv(SEQUENCE, &[0x05, 0x00]));
        }
        tbs.extend_from_slice(spki);
        tbs.extend(tlv(0xa3, &[0x30, 0x00]));
        let mut c = tlv(SEQUENCE, &tbs);
        c.extend(tlv(SEQUENCE, &[0x05, 0x00]));
        c.extend(tlv(0x03, &[0x00, 0xff]));
        tlv(SEQUENCE, &c)
    }

    #[test]
    fn finds_the_key_in_v1_and_v3_certificates() {
        let spki = tlv(SEQUENCE, &[0x42; 300]);
        for version in [false, true] {
            assert_eq!(
                subject_public_key_info(&cert(version, &spki)),
                Some(&spki[..])
            );
        }
    }

    #[test]
    fn malformed_input_is_none() {
        let spki = tlv(SEQUENCE, &[0x42; 40]);
        let good = cert(true, &spki);
        for n in 0..good.len() {
            assert_eq!(subject_public_key_info(&good[..n]), None, "cut at {n}");
        }
        assert_eq!(subject_public_key_info(&[0x30, 0x80, 0, 0]), None);
        assert_eq!(subject_public_key_info(&[0x30, 0x85, 1, 1, 1, 1, 1]), None);
        assert_eq!(subject_public_key_info(b"not DER at all"), None);
        // A key that is not a SEQUENCE.
        let bad = cert(false, &tlv(INTEGER, &[1]));
        assert_eq!(subject_public_key_info(&bad), None);
    }
}
