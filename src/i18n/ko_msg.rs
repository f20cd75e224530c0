//! 한국어 안내 문구.

use duet_protocol::ErrorCode;

use crate::store::{AccessRefusal, DeviceKind, LocalMediaIssue, Msg};

pub fn render(m: &Msg) -> String {
    use Msg::*;
    match m {
        NameEmpty => "이름을 입력하세요".into(),
        NameTooLong(max) => format!("이름은 {max}자까지 쓸 수 있습니다"),
        NameControlCharacter => "이름에 쓸 수 없는 제어 문자가 들어 있습니다".into(),
        NameTaken { requested, given } => format!("{requested}(은)는 이미 쓰이는 이름이라 {given}(으)로 들어왔습니다"),
        Server { code, text } => server(*code, text),
        CouldNotReach(reason) => format!("서버에 연결할 수 없습니다{}.", why(reason)),
        Access(AccessRefusal::KeyRequired) => {
            "비공개 Duet 서버입니다. 접속 키를 입력하세요 (초대 링크나 운영자에게서 받으세요).".into()
        }
        Access(AccessRefusal::WrongKey) => "접속 키가 맞지 않습니다. 확인하고 다시 시도하세요.".into(),
        Access(AccessRefusal::TokenRequired) => "이 Duet 서버는 운영 사이트를 통해 로그인합니다. 그 사이트에서 Duet을 여세요.".into(),
        Access(AccessRefusal::BadToken) => "로그인 링크가 받아들여지지 않았습니다. 보낸 사이트에서 Duet을 다시 여세요.".into(),
        Access(AccessRefusal::TokenExpired) => "로그인 링크가 만료되었습니다. 보낸 사이트에서 Duet을 다시 여세요.".into(),
        LostServer(reason) => format!("서버 연결이 끊겼습니다{}. 다시 로그인하세요.", why(reason)),
        Reconnecting(reason) => format!("서버 연결이 끊겼습니다{}. 다시 연결하는 중…", why(reason)),
        CouldNotReconnect(reason) => format!("서버에 다시 연결하지 못했습니다{}. 다시 로그인하세요.", why(reason)),
        Reconnected => "서버에 다시 연결되었습니다".into(),
        RenamedOnReconnect(name) => format!("다시 연결되었습니다. 이제 이름은 {name}입니다"),
        CallLostOnRename(name) => format!("{name}(으)로 다시 연결되어 통화를 끝내야 했습니다"),
        CallLostWithServer(peer) => format!("서버 연결이 끊겨 {peer} 님과의 통화가 끝났습니다"),
        CannotCallYourself => "자기 자신에게는 전화할 수 없습니다".into(),
        NotOnline(peer) => format!("{peer} 님은 접속해 있지 않습니다"),
        Busy(peer) => format!("{peer} 님은 다른 통화 중입니다"),
        Cancelled(peer) => format!("{peer} 님에게 건 전화를 취소했습니다"),
        YouDeclined(peer) => format!("{peer} 님의 전화를 거절했습니다"),
        Declined(peer) => format!("{peer} 님이 전화를 거절했습니다"),
        NoAnswer(peer) => format!("{peer} 님이 받지 않습니다"),
        MissedCall(peer) => format!("{peer} 님의 부재중 전화"),
        CallEnded(peer) => format!("{peer} 님과의 통화가 끝났습니다"),
        HungUp(peer) => format!("{peer} 님이 전화를 끊었습니다"),
        WentOffline(peer) => format!("{peer} 님의 연결이 끊겼습니다"),
        ConnectionLost(peer) => format!("{peer} 님과의 연결이 끊겼습니다"),
        RecordingNotShown(peer) => format!("{peer} 님의 앱이 녹화 중임을 표시할 수 없어 녹화하지 않았습니다"),
        PeerRecording(peer) => format!("{peer} 님이 이 통화를 녹화하고 있습니다"),
        RecordingFailed(why) => format!("통화를 녹화할 수 없습니다: {why}"),
        RecordingWithoutYourVoice(peer) => {
            format!("{peer} 님의 음성과 영상만 녹화합니다: 이 브라우저에서 내 음성을 함께 녹음할 수 없습니다")
        }
        NotificationsBlocked => "이 사이트의 알림이 차단되어 있습니다. 브라우저의 사이트 설정에서 허용한 뒤 여기서 켜 주세요.".into(),
        PoorConnection => "연결 상태가 나쁩니다. 영상을 끄고 음성으로 계속할까요? 카메라 버튼으로 다시 켤 수 있습니다.".into(),
        PeerAppFailed(peer) => {
            format!("{peer} 님의 앱이 통화를 준비하지 못했습니다. 상대방이 페이지를 새로 고치면 해결될 수 있습니다.")
        }
        FailedThroughRelay(peer) => format!("{peer} 님과 연결하지 못했습니다. 중계 서버를 거쳐도 연결되지 않습니다"),
        FailedWithoutRelay(peer) => format!(
            "{peer} 님과 연결하지 못했습니다. TURN 중계 서버가 설정되어 있지 않아 일부 네트워크 사이에서는 통화할 수 없습니다."
        ),
        CallStartFailed(e) => format!("통화를 시작하지 못했습니다: {e}"),
        CallCouldNotLoad => "앱의 일부를 불러오지 못해 통화를 시작하지 못했습니다. 연결을 확인하고 다시 시도하세요.".into(),
        AnswerFailed(e) => format!("전화를 받지 못했습니다: {e}"),
        SetupFailed(e) => format!("통화를 연결하지 못했습니다: {e}"),
        Media(issue) => media(issue),
        DeviceUnplugged(kind) => match kind {
            DeviceKind::Camera => "선택한 카메라가 분리되어 기본 카메라를 씁니다".into(),
            DeviceKind::Microphone => "선택한 마이크가 분리되어 기본 마이크를 씁니다".into(),
            DeviceKind::Speaker => "선택한 스피커가 분리되어 기본 스피커를 씁니다".into(),
        },
        SwitchFailed(e) => format!("장치를 바꾸지 못했습니다: {e}"),
        ShareCancelled => "화면 공유가 취소되었거나 허용되지 않았습니다".into(),
        ShareFailed(e) => format!("화면 공유를 시작하지 못했습니다: {e}"),
        ChatTooLong(max) => format!("메시지는 {max}자까지 보낼 수 있습니다"),
    }
}

