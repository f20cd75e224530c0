//! The lobby's microphone meter: an AnalyserNode on the preview's audio,
//! read ten times a second into the `<meter>` the device check shows.

use gloo::timers::callback::Interval;
use wasm_bindgen::JsCast;
use web_sys::{AudioContext, MediaStream};

/// The element the meter writes to.
pub const MIC_LEVEL: &str = "mic-level";

pub struct LevelMeter {
    ctx: AudioContext,
    _poll: Interval,
}

impl LevelMeter {
    pub fn new(stream: &MediaStream) -> Option<LevelMeter> {
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
            let level = (rms * 4.0).min(1.0);
            let meter = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(MIC_LEVEL))
                .and_then(|e| e.dyn_into::<web_sys::HtmlMeterElement>().ok());
            if let Some(m) = meter {
                m.set_value(f64::from(level));
            }
        });
        Some(LevelMeter { ctx, _poll: poll })
    }
}

impl Drop for LevelMeter {
    fn drop(&mut self) {
        let _ = self.ctx.close();
    }
}
