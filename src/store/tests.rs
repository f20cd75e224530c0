//! Every transition of the call store, including the races (media trouble in `tests/media.rs`).

use duet_protocol::{
    ClientMessage, ErrorCode, HangupReason, IceCandidate, IceServer, ServerMessage, SessionDescription, UserStatus,
};

use super::*;

mod data_saver;
mod directory;
mod history;
mod media;
mod preconnect;
mod recording;
mod safety;

fn sdp(kind: &str) -> SessionDescription {
    SessionDescription { kind: kind.into(), sdp: format!("v=0 {kind}") }
}

fn run(s: CallState, actions: impl IntoIterator<Item = Action>) -> CallState {
    actions.into_iter().fold(s, CallState::reduce)
}

/// What a notice announces and whether it is an error.
fn said(n: &Notice) -> (Msg, bool) {
    (n.msg.clone(), n.error)
}

fn srv(m: ServerMessage) -> Action {
    Action::Server(m)
}

/// Logged in as `me` on a Duet server with `others` online.
fn logged_in(me: &str, others: &[&str]) -> CallState {
    let mut users: Vec<String> = others.iter().map(|s| s.to_string()).collect();
    users.push(me.into());
    users.sort();
    run(
        CallState::default(),
        [
            Action::Login(me.into()),
            srv(ServerMessage::Id { id: 1 }),
            srv(ServerMessage::Welcome { name: me.into(), ice_servers: vec![], resume: None }),
            srv(ServerMessage::UserList { more: false, users, busy: vec![] }),
        ],
    )
}

/// Effects added by `action` alone.
fn effects_of(s: &CallState, action: Action) -> (CallState, Vec<Effect>) {
    let seen = s.effects.last_seq();
    let next = s.clone().reduce(action);
    let new = next.effects.since(seen).map(|(_, e)| e.clone()).collect();
    (next, new)
}

fn hangup(from: &str, to: &str, reason: HangupReason) -> Action {
    srv(ServerMessage::HangUp { name: from.into(), target: to.into(), reason })
}

fn sent_hangup(effects: &[Effect]) -> Option<(String, HangupReason)> {
    effects.iter().find_map(|e| match e {
        Effect::Send(ClientMessage::HangUp { target, reason, .. }) => {
            Some((target.clone(), reason.unwrap_or_default()))
        }
        _ => None,
    })
}

#[test]
fn login_connects_then_sends_the_username_with_the_duet_opt_in() {
    let (s, fx) = effects_of(&CallState::default(), Action::Login("  alice ".into()));
    assert_eq!(fx, vec![Effect::Connect { credential: None }]);
    assert_eq!(s.connection, ConnectionState::LoggingIn { requested: "alice".into() });
    let (s, fx) = effects_of(&s, srv(ServerMessage::Id { id: 9 }));
    assert_eq!(
        fx,
        vec![Effect::Send(ClientMessage::Username {
            name: "alice".into(),
            date: None,
            id: Some(9),
            duet: Some(duet_protocol::DIRECTORY_VERSION),
            resume: None,
            call: None
        })]
    );
    let ice = vec![IceServer { urls: vec!["stun:x".into()], username: None, credential: None }];
    let s = s.reduce(srv(ServerMessage::Welcome { name: "alice".into(), ice_servers: ice.clone(), resume: None }));
    assert!(s.is_logged_in() && s.duet_server);
    assert_eq!(s.ice_servers, ice);
}

#[test]
fn an_invalid_name_is_refused_before_connecting() {
    let (s, fx) = effects_of(&CallState::default(), Action::Login("   ".into()));
    assert!(fx.is_empty());
    assert_eq!(s.connection, ConnectionState::Disconnected);
    assert!(s.notice.unwrap().error);
    let (s, _) = effects_of(&CallState::default(), Action::Login("x".repeat(33)));
    assert_eq!(s.notice.unwrap().msg, Msg::NameTooLong(32));
}

#[test]
fn on_a_baseline_server_the_userlist_confirms_login_and_a_rename_is_announced() {
    let s = run(
        CallState::default(),
        [
            Action::Login("alice".into()),
            srv(ServerMessage::Id { id: 1 }),
            srv(ServerMessage::RejectUsername { id: 1, name: "alice1".into() }),
        ],
    );
    assert!(!s.is_logged_in());
    assert_eq!(s.notice.as_ref().unwrap().msg, Msg::NameTaken { requested: "alice".into(), given: "alice1".into() });
    let s = s.reduce(srv(ServerMessage::UserList {
        more: false,
        users: vec!["alice".into(), "alice1".into()],
        busy: vec![],
    }));
    assert!(s.is_logged_in());
    assert_eq!(s.me.as_deref(), Some("alice1"));
    assert!(!s.duet_server);
}

#[test]
fn the_server_refusing_the_name_returns_to_login_with_the_reason() {
    let s = run(
        CallState::default(),
        [Action::Login("bob".into()), srv(ServerMessage::error(ErrorCode::InvalidUsername, "the username is empty"))],
    );
    assert_eq!(s.connection, ConnectionState::Disconnected);
    let reason = Msg::Server { code: ErrorCode::InvalidUsername, text: "the username is empty".into() };
    assert_eq!(said(&s.notice.unwrap()), (reason, true));
}

#[test]
fn presence_updates_the_list_incrementally() {
    let s = logged_in("alice", &["bob", "dave"]);
    let s = s.reduce(srv(ServerMessage::PresenceUpdate {
        more: false,
        available: vec!["carol".into()],
        busy: vec!["bob".into()],
        left: vec!["dave".into()],
    }));
    assert_eq!(s.users.status("bob"), Some(UserStatus::Busy));
    assert_eq!(s.users.status("carol"), Some(UserStatus::Available));
    assert!(!s.users.contains("dave"));
    assert_eq!(s.users.len(), 3);
}

#[test]
fn calling_rings_with_an_offer_and_a_timer() {
    let (s, fx) = effects_of(&logged_in("bob", &["alice"]), Action::Call("alice".into()));
    assert_eq!(s.call, CallPhase::Outgoing { peer: "alice".into() });
    // bob > alice: bob is the impolite side.
    assert_eq!(
        fx,
        vec![
            Effect::Call(CallEffect::StartCall { peer: "alice".into(), polite: false }),
            Effect::StartRingTimer { peer: "alice".into() }
        ]
    );
    assert_eq!(s.notice, None, "the call view says it, once");
}

#[test]
fn calls_that_cannot_be_placed_say_why() {
    let s = logged_in("alice", &["bob"]);
    let (s1, fx) = effects_of(&s, Action::Call("alice".into()));
    assert!(fx.is_empty() && s1.call.is_idle());
    assert_eq!(s1.notice.unwrap().msg, Msg::CannotCallYourself);
    let (s2, fx) = effects_of(&s, Action::Call("zed".into()));
    assert!(fx.is_empty());
    assert_eq!(s2.notice.unwrap().msg, Msg::NotOnline("zed".into()));
    let busy = s.reduce(srv(ServerMessage::PresenceUpdate {
        more: false,
        available: vec![],
        busy: vec!["bob".into()],
        left: vec![],
    }));
    let (s3, fx) = effects_of(&busy, Action::Call("bob".into()));
    assert!(fx.is_empty() && s3.call.is_idle());
    assert_eq!(s3.notice.unwrap().msg, Msg::Busy("bob".into()));
    let (_, fx) = effects_of(&CallState::default(), Action::Call("bob".into()));
    assert!(fx.is_empty(), "not logged in");
}

#[test]
fn a_plain_answer_moves_the_caller_into_the_call_and_sends_its_media() {
    let s = logged_in("alice", &["bob"]).reduce(Action::Call("bob".into()));
    let (s, fx) = effects_of(
        &s,
        srv(ServerMessage::VideoAnswer {
            ringing: false,
            name: "bob".into(),
            target: "alice".into(),
            sdp: sdp("answer"),
        }),
    );
    assert_eq!(s.call, CallPhase::InCall { peer: "bob".into(), connected: false, reconnecting: false });
    assert_eq!(
        fx,
        vec![
            Effect::StartConnectTimer { generation: s.ice_generation },
            Effect::Call(CallEffect::RemoteAnswer(sdp("answer"))),
            Effect::Call(CallEffect::SendMedia)
        ]
    );
    let s = s.reduce(Action::PeerConnected);
    assert_eq!(s.call, CallPhase::InCall { peer: "bob".into(), connected: true, reconnecting: false });
}

