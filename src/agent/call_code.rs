//! The call's own effects (start, answer, offers, candidates, tracks, share,
//! recording) run in the call's wasm chunk in release builds, so the first
//! load does not carry the peer connection's code (components/parts.rs
//! fetches the chunk as soon as the app is up).
//!
//! Usually the chunk is in long before a call, and they run at once. One
//! that comes first waits for it, and the call's later effects wait behind
//! it in order; everything else (signaling, the ring, a hang-up) goes on
//! meanwhile. Ending the call drops what waits: a start that arrives after
//! the hang-up must not open the camera or send an offer. A chunk that
//! cannot be fetched, or takes longer than a part may, ends the call.

use std::{
    cell::{Cell, RefCell},
    collections::VecDeque,
    future::Future,
    pin::Pin,
    rc::{Rc, Weak},
    task::{Context, Poll, Waker},
};

use gloo::timers::callback::Timeout;

use super::Agent;
use crate::{
    components::parts::GIVE_UP_MS,
    store::{Action, CallEffect, CallState, Msg},
};

/// The call effects of one call that wait for the chunk.
#[derive(Default)]
pub(super) struct CallCode {
    /// The chunk is in (then every job is done on its first poll).
    loaded: Cell<bool>,
    /// Which call an effect belongs to: bumped when one ends.
    call: Cell<u64>,
    /// The call whose effects wait for the chunk, if one does.
    waiting_call: Cell<Option<u64>>,
    /// Its effects after the first, in order, each with the state it was
    /// asked for in (they run as they would have at once).
    queue: RefCell<VecDeque<(Rc<CallState>, CallEffect)>>,
    give_up: RefCell<Option<Timeout>>,
}

impl CallCode {
    /// The call ended: what waits for its code is dropped.
    pub(super) fn drop_waiting(&self) {
        self.call.set(self.call.get() + 1);
        self.waiting_call.set(None);
        self.queue.borrow_mut().clear();
        self.give_up.borrow_mut().take();
    }
}

type Job = Pin<Box<dyn Future<Output = Result<(), ()>>>>;

/// Runs a call effect (`Agent::run_call`) once the chunk is in.
pub(super) fn run(agent: &Rc<Agent>, effect: CallEffect) {
    let code = &agent.call_code;
    let call = code.call.get();
    // The runner's state is the store's now (hooks/store.rs).
    let state = agent.state();
    if code.waiting_call.get() == Some(call) {
        code.queue.borrow_mut().push_back((state, effect));
        return;
    }
    // Before the chunk there is no connection nor recording for these to
    // change (signing in sets the ICE servers): nothing to fetch or fail.
    if !code.loaded.get() && effect.only_changes_a_connection() {
        return;
    }
    let mut job = job(agent.clone(), state, effect, call);
    // With the chunk in, the job is done on its first poll: the effect runs
    // now, as the rest do.
    match job.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(done) => check(agent, done, call),
        Poll::Pending => {
            code.waiting_call.set(Some(call));
            let weak = Rc::downgrade(agent);
            let give_up = move || Weak::upgrade(&weak).into_iter().for_each(|a| fail(&a, call));
            *code.give_up.borrow_mut() = Some(Timeout::new(GIVE_UP_MS, give_up));
            wasm_bindgen_futures::spawn_local(finish(agent.clone(), job, call));
        }
    }
}

/// Waits for the first effect's job, then runs the ones queued behind it.
async fn finish(agent: Rc<Agent>, first: Job, call: u64) {
    let mut done = first.await;
    let code = &agent.call_code;
    loop {
        if code.call.get() != call {
            return; // ended or given up: its queue is gone
        }
        if done.is_err() {
            return fail(&agent, call);
        }
        code.loaded.set(true);
        let next = code.queue.borrow_mut().pop_front();
        let Some((state, effect)) = next else { break };
        done = job(agent.clone(), state, effect, call).await;
    }
    code.waiting_call.set(None);
    code.give_up.borrow_mut().take();
}

fn check(agent: &Agent, done: Result<(), ()>, call: u64) {
    match done {
        Ok(()) => agent.call_code.loaded.set(true),
        Err(()) => fail(agent, call),
    }
}

/// The chunk did not come: the call cannot go on. Said once per call (the
/// store ends it, which drops what waits).
fn fail(agent: &Agent, call: u64) {
    if agent.call_code.call.get() == call {
        agent.call_code.drop_waiting();
        agent.dispatch.dispatch(Action::CallError(Msg::CallCouldNotLoad));
    }
}

fn job(agent: Rc<Agent>, state: Rc<CallState>, effect: CallEffect, call: u64) -> Job {
    Box::pin(async move { split::run_call(agent, state, effect, call).await.map_err(drop) })
}

/// Fetches the chunk's code for the call effects, so the first finds it in
/// (each split function has its own loader; the chunk is fetched once).
pub(super) fn preload() {
    wasm_bindgen_futures::spawn_local(async {
        // A failure is met again, and said, by the first call effect.
        let _ = split::preload_call_code().await;
    });
}

/// The effect runs only if its call is still the one going on: the chunk
/// may arrive after the call ended.
fn run_if_current(agent: &Rc<Agent>, state: &CallState, effect: CallEffect, call: u64) {
    if agent.call_code.call.get() == call {
        agent.run_call(state, effect);
    }
}

#[cfg(not(debug_assertions))]
mod split {
    use std::rc::Rc;

    use wasm_split_helpers::{wasm_split, SplitLoaderError};

    use super::Agent;
    use crate::store::{CallEffect, CallState};

    #[wasm_split(call, fallible, preload(preload_call_code))]
    pub(super) fn run_call(
        agent: Rc<Agent>,
        state: Rc<CallState>,
        effect: CallEffect,
        call: u64,
    ) -> Result<(), SplitLoaderError> {
        super::run_if_current(&agent, &state, effect, call);
        Ok(())
    }
}

#[cfg(debug_assertions)]
mod split {
    use std::rc::Rc;

    use super::Agent;
    use crate::store::{CallEffect, CallState};

    pub(super) async fn run_call(
        agent: Rc<Agent>,
        state: Rc<CallState>,
        effect: CallEffect,
        call: u64,
    ) -> Result<(), ()> {
        super::run_if_current(&agent, &state, effect, call);
        Ok(())
    }

    pub(super) async fn preload_call_code() -> Result<(), ()> {
        Ok(())
    }
}
