//! The directory (protocol 2): the online count and the rows a client shows,
//! server-side search, and presence only for the names a client follows.

mod support;

use serde_json::{json, Value};
use support::*;

/// Logs in a directory client; returns it with the rows it got at login.
async fn directory_user(s: &TestServer, name: &str) -> (Client, Value) {
    let mut c = s.client().await;
    c.send(json!({"type": "username", "name": name, "duet": 2})).await;
    let welcome = c.recv().await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    c.name = name.into();
    c.resume = welcome["resume"].as_str().unwrap().into();
    let rows = c.recv().await;
    assert_eq!(rows["type"], "directory", "a directory client gets rows, not the list: {rows}");
    (c, rows)
}

/// Everything `c` receives up to its own chat sentinel.
async fn until_sentinel(c: &mut Client) -> Vec<Value> {
    until_mark(c, "sentinel").await
}

/// Everything but chat `c` receives up to its own chat line `mark` (lobby
/// chat reaches everyone, so each client of a test needs its own).
async fn until_mark(c: &mut Client, mark: &str) -> Vec<Value> {
    c.say(mark).await;
    let mut got = Vec::new();
    loop {
        let m = c.recv().await;
        if m["type"] == "message" && m["text"] == mark {
            return got;
        }
        if m["type"] != "message" {
            got.push(m);
        }
    }
}

/// Returns once the server has handled everything `c` sent before.
async fn settled(c: &mut Client, mark: &str) {
    c.say(mark).await;
    while c.recv_type("message").await["text"] != mark {}
}

fn names(v: &Value) -> Vec<&str> {
    v.as_array().map(|a| a.iter().map(|n| n.as_str().unwrap()).collect()).unwrap_or_default()
}

fn member(i: usize) -> String {
    format!("member-{i:03}")
}

#[tokio::test]
async fn a_directory_client_gets_the_count_and_the_rows_it_shows_kept_fresh() {
    let s = TestServer::hand_flushed(|_| {}).await;
    let hub = &s.server.hub;
    let mut crowd = Vec::new();
    for i in 0..120 {
        crowd.push(s.duet_user(&member(i)).await);
    }
    hub.flush_presence();

    // At login: how many are online and the top of the list, not everyone.
    let (mut zed, rows) = directory_user(&s, "zed").await;
    assert_eq!(rows["total"], 121);
    assert_eq!(rows["from"], 0);
    let expected: Vec<String> = (0..50).map(member).collect();
    assert_eq!(names(&rows["users"]), expected, "the first 50 rows, sorted");
    assert!(rows.to_string().len() < 1024, "a login costs a page however many are online: {} bytes", rows);

    // Scrolled down: those rows, at once.
    zed.send(json!({"type": "view", "from": 100, "count": 30})).await;
    let rows = zed.recv_type("directory").await;
    assert_eq!(rows["from"], 100);
    let mut expected: Vec<String> = (100..120).map(member).collect();
    expected.push("zed".into());
    assert_eq!(names(&rows["users"]), expected);
    hub.flush_presence();
    assert_eq!(until_sentinel(&mut zed).await, Vec::<Value>::new(), "its own arrival changed nothing it shows");

    // Two arrive above its rows (in a call): the rows shift down by two.
    let (_a, _b) = s.in_call("aaa-1", "aaa-2").await;
    hub.flush_presence();
    let got = until_sentinel(&mut zed).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(names(&got[0]["users"])[0], member(98));
    assert_eq!(got[0]["total"], 123);

    // A call outside its rows changes nothing it shows: nothing is sent.
    let mut take = |name: String| {
        let at = crowd.iter().position(|c| c.name == name).unwrap();
        crowd.remove(at)
    };
    let (mut caller, _callee) = (take(member(10)), take(member(11)));
    caller.send(json!({"type": "video-offer", "target": member(11), "sdp": sdp("offer")})).await;
    settled(&mut caller, "offered 11").await;
    hub.flush_presence();
    assert_eq!(until_sentinel(&mut zed).await, Vec::<Value>::new(), "a status change outside its rows");

    // A call among its rows: the rows again, with who is busy.
    let (mut caller, _callee) = (take(member(102)), take(member(103)));
    caller.send(json!({"type": "video-offer", "target": member(103), "sdp": sdp("offer")})).await;
    settled(&mut caller, "offered 103").await;
    hub.flush_presence();
    let got = until_sentinel(&mut zed).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(names(&got[0]["busy"]), [member(102), member(103)]);

    // Someone in its rows leaves: the rows close up.
    drop(take(member(107)));
    while hub.users_online().contains(&member(107)) {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    hub.flush_presence();
    let got = until_sentinel(&mut zed).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["total"], 122);
    assert!(!names(&got[0]["users"]).contains(&member(107).as_str()));
    // Presence for anyone it does not follow never comes.
    assert!(got.iter().all(|m| m["type"] == "directory"));
}