#[test]
fn an_incoming_offer_asks_the_user_and_accept_answers_it() {
    let s = logged_in("bob", &["alice"]);
    let (s, fx) = effects_of(
        &s,
        srv(ServerMessage::VideoOffer {
            preconnect: false,
            name: "alice".into(),
            target: "bob".into(),
            sdp: sdp("offer"),
            linked: false,
        }),
    );
    assert_eq!(s.call, CallPhase::Incoming { preconnected: false, peer: "alice".into(), offer: sdp("offer") });
    assert_eq!(
        fx,
        vec![Effect::PrepareMedia, Effect::StartRingTimer { peer: "alice".into() }],
        "nothing is answered automatically; the camera warms up while it rings"
    );
    assert_eq!(s.notice, None, "the ringing dialog says it, once");
    let (s, fx) = effects_of(&s, Action::Accept);
    assert_eq!(
        fx,
        vec![
            Effect::StartConnectTimer { generation: s.ice_generation },
            Effect::Call(CallEffect::Answer { peer: "alice".into(), offer: sdp("offer"), polite: false })
        ]
    );
    assert!(matches!(s.call, CallPhase::InCall { ref peer, .. } if peer == "alice"));
}

#[test]
fn decline_tells_the_caller_and_releases_everything() {
    let s = logged_in("bob", &["alice"]).reduce(srv(ServerMessage::VideoOffer {
        preconnect: false,
        name: "alice".into(),
        target: "bob".into(),
        sdp: sdp("offer"),
        linked: false,
    }));
    let (s, fx) = effects_of(&s, Action::Decline);
    assert_eq!(sent_hangup(&fx), Some(("alice".into(), HangupReason::Declined)));
    assert!(fx.contains(&Effect::EndCall));
    assert!(s.call.is_idle());

    // The caller's view of it.
    let caller = logged_in("alice", &["bob"]).reduce(Action::Call("bob".into()));
    let (caller, fx) = effects_of(&caller, hangup("bob", "alice", HangupReason::Declined));
    assert!(caller.call.is_idle());
    assert!(sent_hangup(&fx).is_none(), "no hang-up is sent back");
    assert!(fx.contains(&Effect::EndCall));
    assert_eq!(caller.notice.unwrap().msg, Msg::Declined("bob".into()));
}

#[test]
fn an_mdn_peer_hanging_up_while_we_ring_reads_as_declined() {
    let caller = logged_in("alice", &["bob"]).reduce(Action::Call("bob".into()));
    let caller = caller.reduce(hangup("bob", "alice", HangupReason::Hangup));
    assert_eq!(caller.notice.unwrap().msg, Msg::Declined("bob".into()));
}

#[test]
fn cancel_while_ringing_tells_the_callee_whose_dialog_closes() {
    let s = logged_in("alice", &["bob"]).reduce(Action::Call("bob".into()));
    let (s, fx) = effects_of(&s, Action::Cancel);
    assert_eq!(sent_hangup(&fx), Some(("bob".into(), HangupReason::Cancelled)));
    assert!(s.call.is_idle());

    let callee = logged_in("bob", &["alice"])
        .reduce(srv(ServerMessage::VideoOffer {
            preconnect: false,
            name: "alice".into(),
            target: "bob".into(),
            sdp: sdp("offer"),
            linked: false,
        }))
        .reduce(hangup("alice", "bob", HangupReason::Cancelled));
    assert!(callee.call.is_idle());
    assert_eq!(callee.notice.unwrap().msg, Msg::MissedCall("alice".into()));
}

#[test]
fn an_answer_after_cancel_is_ignored() {
    let s = logged_in("alice", &["bob"]).reduce(Action::Call("bob".into())).reduce(Action::Cancel);
    let (s, fx) = effects_of(
        &s,
        srv(ServerMessage::VideoAnswer {
            ringing: false,
            name: "bob".into(),
            target: "alice".into(),
            sdp: sdp("answer"),
        }),
    );
    assert!(s.call.is_idle());
    assert!(fx.is_empty());
    let (_, fx) = effects_of(
        &s,
        srv(ServerMessage::NewIceCandidate { name: "bob".into(), target: "alice".into(), candidate: cand() }),
    );
    assert!(fx.is_empty(), "late candidates go nowhere");
}

#[test]
fn the_ring_times_out_on_both_sides_but_only_for_the_current_call() {
    let s = logged_in("alice", &["bob", "carol"]).reduce(Action::Call("bob".into()));
    let (s2, fx) = effects_of(&s, Action::RingTimeout { peer: "carol".into() });
    assert!(fx.is_empty() && s2.call == s.call, "a stale timer for another call does nothing");
    let (s, fx) = effects_of(&s, Action::RingTimeout { peer: "bob".into() });
    assert_eq!(sent_hangup(&fx), Some(("bob".into(), HangupReason::Timeout)));
    assert_eq!(s.notice.unwrap().msg, Msg::NoAnswer("bob".into()));

    let callee = logged_in("bob", &["alice"]).reduce(srv(ServerMessage::VideoOffer {
        preconnect: false,
        name: "alice".into(),
        target: "bob".into(),
        sdp: sdp("offer"),
        linked: false,
    }));
    let (callee, fx) = effects_of(&callee, Action::RingTimeout { peer: "alice".into() });
    assert!(callee.call.is_idle() && fx.contains(&Effect::EndCall));
    assert_eq!(callee.notice.unwrap().msg, Msg::MissedCall("alice".into()));
    // A timer firing after the call was accepted does nothing.
    let accepted = logged_in("bob", &["alice"])
        .reduce(srv(ServerMessage::VideoOffer {
            preconnect: false,
            name: "alice".into(),
            target: "bob".into(),
            sdp: sdp("offer"),
            linked: false,
        }))
        .reduce(Action::Accept);
    let (after, fx) = effects_of(&accepted, Action::RingTimeout { peer: "alice".into() });
    assert!(fx.is_empty() && after.call == accepted.call);
}

#[test]
fn an_offer_while_busy_is_refused_as_busy_without_disturbing_the_call() {
    let in_call = logged_in("bob", &["alice", "carol"])
        .reduce(srv(ServerMessage::VideoOffer {
            preconnect: false,
            name: "alice".into(),
            target: "bob".into(),
            sdp: sdp("offer"),
            linked: false,
        }))
        .reduce(Action::Accept);
    let (s, fx) = effects_of(
        &in_call,
        srv(ServerMessage::VideoOffer {
            preconnect: false,
            name: "carol".into(),
            target: "bob".into(),
            sdp: sdp("offer"),
            linked: false,
        }),
    );
    // Refused, and kept in the recent calls as missed; nothing else.
    assert_eq!(fx.len(), 2);
    assert_eq!(sent_hangup(&fx), Some(("carol".into(), HangupReason::Busy)));
    assert_eq!(s.call, in_call.call);

    // Also while our own dialog is showing for someone else.
    let ringing = logged_in("bob", &["alice", "carol"]).reduce(srv(ServerMessage::VideoOffer {
        preconnect: false,
        name: "alice".into(),
        target: "bob".into(),
        sdp: sdp("offer"),
        linked: false,
    }));
    let (s, fx) = effects_of(
        &ringing,
        srv(ServerMessage::VideoOffer {
            preconnect: false,
            name: "carol".into(),
            target: "bob".into(),
            sdp: sdp("offer"),
            linked: false,
        }),
    );
    assert_eq!(sent_hangup(&fx), Some(("carol".into(), HangupReason::Busy)));
    assert_eq!(s.call, ringing.call);
}

