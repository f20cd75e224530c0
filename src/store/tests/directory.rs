//! A server that keeps the list (protocol 2): the rows the lobby shows are
//! asked for, the recent contacts followed, and both asked again after a
//! new login; calls work from the rows alone.

use super::*;

fn rows(total: u32, from: u32, users: &[&str], busy: &[&str]) -> Action {
    srv(ServerMessage::Directory {
        total,
        from,
        query: String::new(),
        users: users.iter().map(|s| s.to_string()).collect(),
        busy: busy.iter().map(|s| s.to_string()).collect(),
    })
}

/// Logged in as `me` on a server that keeps the list, with `users` its top rows.
fn directory_login(me: &str, users: &[&str]) -> CallState {
    run(
        CallState::default(),
        [
            Action::Login(me.into()),
            srv(ServerMessage::Id { id: 1 }),
            srv(ServerMessage::Welcome { name: me.into(), ice_servers: vec![], resume: Some("t".into()) }),
            rows(users.len() as u32, 0, users, &[]),
        ],
    )
}

fn sent(fx: &[Effect]) -> Vec<ClientMessage> {
    fx.iter().filter_map(|e| if let Effect::Send(m) = e { Some(m.clone()) } else { None }).collect()
}

fn view(from: u32, count: u32, query: &str) -> ClientMessage {
    ClientMessage::View { from, count, query: query.into() }
}

#[test]
fn the_lobby_asks_for_the_rows_it_shows_once_each() {
    let welcomed = run(
        CallState::default(),
        [
            Action::Login("alice".into()),
            srv(ServerMessage::Id { id: 1 }),
            srv(ServerMessage::Welcome { name: "alice".into(), ice_servers: vec![], resume: None }),
        ],
    );
    let (s, fx) = effects_of(&welcomed, rows(2, 0, &["alice", "bob"], &[]));
    assert_eq!(sent(&fx), [], "a login's top rows need no asking");
    assert!(s.is_logged_in());
    assert_eq!(s.directory.as_ref().unwrap().others("alice"), 1);
    // The top rows came unasked: asking for them sends nothing.
    let (s, fx) = effects_of(&s, Action::ShowRows(RowRequest::default()));
    assert_eq!(sent(&fx), []);
    let further = request_for(500..530, "");
    let (s, fx) = effects_of(&s, Action::ShowRows(further.clone()));
    assert_eq!(sent(&fx), [view(further.from, further.count, "")]);
    let (_, fx) = effects_of(&s, Action::ShowRows(further));
    assert_eq!(sent(&fx), [], "the same rows again: nothing to ask");
}

#[test]
fn a_new_login_asks_again_for_the_rows_and_names_of_the_last() {
    let s = directory_login("alice", &["alice", "bob"]);
    let s = run(
        s,
        [
            Action::HistoryRestored(vec![call_with("carol")]),
            Action::ShowRows(RowRequest { from: 25, count: 101, query: String::new() }),
        ],
    );
    assert_eq!(s.watching, ["carol"]);
    let s = run(s, [Action::SocketClosed { code: 1006, reason: "x".into() }, Action::Reconnect]);
    let s = run(s, [srv(ServerMessage::Id { id: 2 })]);
    let s = s.reduce(srv(ServerMessage::Welcome { name: "alice".into(), ice_servers: vec![], resume: None }));
    let (s, fx) = effects_of(&s, rows(2, 0, &["alice", "bob"], &[]));
    assert_eq!(
        sent(&fx),
        [view(25, 101, ""), ClientMessage::Watch { names: vec!["carol".into()] }],
        "the new session shows and follows what the last did"
    );
    // Followed presence reaches the recent calls.
    let s = s.reduce(srv(ServerMessage::PresenceUpdate {
        available: vec![],
        busy: vec!["carol".into()],
        left: vec![],
        more: false,
    }));
    assert_eq!(s.status_of("carol"), Some(UserStatus::Busy));
}

#[test]
fn calls_go_by_the_rows_and_to_names_the_app_has_not_seen() {
    let s = directory_login("alice", &["alice", "bob", "dan"]);
    let s = s.reduce(rows(3, 0, &["alice", "bob", "dan"], &["dan"]));
    let (_, fx) = effects_of(&s, Action::Call("dan".into()));
    assert_eq!(sent(&fx), [], "dan is in a call");
    let (calling, _) = effects_of(&s, Action::Call("bob".into()));
    assert!(matches!(calling.call, CallPhase::Outgoing { ref peer } if peer == "bob"));
    // Someone far down the list (a /call link): the server knows if they are online.
    let (calling, _) = effects_of(&s, Action::Call("zed".into()));
    assert!(matches!(calling.call, CallPhase::Outgoing { ref peer } if peer == "zed"));
    let s = calling.reduce(srv(ServerMessage::error(ErrorCode::TargetOffline, "zed is not online")));
    assert!(s.call.is_idle());
    assert_eq!(said(s.notice.as_ref().unwrap()), (Msg::NotOnline("zed".into()), true));
}

#[test]
fn a_server_of_the_whole_list_is_asked_for_no_rows() {
    let s = logged_in("alice", &["bob"]);
    let (s, fx) = effects_of(&s, Action::ShowRows(request_for(500..530, "")));
    assert_eq!(sent(&fx), []);
    let (_, fx) = effects_of(&s, Action::HistoryRestored(vec![call_with("carol")]));
    assert_eq!(sent(&fx), []);
    assert!(s.directory.is_none());
}

/// An answered call with `peer` in the recent calls.
fn call_with(peer: &str) -> CallRecord {
    CallRecord { peer: peer.into(), outgoing: true, outcome: Outcome::Answered, at_ms: 1, seconds: 5, seen: true }
}
