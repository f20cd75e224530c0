//! The catalogue is complete and really translated.

use duet_protocol::ErrorCode;

use super::*;
use crate::store::{AccessRefusal, DeviceKind, Lang, LocalMediaIssue, Msg};

/// Every entry, rendered with sample arguments. The destructuring has no
/// `..`, so a new field that is not listed here does not compile.
fn entries(t: &Texts) -> Vec<(&'static str, String)> {
    let Texts {
        language_name,
        language,
        tagline,
        username,
        log_in,
        logging_in,
        access_key,
        lacks_title,
        lack_secure_context,
        lack_secure_context_why,
        lack_secure_context_fix,
        lack_media_devices,
        lack_media_devices_why,
        lack_peer_connection,
        lack_peer_connection_why,
        lack_browser_fix,
        access_key_help,
        signed_in_by_site,
        continue_,
        signed_in_as,
        online,
        online_users,
        you,
        call_user,
        in_a_call,
        not_online,
        nobody_online,
        relay_only,
        relay_help,
        connect_while_ringing,
        connect_while_ringing_help,
        lobby_chat,
        chat_messages,
        message,
        send,
        dismiss,
        is_calling,
        accept,
        decline,
        calling,
        connecting_to,
        reconnecting_to,
        in_call_with,
        video_from,
        waiting_for_video,
        peer_muted,
        peer_camera_off,
        you_are_sharing,
        your_camera,
        your_screen,
        call_duration,
        devices,
        call_controls,
        mute,
        unmute,
        camera_off,
        camera_on,
        share_screen,
        stop_sharing,
        chat,
        chat_unread,
        statistics,
        picture_in_picture,
        full_screen,
        keyboard_shortcuts,
        cancel,
        hang_up,
        call_chat,
        call_chat_messages,
        call_message,
        send_to_call,
        call_statistics,
        connection_good,
        connection_fair,
        connection_poor,
        round_trip,
        receiving,
        sending,
        packet_loss,
        video_in,
        video_out,
        route,
        camera,
        microphone,
        speaker,
        system_default,
        sound_processing,
        noise_suppression,
        echo_cancellation,
        auto_gain,
        safety_unverifiable,
        recording_saved,
        save_recording,
        record,
        stop_recording,
        you_are_recording,
        peer_recording,
        offline,
        update_ready,
        reload,
        notify_calls,
        notify_calls_help,
        missed_call_from,
        data_saver,
        data_saver_help,
        turn_off_video,
        verify_call,
        safety_number,
        safety_help,
        safety_matches,
        call_verified,
        safety_pending,
        recent_calls,
        no_calls_yet,
        missed_count,
        call_back,
        clear_history,
        outgoing_call,
        incoming_call,
        outcome_answered,
        outcome_missed,
        outcome_declined,
        outcome_no_answer,
        outcome_cancelled,
        outcome_failed,
        unnamed_device,
        camera_and_microphone,
        check_devices,
        stop_check,
        camera_preview,
        mic_level,
        shortcut_mic,
        shortcut_camera,
        shortcut_share,
        shortcut_hang_up,
        shortcut_stats,
        shortcut_help,
        shortcut_escape,
        theme,
        theme_system,
        theme_light,
        theme_dark,
        sign_out,
        invite,
        link_copied,
        search_people,
        loading,
        available,
        more,
        call_again,
        shortcuts_on,
        fill_video,
        fit_video,
        move_self,
        lobby_failed,
        call_screen_failed,
        app_failed,
        try_again,
        close,
    } = t;
    vec![
        ("language_name", language_name.to_string()),
        ("language", language.to_string()),
        ("tagline", tagline.to_string()),
        ("username", username.to_string()),
        ("log_in", log_in.to_string()),
        ("logging_in", logging_in.to_string()),
        ("access_key", access_key.to_string()),
        ("lacks_title", lacks_title.to_string()),
        ("lack_secure_context", lack_secure_context.to_string()),
        ("lack_secure_context_why", lack_secure_context_why.to_string()),
        ("lack_secure_context_fix", lack_secure_context_fix.to_string()),
        ("lack_media_devices", lack_media_devices.to_string()),
        ("lack_media_devices_why", lack_media_devices_why.to_string()),
        ("lack_peer_connection", lack_peer_connection.to_string()),
        ("lack_peer_connection_why", lack_peer_connection_why.to_string()),
        ("lack_browser_fix", lack_browser_fix.to_string()),
        ("access_key_help", access_key_help.to_string()),
        ("signed_in_by_site", signed_in_by_site.to_string()),
        ("continue_", continue_.to_string()),
        ("signed_in_as", signed_in_as("민준")),
        ("online", online.to_string()),
        ("online_users", online_users.to_string()),
        ("you", you("민준")),
        ("call_user", call_user("민준")),
        ("in_a_call", in_a_call.to_string()),
        ("not_online", not_online.to_string()),
        ("nobody_online", nobody_online.to_string()),
        ("relay_only", relay_only.to_string()),
        ("relay_help", relay_help.to_string()),
        ("connect_while_ringing", connect_while_ringing.to_string()),
        ("connect_while_ringing_help", connect_while_ringing_help.to_string()),
        ("lobby_chat", lobby_chat.to_string()),
        ("chat_messages", chat_messages.to_string()),
        ("message", message.to_string()),
        ("send", send.to_string()),
        ("dismiss", dismiss.to_string()),
        ("is_calling", is_calling("민준")),
        ("accept", accept.to_string()),
        ("decline", decline.to_string()),
        ("calling", calling("민준")),
        ("connecting_to", connecting_to("민준")),
        ("reconnecting_to", reconnecting_to("민준")),
        ("in_call_with", in_call_with("민준")),
        ("video_from", video_from("민준")),
        ("waiting_for_video", waiting_for_video.to_string()),
        ("peer_muted", peer_muted("민준")),
        ("peer_camera_off", peer_camera_off("민준")),
        ("you_are_sharing", you_are_sharing.to_string()),
        ("your_camera", your_camera.to_string()),
        ("your_screen", your_screen.to_string()),
        ("call_duration", call_duration.to_string()),
        ("devices", devices.to_string()),
        ("call_controls", call_controls.to_string()),
        ("mute", mute.to_string()),
        ("unmute", unmute.to_string()),
        ("camera_off", camera_off.to_string()),
        ("camera_on", camera_on.to_string()),
        ("share_screen", share_screen.to_string()),
        ("stop_sharing", stop_sharing.to_string()),
        ("chat", chat.to_string()),
        ("chat_unread", chat_unread(7)),
        ("statistics", statistics.to_string()),
        ("picture_in_picture", picture_in_picture.to_string()),
        ("full_screen", full_screen.to_string()),
        ("keyboard_shortcuts", keyboard_shortcuts.to_string()),
        ("cancel", cancel.to_string()),
        ("hang_up", hang_up.to_string()),
        ("call_chat", call_chat.to_string()),
        ("call_chat_messages", call_chat_messages.to_string()),
        ("call_message", call_message.to_string()),
        ("send_to_call", send_to_call.to_string()),
        ("call_statistics", call_statistics.to_string()),
        ("connection_good", connection_good.to_string()),
        ("connection_fair", connection_fair.to_string()),
        ("connection_poor", connection_poor.to_string()),
        ("round_trip", round_trip.to_string()),
        ("receiving", receiving.to_string()),
        ("sending", sending.to_string()),
        ("packet_loss", packet_loss.to_string()),
        ("video_in", video_in.to_string()),
        ("video_out", video_out.to_string()),
        ("route", route.to_string()),
        ("camera", camera.to_string()),
        ("microphone", microphone.to_string()),
        ("speaker", speaker.to_string()),
        ("system_default", system_default.to_string()),
        ("sound_processing", sound_processing.to_string()),
        ("noise_suppression", noise_suppression.to_string()),
        ("echo_cancellation", echo_cancellation.to_string()),
        ("auto_gain", auto_gain.to_string()),
        ("safety_unverifiable", safety_unverifiable.to_string()),
        ("recording_saved", recording_saved("민준")),
        ("save_recording", save_recording.to_string()),
        ("record", record.to_string()),
        ("stop_recording", stop_recording.to_string()),
        ("you_are_recording", you_are_recording.to_string()),
        ("peer_recording", peer_recording("민준")),
        ("offline", offline.to_string()),
        ("update_ready", update_ready.to_string()),
        ("reload", reload.to_string()),
        ("notify_calls", notify_calls.to_string()),
        ("notify_calls_help", notify_calls_help.to_string()),
        ("missed_call_from", missed_call_from("민준")),
        ("data_saver", data_saver.to_string()),
        ("data_saver_help", data_saver_help.to_string()),
        ("turn_off_video", turn_off_video.to_string()),
        ("verify_call", verify_call.to_string()),
        ("safety_number", safety_number.to_string()),
        ("safety_help", safety_help.to_string()),
        ("safety_matches", safety_matches.to_string()),
        ("call_verified", call_verified.to_string()),
        ("safety_pending", safety_pending.to_string()),
        ("recent_calls", recent_calls.to_string()),
        ("no_calls_yet", no_calls_yet.to_string()),
        ("missed_count", missed_count(7)),
        ("call_back", call_back("민준")),
        ("clear_history", clear_history.to_string()),
        ("outgoing_call", outgoing_call.to_string()),
        ("incoming_call", incoming_call.to_string()),
        ("outcome_answered", outcome_answered.to_string()),
        ("outcome_missed", outcome_missed.to_string()),
        ("outcome_declined", outcome_declined.to_string()),
        ("outcome_no_answer", outcome_no_answer.to_string()),
        ("outcome_cancelled", outcome_cancelled.to_string()),
        ("outcome_failed", outcome_failed.to_string()),
        ("unnamed_device", unnamed_device(7)),
        ("camera_and_microphone", camera_and_microphone.to_string()),
        ("check_devices", check_devices.to_string()),
        ("stop_check", stop_check.to_string()),
        ("camera_preview", camera_preview.to_string()),
        ("mic_level", mic_level.to_string()),
        ("shortcut_mic", shortcut_mic.to_string()),
        ("shortcut_camera", shortcut_camera.to_string()),
        ("shortcut_share", shortcut_share.to_string()),
        ("shortcut_hang_up", shortcut_hang_up.to_string()),
        ("shortcut_stats", shortcut_stats.to_string()),
        ("shortcut_help", shortcut_help.to_string()),
        ("shortcut_escape", shortcut_escape.to_string()),
        ("theme", theme.to_string()),
        ("theme_system", theme_system.to_string()),
        ("theme_light", theme_light.to_string()),
        ("theme_dark", theme_dark.to_string()),
        ("sign_out", sign_out.to_string()),
        ("invite", invite.to_string()),
        ("link_copied", link_copied.to_string()),
        ("search_people", search_people.to_string()),
        ("loading", loading.to_string()),
        ("available", available.to_string()),
        ("more", more.to_string()),
        ("call_again", call_again.to_string()),
        ("shortcuts_on", shortcuts_on.to_string()),
        ("fill_video", fill_video.to_string()),
        ("fit_video", fit_video.to_string()),
        ("move_self", move_self.to_string()),
        ("lobby_failed", lobby_failed.to_string()),
        ("call_screen_failed", call_screen_failed.to_string()),
        ("app_failed", app_failed.to_string()),
        ("try_again", try_again.to_string()),
        ("close", close.to_string()),
    ]
}