#[test]
fn hang_up_during_ringing_from_the_callers_side_or_ours() {
    let s = logged_in("bob", &["alice"]).reduce(srv(ServerMessage::VideoOffer {
        preconnect: false,
        name: "alice".into(),
        target: "bob".into(),
        sdp: sdp("offer"),
        linked: false,
    }));
    // The Hang up command means nothing before the call is accepted.
    let (s2, fx) = effects_of(&s, Action::HangUp);
    assert!(fx.is_empty() && s2.call == s.call);
    // A hang-up from someone else is not about this call.
    let (s3, fx) = effects_of(&s, hangup("carol", "bob", HangupReason::Hangup));
    assert!(fx.is_empty() && s3.call == s.call);
}

#[test]
fn glare_the_polite_side_answers_and_the_impolite_side_waits() {
    let offer = |from: &str, to: &str| {
        srv(ServerMessage::VideoOffer {
            preconnect: false,
            name: from.into(),
            target: to.into(),
            sdp: sdp("offer"),
            linked: false,
        })
    };
    // alice < bob: alice is polite.
    let alice = logged_in("alice", &["bob"]).reduce(Action::Call("bob".into()));
    let (alice, fx) = effects_of(&alice, offer("bob", "alice"));
    assert_eq!(
        fx,
        vec![
            Effect::StartConnectTimer { generation: alice.ice_generation },
            Effect::Call(CallEffect::Answer { peer: "bob".into(), offer: sdp("offer"), polite: true })
        ]
    );
    assert!(matches!(alice.call, CallPhase::InCall { .. }));

    let bob = logged_in("bob", &["alice"]).reduce(Action::Call("alice".into()));
    let (bob2, fx) = effects_of(&bob, offer("alice", "bob"));
    assert!(fx.is_empty(), "the impolite side ignores the colliding offer");
    assert_eq!(bob2.call, bob.call);
    let bob2 = bob2.reduce(srv(ServerMessage::VideoAnswer {
        ringing: false,
        name: "alice".into(),
        target: "bob".into(),
        sdp: sdp("answer"),
    }));
    assert!(matches!(bob2.call, CallPhase::InCall { .. }));
}

fn cand() -> IceCandidate {
    IceCandidate {
        candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host".into(),
        sdp_mid: Some("0".into()),
        sdp_m_line_index: Some(0),
        username_fragment: None,
    }
}

#[test]
fn candidates_reach_the_agent_only_for_the_current_peer() {
    let s = logged_in("alice", &["bob", "carol"]).reduce(Action::Call("bob".into()));
    let c = |name: &str| {
        srv(ServerMessage::NewIceCandidate { name: name.into(), target: "alice".into(), candidate: cand() })
    };
    assert_eq!(effects_of(&s, c("bob")).1, vec![Effect::Call(CallEffect::RemoteCandidate(cand()))]);
    assert!(effects_of(&s, c("carol")).1.is_empty());
    // A baseline server leaves out the sender; it can only be our peer.
    assert_eq!(effects_of(&s, c("")).1, vec![Effect::Call(CallEffect::RemoteCandidate(cand()))]);
    // While the dialog shows too, so they can be buffered for the answer.
    let ringing = logged_in("bob", &["alice"]).reduce(srv(ServerMessage::VideoOffer {
        preconnect: false,
        name: "alice".into(),
        target: "bob".into(),
        sdp: sdp("offer"),
        linked: false,
    }));
    assert_eq!(effects_of(&ringing, c("alice")).1, vec![Effect::Call(CallEffect::RemoteCandidate(cand()))]);
}

fn in_call(me: &str, peer: &str) -> CallState {
    logged_in(me, &[peer])
        .reduce(Action::Call(peer.into()))
        .reduce(srv(ServerMessage::VideoAnswer {
            ringing: false,
            name: peer.into(),
            target: me.into(),
            sdp: sdp("answer"),
        }))
        .reduce(Action::PeerConnected)
}

#[test]
fn hanging_up_tells_the_peer_and_ends_locally() {
    let (s, fx) = effects_of(&in_call("alice", "bob"), Action::HangUp);
    assert_eq!(sent_hangup(&fx), Some(("bob".into(), HangupReason::Hangup)));
    assert!(fx.contains(&Effect::EndCall));
    assert!(s.call.is_idle());
    assert_eq!(s.notice.unwrap().msg, Msg::CallEnded("bob".into()));

    let (s, fx) = effects_of(&in_call("alice", "bob"), hangup("bob", "alice", HangupReason::Hangup));
    let record = Effect::RecordCall { peer: "bob".into(), outgoing: true, outcome: Outcome::Answered };
    assert_eq!(fx, vec![record, Effect::EndCall]);
    assert_eq!(s.notice.unwrap().msg, Msg::HungUp("bob".into()));
    let (s, _) = effects_of(&in_call("alice", "bob"), hangup("bob", "alice", HangupReason::Disconnected));
    assert_eq!(s.notice.unwrap().msg, Msg::WentOffline("bob".into()));
    let (s, _) = effects_of(&in_call("alice", "bob"), hangup("bob", "alice", HangupReason::Failed));
    let n = s.notice.unwrap();
    assert!(n.error && n.msg == Msg::FailedWithoutRelay("bob".into()), "{n:?}");
}

#[test]
fn mute_and_camera_toggle_tracks_and_tell_the_peer() {
    let (s, fx) = effects_of(&in_call("alice", "bob"), Action::ToggleMic);
    assert!(!s.media.mic_on);
    assert_eq!(
        fx,
        vec![
            Effect::Call(CallEffect::SetTracks { audio: false, video: true }),
            Effect::Send(ClientMessage::MediaState { target: "bob".into(), audio: false, video: true })
        ]
    );
    let (s, _) = effects_of(&s, Action::ToggleCamera);
    assert!(!s.media.camera_on);
    // The peer's report shows as their state.
    let s = s.reduce(srv(ServerMessage::MediaState {
        name: "bob".into(),
        target: "alice".into(),
        audio: false,
        video: false,
    }));
    assert!(!s.media.remote_mic_on && !s.media.remote_camera_on);
    // Preferences survive the call; the peer's state does not.
    let s = s.reduce(Action::HangUp);
    assert!(!s.media.mic_on && !s.media.camera_on);
    assert!(s.media.remote_mic_on && s.media.remote_camera_on);
}

#[test]
fn a_disconnect_gets_a_grace_period_and_a_reconnect_cancels_it() {
    let s = in_call("alice", "bob");
    let (s, fx) = effects_of(&s, Action::PeerDisconnected);
    assert!(matches!(s.call, CallPhase::InCall { reconnecting: true, .. }));
    let generation = s.ice_generation;
    assert_eq!(fx, vec![Effect::StartGraceTimer { generation }]);
    // Back within the grace: the expiry finds nothing to do.
    let back = s.clone().reduce(Action::PeerConnected);
    let (back, fx) = effects_of(&back, Action::GraceExpired { generation });
    assert!(fx.is_empty());
    assert!(matches!(back.call, CallPhase::InCall { connected: true, reconnecting: false, .. }));
    // Not back: ICE restarts, each with a fresh grace period; then the call ends with a message.
    let mut gone = s.clone();
    let mut generation = generation;
    for attempt in 1..=MAX_ICE_RESTARTS {
        let (next, fx) = effects_of(&gone, Action::GraceExpired { generation });
        assert!(matches!(next.call, CallPhase::InCall { reconnecting: true, .. }), "restart {attempt}");
        generation = next.ice_generation;
        assert_eq!(fx, vec![Effect::Call(CallEffect::RestartIce), Effect::StartGraceTimer { generation }]);
        gone = next;
    }
    let (gone, fx) = effects_of(&gone, Action::GraceExpired { generation });
    assert!(gone.call.is_idle());
    assert_eq!(sent_hangup(&fx), Some(("bob".into(), HangupReason::Failed)));
    assert_eq!(said(&gone.notice.unwrap()), (Msg::ConnectionLost("bob".into()), true));
    let generation = s.ice_generation;
    // A stale timer from an earlier blip is ignored.
    let twice = s.reduce(Action::PeerConnected).reduce(Action::PeerDisconnected);
    let (still, fx) = effects_of(&twice, Action::GraceExpired { generation });
    assert!(fx.is_empty() && !still.call.is_idle());
}

