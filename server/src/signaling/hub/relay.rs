//! Call messages: each user's end of a call is kept by the node holding their
//! connection, so one node decides each user's busy state and races between
//! callers resolve there.

use std::sync::atomic::Ordering::Relaxed;

use duet_protocol::{ClientMessage, ErrorCode, HangupReason, ServerMessage, UserStatus};

use super::{frame, CallLink, Home, Hub, Refusal, State};
use crate::{
    cluster::{Routed, Unreachable},
    metrics::Metrics,
};

impl Hub {
    /// Relays a call message from local user `from` to its target, stamping
    /// `from` as the sender whatever name the client wrote, and keeps `from`'s
    /// end of the call. The target's end is kept where the target is
    /// connected (see [`Hub::receive`]), so one node decides each user's busy
    /// state and races between callers resolve there.
    pub fn relay(&self, from: &str, msg: ClientMessage) -> Result<(), Refusal> {
        let mut st = self.lock();
        let is_hangup = matches!(msg, ClientMessage::HangUp { .. });
        let target = match msg.target() {
            Some(t) if !t.is_empty() => t.to_owned(),
            // MDN's client hangs up with `target: null`: it means the call
            // the sender is in (or ringing); with none, there is nothing to end.
            _ if is_hangup => match st.calls.get(from) {
                Some(link) => link.partner.clone(),
                None => return Ok(()),
            },
            _ => return Err(Refusal::new(ErrorCode::InvalidMessage, "this message has no target")),
        };
        if target == from {
            return Err(Refusal::new(ErrorCode::TargetSelf, "you cannot call yourself"));
        }
        if !st.everyone.contains_key(&target) {
            // A hang-up racing the target's departure is already done.
            return if is_hangup {
                Ok(())
            } else {
                Err(Refusal::new(ErrorCode::TargetOffline, format!("{target} is not online")))
            };
        }
        let link = st.calls.get(from).cloned();
        let in_call_with_target = link.as_ref().is_some_and(|l| l.partner == target);
        // Sent from within a call both ends have taken up (not a new ring).
        let linked = link.as_ref().is_some_and(|l| l.partner == target && l.answered);
        let name = from.to_owned();
        let out = match msg {
            ClientMessage::VideoOffer { sdp, preconnect, .. } => {
                if let Some(l) = link.as_ref().filter(|l| l.partner != target) {
                    return Err(Refusal::new(
                        ErrorCode::AlreadyInCall,
                        format!("hang up your call with {} first", l.partner),
                    ));
                }
                if !in_call_with_target {
                    st.calls.insert(
                        name.clone(),
                        CallLink {
                            partner: target.clone(),
                            answered: false,
                            counted: false,
                            held: false,
                            offered_by_partner: false,
                        },
                    );
                    st.note_status(&name, UserStatus::Busy);
                }
                ServerMessage::VideoOffer { name, target, sdp, linked, preconnect }
            }
            ClientMessage::VideoAnswer { sdp, ringing, .. } => {
                if !link.as_ref().is_some_and(|l| l.partner == target && l.offered_by_partner) {
                    return Err(not_in_call(&target));
                }
                // An answer while it rings only connects: the call is taken
                // up (counted, its ticket issued) when it is accepted.
                if !ringing {
                    self.take_up(&mut st, &name);
                }
                ServerMessage::VideoAnswer { name, target, sdp, ringing }
            }
            ClientMessage::CallAccepted { .. } => {
                if !link.as_ref().is_some_and(|l| l.partner == target && l.offered_by_partner) {
                    return Err(not_in_call(&target));
                }
                self.take_up(&mut st, &name);
                ServerMessage::CallAccepted { name, target }
            }
            ClientMessage::NewIceCandidate { candidate, .. } => {
                if !in_call_with_target {
                    return Err(not_in_call(&target));
                }
                ServerMessage::NewIceCandidate { name, target, candidate }
            }
            ClientMessage::MediaState { audio, video, .. } => {
                if !in_call_with_target {
                    return Err(not_in_call(&target));
                }
                ServerMessage::MediaState { name, target, audio, video }
            }
            ClientMessage::HangUp { reason, .. } => {
                if !in_call_with_target {
                    return Ok(());
                }
                st.unlink(&name, &self.metrics);
                st.note_status(&name, UserStatus::Available);
                ServerMessage::HangUp { name, target, reason: reason.unwrap_or_default() }
            }
            ClientMessage::Username { .. }
            | ClientMessage::Message { .. }
            | ClientMessage::View { .. }
            | ClientMessage::Watch { .. } => unreachable!("has no target"),
        };
        self.deliver(&mut st, out, linked);
        self.metrics.messages_relayed_total.fetch_add(1, Relaxed);
        Ok(())
    }

    /// Local user `name` took up the call it was offered: counted, and its
    /// ticket (which names the call) issued.
    fn take_up(&self, st: &mut State, name: &str) {
        if let Some(l) = st.calls.get_mut(name).filter(|l| !l.answered) {
            l.answered = true;
            l.counted = true;
            self.metrics.active_calls.fetch_add(1, Relaxed);
            self.push_ticket(st, name);
        }
    }

    /// Takes a call message to its target, here or on its node. `linked`:
    /// the sender's end of a call with the target is answered (see
    /// [`CallLink::held`](super::CallLink)).
    pub(super) fn deliver(&self, st: &mut State, msg: ServerMessage, linked: bool) {
        let Some((_, target)) = ends(&msg) else { return };
        match st.everyone.get(target).map(|e| e.home.clone()) {
            Some(Home::Local) => self.receive(st, msg, linked),
            Some(Home::Remote(node)) => {
                if let Err(why) = self.backplane.send(&node, Routed::Relay { msg: msg.clone(), linked }) {
                    self.undeliverable(st, &msg, &why);
                }
            }
            None => self.undeliverable(st, &msg, &Unreachable::NoSuchNode),
        }
    }