#[test]
fn every_text_is_there_in_both_languages_and_translated() {
    let (en, ko) = (entries(texts(Lang::En)), entries(texts(Lang::Ko)));
    assert_eq!(en.len(), ko.len());
    for ((key, e), (_, k)) in en.iter().zip(&ko) {
        assert!(!e.trim().is_empty() && !k.trim().is_empty(), "{key} is empty");
        assert_ne!(e, k, "{key} is not translated");
        assert!(!k.is_ascii(), "{key} has no Korean in it: {k}");
    }
    // Parameters are used, not dropped.
    for (key, text) in en.iter().chain(&ko) {
        let templated = matches!(
            *key,
            "signed_in_as"
                | "you"
                | "call_user"
                | "is_calling"
                | "calling"
                | "connecting_to"
                | "reconnecting_to"
                | "in_call_with"
                | "video_from"
                | "peer_muted"
                | "peer_camera_off"
                | "call_back"
                | "missed_call_from"
                | "peer_recording"
                | "recording_saved"
        );
        if templated {
            assert!(text.contains("민준"), "{key} drops its name: {text}");
        }
        if matches!(*key, "chat_unread" | "unnamed_device" | "missed_count") {
            assert!(text.contains('7'), "{key} drops its number: {text}");
        }
    }
}