/// A call whose media path never came up.
fn accepted_not_connected(me: &str, peer: &str) -> CallState {
    logged_in(me, &[peer]).reduce(Action::Call(peer.into())).reduce(srv(ServerMessage::VideoAnswer {
        ringing: false,
        name: peer.into(),
        target: me.into(),
        sdp: sdp("answer"),
    }))
}

#[test]
fn failure_says_whether_a_turn_server_was_configured() {
    // (The first failure of a path that never worked restarts ICE once.)
    let failed_twice = |s: CallState| s.reduce(Action::PeerFailed).reduce(Action::PeerFailed);
    let s = failed_twice(accepted_not_connected("alice", "bob"));
    assert_eq!(s.notice.unwrap().msg, Msg::FailedWithoutRelay("bob".into()));
    let mut with_turn = accepted_not_connected("alice", "bob");
    with_turn.ice_servers =
        vec![IceServer { urls: vec!["turn:127.0.0.1:3478".into()], username: None, credential: None }];
    let s = failed_twice(with_turn);
    assert_eq!(s.notice.unwrap().msg, Msg::FailedThroughRelay("bob".into()));
}

#[test]
fn a_path_that_never_worked_gets_one_ice_restart_then_the_call_fails() {
    let s = accepted_not_connected("alice", "bob");
    let (s, fx) = effects_of(&s, Action::PeerFailed);
    assert!(fx.contains(&Effect::Call(CallEffect::RestartIce)), "{fx:?}");
    assert!(matches!(s.call, CallPhase::InCall { connected: false, reconnecting: true, .. }));
    let (gone, fx) = effects_of(&s, Action::PeerFailed);
    assert!(gone.call.is_idle(), "one restart only");
    assert_eq!(sent_hangup(&fx), Some(("bob".into(), HangupReason::Failed)));
    // The restart's grace running out ends it too.
    let generation = s.ice_generation;
    let gone = s.reduce(Action::GraceExpired { generation });
    assert!(gone.call.is_idle());
}

#[test]
fn a_failed_path_that_once_worked_restarts_ice_before_giving_up() {
    let mut s = in_call("alice", "bob");
    for _ in 0..MAX_ICE_RESTARTS {
        let (next, fx) = effects_of(&s, Action::PeerFailed);
        assert!(fx.contains(&Effect::Call(CallEffect::RestartIce)), "{fx:?}");
        assert!(matches!(next.call, CallPhase::InCall { reconnecting: true, .. }));
        s = next;
    }
    let (gone, fx) = effects_of(&s, Action::PeerFailed);
    assert!(gone.call.is_idle());
    assert_eq!(sent_hangup(&fx), Some(("bob".into(), HangupReason::Failed)));
    // Coming back resets the budget for the next interruption.
    let back = in_call("alice", "bob").reduce(Action::PeerFailed).reduce(Action::PeerConnected);
    assert_eq!(back.ice_restarts, 0);
    assert!(matches!(back.call, CallPhase::InCall { connected: true, reconnecting: false, .. }));
}

#[test]
fn in_call_chat_goes_peer_to_peer_counts_unread_and_ends_with_the_call() {
    let s = in_call("alice", "bob");
    // Nothing is sent before the data channel is open.
    let (s, fx) = effects_of(&s, Action::SendPeerChat("hi".into()));
    assert!(fx.is_empty() && s.peer_chat.lines.is_empty());
    let s = s.reduce(Action::PeerChatReady(true));
    let (s, fx) = effects_of(&s, Action::SendPeerChat("  hi bob ".into()));
    assert_eq!(fx, vec![Effect::Call(CallEffect::SendPeerChat("hi bob".into()))], "never through the server");
    let s = run(s, [Action::PeerChatReceived("hello".into()), Action::PeerChatReceived("there".into())]);
    assert_eq!(s.peer_chat.unread, 2);
    let lines: Vec<_> = s.peer_chat.lines.iter().map(|l| format!("{}: {}", l.from, l.text)).collect();
    assert_eq!(lines, ["alice: hi bob", "bob: hello", "bob: there"]);
    let s = s.reduce(Action::TogglePeerChat);
    assert_eq!((s.peer_chat.open, s.peer_chat.unread), (true, 0));
    let s = s.reduce(Action::PeerChatReceived("read at once".into()));
    assert_eq!(s.peer_chat.unread, 0);
    // A peer's oversized line is dropped, ours is refused with a reason.
    let long = "x".repeat(duet_protocol::limits::MAX_CHAT_CHARS + 1);
    let s = s.reduce(Action::PeerChatReceived(long.clone()));
    assert_eq!(s.peer_chat.lines.len(), 4);
    let (s, fx) = effects_of(&s, Action::SendPeerChat(long));
    assert!(fx.is_empty() && s.notice.as_ref().unwrap().error);
    let s = s.reduce(Action::HangUp);
    assert_eq!(s.peer_chat, PeerChat::default());
}

#[test]
fn screen_share_toggles_through_the_agent_and_ends_with_the_call() {
    let s = in_call("alice", "bob");
    let (s, fx) = effects_of(&s, Action::ToggleShare);
    assert_eq!(fx, vec![Effect::Call(CallEffect::StartShare)]);
    assert!(!s.sharing_screen, "only once the browser has given a screen");
    let s = s.reduce(Action::ScreenShared(true));
    let (s, fx) = effects_of(&s, Action::ToggleShare);
    assert_eq!(fx, vec![Effect::Call(CallEffect::StopShare)]);
    // The browser's own "Stop sharing" reports the same way.
    let s = s.reduce(Action::ScreenShared(false));
    assert!(!s.sharing_screen);
    let s = s.reduce(Action::ScreenShared(true)).reduce(Action::HangUp);
    assert!(!s.sharing_screen);
    let (_, fx) = effects_of(&logged_in("alice", &["bob"]), Action::ToggleShare);
    assert!(fx.is_empty(), "nothing to share outside a call");
}

#[test]
fn stats_are_rates_between_samples_of_this_call_only() {
    let sample = |at_ms, bytes| StatsSample { at_ms, bytes_received: bytes, ..Default::default() };
    let idle = logged_in("alice", &["bob"]).reduce(Action::Stats(sample(0.0, 0)));
    assert_eq!(idle.stats, None);
    let s = run(in_call("alice", "bob"), [Action::Stats(sample(0.0, 0)), Action::Stats(sample(1000.0, 250_000))]);
    assert_eq!(s.stats.as_ref().unwrap().inbound_kbps, 2000.0);
    let s = s.reduce(Action::HangUp);
    assert_eq!(s.stats, None);
    // The next call starts from scratch rather than from the old counters.
    let s = s.reduce(Action::Call("bob".into())).reduce(srv(ServerMessage::VideoAnswer {
        ringing: false,
        name: "bob".into(),
        target: "alice".into(),
        sdp: sdp("answer"),
    }));
    let s = s.reduce(Action::Stats(sample(5000.0, 10)));
    assert_eq!(s.stats.unwrap().inbound_kbps, 0.0);
}

#[test]
fn overlays_toggle_and_escape_closes_them() {
    let s = run(in_call("alice", "bob"), [Action::ToggleStats, Action::ToggleHelp]);
    assert!(s.show_stats && s.show_help);
    let s = s.reduce(Action::CloseOverlays);
    assert!(!s.show_stats && !s.show_help);
    let s = run(in_call("alice", "bob"), [Action::ToggleHelp, Action::HangUp]);
    assert!(!s.show_help, "the call's shortcuts close with the call");
}

#[test]
fn the_h_key_leaves_a_ringing_call_as_cancel() {
    let s = logged_in("alice", &["bob"]).reduce(Action::Call("bob".into()));
    let (s, fx) = effects_of(&s, Action::HangUp);
    assert_eq!(sent_hangup(&fx), Some(("bob".into(), HangupReason::Cancelled)));
    assert!(s.call.is_idle());
}

fn devices(cameras: &[&str]) -> Devices {
    Devices {
        cameras: cameras.iter().map(|c| Device { id: c.to_string(), label: c.to_uppercase() }).collect(),
        ..Default::default()
    }
}

