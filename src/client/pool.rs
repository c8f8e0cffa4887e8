//! The servers a connection may use: the ones the user gave and the ones a
//! cluster announced, in the order reconnects try them.
use std::collections::HashSet;

use super::url::ServerUrl;

/// One server of the pool and what the client learned about it.
#[derive(Debug, Clone)]
pub(crate) struct ServerEntry {
    pub url: ServerUrl,
    /// Announced by the cluster (INFO `connect_urls`), not given by the user.
    pub implicit: bool,
    /// Connection attempts since this server last accepted us.
    pub reconnects: usize,
    /// The server refused our credentials on the last attempt.
    pub auth_failed: bool,
}

/// Servers in trial order; the one in use is moved to the back when a
/// reconnect starts so its peers are tried first.
#[derive(Debug, Default)]
pub(crate) struct ServerPool {
    servers: Vec<ServerEntry>,
}

/// The loopback spellings count as one host.
fn canon_host(h: &str) -> &str {
    match h {
        "localhost" | "127.0.0.1" | "::1" | "[::1]" => "localhost",
        other => other,
    }
}

/// Same host (ASCII case ignored) and port.
fn same_server(a: &ServerUrl, b: &ServerUrl) -> bool {
    a.port == b.port && canon_host(&a.host).eq_ignore_ascii_case(canon_host(&b.host))
}

/// A key equal for two URLs exactly when `same_server` says they match,
/// for finding servers in a set rather than by comparing every pair.
fn server_key(u: &ServerUrl) -> (String, u16) {
    (canon_host(&u.host.to_ascii_lowercase()).to_owned(), u.port)
}

/// A cheap random number for shuffling and jitter (not for secrets).
pub(crate) fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    );
    h.finish()
}

impl ServerPool {
    /// The user's servers, shuffled unless `keep_order` (nats.c's
    /// `NoRandomize`).
    pub fn new(urls: Vec<ServerUrl>, keep_order: bool) -> ServerPool {
        let mut servers: Vec<ServerEntry> = urls
            .into_iter()
            .map(|url| ServerEntry {
                url,
                implicit: false,
                reconnects: 0,
                auth_failed: false,
            })
            .collect();
        if !keep_order {
            for i in (1..servers.len()).rev() {
                let j = (random_u64() % (i as u64 + 1)) as usize;
                servers.swap(i, j);
            }
        }
        ServerPool { servers }
    }

    pub fn len(&self) -> usize {
        self.servers.len()
    }

    pub fn get(&self, i: usize) -> Option<&ServerEntry> {
        self.servers.get(i)
    }

    pub fn find_mut(&mut self, url: &ServerUrl) -> Option<&mut ServerEntry> {
        self.servers.iter_mut().find(|e| same_server(&e.url, url))
    }

    /// Moves `cur` to the back of the pool, or drops it once it has used up
    /// `max_reconnect` attempts (`None`: never), and returns the server to
    /// try next.
    pub fn next_after(
        &mut self,
        cur: &ServerUrl,
        max_reconnect: Option<usize>,
    ) -> Option<ServerEntry> {
        if let Some(i) = self.servers.iter().position(|e| same_server(&e.url, cur)) {
            let e = self.servers.remove(i);
            if max_reconnect.is_none_or(|max| e.reconnects < max) {
                self.servers.push(e);
            }
        }
        self.servers.first().cloned()
    }

