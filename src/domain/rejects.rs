//! Every row an import rejects, kept on disk for `user import --rejects`, so that memory does not
//! grow with their number. Each phase of an import finds its problems in line order, but a later
//! phase can find a problem on a line before an earlier phase's: each phase writes a run of its
//! own, and the runs are merged when read back.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Seek, Write};
use std::iter::Peekable;

use crate::domain::error::{Error, Result, RowProblem};

/// The rejected rows recorded so far.
#[derive(Debug)]
pub struct RejectLog {
    runs: Vec<BufWriter<File>>,
    /// The first write that failed: reported when the log is read back.
    failed: Option<io::Error>,
}

impl RejectLog {
    /// An empty log with one run open.
    pub fn new() -> Result<Self> {
        let mut log = RejectLog {
            runs: Vec::new(),
            failed: None,
        };
        log.next_run()?;
        Ok(log)
    }

    /// Starts a new run: what is recorded from now on may come before what was.
    pub fn next_run(&mut self) -> Result<()> {
        let file =
            tempfile::tempfile().map_err(|e| Error::storage_from("Cannot create the file of rejected rows", e))?;
        self.runs.push(BufWriter::new(file));
        Ok(())
    }

    /// Records one problem in the current run.
    pub fn record(&mut self, problem: &RowProblem) {
        // Messages echo input through `text::shown`, which escapes control characters; a tab or
        // a line break would still split a record of the log, so they become spaces.
        let message: String = problem
            .message
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let Some(run) = self.runs.last_mut() else { return };
        if let Err(e) = writeln!(run, "{}\t{}\t{message}", problem.line, u8::from(problem.conflict))
            && self.failed.is_none()
        {
            self.failed = Some(e);
        }
    }

    /// Every problem recorded, in line order.
    pub fn into_sorted(self) -> Result<impl Iterator<Item = Result<RowProblem>>> {
        let unreadable = |e| Error::storage_from("Cannot read the file of rejected rows", e);
        if let Some(e) = self.failed {
            return Err(Error::storage_from("Cannot write the file of rejected rows", e));
        }
        let mut runs = Vec::with_capacity(self.runs.len());
        for run in self.runs {
            let mut file = run
                .into_inner()
                .map_err(|e| Error::storage_from("Cannot write the file of rejected rows", e.into_error()))?;
            file.rewind().map_err(unreadable)?;
            runs.push(
                BufReader::new(file)
                    .lines()
                    .map(move |line| parse(&line.map_err(unreadable)?))
                    .peekable(),
            );
        }
        Ok(Merged { runs })
    }
}

/// A problem back from its line of the log.
fn parse(line: &str) -> Result<RowProblem> {
    let mut fields = line.splitn(3, '\t');
    match (fields.next().map(str::parse), fields.next(), fields.next()) {
        (Some(Ok(number)), Some(conflict), Some(message)) => Ok(RowProblem {
            line: number,
            message: message.to_owned(),
            conflict: conflict == "1",
        }),
        _ => Err(Error::storage("The file of rejected rows is corrupt.")),
    }
}

/// Runs sorted by line, merged into one sequence sorted by line.
struct Merged<I: Iterator<Item = Result<RowProblem>>> {
    runs: Vec<Peekable<I>>,
}

impl<I: Iterator<Item = Result<RowProblem>>> Iterator for Merged<I> {
    type Item = Result<RowProblem>;

    fn next(&mut self) -> Option<Self::Item> {
        // An error comes out at once; otherwise the run whose next line is the lowest.
        let mut lowest: Option<(usize, u64)> = None;
        for (index, run) in self.runs.iter_mut().enumerate() {
            match run.peek() {
                None => {}
                Some(Err(_)) => return run.next(),
                Some(Ok(problem)) if lowest.is_none_or(|(_, line)| problem.line < line) => {
                    lowest = Some((index, problem.line));
                }
                Some(Ok(_)) => {}
            }
        }
        lowest.and_then(|(index, _)| self.runs[index].next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_come_back_merged_in_line_order() {
        let mut log = RejectLog::new().unwrap();
        for line in [2, 5, 9] {
            log.record(&RowProblem::invalid(line, format!("phase one\t{line}\n")));
        }
        log.next_run().unwrap();
        for line in [3, 4, 11] {
            log.record(&RowProblem {
                conflict: true,
                ..RowProblem::invalid(line, "phase two")
            });
        }
        let back: Vec<RowProblem> = log.into_sorted().unwrap().collect::<Result<_>>().unwrap();
        let lines: Vec<u64> = back.iter().map(|problem| problem.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 9, 11]);
        assert_eq!(back[0].message, "phase one 2 ");
        assert!(back[1].conflict && !back[0].conflict);
    }
}