#[test]
fn choosing_a_device_switches_it_and_unplugging_falls_back_to_the_default() {
    let s = in_call("alice", "bob").reduce(Action::DevicesFound(devices(&["cam1", "cam2"])));
    let (s, fx) = effects_of(&s, Action::ChooseDevice { kind: DeviceKind::Camera, id: Some("cam2".into()) });
    assert_eq!(
        fx,
        vec![
            Effect::UseDevice { kind: DeviceKind::Camera, id: Some("cam2".into()) },
            Effect::RememberDevice { kind: DeviceKind::Camera, id: Some("cam2".into()) }
        ]
    );
    let (s, fx) = effects_of(&s, Action::ChooseDevice { kind: DeviceKind::Camera, id: Some("cam2".into()) });
    assert!(fx.is_empty(), "choosing the current device again does nothing");
    // cam2 is unplugged mid-call.
    let (s, fx) = effects_of(&s, Action::DevicesFound(devices(&["cam1"])));
    // Switched to the default for now, but not forgotten for the next visit.
    assert_eq!(fx, vec![Effect::UseDevice { kind: DeviceKind::Camera, id: None }]);
    assert_eq!(s.devices.camera, None);
    assert_eq!(s.notice.unwrap().msg, Msg::DeviceUnplugged(DeviceKind::Camera));
    // Lists not known yet (no permission) are not an unplug.
    let s = in_call("alice", "bob").reduce(Action::ChooseDevice { kind: DeviceKind::Camera, id: Some("x".into()) });
    let (s, fx) = effects_of(&s, Action::DevicesFound(Devices::default()));
    assert!(fx.is_empty());
    assert_eq!(s.devices.camera.as_deref(), Some("x"));
}

#[test]
fn an_audio_switch_reopens_the_microphone_and_is_remembered() {
    use crate::store::{AudioProcessing, AudioSwitch};
    let s =
        in_call("alice", "bob").reduce(Action::ChooseDevice { kind: DeviceKind::Microphone, id: Some("mic2".into()) });
    assert_eq!(s.devices.audio, AudioProcessing::default(), "everything on until turned off");
    let (s, fx) = effects_of(&s, Action::SetAudioProcessing(AudioSwitch::NoiseSuppression, false));
    let off = AudioProcessing { noise_suppression: false, ..AudioProcessing::default() };
    assert_eq!(fx, vec![Effect::ReopenMicrophone, Effect::RememberAudioProcessing(off)]);
    let (s, fx) = effects_of(&s, Action::SetAudioProcessing(AudioSwitch::NoiseSuppression, false));
    assert!(fx.is_empty(), "turning off what is off does nothing");
    let (s, _) = effects_of(&s, Action::SetAudioProcessing(AudioSwitch::AutoGain, false));
    assert!(!s.devices.audio.get(AudioSwitch::AutoGain) && s.devices.audio.get(AudioSwitch::EchoCancellation));
    // A fresh device list keeps the switches.
    let s = s.reduce(Action::DevicesFound(devices(&["cam1"])));
    assert!(!s.devices.audio.noise_suppression);
    assert_eq!(s.devices.microphone.as_deref(), Some("mic2"), "the chosen microphone stays");
}

#[test]
fn the_lobby_preview_is_only_for_an_idle_logged_in_user_and_goes_into_the_call() {
    let (_, fx) = effects_of(&CallState::default(), Action::ToggleDeviceCheck);
    assert!(fx.is_empty());
    let (s, fx) = effects_of(&logged_in("alice", &["bob"]), Action::ToggleDeviceCheck);
    assert_eq!(fx, vec![Effect::DeviceCheck(true)]);
    let s = s.reduce(Action::Call("bob".into())).reduce(srv(ServerMessage::VideoAnswer {
        ringing: false,
        name: "bob".into(),
        target: "alice".into(),
        sdp: sdp("answer"),
    }));
    assert!(!s.device_check, "the call took the preview's stream");
}

#[test]
fn losing_the_server_for_good_ends_the_call_and_returns_to_login() {
    let mut s = in_call("alice", "bob");
    for attempt in 1..=MAX_RECONNECTS {
        s = s.reduce(Action::SocketClosed { code: 1006, reason: "closed".into() });
        assert_eq!(s.connection, ConnectionState::Reconnecting { attempt });
    }
    let (s, fx) = effects_of(&s, Action::SocketClosed { code: 1006, reason: "closed".into() });
    assert!(fx.contains(&Effect::EndCall));
    assert!(s.call.is_idle() && s.me.is_none() && s.users.is_empty());
    assert_eq!(s.connection, ConnectionState::Disconnected);
    assert!(matches!(s.notice.unwrap().msg, Msg::CouldNotReconnect(_)));
    // A baseline server's session is not resumed.
    let mut mdn = in_call("alice", "bob");
    mdn.duet_server = false;
    let mdn = mdn.reduce(Action::SocketClosed { code: 1006, reason: "closed".into() });
    assert_eq!(mdn.connection, ConnectionState::Disconnected);
    assert!(matches!(mdn.notice.unwrap().msg, Msg::LostServer(_)));
    // Logging in again works.
    let (_, fx) = effects_of(
        &CallState::default().reduce(Action::SocketClosed { code: 1006, reason: "x".into() }),
        Action::Login("a".into()),
    );
    assert_eq!(fx, vec![Effect::Connect { credential: None }]);
}

#[test]
fn an_offline_target_ends_the_outgoing_call_and_late_not_in_call_errors_are_quiet() {
    let s = logged_in("alice", &["bob"]).reduce(Action::Call("bob".into()));
    let s = s.reduce(srv(ServerMessage::error(ErrorCode::TargetOffline, "bob is not online")));
    assert!(s.call.is_idle());
    assert_eq!(said(&s.notice.clone().unwrap()), (Msg::NotOnline("bob".into()), true));
    let s = s.reduce(Action::DismissNotice);
    let s = s.reduce(srv(ServerMessage::error(ErrorCode::NotInCall, "you are not in a call with bob")));
    assert_eq!(s.notice, None);
}

#[test]
fn chat_is_sent_trimmed_and_history_is_bounded() {
    let s = logged_in("alice", &["bob"]);
    let (_, fx) = effects_of(&s, Action::SendChat("  hi  ".into()));
    assert_eq!(fx, vec![Effect::Send(ClientMessage::Message { text: "hi".into(), date: None, id: None })]);
    assert!(effects_of(&s, Action::SendChat("   ".into())).1.is_empty());
    let s = (0..CHAT_HISTORY + 5).fold(s, |s, i| {
        s.reduce(srv(ServerMessage::Message { name: "bob".into(), text: format!("m{i}"), date: None, id: None }))
    });
    assert_eq!(s.chat.len(), CHAT_HISTORY);
    assert_eq!(s.chat.last().unwrap().text, format!("m{}", CHAT_HISTORY + 4));
}

#[test]
fn effects_keep_their_order_until_taken() {
    let mut fx = Effects::default();
    for _ in 0..300 {
        fx.push(Effect::EndCall);
    }
    assert_eq!(fx.last_seq(), 300);
    assert_eq!(fx.all().len(), 300);
    let since: Vec<u64> = fx.since(298).map(|(s, _)| *s).collect();
    assert_eq!(since, vec![299, 300]);
    fx.push(Effect::Call(CallEffect::StartShare));
    let taken = fx.drain();
    assert_eq!((taken.len(), taken.last()), (301, Some(&Effect::Call(CallEffect::StartShare))));
    assert_eq!(fx.last_seq(), 301, "numbering goes on");
}

#[test]
fn calling_the_person_who_rings_us_accepts_their_call() {
    let s = logged_in("bob", &["alice"]).reduce(srv(ServerMessage::VideoOffer {
        preconnect: false,
        name: "alice".into(),
        target: "bob".into(),
        sdp: sdp("offer"),
        linked: false,
    }));
    let (s, fx) = effects_of(&s, Action::Call("alice".into()));
    assert!(fx.contains(&Effect::Call(CallEffect::Answer {
        peer: "alice".into(),
        offer: sdp("offer"),
        polite: false
    })));
    assert!(matches!(s.call, CallPhase::InCall { .. }));
}

