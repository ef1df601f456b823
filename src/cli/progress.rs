//! The progress of `user import`, on a terminal only (standard error, and not with `--json`):
//! while rows are validated and hashed, the rows done and a bar of the bytes read out of the
//! file's size, with the rate and the time left; then a bar of the rows written out of all of
//! them. For standard input, whose size is unknown, a spinner with the rows done. Ctrl-C clears
//! it before exiting.

use std::io::{IsTerminal, Read};

use indicatif::{ProgressBar, ProgressStyle};

/// The exit status of a process ended by SIGINT, as a shell reports it.
const INTERRUPTED: i32 = 130;

/// The progress display of one import.
pub struct ImportProgress {
    bar: ProgressBar,
}

impl ImportProgress {
    /// A display for an input of `input_len` bytes (`None` for standard input), shown only when
    /// `wanted` and standard error is a terminal.
    pub fn new(wanted: bool, input_len: Option<u64>) -> Self {
        if !wanted || !std::io::stderr().is_terminal() {
            return ImportProgress {
                bar: ProgressBar::hidden(),
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
        // Without it the bar's last line would stay on the terminal after Ctrl-C. Set before
        // the first drawing, so that no Ctrl-C the bar prompted finds the default action. Once
        // per process: only `user import` sets it, once.
        let _ = ctrlc::set_handler(move || {
            on_interrupt.finish_and_clear();
            std::process::exit(INTERRUPTED);
        });
        bar.set_message("validating and hashing");
        ImportProgress { bar }
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
        self.bar.set_length(rows);
        self.bar.reset();
        self.bar.set_message("writing");
        self.bar
            .set_style(style("{msg} [{bar:30}] {human_pos}/{human_len} rows ({eta} left)"));
    }

    /// `done` rows written.
    pub fn written(&self, done: u64) {
        self.bar.set_position(done);
    }

    /// Clears the display.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// A bar style from a template of this file (valid, so the fallback never shows).
fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}
