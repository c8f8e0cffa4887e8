//! What the server reports about streams, as the C trees nats.c hands out:
//! a `jsStreamInfo` (one tree, one jsStreamInfo_Destroy), the list of
//! js_Streams (a tree of pointers to infos that are trees of their own, so
//! an entry taken out and set to NULL can still be destroyed by itself),
//! and the names of js_StreamNames (one tree).
use std::ffi::c_char;
use std::ptr;

use crate::ffi::c_tree::{free_tree, into_c_tree, TreeStore};
use crate::ffi::js_context::c_int_len;
use crate::ffi::js_stream_config::{external_to_c, stream_config_to_c, transform_to_c};
use crate::ffi::js_types::{
    jsClusterInfo, jsLostStreamData, jsPeerInfo, jsStreamAlternate, jsStreamInfo, jsStreamInfoList,
    jsStreamNamesList, jsStreamSourceInfo, jsStreamState, jsStreamStateSubject,
    jsStreamStateSubjects,
};
use crate::jetstream::{ClusterInfo, StreamInfo, StreamSourceInfo, StreamState};

fn state_to_c(st: &mut TreeStore, s: &StreamState) -> jsStreamState {
    // nats.c: no subjects object (or an empty one) is a NULL pointer.
    let subjects = if s.subjects.is_empty() {
        ptr::null_mut()
    } else {
        let list: Vec<jsStreamStateSubject> = s
            .subjects
            .iter()
            .map(|x| jsStreamStateSubject {
                Subject: st.str(&x.subject),
                Msgs: x.msgs,
            })
            .collect();
        let v = jsStreamStateSubjects {
            Count: c_int_len(list.len()),
            List: st.array(list),
        };
        st.boxed(v)
    };
    let lost = s.lost.as_ref().map_or(ptr::null_mut(), |l| {
        let v = jsLostStreamData {
            MsgsLen: c_int_len(l.msgs.len()),
            Msgs: st.array(l.msgs.clone()),
            Bytes: l.bytes,
        };
        st.boxed(v)
    });
    jsStreamState {
        Msgs: s.msgs,
        Bytes: s.bytes,
        FirstSeq: s.first_seq,
        FirstTime: s.first_time,
        LastSeq: s.last_seq,
        LastTime: s.last_time,
        NumSubjects: s.num_subjects,
        Subjects: subjects,
        NumDeleted: s.num_deleted,
        DeletedLen: c_int_len(s.deleted.len()),
        Deleted: st.array(s.deleted.clone()),
        Lost: lost,
        Consumers: s.consumers,
    }
}

/// A cluster's info in a tree (also used for consumer infos).
pub(crate) fn cluster_to_c(st: &mut TreeStore, c: &ClusterInfo) -> *mut jsClusterInfo {
    let replicas: Vec<jsPeerInfo> = c
        .replicas
        .iter()
        .map(|p| jsPeerInfo {
            Name: st.str_or_null(&p.name).cast_mut(),
            Current: p.current,
            Offline: p.offline,
            Active: p.active,
            Lag: p.lag,
        })
        .collect();
    let v = jsClusterInfo {
        Name: st.str_or_null(&c.name).cast_mut(),
        Leader: st.str_or_null(&c.leader).cast_mut(),
        ReplicasLen: c_int_len(replicas.len()),
        Replicas: st.ptr_array(replicas),
        RaftGroup: st.str_or_null(&c.raft_group).cast_mut(),
        LeaderSince: c.leader_since,
        SystemAcc: c.system_acc,
        TrafficAcc: st.str_or_null(&c.traffic_acc).cast_mut(),
    };
    st.boxed(v)
}

fn source_info_to_c(st: &mut TreeStore, s: &StreamSourceInfo) -> jsStreamSourceInfo {
    let transforms: Vec<_> = s
        .subject_transforms
        .iter()
        .map(|t| transform_to_c(st, t))
        .collect();
    jsStreamSourceInfo {
        Name: st.str_or_null(&s.name).cast_mut(),
        External: s
            .external
            .as_ref()
            .map_or(ptr::null_mut(), |e| external_to_c(st, e)),
        Lag: s.lag,
        Active: s.active,
        FilterSubject: st.str_or_null(&s.filter_subject),
        SubjectTransformsLen: c_int_len(transforms.len()),
        SubjectTransforms: st.array(transforms),
    }
}

/// A stream info as one tree, freed with [`free_stream_info`].
pub(crate) fn stream_info_to_c(si: &StreamInfo) -> *mut jsStreamInfo {
    let mut st = TreeStore::default();
    let config = stream_config_to_c(&mut st, &si.config);
    let config = st.boxed(config);
    let state = state_to_c(&mut st, &si.state);
    let cluster = si
        .cluster
        .as_ref()
        .map_or(ptr::null_mut(), |c| cluster_to_c(&mut st, c));
    let mirror = si.mirror.as_ref().map_or(ptr::null_mut(), |m| {
        let v = source_info_to_c(&mut st, m);
        st.boxed(v)
    });
    let sources: Vec<_> = si
        .sources
        .iter()
        .map(|s| source_info_to_c(&mut st, s))
        .collect();
    let alternates: Vec<_> = si
        .alternates
        .iter()
        .map(|a| jsStreamAlternate {
            Name: st.str_or_null(&a.name),
            Domain: st.str_or_null(&a.domain),
            Cluster: st.str_or_null(&a.cluster),
        })
        .collect();
    let root = jsStreamInfo {
        Config: config,
        Created: si.created,
        State: state,
        Cluster: cluster,
        Mirror: mirror,
        SourcesLen: c_int_len(sources.len()),
        Sources: st.ptr_array(sources),
        AlternatesLen: c_int_len(alternates.len()),
        Alternates: st.ptr_array(alternates),
    };
    into_c_tree(root, st)
}

