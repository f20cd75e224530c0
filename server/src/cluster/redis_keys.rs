//! The Redis backplane's keys and the scripts that change them (the layout
//! is described in [`super::redis`]); every write to a claim is a
//! compare-and-set script, so a late logout never removes a newer claim.

use std::time::Duration;

use super::NodeId;
use crate::ids::ConnId;

/// Claims (and reclaims): set if free or already ours.
const CLAIM: &str = r#"
local v = redis.call('GET', KEYS[1])
if v == false or v == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  redis.call('SADD', KEYS[2], ARGV[3])
  return 1
end
return 0
"#;

/// Compare-and-delete: only the holder's own claim goes.
const RELEASE: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[2])
end
return 1
"#;

/// Records this node's heartbeat in Redis' clock (so nodes' clocks need not
/// agree); returns [now in ms, 1 if the entry was missing].
const HEARTBEAT: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local fresh = redis.call('HSET', KEYS[1], ARGV[1], now)
return {now, fresh}
"#;

/// Removes a stopped node: only claims still holding its id, its name set
/// and its heartbeat. Idempotent, so every survivor may run it.
const PURGE: &str = r#"
local prefix = ARGV[1] .. '/'
local n = 0
for _, name in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local k = ARGV[2] .. name
  local v = redis.call('GET', k)
  if v and string.sub(v, 1, #prefix) == prefix then
    redis.call('DEL', k)
    n = n + 1
  end
end
redis.call('DEL', KEYS[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return n
"#;

#[derive(Debug)]
pub(super) struct Keys {
    pub prefix: String,
    pub node: NodeId,
}

impl Keys {
    pub fn user(&self, name: &str) -> String {
        format!("{}:user:{name}", self.prefix)
    }
    pub fn users_of(&self, node: &str) -> String {
        format!("{}:node:{node}:users", self.prefix)
    }
    pub fn nodes(&self) -> String {
        format!("{}:nodes", self.prefix)
    }
    pub fn to(&self, node: &str) -> String {
        format!("{}:to:{node}", self.prefix)
    }
    pub fn all(&self) -> String {
        format!("{}:all", self.prefix)
    }
    pub fn purge(&self, node: &str) -> redis::Cmd {
        let mut c = redis::cmd("EVAL");
        c.arg(PURGE).arg(2).arg(self.users_of(node)).arg(self.nodes()).arg(node).arg(format!("{}:user:", self.prefix));
        c
    }
    pub fn claim_value(&self, conn: ConnId) -> String {
        format!("{}/{conn}", self.node)
    }

    /// Claims (or re-claims) `name` for `conn` of this node, for `ttl`.
    pub fn claim(&self, name: &str, conn: ConnId, ttl: Duration) -> redis::Cmd {
        let mut c = redis::cmd("EVAL");
        c.arg(CLAIM)
            .arg(2)
            .arg(self.user(name))
            .arg(self.users_of(&self.node))
            .arg(self.claim_value(conn))
            .arg(ttl.as_millis() as u64)
            .arg(name);
        c
    }

    /// Gives up `name`, only if `conn` of this node still holds it.
    pub fn release(&self, name: &str, conn: ConnId) -> redis::Cmd {
        let mut c = redis::cmd("EVAL");
        c.arg(RELEASE).arg(2).arg(self.user(name)).arg(self.users_of(&self.node)).arg(self.claim_value(conn)).arg(name);
        c
    }

    /// Records this node's heartbeat; answers [now in ms, 1 if it was missing].
    pub fn heartbeat(&self) -> redis::Cmd {
        let mut c = redis::cmd("EVAL");
        c.arg(HEARTBEAT).arg(1).arg(self.nodes()).arg(&*self.node);
        c
    }
}