fn media(issue: &LocalMediaIssue) -> String {
    match issue {
        LocalMediaIssue::PermissionDenied => {
            "카메라와 마이크 사용이 거부되었습니다. 상대방을 보고 들을 수는 있습니다. 내 모습과 목소리를 전하려면 브라우저의 사이트 설정에서 허용하세요.".into()
        }
        LocalMediaIssue::NoCamera => "카메라가 없어 음성으로만 통화합니다.".into(),
        LocalMediaIssue::NoDevices => {
            "카메라와 마이크가 없습니다. 상대방을 보고 들을 수는 있지만 상대방은 나를 보거나 들을 수 없습니다.".into()
        }
        LocalMediaIssue::DeviceBusy => {
            "다른 프로그램이 카메라나 마이크를 쓰고 있습니다. 그 프로그램을 닫고 다시 전화하세요.".into()
        }
        LocalMediaIssue::InsecureContext => {
            "이 페이지는 https로 열리지 않아 브라우저가 카메라와 마이크를 막습니다.".into()
        }
        LocalMediaIssue::Other(e) => format!("카메라나 마이크를 열지 못했습니다: {e}"),
    }
}

/// The server explains in English; Korean says what the code means.
fn server(code: ErrorCode, text: &str) -> String {
    match code {
        ErrorCode::InvalidUsername => "쓸 수 없는 이름입니다".into(),
        ErrorCode::TargetOffline => "상대방이 접속해 있지 않습니다".into(),
        ErrorCode::TargetSelf => "자기 자신에게는 전화할 수 없습니다".into(),
        ErrorCode::NotInCall => "그 사람과 통화 중이 아닙니다".into(),
        ErrorCode::AlreadyInCall => "지금 통화를 먼저 끊으세요".into(),
        ErrorCode::RateLimited => "메시지를 너무 빨리 보내고 있습니다. 잠시 후 다시 하세요".into(),
        ErrorCode::Unavailable => "지금은 서버가 처리할 수 없습니다. 잠시 후 다시 하세요".into(),
        _ => format!("서버가 요청을 거부했습니다 ({text})"),
    }
}

/// The server's or browser's own reason, in brackets, when there is one
/// worth reading (a bare close code is not).
fn why(reason: &str) -> String {
    if reason.is_empty() || reason.starts_with("code ") {
        String::new()
    } else {
        format!(" ({reason})")
    }
}
