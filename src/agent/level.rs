//! The lobby's microphone meter: an AnalyserNode on the preview's audio,
//! read ten times a second and published for the device check's `<meter>`.

use gloo::timers::callback::Interval;
use web_sys::{AudioContext, MediaStream};

/// A running measurement; dropping it stops it.
pub struct LevelMeter {
    ctx: AudioContext,
    _poll: Interval,
}

impl LevelMeter {
    /// Measures `stream`'s microphone, reporting its level (0 to 1) to `report`.
    pub fn new(stream: &MediaStream, report: impl Fn(f64) + 'static) -> Option<LevelMeter> {
        if stream.get_audio_tracks().length() == 0 {
            return None;
        }
        let ctx = AudioContext::new().ok()?;
        let source = ctx.create_media_stream_source(stream).ok()?;
        let analyser = ctx.create_analyser().ok()?;
        analyser.set_fft_size(512);
        source.connect_with_audio_node(&analyser).ok()?;
        let mut buf = vec![0f32; analyser.fft_size() as usize];
        let poll = Interval::new(100, move || {
            analyser.get_float_time_domain_data(&mut buf);
            // RMS of the waveform; speech sits around 0.05–0.3.
            let rms = (buf.iter().map(|s| s * s).sum::<f32>() / buf.len() as f32).sqrt();
            // Coarse steps, so the meter re-renders only when it would move.
            let level = ((rms * 4.0).min(1.0) * 20.0).round() / 20.0;
            report(f64::from(level));
        });
        Some(LevelMeter { ctx, _poll: poll })
    }
}

impl Drop for LevelMeter {
    fn drop(&mut self) {
        let _ = self.ctx.close();
    }
}
