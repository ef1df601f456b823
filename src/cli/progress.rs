//! The progress of `user import`, on a terminal only (standard error, and not with `--json`):
//! while rows are validated and hashed, the rows done and a bar of the bytes read out of the
//! file's size, with the rate and the time left; then a bar of the rows written out of all of
//! them. For standard input, whose size is unknown, a spinner with the rows done. Ctrl-C clears
//! it and exits, until the last row is written: from then on, through the commit and the
//! rejects file, Ctrl-C is ignored, so that exit 130 always means that nothing was written.

use std::io::{IsTerminal, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use indicatif::{ProgressBar, ProgressStyle};

/// The exit status of a process ended by SIGINT, as a shell reports it.
const INTERRUPTED: i32 = 130;

/// The progress display of one import.
pub struct ImportProgress {
    bar: ProgressBar,
    /// Whether Ctrl-C still ends the process. The handler holds the lock while it exits, so
    /// once [`ImportProgress::disarm`] returns, no Ctrl-C can end the import any more.
    interruptible: Arc<Mutex<bool>>,
    /// The rows to write, once known.
    rows: AtomicU64,
}

impl ImportProgress {
    /// A display for an input of `input_len` bytes (`None` for standard input), shown only when
    /// `wanted` and standard error is a terminal.
    pub fn new(wanted: bool, input_len: Option<u64>) -> Self {
        if !wanted || !std::io::stderr().is_terminal() {
            return ImportProgress {
                bar: ProgressBar::hidden(),
                interruptible: Arc::new(Mutex::new(false)),
                rows: AtomicU64::new(0),
            };
        }
        let bar = match input_len {
            Some(len) => {
                let bar = ProgressBar::new(len);
                bar.set_style(style(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} ({binary_bytes_per_sec}, {eta} left)",
                ));
                bar
            }
            None => {
                let bar = ProgressBar::new_spinner();
                bar.set_style(style("{spinner} {msg} ({elapsed})"));
                bar
            }
        };
        let on_interrupt = bar.clone();
        let interruptible = Arc::new(Mutex::new(true));
        let still_interruptible = Arc::clone(&interruptible);
        // Without it the bar's last line would stay on the terminal after Ctrl-C. Set before
        // the first drawing, so that no Ctrl-C the bar prompted finds the default action. Once
        // per process: only `user import` sets it, once.
        let _ = ctrlc::set_handler(move || {
            let interruptible = still_interruptible.lock().unwrap_or_else(PoisonError::into_inner);
            if *interruptible {
                on_interrupt.finish_and_clear();
                std::process::exit(INTERRUPTED);
            }
        });
        bar.set_message("validating and hashing");
        ImportProgress {
            bar,
            interruptible,
            rows: AtomicU64::new(0),
        }
    }

    /// `input`, counting the bytes read into the bar.
    pub fn reading<'a>(&self, input: Box<dyn Read + 'a>) -> Box<dyn Read + 'a> {
        if self.bar.is_hidden() {
            input
        } else {
            Box::new(self.bar.wrap_read(input))
        }
    }

    /// `done` rows validated and hashed.
    pub fn prepared(&self, done: u64) {
        self.bar.set_message(format!("validating and hashing: {done} rows"));
    }

    /// The writing of `rows` rows starts.
    pub fn writing(&self, rows: u64) {
        self.rows.store(rows, Ordering::Relaxed);
        if rows == 0 {
            self.disarm();
        }
        self.bar.set_length(rows);
        self.bar.reset();
        self.bar.set_message("writing");
        self.bar
            .set_style(style("{msg} [{bar:30}] {human_pos}/{human_len} rows ({eta} left)"));
    }

    /// `done` rows written; after the last, Ctrl-C no longer interrupts.
    pub fn written(&self, done: u64) {
        if done >= self.rows.load(Ordering::Relaxed) {
            self.disarm();
        }
        self.bar.set_position(done);
    }

    /// Clears the display; Ctrl-C no longer interrupts.
    pub fn finish(&self) {
        self.disarm();
        self.bar.finish_and_clear();
    }

    /// From now on Ctrl-C is ignored: the import is about to commit, or has.
    fn disarm(&self) {
        *self.interruptible.lock().unwrap_or_else(PoisonError::into_inner) = false;
    }
}

/// A bar style from a template of this file (valid, so the fallback never shows).
fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}