/// # Safety
/// `p` is NULL or a tree from [`stream_info_to_c`], not yet freed.
pub(crate) unsafe fn free_stream_info(p: *mut jsStreamInfo) {
    // SAFETY: per the contract.
    unsafe { free_tree(p) }
}

/// The infos of js_Streams: each entry its own tree.
pub(crate) fn stream_info_list_to_c(list: &[StreamInfo]) -> *mut jsStreamInfoList {
    let mut st = TreeStore::default();
    let infos: Vec<*mut jsStreamInfo> = list.iter().map(stream_info_to_c).collect();
    let root = jsStreamInfoList {
        Count: c_int_len(infos.len()),
        List: st.array(infos),
    };
    into_c_tree(root, st)
}

/// Frees a list and the infos still in it (entries set to NULL are skipped).
///
/// # Safety
/// `p` is NULL or a list from [`stream_info_list_to_c`], not yet freed,
/// whose entries are NULL or its own infos.
pub(crate) unsafe fn free_stream_info_list(p: *mut jsStreamInfoList) {
    // SAFETY: NULL or a live list per the contract.
    let Some(list) = (unsafe { p.as_ref() }) else {
        return;
    };
    if !list.List.is_null() {
        for i in 0..usize::try_from(list.Count).unwrap_or(0) {
            // SAFETY: the array holds `Count` entries, each NULL or a tree
            // of its own.
            unsafe { free_stream_info(*list.List.add(i)) };
        }
    }
    // SAFETY: the list itself is a tree, given up here.
    unsafe { free_tree(p) }
}

/// The names of js_StreamNames as one tree.
pub(crate) fn names_list_to_c(names: &[String]) -> *mut jsStreamNamesList {
    let mut st = TreeStore::default();
    let root = jsStreamNamesList {
        Count: c_int_len(names.len()),
        List: st.str_array(names).cast::<*mut c_char>(),
    };
    into_c_tree(root, st)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn an_info_tree_holds_what_the_server_said() {
        let text = r#"{
          "config": {"name": "S", "subjects": ["a.>"], "storage": "memory",
                     "metadata": {"k": "v"}},
          "created": "1970-01-01T00:00:01Z",
          "state": {"messages": 3, "subjects": {"a.x": 2, "a.y": 1},
                    "deleted": [2], "lost": {"msgs": [5], "bytes": 9}},
          "cluster": {"name": "C", "leader": "n1",
                      "replicas": [{"name": "n2", "current": true, "lag": 4}]},
          "mirror": {"name": "O", "lag": 1, "external": {"api": "$JS.h.API"},
                     "subject_transforms": [{"src": "a", "dest": "b"}]},
          "alternates": [{"name": "S", "cluster": "C"}]
        }"#;
        let si: StreamInfo = serde_json::from_str(text).unwrap();
        let p = stream_info_to_c(&si);
        // SAFETY: a live tree made above; every pointer read is part of it.
        unsafe {
            let i = &*p;
            assert_eq!(i.Created, 1_000_000_000);
            let cfg = &*i.Config;
            assert_eq!(CStr::from_ptr(cfg.Name).to_str(), Ok("S"));
            assert!(cfg.Description.is_null());
            assert_eq!(cfg.Metadata.Count, 1);
            assert_eq!(i.State.Msgs, 3);
            let subs = &*i.State.Subjects;
            assert_eq!(subs.Count, 2);
            assert_eq!(CStr::from_ptr((*subs.List).Subject).to_str(), Ok("a.x"));
            assert_eq!((i.State.DeletedLen, *i.State.Deleted), (1, 2));
            assert_eq!(((*i.State.Lost).MsgsLen, (*i.State.Lost).Bytes), (1, 9));
            let c = &*i.Cluster;
            assert_eq!(c.ReplicasLen, 1);
            assert_eq!((**c.Replicas).Lag, 4);
            assert!(c.TrafficAcc.is_null());
            let m = &*i.Mirror;
            assert_eq!(m.SubjectTransformsLen, 1);
            assert_eq!(
                CStr::from_ptr((*m.External).APIPrefix).to_str(),
                Ok("$JS.h.API")
            );
            assert!(i.Sources.is_null() && i.SourcesLen == 0);
            assert_eq!(i.AlternatesLen, 1);
            free_stream_info(p);
        }
    }

    #[test]
    fn a_list_entry_taken_out_is_freed_on_its_own() {
        let si = StreamInfo::default();
        let list = stream_info_list_to_c(&[si.clone(), si]);
        // SAFETY: a live list made above; its first entry is taken out
        // before the list is freed, then freed by itself.
        unsafe {
            assert_eq!((*list).Count, 2);
            let first = *(*list).List;
            *(*list).List = ptr::null_mut();
            free_stream_info_list(list);
            free_stream_info(first);
            free_stream_info_list(ptr::null_mut());
        }
        let names = names_list_to_c(&["A".into(), "B".into()]);
        // SAFETY: a live tree made above.
        unsafe {
            assert_eq!(CStr::from_ptr(*(*names).List.add(1)).to_str(), Ok("B"));
            free_tree(names);
        }
    }
}