#[test]
fn a_call_that_does_not_connect_in_time_fails_with_the_turn_hint() {
    let s = logged_in("alice", &["bob"]).reduce(Action::Call("bob".into())).reduce(srv(ServerMessage::VideoAnswer {
        ringing: false,
        name: "bob".into(),
        target: "alice".into(),
        sdp: sdp("answer"),
    }));
    let generation = s.ice_generation;
    // Connected in time: the timer finds nothing to do.
    let ok = s.clone().reduce(Action::PeerConnected);
    let (ok2, fx) = effects_of(&ok, Action::ConnectTimeout { generation });
    assert!(fx.is_empty() && ok2.call == ok.call);
    // Not connected: the call ends and says whether a relay was configured.
    let (failed, fx) = effects_of(&s, Action::ConnectTimeout { generation });
    assert!(failed.call.is_idle());
    assert_eq!(sent_hangup(&fx), Some(("bob".into(), HangupReason::Failed)));
    assert_eq!(failed.notice.unwrap().msg, Msg::FailedWithoutRelay("bob".into()));
}

#[test]
fn ice_servers_and_the_relay_setting_reach_the_agent() {
    let ice = vec![IceServer {
        urls: vec!["turn:127.0.0.1:3478".into()],
        username: Some("1:a".into()),
        credential: Some("c".into()),
    }];
    let (s, fx) = effects_of(&logged_in("alice", &[]), srv(ServerMessage::IceServers { ice_servers: ice.clone() }));
    assert_eq!(fx, vec![Effect::Call(CallEffect::RefreshIceServers)]);
    assert_eq!(s.ice_servers, ice);
    let (s, fx) = effects_of(&s, Action::SetRelayOnly(true));
    assert!(s.relay_only);
    assert_eq!(fx, vec![Effect::RememberRelayOnly(true)]);
    assert!(effects_of(&s, Action::SetRelayOnly(true)).1.is_empty(), "no change, nothing to save");
}

#[test]
fn after_a_call_the_peer_can_be_called_again_at_once() {
    let s = in_call("alice", "bob").reduce(srv(ServerMessage::PresenceUpdate {
        more: false,
        available: vec![],
        busy: vec!["bob".into()],
        left: vec![],
    }));
    let s = s.reduce(Action::HangUp);
    assert_eq!(s.users.status("bob"), Some(UserStatus::Available));
    let (s, fx) = effects_of(&s, Action::Call("bob".into()));
    assert!(matches!(s.call, CallPhase::Outgoing { .. }));
    assert!(fx.iter().any(|e| matches!(e, Effect::Call(CallEffect::StartCall { .. }))));
}

#[test]
fn an_unreachable_cluster_ends_the_outgoing_call_and_says_so() {
    let s = logged_in("alice", &["bob"]).reduce(Action::Call("bob".into()));
    let text = "could not reach bob: the server's cluster link is down; try again shortly";
    let s = s.reduce(srv(ServerMessage::error(ErrorCode::Unavailable, text)));
    assert!(s.call.is_idle());
    assert_eq!(
        said(s.notice.as_ref().unwrap()),
        (Msg::Server { code: ErrorCode::Unavailable, text: text.into() }, true)
    );
}

#[test]
fn a_dropped_socket_keeps_the_call_and_logs_back_in_with_the_token_and_the_call() {
    let s = in_call("alice", "bob").reduce(srv(ServerMessage::Welcome {
        name: "alice".into(),
        ice_servers: vec![],
        resume: Some("t0k3n".into()),
    }));
    let (s, fx) = effects_of(&s, Action::SocketClosed { code: 1006, reason: "code 1006".into() });
    assert_eq!(fx, vec![Effect::ScheduleReconnect { attempt: 1 }], "no EndCall: media flows peer to peer meanwhile");
    assert!(matches!(s.call, CallPhase::InCall { .. }));
    assert!(s.has_session() && !s.is_logged_in());
    assert!(matches!(s.notice.as_ref().unwrap().msg, Msg::Reconnecting(_)));
    let (s, fx) = effects_of(&s, Action::Reconnect);
    assert_eq!(fx, vec![Effect::Connect { credential: None }]);
    let (s, fx) = effects_of(&s, srv(ServerMessage::Id { id: 9 }));
    assert_eq!(
        fx,
        vec![Effect::Send(ClientMessage::Username {
            name: "alice".into(),
            date: None,
            id: Some(9),
            duet: Some(duet_protocol::DIRECTORY_VERSION),
            resume: Some("t0k3n".into()),
            call: Some("bob".into()),
        })]
    );
    let s = s.reduce(srv(ServerMessage::Welcome {
        name: "alice".into(),
        ice_servers: vec![],
        resume: Some("t0k3n".into()),
    }));
    assert!(s.is_logged_in());
    assert!(matches!(s.call, CallPhase::InCall { ref peer, .. } if peer == "bob"));
    assert_eq!(s.notice.unwrap().msg, Msg::Reconnected);
}

#[test]
fn a_ringing_call_ends_with_the_socket_and_a_new_name_ends_the_call() {
    let ringing = logged_in("alice", &["bob"]).reduce(Action::Call("bob".into()));
    let (s, fx) = effects_of(&ringing, Action::SocketClosed { code: 1006, reason: "x".into() });
    assert!(fx.contains(&Effect::EndCall) && s.call.is_idle());
    assert_eq!(s.connection, ConnectionState::Reconnecting { attempt: 1 });

    let s = in_call("alice", "bob").reduce(Action::SocketClosed { code: 1006, reason: "x".into() });
    let s = s.reduce(srv(ServerMessage::Welcome { name: "alice1".into(), ice_servers: vec![], resume: None }));
    assert!(s.call.is_idle());
    assert_eq!(s.me.as_deref(), Some("alice1"));
    // A refused login while reconnecting is one more failed attempt, not the end.
    let s = in_call("alice", "bob").reduce(Action::SocketClosed { code: 1006, reason: "x".into() });
    let s = s.reduce(srv(ServerMessage::error(ErrorCode::Unavailable, "cluster down")));
    assert_eq!(s.connection, ConnectionState::Reconnecting { attempt: 2 });
    assert!(matches!(s.call, CallPhase::InCall { .. }));
}

#[test]
fn reconnect_delays_double_from_one_second_to_sixteen_with_jitter() {
    let lo: Vec<u32> = (1..=7).map(|a| reconnect_delay_ms(a, 0.0)).collect();
    let hi: Vec<u32> = (1..=7).map(|a| reconnect_delay_ms(a, 1.0)).collect();
    assert_eq!(hi, [1000, 2000, 4000, 8000, 16000, 16000, 16000]);
    assert_eq!(lo, [500, 1000, 2000, 4000, 8000, 8000, 8000]);
    assert_eq!(reconnect_delay_ms(3, 0.5), 3000);
}

#[test]
fn a_private_server_asks_for_the_key_once_and_a_wrong_one_is_forgotten() {
    // Refused at the door: no reconnect loop, the form asks for the key.
    let s = CallState::default().reduce(Action::Login("alice".into()));
    let (s, fx) = effects_of(&s, Action::SocketClosed { code: 4401, reason: "this server needs an access key".into() });
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(s.connection, ConnectionState::Disconnected);
    assert_eq!(s.access_refused, Some(AccessRefusal::KeyRequired));
    assert_eq!(said(s.notice.as_ref().unwrap()), (Msg::Access(AccessRefusal::KeyRequired), true));

    // The key typed in is offered, and remembered.
    let (s, fx) = effects_of(&s, Action::EnterKey("  sesame-0123456789  ".into()));
    let key = Credential::Key("sesame-0123456789".into());
    assert_eq!(fx, vec![Effect::RememberCredential(Some(key.clone()))]);
    let (s, fx) = effects_of(&s, Action::Login("alice".into()));
    assert_eq!(fx, vec![Effect::Connect { credential: Some(key.clone()) }]);
    assert_eq!(s.access_refused, None);

    // Wrong: forgotten here and in storage, and asked for again.
    let (s, fx) = effects_of(&s, Action::SocketClosed { code: 4403, reason: "wrong access key".into() });
    assert_eq!(fx, vec![Effect::RememberCredential(None)]);
    assert_eq!((s.credential.clone(), s.access_refused), (None, Some(AccessRefusal::WrongKey)));
    assert_eq!(said(s.notice.as_ref().unwrap()), (Msg::Access(AccessRefusal::WrongKey), true));
}