#[tokio::test]
async fn search_finds_names_as_the_app_does_and_stays_fresh() {
    let s = TestServer::hand_flushed(|_| {}).await;
    let hub = &s.server.hub;
    let mut online = Vec::new();
    for name in ["김민지", "박민준", "Minji", "minji-fw", "bob"] {
        online.push(s.duet_user(name).await);
    }
    let (mut me, _) = directory_user(&s, "me").await;
    me.send(json!({"type": "view", "from": 0, "count": 10, "query": "ㅁㅈ"})).await;
    let found = me.recv_type("directory").await;
    assert_eq!(found["query"], "ㅁㅈ");
    assert_eq!(found["total"], 2);
    assert_eq!(names(&found["users"]), ["김민지", "박민준"], "Korean initials");
    me.send(json!({"type": "view", "from": 0, "count": 10, "query": " ＭＩＮＪＩ "})).await;
    let found = me.recv_type("directory").await;
    assert_eq!(names(&found["users"]), ["Minji", "minji-fw"], "case and full width (as a Korean keyboard types)");
    assert_eq!(found["query"], "ＭＩＮＪＩ", "the query as searched, trimmed");

    // Someone matching arrives: the results grow at the next flush.
    online.push(s.duet_user("minjiyoung").await);
    let _unrelated = s.duet_user("carol").await;
    hub.flush_presence();
    let got = until_sentinel(&mut me).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["total"], 3);
    assert_eq!(names(&got[0]["users"]), ["Minji", "minji-fw", "minjiyoung"]);

    // A page further into the results.
    me.send(json!({"type": "view", "from": 2, "count": 10, "query": "minji"})).await;
    let found = me.recv_type("directory").await;
    assert_eq!((found["total"].clone(), names(&found["users"])), (json!(3), vec!["minjiyoung"]));
    // Nothing matches: an empty page, and the count says so.
    me.send(json!({"type": "view", "from": 0, "count": 10, "query": "nobody"})).await;
    let found = me.recv_type("directory").await;
    assert_eq!((found["total"].clone(), names(&found["users"]).len()), (json!(0), 0));
    // Someone who does not match arrives: nothing for the search.
    let _dave = s.duet_user("dave").await;
    hub.flush_presence();
    assert_eq!(until_sentinel(&mut me).await, Vec::<Value>::new());
}

