//! Flags an operator could get wrong are refused at start with a message
//! naming the flag, and the edge of each range is still accepted.

use clap::Parser;
use duet_server::Config;

fn check(flags: &[&str]) -> Result<(), String> {
    let argv = std::iter::once("duet-server").chain(flags.iter().copied());
    let config = Config::try_parse_from(argv).map_err(|e| e.to_string())?;
    config.validate()
}

#[test]
fn the_defaults_are_valid() {
    check(&[]).unwrap();
    Config::defaults().validate().unwrap();
}

#[test]
fn each_bad_limit_is_refused_naming_its_flag() {
    let bad: &[(&[&str], &str)] = &[
        (&["--shutdown-grace-secs=-1"], "--shutdown-grace-secs"),
        (&["--shutdown-grace-secs", "NaN"], "--shutdown-grace-secs"),
        (&["--reload-grace-secs", "61"], "--reload-grace-secs"),
        (&["--resume-grace-secs", "3601"], "--resume-grace-secs"),
        (&["--turn-ttl-secs", "59"], "--turn-ttl-secs"),
        (&["--ticket-ttl-secs", "59"], "--ticket-ttl-secs"),
        (&["--login-timeout-secs", "0"], "--login-timeout-secs"),
        (&["--ping-interval-secs", "inf"], "--ping-interval-secs"),
        (&["--rate-per-sec=-3"], "--rate-per-sec"),
        (&["--chat-burst", "0"], "--chat-burst"),
        (&["--write-timeout-secs", "0"], "--write-timeout-secs"),
        (&["--header-timeout-secs", "61"], "--header-timeout-secs"),
        (&["--node-timeout-secs", "0.4"], "--node-timeout-secs"),
        (&["--node-id", "a b"], "--node-id"),
        (&["--redis-prefix", ""], "--redis-prefix"),
        (&["--presence-interval-ms", "0"], "--presence-interval-ms"),
        (&["--stun-url", "turn:x"], "--stun-url"),
        (&["--turn-url", "stun:x", "--turn-secret", "s"], "--turn-url"),
        (&["--turn-url", "turn:x"], "--turn-secret"),
        (&["--frame-ancestors", "'self'; script-src *"], "--frame-ancestors"),
        (&["--connect-src", "wss://a.example wss://b.example"], "--connect-src"),
        (&["--access-key-file", "/k"], "--access-key-file"),
        (&["--access", "jwt"], "--access jwt"),
        (&["--redirect-http", "127.0.0.1:8081"], "--redirect-http"),
    ];
    for (flags, named) in bad {
        let err = check(flags).expect_err(&format!("{flags:?} accepted"));
        assert!(err.contains(named), "{flags:?}: {err:?} does not name {named}");
    }
}

#[test]
fn the_edges_of_each_range_are_accepted() {
    let edges: &[&[&str]] = &[
        &["--shutdown-grace-secs", "0"],
        &["--reload-grace-secs", "60"],
        &["--resume-grace-secs", "0"],
        &["--resume-grace-secs", "3600"],
        &["--turn-ttl-secs", "60"],
        &["--ticket-ttl-secs", "60"],
        &["--node-timeout-secs", "0.5"],
        &["--header-timeout-secs", "60"],
        &["--turn-url", "turns:turn.example:5349", "--turn-secret", "s", "--stun-url", "stun:turn.example"],
    ];
    for flags in edges {
        check(flags).unwrap_or_else(|e| panic!("{flags:?} refused: {e}"));
    }
}