#[test]
fn an_invite_link_key_is_remembered_and_used_for_reconnects() {
    let key = Credential::Key("from-the-link-0123".into());
    let (s, fx) =
        effects_of(&CallState::default(), Action::FoundCredential { credential: key.clone(), from_link: true });
    assert_eq!(fx, vec![Effect::RememberCredential(Some(key.clone()))]);
    let (_, fx) =
        effects_of(&CallState::default(), Action::FoundCredential { credential: key.clone(), from_link: false });
    assert!(fx.is_empty(), "already remembered");
    let s = run(
        s,
        [
            Action::Login("alice".into()),
            srv(ServerMessage::Id { id: 1 }),
            srv(ServerMessage::Welcome { name: "alice".into(), ice_servers: vec![], resume: Some("v1.a.b".into()) }),
        ],
    );
    let s = s.reduce(Action::SocketClosed { code: 1006, reason: "code 1006".into() });
    let (_, fx) = effects_of(&s, Action::Reconnect);
    assert_eq!(fx, vec![Effect::Connect { credential: Some(key) }]);
}

#[test]
fn a_site_token_names_us_and_an_expired_one_says_so() {
    let token = Credential::Token("eyJ.a.b".into());
    let s = CallState::default().reduce(Action::FoundCredential { credential: token.clone(), from_link: true });
    // No name to pick: the server takes it from the token.
    let (s, fx) = effects_of(&s, Action::Login(String::new()));
    assert_eq!(fx, vec![Effect::Connect { credential: Some(token) }]);
    let (s, _) = effects_of(&s, srv(ServerMessage::Id { id: 1 }));
    let s = s.reduce(srv(ServerMessage::Welcome { name: "김민지".into(), ice_servers: vec![], resume: None }));
    assert_eq!(s.me.as_deref(), Some("김민지"));
    let s = s.reduce(Action::SocketClosed { code: 4410, reason: "sign-in token expired".into() });
    assert_eq!(s.access_refused, Some(AccessRefusal::TokenExpired));
    assert_eq!(s.credential, None);
    assert!(!s.has_session());
    assert_eq!(said(s.notice.as_ref().unwrap()), (Msg::Access(AccessRefusal::TokenExpired), true));
}

#[test]
fn a_fresh_resume_ticket_replaces_the_old_one() {
    let s = logged_in("alice", &["bob"]).reduce(srv(ServerMessage::ResumeTicket { ticket: "v1.new.mac".into() }));
    assert_eq!(s.resume_token.as_deref(), Some("v1.new.mac"));
}

#[test]
fn a_browser_that_cannot_call_does_not_try_to_log_in() {
    let s = CallState::default().reduce(Action::BrowserLacks(vec![Lack::SecureContext]));
    let (s, fx) = effects_of(&s, Action::Login("alice".into()));
    assert!(fx.is_empty());
    assert_eq!(s.connection, ConnectionState::Disconnected);
}

#[test]
fn the_peer_connection_s_signals_go_to_the_peer_under_our_name() {
    let s = logged_in("alice", &["bob"]).reduce(Action::Call("bob".into()));
    let (_, fx) = effects_of(&s, Action::Signal(ToPeer::Offer(sdp("offer"))));
    assert_eq!(
        fx,
        vec![Effect::Send(ClientMessage::VideoOffer {
            // Our first offer asks to be answered while it rings.
            preconnect: true,
            name: Some("alice".into()),
            target: "bob".into(),
            sdp: sdp("offer")
        })]
    );
    let candidate = IceCandidate {
        candidate: "candidate:1".into(),
        sdp_mid: Some("0".into()),
        sdp_m_line_index: Some(0),
        username_fragment: None,
    };
    let (_, fx) = effects_of(&s, Action::Signal(ToPeer::Candidate(candidate.clone())));
    assert_eq!(fx, vec![Effect::Send(ClientMessage::NewIceCandidate { target: "bob".into(), candidate })]);
    // The call ended before the answer was made: nothing is sent.
    let idle = s.reduce(Action::Cancel);
    let (_, fx) = effects_of(&idle, Action::Signal(ToPeer::Answer(sdp("answer"))));
    assert!(fx.is_empty(), "{fx:?}");
}

#[test]
fn effects_are_never_dropped_however_many_come_at_once() {
    let mut s = logged_in("alice", &["bob"]).reduce(Action::Call("bob".into()));
    s.effects.drain();
    let candidate = IceCandidate {
        candidate: "candidate:1".into(),
        sdp_mid: Some("0".into()),
        sdp_m_line_index: Some(0),
        username_fragment: None,
    };
    for _ in 0..1000 {
        s = s.reduce(Action::Signal(ToPeer::Candidate(candidate.clone())));
    }
    assert_eq!(s.effects.drain().len(), 1000);
    assert!(s.effects.drain().is_empty(), "taken once");
}

#[test]
fn a_call_link_rings_once_after_login() {
    let s = CallState::default().reduce(Action::OpenedCallLink("bob".into()));
    let s = run(s, [Action::Login("alice".into()), srv(ServerMessage::Id { id: 1 })]);
    assert_eq!(s.dial.as_deref(), Some("bob"), "not before we are in");
    let (s, fx) = effects_of(
        &s,
        srv(ServerMessage::UserList { more: false, users: vec!["alice".into(), "bob".into()], busy: vec![] }),
    );
    assert_eq!(s.call, CallPhase::Outgoing { peer: "bob".into() });
    assert!(
        fx.iter().any(|e| matches!(e, Effect::Call(CallEffect::StartCall { peer, .. }) if peer == "bob")),
        "{fx:?}"
    );
    assert_eq!(s.dial, None);
    // A later list (presence, a reconnect) does not ring again.
    let s = s.reduce(Action::Cancel);
    let (s, fx) = effects_of(
        &s,
        srv(ServerMessage::UserList { more: false, users: vec!["alice".into(), "bob".into()], busy: vec![] }),
    );
    assert!(s.call.is_idle() && !fx.iter().any(|e| matches!(e, Effect::Call(CallEffect::StartCall { .. }))), "{fx:?}");
}

#[test]
fn a_chosen_theme_is_applied_and_remembered_a_restored_one_only_applied() {
    let (s, fx) = effects_of(&CallState::default(), Action::SetTheme(Theme::Dark));
    assert_eq!((s.theme, fx), (Theme::Dark, vec![Effect::UseTheme { theme: Theme::Dark, remember: true }]));
    let (s, fx) = effects_of(&CallState::default(), Action::RestoredTheme(Theme::Light));
    assert_eq!((s.theme, fx), (Theme::Light, vec![Effect::UseTheme { theme: Theme::Light, remember: false }]));
    assert_eq!(Theme::ALL.map(|t| Theme::from_tag(t.tag())), Theme::ALL.map(Some));
}

#[test]
fn signing_out_hangs_up_disconnects_and_forgets_the_session() {
    let s = in_call("alice", "bob");
    let (s, fx) = effects_of(&s, Action::SignOut);
    assert_eq!(sent_hangup(&fx), Some(("bob".into(), HangupReason::Hangup)));
    let hangup_at = fx.iter().position(|e| matches!(e, Effect::Send(_))).unwrap();
    let disconnect_at = fx.iter().position(|e| *e == Effect::Disconnect).unwrap();
    assert!(hangup_at < disconnect_at, "the peer hears of it first: {fx:?}");
    assert!(s.call.is_idle() && !s.has_session() && s.me.is_none() && s.resume_token.is_none(), "{s:?}");
    assert_eq!(s.connection, ConnectionState::Disconnected);
}

