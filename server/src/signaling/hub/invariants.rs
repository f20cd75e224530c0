//! The hub's invariants, checked by tests after every step they drive.

use std::sync::atomic::Ordering::Relaxed;

use super::{Home, Hub};

impl Hub {
    /// Checks the invariants tests rely on: calls between local users pair up
    /// symmetrically, and the gauges match the state.
    pub fn check_invariants(&self) -> Result<(), String> {
        let st = self.lock();
        for (a, l) in &st.calls {
            if !st.local.contains_key(a) {
                return Err(format!("{a} is in a call but not connected here"));
            }
            if !st.local.contains_key(&l.partner) {
                continue;
            }
            let back = st.calls.get(&l.partner).ok_or(format!("{a}'s partner {} has no link", l.partner))?;
            if back.partner != *a || back.answered != l.answered {
                return Err(format!("call link {a} <-> {} is not symmetric", l.partner));
            }
        }
        let counted = st.calls.values().filter(|l| l.counted).count() as u64;
        if counted != self.metrics.active_calls.load(Relaxed) {
            return Err("active_calls gauge is off".into());
        }
        if st.local.len() as u64 != self.metrics.users.load(Relaxed) {
            return Err("users gauge is off".into());
        }
        if st.local.values().filter(|u| !u.duet).count() != st.mdn_clients {
            return Err("MDN client count is off".into());
        }
        if st.local.keys().any(|n| st.everyone.get(n).is_none_or(|e| e.home != Home::Local)) {
            return Err("a local user is missing from presence".into());
        }
        Ok(())
    }
}
