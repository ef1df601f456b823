//! `user import` on PostgreSQL: each chunk of users goes over with one binary COPY into a
//! temporary table, then into `users` with one `INSERT … SELECT` (a plain one in a savepoint when
//! nothing can conflict), and only the users left out are looked at again, with the rules of
//! `insert_user_unless_taken`.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::error::SqlState;
use postgres::types::{ToSql, Type};
use uuid::Uuid;

use super::{INSERT_COLUMNS, Inner, PostgresTx, USER_COLUMNS, UserRow, user_from_row};
use crate::domain::error::{Error, Result};
use crate::domain::store::{BatchMark, Insert};
use crate::domain::user::User;

const BATCH_COLUMNS: &str = "id uuid, email text, email_normalized text, username text, username_normalized text, \
     password_hash text, confirmed boolean, active boolean, locked boolean, created_at timestamptz, \
     failed_logins integer, locked_out_until timestamptz";
/// The import batch table's column types, for its binary COPY.
const BATCH_TYPES: [Type; 13] = [
    Type::INT8,
    Type::UUID,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::BOOL,
    Type::BOOL,
    Type::BOOL,
    Type::TIMESTAMPTZ,
    Type::INT4,
    Type::TIMESTAMPTZ,
];

/// `columns` (a list of this file's) each prefixed with the table alias `alias`.
pub(super) fn qualified(alias: &str, columns: &str) -> String {
    columns
        .split(", ")
        .map(|column| format!("{alias}.{column}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether the users row `alias` is one this transaction inserted after `mark` (a parameter): a row
/// of this batch. A row another import committed meanwhile has a later `seq` too, but not this
/// transaction's id.
pub(super) fn in_batch(alias: &str, mark: &str) -> String {
    format!("{alias}.seq > {mark} AND {alias}.xmin = pg_current_xact_id()::xid")
}

/// A row left out for neither a taken email nor a taken username: another process changed an
/// account meanwhile.
pub(super) fn changed_during_import(user: &User) -> Error {
    Error::storage(format!(
        "The account {} was changed by another process during the import; nothing was written. Run it again.",
        user.email
    ))
}

/// One binary COPY of `users` into a temporary table, then one `INSERT … SELECT`: a plain
/// one when no user can meet another or an account (a chunk of new accounts), else one
/// `ON CONFLICT DO NOTHING` for each run of users between two whose email an older account
/// has. Only the users a run left out are looked at again.
pub(super) fn insert_users_unless_taken(
    tx: &PostgresTx<'_>,
    users: &[User],
    mark: BatchMark,
    outcome: &mut dyn FnMut(usize, Insert) -> Result<()>,
) -> Result<()> {
    let (emails, taken) = {
        let mut inner = tx.inner();
        let emails = inner.copy_batch(users)?;
        let (taken, in_this_batch) = inner.batch_emails_taken(&emails, mark)?;
        if taken.is_empty() && !in_this_batch && !inner.batch_names_meet(users, &emails)? && inner.insert_batch()? {
            drop(inner);
            for index in 0..users.len() {
                outcome(index, Insert::Created)?;
            }
            return Ok(());
        }
        (emails, taken)
    };
    // An account already handed to `outcome` may have been changed by it: read it again.
    let mut handed = HashSet::new();
    let mut start = 0;
    for (index, existing) in taken {
        tx.insert_run(users, &emails, start..index, mark, outcome)?;
        let existing = if handed.insert(existing.id) {
            existing
        } else {
            let row = tx
                .inner()
                .query_opt(
                    &format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"),
                    &[&existing.id],
                )?
                .ok_or_else(|| changed_during_import(&users[index]))?;
            user_from_row(&row, 0)?
        };
        outcome(index, Insert::EmailTaken(existing))?;
        start = index + 1;
    }
    tx.insert_run(users, &emails, start..users.len(), mark, outcome)
}

impl Inner<'_> {
    /// Puts `users` in the import batch table (made on first use in the transaction, dropped at
    /// its end), each with its index in `ord`, with one binary COPY: no value is escaped. Returns
    /// their normalised emails.
    fn copy_batch(&mut self, users: &[User]) -> Result<Vec<String>> {
        let case = self.username_case()?;
        if self.batch_table {
            self.tx.batch_execute("TRUNCATE import_batch")?;
        } else {
            self.tx.batch_execute(&format!(
                "CREATE TEMPORARY TABLE import_batch (ord bigint PRIMARY KEY, {BATCH_COLUMNS}) ON COMMIT DROP"
            ))?;
            self.batch_table = true;
        }
        let writer = self.tx.copy_in("COPY import_batch FROM STDIN (FORMAT binary)")?;
        let mut writer = BinaryCopyInWriter::new(writer, &BATCH_TYPES);
        let mut emails = Vec::with_capacity(users.len());
        for (ord, user) in (0_i64..).zip(users) {
            let row = UserRow::of(user, case);
            let mut values: Vec<&(dyn ToSql + Sync)> = vec![&ord];
            values.extend(row.values());
            writer.write(&values)?;
            emails.push(row.email_normalized);
        }
        writer.finish()?;
        Ok(emails)
    }

    /// The users of the batch (with normalised `emails`) whose email an account not of this
    /// batch has, in order, each with that account; and whether any has the email of a user of
    /// this batch. (Every lookup of the batch goes by an array of values, which the planner turns
    /// into index probes whatever the size of `users`; a join with the batch table, of unknown
    /// size to it, can become a scan of all of `users`.)
    fn batch_emails_taken(&mut self, emails: &[String], mark: BatchMark) -> Result<(Vec<(usize, User)>, bool)> {
        let rows = self.query(
            &format!(
                "SELECT u.email_normalized, {}, {} FROM users u WHERE u.email_normalized = ANY($1)",
                in_batch("u", "$2"),
                qualified("u", USER_COLUMNS)
            ),
            &[&emails, &mark.0],
        )?;
        let mut accounts = HashMap::new();
        let mut in_this_batch = false;
        for row in &rows {
            if row.try_get(1)? {
                in_this_batch = true;
            } else {
                accounts.insert(row.try_get::<_, String>(0)?, user_from_row(row, 2)?);
            }
        }
        if accounts.is_empty() {
            return Ok((Vec::new(), in_this_batch));
        }
        let taken = emails
            .iter()
            .enumerate()
            .filter_map(|(index, email)| Some((index, accounts.get(email)?.clone())))
            .collect();
        Ok((taken, in_this_batch))
    }

    /// Whether two users of the batch (with normalised `emails`) share an email or a username,
    /// or one has a username an account has.
    fn batch_names_meet(&mut self, users: &[User], emails: &[String]) -> Result<bool> {
        let mut seen = HashSet::new();
        if !emails.iter().all(|email| seen.insert(email.as_str())) {
            return Ok(true);
        }
        let case = self.username_case()?;
        let names: Vec<String> = users
            .iter()
            .filter_map(|user| user.username.as_deref().map(|name| case.key(name)))
            .collect();
        let mut seen = HashSet::new();
        if !names.iter().all(|name| seen.insert(name.as_str())) {
            return Ok(true);
        }
        if names.is_empty() {
            return Ok(false);
        }
        let rows = self.query(
            "SELECT 1 FROM users WHERE username_normalized = ANY($1) LIMIT 1",
            &[&names],
        )?;
        Ok(!rows.is_empty())
    }

    /// Inserts every user of the batch table in order with a plain insert, which skips the
    /// arbiter checks of `ON CONFLICT` (a third of the time): for a batch that was found to meet
    /// nothing. It runs in a savepoint: a conflict all the same comes from an account another
    /// process registered since, and undoes the insert (`false`), for the per-run path to sort.
    fn insert_batch(&mut self) -> Result<bool> {
        let sql =
            format!("INSERT INTO users ({INSERT_COLUMNS}) SELECT {INSERT_COLUMNS} FROM import_batch ORDER BY ord");
        let statement = self.statement(&sql)?;
        let mut savepoint = self.tx.savepoint("plain_insert")?;
        match savepoint.execute(&statement, &[]) {
            Ok(_) => {
                savepoint.commit()?;
                Ok(true)
            }
            Err(error) if error.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
                savepoint.rollback()?;
                Ok(false)
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Inserts the users `run` of the batch table in order, each unless its email or username is
    /// taken, and says what became of each. Only the users left out are looked at again, with
    /// the per-row rules of `insert_user_unless_taken`.
    fn insert_run(
        &mut self,
        users: &[User],
        emails: &[String],
        run: Range<usize>,
        mark: BatchMark,
    ) -> Result<Vec<Insert>> {
        let inserted = self.execute(
            &format!(
                "INSERT INTO users ({INSERT_COLUMNS}) SELECT {INSERT_COLUMNS} FROM import_batch \
                 WHERE ord >= $1 AND ord < $2 ORDER BY ord ON CONFLICT DO NOTHING"
            ),
            &[&(run.start as i64), &(run.end as i64)],
        )?;
        let mut outcomes: Vec<Insert> = run.clone().map(|_| Insert::Created).collect();
        if inserted == outcomes.len() as u64 {
            return Ok(outcomes);
        }
        let ids: Vec<Uuid> = users[run.clone()].iter().map(|user| user.id).collect();
        let mut present = HashSet::new();
        for row in self.query("SELECT id FROM users WHERE id = ANY($1)", &[&ids])? {
            present.insert(row.try_get::<_, Uuid>(0)?);
        }
        let left_out: Vec<usize> = run
            .clone()
            .filter(|&index| !present.contains(&users[index].id))
            .collect();
        let left_emails: Vec<&str> = left_out.iter().map(|&index| emails[index].as_str()).collect();
        let mut by_email = HashMap::new();
        for row in self.query(
            &format!(
                "SELECT u.email_normalized, {}, {} FROM users u WHERE u.email_normalized = ANY($1)",
                in_batch("u", "$2"),
                qualified("u", USER_COLUMNS)
            ),
            &[&left_emails, &mark.0],
        )? {
            by_email.insert(
                row.try_get::<_, String>(0)?,
                (row.try_get::<_, bool>(1)?, user_from_row(&row, 2)?),
            );
        }
        let case = self.username_case()?;
        let names: Vec<Option<String>> = left_out
            .iter()
            .map(|&index| users[index].username.as_deref().map(|name| case.key(name)))
            .collect();
        let mut by_username = HashMap::new();
        for row in self.query(
            &format!(
                "SELECT u.username_normalized, u.id, {} FROM users u WHERE u.username_normalized = ANY($1)",
                in_batch("u", "$2")
            ),
            &[&names.iter().flatten().collect::<Vec<_>>(), &mark.0],
        )? {
            by_username.insert(
                row.try_get::<_, String>(0)?,
                (row.try_get::<_, Uuid>(1)?, row.try_get::<_, bool>(2)?),
            );
        }
        // A user of the batch met a user of the batch only if that one came first: an earlier
        // run, an earlier chunk, or earlier in this run. A later user of this run with the email
        // was inserted because this one was not.
        let positions: HashMap<Uuid, usize> = run.clone().map(|index| (users[index].id, index)).collect();
        for (&index, name) in left_out.iter().zip(&names) {
            let came_first = |id: Uuid| positions.get(&id).is_none_or(|&at| at < index);
            let outcome = match by_email.get(&emails[index]) {
                Some((false, existing)) => Insert::EmailTaken(existing.clone()),
                Some((true, earlier)) if came_first(earlier.id) => Insert::EmailInBatch,
                _ => match name.as_ref().and_then(|name| by_username.get(name)) {
                    Some((_, false)) => Insert::UsernameTaken,
                    Some((earlier, true)) if came_first(*earlier) => Insert::UsernameInBatch,
                    _ => return Err(changed_during_import(&users[index])),
                },
            };
            outcomes[index - run.start] = outcome;
        }
        Ok(outcomes)
    }
}

impl PostgresTx<'_> {
    /// Inserts the users `run` of the import batch table and hands each outcome to `outcome`;
    /// the transaction is not borrowed while `outcome` runs (it may write).
    fn insert_run(
        &self,
        users: &[User],
        emails: &[String],
        run: Range<usize>,
        mark: BatchMark,
        outcome: &mut dyn FnMut(usize, Insert) -> Result<()>,
    ) -> Result<()> {
        if run.is_empty() {
            return Ok(());
        }
        let outcomes = self.inner().insert_run(users, emails, run.clone(), mark)?;
        for (index, insert) in run.zip(outcomes) {
            outcome(index, insert)?;
        }
        Ok(())
    }
}