#[tokio::test]
async fn presence_comes_only_for_the_names_a_client_follows() {
    let s = TestServer::hand_flushed(|_| {}).await;
    let hub = &s.server.hub;
    let (mut me, _) = directory_user(&s, "me").await;
    // Scrolled past everyone, so rows tell it nothing.
    me.send(json!({"type": "view", "from": 1000, "count": 10})).await;
    me.recv_type("directory").await;
    let _alice = s.duet_user("alice").await;
    hub.flush_presence();
    until_sentinel(&mut me).await;

    me.send(json!({"type": "watch", "names": ["alice", "ghost", "alice"]})).await;
    assert_eq!(me.recv_type("presence").await, json!({"type": "presence", "available": ["alice"], "left": ["ghost"]}));

    // Others come and go and call: not a word of them.
    let (_b, _c) = s.in_call("bob", "carol").await;
    let dave = s.duet_user("dave").await;
    drop(dave);
    while hub.users_online().contains(&"dave".to_string()) {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    hub.flush_presence();
    let got = until_sentinel(&mut me).await;
    assert!(got.iter().all(|m| m["type"] == "directory"), "only rows (their count changed): {got:?}");

    // The followed ones: each change, at the next flush.
    let mut ghost = s.duet_user("ghost").await;
    ghost.send(json!({"type": "video-offer", "target": "alice", "sdp": sdp("offer")})).await;
    settled(&mut ghost, "offered").await;
    hub.flush_presence();
    let got: Vec<Value> = until_sentinel(&mut me).await.into_iter().filter(|m| m["type"] == "presence").collect();
    assert_eq!(got, [json!({"type": "presence", "busy": ["alice", "ghost"]})]);

    // Following nobody: nothing more.
    me.send(json!({"type": "watch", "names": []})).await;
    me.recv_type("presence").await;
    drop(ghost);
    while hub.users_online().contains(&"ghost".to_string()) {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    hub.flush_presence();
    let got = until_sentinel(&mut me).await;
    assert!(got.iter().all(|m| m["type"] == "directory"), "{got:?}");
}

#[tokio::test]
async fn views_and_watches_out_of_bounds_are_refused_and_the_client_goes_on() {
    let s = TestServer::hand_flushed(|_| {}).await;
    let (mut me, _) = directory_user(&s, "me").await;
    for (bad, why) in [
        (json!({"type": "view", "from": 0, "count": 121}), "at most 120 rows"),
        (json!({"type": "view", "from": 0, "count": 10, "query": "q".repeat(33)}), "at most 32 characters"),
        (json!({"type": "view", "from": -1, "count": 10}), "expected u32"),
        (json!({"type": "watch", "names": vec!["x"; 101]}), "at most 100 names"),
        (json!({"type": "watch", "names": ["x".repeat(33)]}), "longer than any username"),
    ] {
        me.send(bad).await;
        let e = me.recv_type("error").await;
        assert_eq!(e["code"], "invalid-message", "{e}");
        assert!(e["text"].as_str().unwrap().contains(why), "{e} should say {why}");
    }
    me.send(json!({"type": "view", "from": 0, "count": 100})).await;
    assert_eq!(names(&me.recv_type("directory").await["users"]), ["me"]);

    // A search reads every name online: a connection is answered at once
    // ten times a second (a burst of twenty); faster, only its latest view
    // is answered, at the next flush. Nothing is refused (fast scrolling
    // asks like this).
    for i in 0..40 {
        me.send(json!({"type": "view", "from": 0, "count": 10, "query": format!("q{i}")})).await;
    }
    let got = until_sentinel(&mut me).await;
    assert!(got.iter().all(|m| m["type"] == "directory"), "nothing refused: {got:?}");
    assert!((10..=22).contains(&got.len()), "about the burst answered at once: {}", got.len());
    s.server.hub.flush_presence();
    let got = until_sentinel(&mut me).await;
    assert_eq!(got.len(), 1, "then the latest, once: {got:?}");
    assert_eq!(got[0]["query"], "q39");

    // Clients of the whole list cannot ask for a view; they have everyone.
    let mut listed = s.duet_user("listed").await;
    listed.send(json!({"type": "view", "from": 0, "count": 10})).await;
    let e = listed.recv_type("error").await;
    assert!(e["text"].as_str().unwrap().contains("`username.duet` 2"), "{e}");
    let mut mdn = s.mdn_user("mdn").await;
    mdn.send(json!({"type": "watch", "names": ["me"]})).await;
    assert_eq!(mdn.recv_type("error").await["code"], "invalid-message");
    // Before logging in, nothing.
    let mut early = s.client().await;
    early.send(json!({"type": "view", "from": 0, "count": 10})).await;
    assert_eq!(early.recv_type("error").await["code"], "not-logged-in");
}

#[tokio::test]
async fn a_resumed_directory_client_gets_its_rows_and_follows_again() {
    let s = TestServer::with(|c| {
        c.signaling.presence_interval_ms = 3_600_000;
        c.signaling.resume_grace_secs = 30.0;
    })
    .await;
    let _alice = s.duet_user("alice").await;
    let (mut me, _) = directory_user(&s, "me").await;
    me.send(json!({"type": "view", "from": 1, "count": 5})).await;
    me.recv_type("directory").await;
    me.send(json!({"type": "watch", "names": ["alice"]})).await;
    me.recv_type("presence").await;
    let ticket = me.resume.clone();
    drop(me); // no close frame: the network went away
    while !s.server.hub.is_parked("me") {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let mut back = s.client().await;
    back.send(json!({"type": "username", "name": "me", "duet": 2, "resume": ticket})).await;
    assert_eq!(back.recv().await["type"], "welcome");
    let rows = back.recv().await;
    assert_eq!((&rows["type"], &rows["from"], names(&rows["users"])), (&json!("directory"), &json!(1), vec!["me"]));
    assert_eq!(back.recv().await, json!({"type": "presence", "available": ["alice"]}));
}

#[tokio::test]
async fn searches_share_their_addresss_and_the_servers_budget_and_wait_beyond_it() {
    // Each budget in turn at five a second (a burst of ten), the other wide.
    for (per_address, server) in [(5.0, 1000.0), (1000.0, 5.0)] {
        let s = TestServer::hand_flushed(|c| {
            c.limits.searches_per_address_per_sec = per_address;
            c.limits.searches_server_per_sec = server;
        })
        .await;
        let mut seekers = Vec::new();
        for i in 0..4 {
            seekers.push(directory_user(&s, &format!("seeker{i}")).await.0);
        }
        // Five searches on each of four connections: within each
        // connection's own budget (a burst of 20), not within the shared one.
        for c in &mut seekers {
            for q in 0..5 {
                let query = format!("{}-{q}", c.name);
                c.send(json!({"type": "view", "from": 0, "count": 10, "query": query})).await;
            }
        }
        let mut now = Vec::new();
        for c in &mut seekers {
            let mark = format!("{} asked", c.name);
            let got = until_mark(c, &mark).await;
            assert!(got.iter().all(|m| m["type"] == "directory"), "nothing refused: {got:?}");
            now.push(got.len());
        }
        let answered: usize = now.iter().sum();
        assert!((10..=12).contains(&answered), "about the shared burst answered at once: {now:?}");
        // The rest at the next flush: each connection's latest search, once.
        s.server.hub.flush_presence();
        for (c, answered) in seekers.iter_mut().zip(now) {
            let mark = format!("{} flushed", c.name);
            let got = until_mark(c, &mark).await;
            let waited = answered < 5;
            assert_eq!(got.len(), usize::from(waited), "{}: {got:?}", c.name);
            if waited {
                assert_eq!(got[0]["query"], format!("{}-4", c.name));
            }
        }
        // Rows of the list are not searches: with the shared budget spent,
        // they are still answered at once.
        for c in &mut seekers {
            c.send(json!({"type": "view", "from": 1, "count": 2})).await;
            assert_eq!(c.recv_type("directory").await["from"], 1);
        }
    }
}