    /// Adds the servers a cluster announced; returns whether any is new.
    /// Implicit servers that are no longer announced leave the pool, except
    /// the one in use. New servers borrow the credentials of the first
    /// user-given URL that has some, as nats.c does.
    ///
    /// Linear in the sizes of the pool and the list (a cluster, or a server
    /// pretending to be one, may announce thousands): servers are matched
    /// through a set of their keys, never by comparing every pair.
    pub fn merge_announced(&mut self, announced: &[String], cur: &ServerUrl) -> bool {
        let parsed: Vec<ServerUrl> = announced
            .iter()
            .filter_map(|u| ServerUrl::parse(u).ok())
            .collect();
        let announced_keys: HashSet<(String, u16)> = parsed.iter().map(server_key).collect();
        let cur_key = server_key(cur);
        self.servers.retain(|e| {
            if !e.implicit {
                return true;
            }
            let key = server_key(&e.url);
            key == cur_key || announced_keys.contains(&key)
        });
        let mut known: HashSet<(String, u16)> =
            self.servers.iter().map(|e| server_key(&e.url)).collect();
        let creds = self
            .servers
            .iter()
            .find(|e| !e.implicit && e.url.has_credentials())
            .map(|e| e.url.clone());
        let mut added = false;
        for mut url in parsed {
            // Also skips a server listed twice.
            if !known.insert(server_key(&url)) {
                continue;
            }
            url.scheme = cur.scheme.clone();
            if let Some(c) = &creds {
                url.user = c.user.clone();
                url.password = c.password.clone();
                url.token = c.token.clone();
            }
            self.servers.push(ServerEntry {
                url,
                implicit: true,
                reconnects: 0,
                auth_failed: false,
            });
            added = true;
        }
        added
    }

    /// The pool as URLs (credentials left out), optionally only the
    /// announced ones.
    pub fn urls(&self, implicit_only: bool) -> Vec<String> {
        self.servers
            .iter()
            .filter(|e| !implicit_only || e.implicit)
            .map(|e| e.url.display())
            .collect()
    }

