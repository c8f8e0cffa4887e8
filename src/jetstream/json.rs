//! Small serde helpers shared by the JetStream JSON types: which zero
//! values are left out of a request (the rules nats.c's marshalling
//! follows, so a config means the same on the wire from C and from Rust),
//! `null` read as empty, and metadata kept in the order it came.
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

pub fn is_false(b: &bool) -> bool {
    !*b
}

pub fn is_zero_i64(v: &i64) -> bool {
    *v == 0
}

pub fn is_zero_u64(v: &u64) -> bool {
    *v == 0
}

/// nats.c leaves out counts, durations and times that are not positive.
pub fn not_positive(v: &i64) -> bool {
    *v <= 0
}

/// `null` (Go's nil slice or map) reads as the empty value.
pub fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// User metadata: a JSON object of strings on the wire, key/value pairs in
/// their wire order here (nats.c's `natsMetadata` is such a list). Any
/// value type: an object store's headers are an object of string lists.
pub mod metadata {
    use super::*;
    use serde::de::DeserializeOwned;
    use std::marker::PhantomData;

    pub fn serialize<S: Serializer, V: Serialize>(
        pairs: &[(String, V)],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(pairs.len()))?;
        for (k, v) in pairs {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>, V: DeserializeOwned>(
        d: D,
    ) -> Result<Vec<(String, V)>, D::Error> {
        struct Pairs<V>(PhantomData<V>);
        impl<'de, V: DeserializeOwned> Visitor<'de> for Pairs<V> {
            type Value = Vec<(String, V)>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object, or null")
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Vec::new())
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Vec::new())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                // Grown as entries arrive: a peer's hint sizes nothing.
                let mut out = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, V>()? {
                    out.push((k, v));
                }
                Ok(out)
            }
        }
        d.deserialize_any(Pairs(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
    struct Md {
        #[serde(default, with = "super::metadata")]
        metadata: Vec<(String, String)>,
        #[serde(default, deserialize_with = "super::nullable")]
        list: Vec<u64>,
    }

    #[test]
    fn metadata_keeps_its_order() {
        let m: Md = serde_json::from_str(r#"{"metadata":{"z":"1","a":"2","m":"3"}}"#).unwrap();
        let keys: Vec<&str> = m.metadata.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["z", "a", "m"]);
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"metadata":{"z":"1","a":"2","m":"3"},"list":[]}"#
        );
    }

    #[test]
    fn null_reads_as_empty() {
        let m: Md = serde_json::from_str(r#"{"metadata":null,"list":null}"#).unwrap();
        assert_eq!(m, Md::default());
        assert!(serde_json::from_str::<Md>(r#"{"metadata":{"a":1}}"#).is_err());
    }
}