#[test]
fn single_key_shortcuts_can_be_turned_off_and_that_is_remembered() {
    let (s, fx) = effects_of(&CallState::default(), Action::TurnShortcuts(false));
    assert!(s.shortcuts_off);
    assert_eq!(fx, vec![Effect::RememberShortcuts(false)]);
    assert!(effects_of(&s, Action::TurnShortcuts(false)).1.is_empty(), "no change, nothing to save");
    let (s, fx) = effects_of(&s, Action::TurnShortcuts(true));
    assert!(!s.shortcuts_off);
    assert_eq!(fx, vec![Effect::RememberShortcuts(true)]);
}

#[test]
fn a_reloaded_page_logs_back_in_and_offers_the_call_again() {
    let returned = Action::Returned { name: "alice".into(), ticket: "t0k3n".into(), peer: Some("bob".into()) };
    let (s, fx) = effects_of(&CallState::default(), returned);
    assert_eq!(fx, vec![Effect::Connect { credential: None }]);
    assert!(s.has_session() && s.call.shows_call_view(), "no login form: {s:?}");
    let (s, fx) = effects_of(&s, srv(ServerMessage::Id { id: 3 }));
    assert_eq!(
        fx,
        vec![Effect::Send(ClientMessage::Username {
            name: "alice".into(),
            date: None,
            id: Some(3),
            duet: Some(duet_protocol::DIRECTORY_VERSION),
            resume: Some("t0k3n".into()),
            call: Some("bob".into()),
        })]
    );
    let welcome = ServerMessage::Welcome { name: "alice".into(), ice_servers: vec![], resume: Some("t1".into()) };
    let (s, fx) = effects_of(&s, srv(welcome.clone()));
    assert!(
        fx.contains(&Effect::Call(CallEffect::StartCall { peer: "bob".into(), polite: true })),
        "a new peer connection: {fx:?}"
    );
    assert_eq!(s.call, CallPhase::InCall { peer: "bob".into(), connected: false, reconnecting: false });
    assert!(!s.rejoining);
    // Only once: a later reconnect keeps the connection it has.
    let s = s.reduce(Action::SocketClosed { code: 1006, reason: String::new() });
    let s = run(s, [Action::Reconnect, srv(ServerMessage::Id { id: 4 })]);
    let (_, fx) = effects_of(&s, srv(welcome));
    assert!(!fx.iter().any(|e| matches!(e, Effect::Call(CallEffect::StartCall { .. }))), "{fx:?}");

    // Reloaded in the lobby: back in the lobby, nothing to offer.
    let (s, _) =
        effects_of(&CallState::default(), Action::Returned { name: "carol".into(), ticket: "t".into(), peer: None });
    assert!(s.has_session() && s.call.is_idle() && !s.rejoining);
}

#[test]
fn a_new_device_check_forgets_the_last_refusal() {
    let mut s = logged_in("alice", &[]);
    s.media.local_issue = Some(LocalMediaIssue::PermissionDenied);
    let (s, fx) = effects_of(&s, Action::ToggleDeviceCheck);
    assert_eq!((s.device_check, s.media.local_issue.clone(), fx), (true, None, vec![Effect::DeviceCheck(true)]));
    let s = s.reduce(Action::LocalMedia(LocalMediaIssue::PermissionDenied));
    assert_eq!(s.media.local_issue, Some(LocalMediaIssue::PermissionDenied), "what the check found stays to be read");
}

/// A description made by the peer connection with this DTLS certificate.
fn sdp_from(kind: &str, cert: &str) -> SessionDescription {
    SessionDescription { kind: kind.into(), sdp: format!("v=0\r\na=fingerprint:sha-256 {cert}\r\n") }
}

/// The reload rule (docs/protocol.md): an offer from the partner's new peer
/// connection is answered without asking only when the server vouches that
/// it comes from the partner's own linked session. After a restart someone
/// else can hold the partner's name; their offer must ring, not be answered
/// with our camera.
#[test]
fn a_new_connection_in_the_partners_name_is_answered_only_when_linked() {
    let s = logged_in("carol", &["dave"])
        .reduce(Action::Call("dave".into()))
        .reduce(srv(ServerMessage::VideoAnswer {
            ringing: false,
            name: "dave".into(),
            target: "carol".into(),
            sdp: sdp_from("answer", "AA"),
        }))
        .reduce(Action::PeerConnected);
    let offer = |cert: &str, linked: bool| {
        srv(ServerMessage::VideoOffer {
            preconnect: false,
            name: "dave".into(),
            target: "carol".into(),
            sdp: sdp_from("offer", cert),
            linked,
        })
    };
    // A renegotiation on the same connection goes to the peer connection.
    let (same, fx) = effects_of(&s, offer("AA", false));
    assert_eq!(fx, vec![Effect::Call(CallEffect::RemoteOffer(sdp_from("offer", "AA")))]);
    assert!(same.call.is_in_call());
    // dave's reloaded page: the server says it is his linked session.
    let (reloaded, fx) = effects_of(&s, offer("BB", true));
    assert_eq!(fx, vec![Effect::Call(CallEffect::RemoteOffer(sdp_from("offer", "BB")))]);
    assert_eq!(reloaded.partner_fingerprint.as_deref(), Some("sha-256 BB"), "the new connection is the partner's now");
    // Anyone else in dave's name: the call ends and theirs rings, unanswered.
    let (stranger, fx) = effects_of(&s, offer("EE", false));
    assert!(fx.contains(&Effect::EndCall), "{fx:?}");
    assert!(
        !fx.iter()
            .any(|e| matches!(e, Effect::Call(CallEffect::RemoteOffer(_)) | Effect::Call(CallEffect::Answer { .. }))),
        "{fx:?}"
    );
    assert_eq!(
        stranger.call,
        CallPhase::Incoming { preconnected: false, peer: "dave".into(), offer: sdp_from("offer", "EE") }
    );
    // Answering it is the user's choice, as for any call.
    let (_, fx) = effects_of(&stranger, Action::Accept);
    assert!(fx.iter().any(|e| matches!(e, Effect::Call(CallEffect::Answer { .. }))), "{fx:?}");
}

#[test]
fn a_call_link_waits_for_the_last_page_of_a_large_lobby() {
    let s = CallState::default().reduce(Action::OpenedCallLink("zoe".into()));
    let s = run(s, [Action::Login("alice".into()), srv(ServerMessage::Id { id: 1 })]);
    let s = s.reduce(srv(ServerMessage::Welcome { name: "alice".into(), ice_servers: vec![], resume: None }));
    // zoe is on the second page: the first must not say she is offline.
    let (s, fx) = effects_of(
        &s,
        srv(ServerMessage::UserList { users: vec!["alice".into(), "bob".into()], busy: vec![], more: true }),
    );
    assert!(s.call.is_idle() && s.notice.is_none() && fx.is_empty(), "{:?} {fx:?}", s.notice);
    let (s, fx) = effects_of(
        &s,
        srv(ServerMessage::PresenceUpdate { available: vec!["zoe".into()], busy: vec![], left: vec![], more: false }),
    );
    assert_eq!(s.call, CallPhase::Outgoing { peer: "zoe".into() });
    assert!(
        fx.iter().any(|e| matches!(e, Effect::Call(CallEffect::StartCall { peer, .. }) if peer == "zoe")),
        "{fx:?}"
    );
    assert!(s.users.contains("bob") && s.users.contains("zoe"), "both pages make the list");
}

#[test]
fn offline_shows_until_the_network_or_the_server_is_back_and_a_new_version_waits_for_the_call_to_end() {
    let s = CallState::default().reduce(Action::NetworkOnline(false));
    assert!(s.offline);
    assert!(!s.clone().reduce(Action::NetworkOnline(true)).offline);
    // The browser can be wrong about it: the server answering settles it.
    assert!(
        !logged_in("alice", &["bob"])
            .reduce(Action::NetworkOnline(false))
            .reduce(srv(ServerMessage::Id { id: 2 }))
            .offline
    );

    let s = in_call("alice", "bob").reduce(Action::UpdateReady);
    let (s, fx) = effects_of(&s, Action::ApplyUpdate);
    assert!(fx.is_empty(), "never in the middle of a call");
    let (_, fx) = effects_of(&s.reduce(Action::HangUp), Action::ApplyUpdate);
    assert_eq!(fx, vec![Effect::ApplyUpdate]);
}
