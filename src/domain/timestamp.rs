//! The one format of every time in JSON output: RFC 3339 in UTC to the millisecond, with `Z`
//! (`2026-12-01T09:30:00.000Z`), whichever engine stored it and whatever precision it keeps.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serializer;

/// `time` in the one format, for text that quotes a time (an audit row's detail).
pub fn format(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Writes `time` in the one format (for `#[serde(serialize_with = ...)]`).
pub fn serialize<S: Serializer>(time: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format(*time))
}

/// Writes an optional time in the one format, or `null`.
pub fn serialize_option<S: Serializer>(time: &Option<DateTime<Utc>>, serializer: S) -> Result<S::Ok, S::Error> {
    match time {
        Some(time) => serialize(time, serializer),
        None => serializer.serialize_none(),
    }
}