    /// A call message arrives for local user `target`: keep the target's end
    /// of the call, then hand it over.
    pub(super) fn receive(&self, st: &mut State, msg: ServerMessage, linked: bool) {
        let Some((from, target)) = ends(&msg) else { return };
        let (from, target) = (from.to_owned(), target.to_owned());
        let partner = st.calls.get(&target).map(|l| l.partner.clone());
        let with_sender = partner.as_deref() == Some(from.as_str());
        // A call held across a restart hears only from the partner's linked
        // session: a stranger who took the partner's name meanwhile must not
        // reach it (its offer would be answered on a new connection).
        let stranger = with_sender && !linked && st.calls.get(&target).is_some_and(|l| l.held);
        if with_sender && linked {
            // The partner's own end of this call spoke (on another node, after
            // a restart): the held end has found its partner.
            if let Some(l) = st.calls.get_mut(&target) {
                l.held = false;
            }
        }
        match &msg {
            // Sent within a call the target is no longer in (or never was:
            // someone else holds the name now): not a new ring.
            ServerMessage::VideoOffer { .. } if linked && !with_sender => return,
            ServerMessage::VideoOffer { .. } if (partner.is_some() && !with_sender) || stranger => {
                // Refused for the target, as its hang-up would say.
                let busy = ServerMessage::HangUp { name: target, target: from, reason: HangupReason::Busy };
                return self.deliver(st, busy, false);
            }
            _ if stranger => {
                tracing::info!(%from, %target, "dropped a message to a held call from a session not linked to it");
                return;
            }
            ServerMessage::VideoOffer { .. } if !with_sender => {
                st.calls.insert(
                    target.clone(),
                    CallLink { partner: from, answered: false, counted: false, held: false, offered_by_partner: true },
                );
                st.note_status(&target, UserStatus::Busy);
            }
            // A renegotiation (or glare) within the call: the target may answer it.
            ServerMessage::VideoOffer { .. } => {
                if let Some(l) = st.calls.get_mut(&target) {
                    l.offered_by_partner = true;
                }
            }
            // The rest belong to the call the target has with the sender; once
            // the target has left that call, its hang-up is on the way back.
            _ if !with_sender => return,
            ServerMessage::VideoAnswer { ringing: false, .. } | ServerMessage::CallAccepted { .. } => {
                if let Some(l) = st.calls.get_mut(&target).filter(|l| !l.answered) {
                    l.answered = true;
                    // The answer first, then the ticket that names the call.
                    st.send_to(&target, &frame(&msg), &self.metrics);
                    return self.push_ticket(st, &target);
                }
            }
            ServerMessage::HangUp { .. } => {
                st.unlink(&target, &self.metrics);
                st.note_status(&target, UserStatus::Available);
            }
            _ => {}
        }
        st.send_to(&target, &frame(&msg), &self.metrics);
    }

    /// `msg` could not reach its target's node: its sender (if here) is told
    /// and the call it was starting is undone. Nothing is dropped silently.
    pub(super) fn undeliverable(&self, st: &mut State, msg: &ServerMessage, why: &Unreachable) {
        let Some((from, target)) = ends(msg) else { return };
        self.metrics.cluster_undeliverable_total.fetch_add(1, Relaxed);
        tracing::warn!(%from, %target, "could not route a message: {why}");
        if !st.local.contains_key(from) {
            return;
        }
        let unanswered = st.calls.get(from).is_some_and(|l| l.partner == target && !l.answered);
        if matches!(msg, ServerMessage::VideoOffer { .. }) && unanswered {
            st.unlink(from, &self.metrics);
            st.note_status(from, UserStatus::Available);
        }
        if !matches!(msg, ServerMessage::HangUp { .. }) {
            self.metrics.count_error(ErrorCode::Unavailable);
            let text = format!("could not reach {target}: {why}; try again shortly");
            st.send_to(from, &frame(&ServerMessage::error(ErrorCode::Unavailable, text)), &self.metrics);
        }
    }

    /// Ends local user `name`'s call on its behalf (it left): the partner gets a hang-up.
    pub(super) fn end_call(&self, st: &mut State, name: &str, reason: HangupReason) {
        let linked = st.calls.get(name).is_some_and(|l| l.answered);
        if let Some(partner) = st.unlink(name, &self.metrics) {
            st.note_status(name, UserStatus::Available);
            self.deliver(st, ServerMessage::HangUp { name: name.to_owned(), target: partner, reason }, linked);
        }
    }
}

impl State {
    /// Removes local user `name`'s end of its call, returning the partner.
    /// Telling anyone is the caller's job.
    pub(super) fn unlink(&mut self, name: &str, metrics: &Metrics) -> Option<String> {
        let link = self.calls.remove(name)?;
        if link.counted {
            metrics.active_calls.fetch_sub(1, Relaxed);
        }
        Some(link.partner)
    }
}

/// The sender and target of a call message.
pub(super) fn ends(m: &ServerMessage) -> Option<(&str, &str)> {
    match m {
        ServerMessage::VideoOffer { name, target, .. }
        | ServerMessage::VideoAnswer { name, target, .. }
        | ServerMessage::CallAccepted { name, target }
        | ServerMessage::NewIceCandidate { name, target, .. }
        | ServerMessage::MediaState { name, target, .. }
        | ServerMessage::HangUp { name, target, .. } => Some((name, target)),
        _ => None,
    }
}

fn not_in_call(target: &str) -> Refusal {
    Refusal::new(ErrorCode::NotInCall, format!("you are not in a call with {target}"))
}