/// One of each announcement (the match below fails to compile when a
/// variant is added and not sampled here).
fn announcements() -> Vec<Msg> {
    use Msg::*;
    let p = || "민준".to_string();
    let all = vec![
        NameEmpty,
        NameTooLong(32),
        NameControlCharacter,
        NameTaken { requested: p(), given: "민준1".into() },
        Server { code: ErrorCode::TargetOffline, text: "bob is not online".into() },
        Server { code: ErrorCode::Other, text: "odd".into() },
        CouldNotReach("timed out".into()),
        Access(AccessRefusal::KeyRequired),
        Access(AccessRefusal::WrongKey),
        Access(AccessRefusal::TokenRequired),
        Access(AccessRefusal::BadToken),
        Access(AccessRefusal::TokenExpired),
        LostServer("server restarting".into()),
        Reconnecting(String::new()),
        CouldNotReconnect("code 1006".into()),
        Reconnected,
        RenamedOnReconnect(p()),
        CallLostOnRename(p()),
        CallLostWithServer(p()),
        CannotCallYourself,
        NotOnline(p()),
        Busy(p()),
        Cancelled(p()),
        YouDeclined(p()),
        Declined(p()),
        NoAnswer(p()),
        MissedCall(p()),
        CallEnded(p()),
        HungUp(p()),
        WentOffline(p()),
        ConnectionLost(p()),
        PoorConnection,
        NotificationsBlocked,
        RecordingFailed("NotSupportedError".into()),
        RecordingWithoutYourVoice(p()),
        RecordingNotShown(p()),
        PeerRecording(p()),
        PeerAppFailed(p()),
        FailedThroughRelay(p()),
        FailedWithoutRelay(p()),
        CallStartFailed("x".into()),
        CallCouldNotLoad,
        AnswerFailed("x".into()),
        SetupFailed("x".into()),
        Media(LocalMediaIssue::PermissionDenied),
        Media(LocalMediaIssue::NoCamera),
        Media(LocalMediaIssue::NoDevices),
        Media(LocalMediaIssue::DeviceBusy),
        Media(LocalMediaIssue::InsecureContext),
        Media(LocalMediaIssue::Other("x".into())),
        DeviceUnplugged(DeviceKind::Camera),
        DeviceUnplugged(DeviceKind::Microphone),
        DeviceUnplugged(DeviceKind::Speaker),
        SwitchFailed("x".into()),
        ShareCancelled,
        ShareFailed("x".into()),
        ChatTooLong(2000),
    ];
    for m in &all {
        match m {
            NameEmpty
            | NameTooLong(_)
            | NameControlCharacter
            | NameTaken { .. }
            | Server { .. }
            | CouldNotReach(_)
            | Access(_)
            | LostServer(_)
            | Reconnecting(_)
            | CouldNotReconnect(_)
            | Reconnected
            | RenamedOnReconnect(_)
            | CallLostOnRename(_)
            | CallLostWithServer(_)
            | CannotCallYourself
            | NotOnline(_)
            | Busy(_)
            | Cancelled(_)
            | YouDeclined(_)
            | Declined(_)
            | NoAnswer(_)
            | MissedCall(_)
            | CallEnded(_)
            | HungUp(_)
            | WentOffline(_)
            | ConnectionLost(_)
            | PoorConnection
            | NotificationsBlocked
            | RecordingFailed(_)
            | RecordingWithoutYourVoice(_)
            | RecordingNotShown(_)
            | PeerRecording(_)
            | PeerAppFailed(_)
            | FailedThroughRelay(_)
            | FailedWithoutRelay(_)
            | CallStartFailed(_)
            | CallCouldNotLoad
            | AnswerFailed(_)
            | SetupFailed(_)
            | Media(_)
            | DeviceUnplugged(_)
            | SwitchFailed(_)
            | ShareCancelled
            | ShareFailed(_)
            | ChatTooLong(_) => {}
        }
    }
    all
}

