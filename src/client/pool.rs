//! The servers a connection may use: the ones the user gave and the ones a
//! cluster announced, in the order reconnects try them.
use super::url::ServerUrl;

/// One server of the pool and what the client learned about it.
#[derive(Debug, Clone)]
pub(crate) struct ServerEntry {
    pub url: ServerUrl,
    /// Announced by the cluster (INFO `connect_urls`), not given by the user.
    pub implicit: bool,
    /// Connection attempts since this server last accepted us.
    pub reconnects: i32,
    /// The server refused our credentials on the last attempt.
    pub auth_failed: bool,
}

/// Servers in trial order; the one in use is moved to the back when a
/// reconnect starts so its peers are tried first.
#[derive(Debug, Default)]
pub(crate) struct ServerPool {
    servers: Vec<ServerEntry>,
}

/// Same host and port, treating the loopback spellings as one host.
fn same_server(a: &ServerUrl, b: &ServerUrl) -> bool {
    fn canon(h: &str) -> &str {
        match h {
            "localhost" | "127.0.0.1" | "::1" | "[::1]" => "localhost",
            other => other,
        }
    }
    a.port == b.port && canon(&a.host).eq_ignore_ascii_case(canon(&b.host))
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
    /// `max_reconnect` attempts (negative: never), and returns the server to
    /// try next.
    pub fn next_after(&mut self, cur: &ServerUrl, max_reconnect: i32) -> Option<ServerEntry> {
        if let Some(i) = self.servers.iter().position(|e| same_server(&e.url, cur)) {
            let e = self.servers.remove(i);
            if max_reconnect < 0 || e.reconnects < max_reconnect {
                self.servers.push(e);
            }
        }
        self.servers.first().cloned()
    }

    /// Adds the servers a cluster announced; returns whether any is new.
    /// Implicit servers that are no longer announced leave the pool, except
    /// the one in use. New servers borrow the credentials of the first
    /// user-given URL that has some, as nats.c does.
    pub fn merge_announced(&mut self, announced: &[String], cur: &ServerUrl) -> bool {
        let parsed: Vec<ServerUrl> = announced
            .iter()
            .filter_map(|u| ServerUrl::parse(u).ok())
            .collect();
        self.servers.retain(|e| {
            !e.implicit || same_server(&e.url, cur) || parsed.iter().any(|p| same_server(p, &e.url))
        });
        let creds = self
            .servers
            .iter()
            .find(|e| !e.implicit && e.url.has_credentials())
            .map(|e| e.url.clone());
        let mut added = false;
        for mut url in parsed {
            if self.servers.iter().any(|e| same_server(&e.url, &url)) {
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
        let next = p.next_after(&a, -1).unwrap();
        assert_eq!(next.url.host, "b");
        assert_eq!(p.urls(false), ["nats://b:2", "nats://c:3", "nats://a:1"]);
    }

    #[test]
    fn a_server_out_of_attempts_leaves_the_pool() {
        let mut p = ServerPool::new(urls(&["a:1", "b:2"]), true);
        let a = p.get(0).unwrap().url.clone();
        p.find_mut(&a).unwrap().reconnects = 3;
        let next = p.next_after(&a, 3).unwrap();
        assert_eq!(next.url.host, "b");
        assert_eq!(p.len(), 1);
        let b = next.url;
        p.find_mut(&b).unwrap().reconnects = 3;
        assert!(p.next_after(&b, 3).is_none());
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
}
