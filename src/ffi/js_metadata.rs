//! `natsMetadata`, the key/value list of stream and consumer configs: read
//! from a user's config, and written into an info tree.
use crate::ffi::c_tree::{read_str_array, TreeStore};
use crate::ffi::js_context::c_int_len;
use crate::ffi::js_types::natsMetadata;
use crate::jetstream::{JsError, JsResult};

/// The pairs of a user's `natsMetadata`: `Count` is the number of pairs, so
/// `List` holds twice as many strings.
///
/// # Safety
/// `m.List` is NULL or holds `2 * m.Count` NULL or NUL-terminated strings.
pub(crate) unsafe fn read_metadata(m: &natsMetadata) -> JsResult<Vec<(String, String)>> {
    let strings = m
        .Count
        .checked_mul(2)
        .ok_or_else(|| JsError::invalid_arg(format!("Metadata: count {} too large", m.Count)))?;
    // SAFETY: per the contract (a negative count is refused by the reader).
    let flat = unsafe { read_str_array(m.List.cast_const(), strings, "Metadata") }?;
    let mut it = flat.into_iter();
    let mut pairs = Vec::with_capacity(it.len() / 2);
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        pairs.push((k, v));
    }
    Ok(pairs)
}

/// A `natsMetadata` in a tree: keys and values alternate in `List`.
pub(crate) fn metadata_to_c(st: &mut TreeStore, pairs: &[(String, String)]) -> natsMetadata {
    let flat: Vec<&str> = pairs
        .iter()
        .flat_map(|(k, v)| [k.as_str(), v.as_str()])
        .collect();
    natsMetadata {
        List: st.str_array(&flat),
        Count: c_int_len(pairs.len()),
    }
}