#[test]
fn every_announcement_reads_in_both_languages_with_its_details() {
    for m in announcements() {
        let (en, ko) = (render(Lang::En, &m), render(Lang::Ko, &m));
        assert!(!en.is_empty() && !ko.is_empty(), "{m:?}");
        assert_ne!(en, ko, "{m:?} is not translated");
        assert!(!ko.is_ascii(), "{m:?} has no Korean: {ko}");
        if format!("{m:?}").contains("민준") {
            assert!(en.contains("민준") && ko.contains("민준"), "{m:?} drops the name: {en} / {ko}");
        }
    }
}

#[test]
fn the_browser_language_picks_korean_or_english() {
    assert_eq!(Lang::preferred(["ko-KR", "en-US"]), Lang::Ko);
    assert_eq!(Lang::preferred(["fr-FR", "ko"]), Lang::Ko, "the first supported one");
    assert_eq!(Lang::preferred(["en-GB", "ko-KR"]), Lang::En);
    assert_eq!(Lang::preferred(["de"]), Lang::En, "English otherwise");
    assert_eq!(Lang::preferred([]), Lang::En);
    assert_eq!(Lang::from_tag("KO_kr"), Some(Lang::Ko));
}

#[test]
fn a_lost_connection_is_said_in_plain_words_without_codes() {
    let m = Msg::Reconnecting("code 1006".into());
    assert_eq!(render(Lang::En, &m), "The connection to the server was lost. Reconnecting…");
    assert!(!render(Lang::Ko, &m).contains("1006"));
    let m = Msg::LostServer("server restarting".into());
    assert!(render(Lang::En, &m).contains("(server restarting)"), "a real reason is kept");
}
