//! `--verbose` timing lines, one per phase of a command, so a slow run shows where its time went.

use std::time::Instant;

/// The time since the last phase ended; each [`Timing::done`] logs one `timing:` line.
pub struct Timing {
    last: Instant,
}

impl Timing {
    /// Starts timing the first phase now.
    pub fn start() -> Self {
        Self {
            last: Instant::now(),
        }
    }

    /// Logs how long `phase` took (at debug level: shown with `--verbose`) and starts the next one.
    pub fn done(&mut self, phase: &str) {
        log::debug!(
            "timing: {phase} {:.1} ms",
            mpos_core::keygen::ms_since(self.last)
        );
        self.last = Instant::now();
    }
}