    /// Whether a server other than `cur` is known.
    pub fn has_other_than(&self, cur: &ServerUrl) -> bool {
        self.servers.iter().any(|e| !same_server(&e.url, cur))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(list: &[&str]) -> Vec<ServerUrl> {
        list.iter().map(|u| ServerUrl::parse(u).unwrap()).collect()
    }

    #[test]
    fn keeps_order_when_asked_and_rotates_the_current_server_to_the_back() {
        let mut p = ServerPool::new(urls(&["a:1", "b:2", "c:3"]), true);
        assert_eq!(p.urls(false), ["nats://a:1", "nats://b:2", "nats://c:3"]);
        let a = p.get(0).unwrap().url.clone();
        let next = p.next_after(&a, None).unwrap();
        assert_eq!(next.url.host, "b");
        assert_eq!(p.urls(false), ["nats://b:2", "nats://c:3", "nats://a:1"]);
    }

    #[test]
    fn a_server_out_of_attempts_leaves_the_pool() {
        let mut p = ServerPool::new(urls(&["a:1", "b:2"]), true);
        let a = p.get(0).unwrap().url.clone();
        p.find_mut(&a).unwrap().reconnects = 3;
        let next = p.next_after(&a, Some(3)).unwrap();
        assert_eq!(next.url.host, "b");
        assert_eq!(p.len(), 1);
        let b = next.url;
        p.find_mut(&b).unwrap().reconnects = 3;
        assert!(p.next_after(&b, Some(3)).is_none());
        assert_eq!(p.len(), 0);
    }

    #[test]
    fn shuffling_keeps_every_server() {
        let list: Vec<String> = (1..=20).map(|i| format!("h{i}:{i}")).collect();
        let refs: Vec<&str> = list.iter().map(String::as_str).collect();
        let p = ServerPool::new(urls(&refs), false);
        let mut got = p.urls(false);
        got.sort();
        let mut want: Vec<String> = list.iter().map(|u| format!("nats://{u}")).collect();
        want.sort();
        assert_eq!(got, want);
    }

    #[test]
    fn announced_servers_join_with_the_users_credentials_and_leave_when_gone() {
        let mut p = ServerPool::new(urls(&["nats://u:p@127.0.0.1:4222"]), true);
        let cur = p.get(0).unwrap().url.clone();
        let added = p.merge_announced(
            &[
                "localhost:4222".into(),
                "10.0.0.2:4222".into(),
                "10.0.0.3:4222".into(),
            ],
            &cur,
        );
        assert!(added);
        assert_eq!(p.len(), 3, "localhost and 127.0.0.1 are the same server");
        let e = p.get(1).unwrap();
        assert!(e.implicit);
        assert_eq!(e.url.user.as_deref(), Some("u"));
        assert_eq!(
            p.urls(true),
            ["nats://10.0.0.2:4222", "nats://10.0.0.3:4222"]
        );
        // The same list again adds nothing; a shorter one drops the missing.
        assert!(!p.merge_announced(&["10.0.0.2:4222".into(), "10.0.0.3:4222".into()], &cur));
        assert!(!p.merge_announced(&["10.0.0.2:4222".into()], &cur));
        assert_eq!(p.urls(true), ["nats://10.0.0.2:4222"]);
    }

    #[test]
    fn server_keys_agree_with_same_server() {
        let hosts = [
            "localhost",
            "LocalHost",
            "127.0.0.1",
            "::1",
            "[::1]",
            "a",
            "A",
            "[FE80::1]",
            "[fe80::1]",
            "b",
        ];
        for a in hosts {
            for b in hosts {
                for (pa, pb) in [(1, 1), (1, 2)] {
                    let ua = ServerUrl::parse(&format!("nats://{a}:{pa}")).unwrap();
                    let ub = ServerUrl::parse(&format!("nats://{b}:{pb}")).unwrap();
                    assert_eq!(
                        same_server(&ua, &ub),
                        server_key(&ua) == server_key(&ub),
                        "{a}:{pa} vs {b}:{pb}"
                    );
                }
            }
        }
    }

    /// 50,000 announced servers, merged three times: comparing every pair
    /// took minutes in a debug build (2.6 s optimised) on the reader
    /// thread; a set of keys makes it linear. The work runs on a thread so
    /// that a regression fails, not hangs.
    #[test]
    fn fifty_thousand_announced_servers_merge_in_linear_time() {
        const N: usize = 50_000;
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let work = std::thread::spawn(move || {
            let _done = done_tx;
            let mut p = ServerPool::new(urls(&["nats://u:p@10.0.0.1:4222", "seed:4222"]), true);
            let cur = p.get(0).unwrap().url.clone();
            let mut announced: Vec<String> = (0..N)
                .map(|i| format!("10.{}.{}.{}:4222", i >> 16, (i >> 8) & 255, i & 255))
                .collect();
            // The current server and a repeat are in the list too.
            announced.push("10.0.0.1:4222".into());
            announced.push("10.0.0.7:4222".into());
            assert!(p.merge_announced(&announced, &cur));
            // 10.0.0.1 is the current server, already in the pool.
            assert_eq!(p.len(), 2 + N - 1);
            let implicit = p.urls(true);
            assert_eq!(implicit.len(), N - 1);
            assert_eq!(implicit[0], "nats://10.0.0.0:4222");
            assert_eq!(implicit[1], "nats://10.0.0.2:4222");
            assert_eq!(implicit[N - 2], format!("nats://{}", announced[N - 1]));
            assert_eq!(p.get(2).unwrap().url.user.as_deref(), Some("u"));
            // The same list again adds nothing.
            assert!(!p.merge_announced(&announced, &cur));
            assert_eq!(p.len(), 2 + N - 1);
            // Half the servers leave; the user's stay, in their order.
            let half: Vec<String> = announced.iter().step_by(2).cloned().collect();
            assert!(!p.merge_announced(&half, &cur));
            assert_eq!(
                p.urls(false)[..2],
                ["nats://10.0.0.1:4222", "nats://seed:4222"]
            );
            let want: Vec<String> = half
                .iter()
                .filter(|u| *u != "10.0.0.1:4222")
                .take(N / 2)
                .map(|u| format!("nats://{u}"))
                .collect();
            assert_eq!(p.urls(true), want);
        });
        // Waits for the thread's end (its sender drops then), not for time.
        assert!(
            !matches!(
                done_rx.recv_timeout(std::time::Duration::from_secs(30)),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout)
            ),
            "merging 50,000 announced servers took more than 30 s"
        );
        if let Err(e) = work.join() {
            std::panic::resume_unwind(e);
        }
    }
}
