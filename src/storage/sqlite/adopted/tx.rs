//! A transaction over an adopted database: the users in the application's table, the rest in
//! the side database (through the native engine's own code).
//!
//! The side state of an account (its `accounts` row, sessions, tokens) is bound to the address
//! and the stored password hash the account had when it was made ([`AdoptedTx::bind`]) and
//! counts only while the account still has them: the application may delete an account and give
//! its id to a new one (SQLite reuses the highest id), which must not inherit the old one's
//! sessions, tokens or lockout. An address or password the web application changes ends
//! authctl's sessions of the account.

use std::cell::Cell;

use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use super::{AppTable, app_id_of, app_uuid, key_function, quoted};
use crate::domain::app::{FillValue, Role};
use crate::domain::audit::{AuditEntry, AuditFilter, AuditRecord};
use crate::domain::email::{AddressHash, normalize};
use crate::domain::error::{Error, Result};
use crate::domain::hashes::AppScheme;
use crate::domain::lockout::Lockout;
use crate::domain::session::Session;
use crate::domain::store::{BatchMark, Insert, Transaction};
use crate::domain::token::{EmailToken, TokenHash, TokenPurpose};
use crate::domain::user::{User, UserKey, UserSelection, UsernameCase, email_taken};
use crate::storage::sqlite::{SqliteTx, listing_params, millis};
use crate::storage::user_order;

/// How many accounts a look-up reads to tell one from several.
const AMBIGUOUS: usize = 5;

/// A transaction over an adopted database.
pub struct AdoptedTx<'a> {
    side: SqliteTx<'a>,
    table: &'a AppTable,
    /// During an import: the comparison forms of the table's names are kept, indexed, in
    /// `temp.app_keys` (in neither file), so that each row is not a scan of the table.
    batch: Cell<bool>,
}

impl<'a> AdoptedTx<'a> {
    pub(super) fn new(side: SqliteTx<'a>, table: &'a AppTable) -> Self {
        AdoptedTx {
            side,
            table,
            batch: Cell::new(false),
        }
    }

    fn conn(&self) -> &rusqlite::Transaction<'_> {
        &self.side.0
    }

    fn case(&self) -> Result<UsernameCase> {
        self.side.username_case()
    }

    /// The SQL comparison form of the username column under the database's comparison.
    fn username_key_sql(&self) -> Result<Option<String>> {
        let function = key_function(self.case()?);
        Ok(self.table.column(Role::Username).map(|c| format!("{function}(u.{c})")))
    }

    /// The account that `condition` (on `?1` = `value`) finds. The application may hold
    /// several that authctl's comparison makes one (Django does not make addresses unique):
    /// then the one whose username is `exact` byte for byte, else a refusal naming their ids.
    fn find_one(
        &self,
        key: &UserKey,
        condition: &str,
        value: &dyn rusqlite::ToSql,
        exact: Option<&str>,
    ) -> Result<Option<User>> {
        let sql = self.table.select(
            "",
            &format!("WHERE {condition} ORDER BY u.{} LIMIT {AMBIGUOUS}", self.table.id()),
        );
        let mut found = self
            .conn()
            .prepare_cached(&sql)?
            .query_map([value], |row| self.table.user(row))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        if found.len() > 1
            && let Some(exact) = exact
            && let [one] = found
                .iter()
                .filter(|user| user.username.as_deref() == Some(exact))
                .collect::<Vec<_>>()[..]
        {
            return Ok(Some(one.clone()));
        }
        match found.len() {
            0 | 1 => Ok(found.pop()),
            _ => Err(Error::Usage(format!(
                "Several accounts of the application's table {} are {key} to authctl (ids {}): name the account by its id.",
                self.table.mapping.table,
                found
                    .iter()
                    .map(|user| user.id.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// The application's id of the account with the address `email`, other than `except`.
    fn email_holder(&self, email: &str, except: Option<i64>) -> Result<Option<i64>> {
        self.holder("email_key", &self.table.email_key(), &normalize(email), except)
    }

    /// The application's id of the account with the username `name`, other than `except`.
    fn username_holder(&self, name: &str, except: Option<i64>) -> Result<Option<i64>> {
        match self.username_key_sql()? {
            Some(key_sql) => self.holder("username_key", &key_sql, &self.case()?.key(name), except),
            None => Ok(None),
        }
    }

    /// The application's id of the account whose name has the comparison form `key`, other
    /// than `except`: through the import's index (its column `indexed`) when one is running,
    /// else through the table (its comparison form in SQL, `key_sql`).
    fn holder(&self, indexed: &str, key_sql: &str, key: &str, except: Option<i64>) -> Result<Option<i64>> {
        let sql = if self.batch.get() {
            format!("SELECT id FROM temp.app_keys WHERE {indexed} = ?1 AND id IS NOT ?2 ORDER BY id LIMIT 1")
        } else {
            format!(
                "SELECT u.{id} FROM {name} AS u WHERE {key_sql} = ?1 AND u.{id} IS NOT ?2 ORDER BY u.{id} LIMIT 1",
                id = self.table.id(),
                name = self.table.name,
            )
        };
        Ok(self
            .conn()
            .prepare_cached(&sql)?
            .query_row(params![key, except], |row| row.get(0))
            .optional()?)
    }

    /// The address as the application stores it: lower-cased when its addresses all are
    /// (Flasky lower-cases at registration and at login).
    fn stored_email(&self, email: &str) -> String {
        if self.table.mapping.lowercase_emails {
            email.to_lowercase()
        } else {
            email.to_owned()
        }
    }

    /// Inserts `user` into the application's table; returns the id it was given.
    fn insert_row(&self, user: &User) -> Result<i64> {
        let t = self.table;
        let mut columns = vec![t.id()];
        let mut values: Vec<Value> = vec![Value::Null];
        let mut set = |column: String, value: Value| {
            columns.push(column);
            values.push(value);
        };
        let required = |role: Role| t.shape.not_null.contains(&role);
        set(t.always(Role::Email), Value::Text(self.stored_email(&user.email)));
        match &user.username {
            Some(name) => set(t.needed(Role::Username, "a username")?, Value::Text(name.clone())),
            None if required(Role::Username) => {
                return Err(Error::Usage(format!(
                    "The application's table {} needs a username for every account (its column {} is NOT NULL): give the account a username.",
                    t.mapping.table,
                    t.mapping.column(Role::Username).unwrap_or_default()
                )));
            }
            None => {}
        }
        let password = match &user.password_hash {
            Some(hash) => Value::Text(hash.clone()),
            None if !required(Role::Password) => Value::Null,
            // Django's unusable password: `!` and 40 random characters.
            None if AppScheme::from_name(&t.mapping.password_scheme).map(AppScheme::library) == Some("Django") => {
                Value::Text(format!(
                    "!{}",
                    &format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple())[..40]
                ))
            }
            None => {
                return Err(Error::Usage(format!(
                    "The application's table {} needs a password for every account (its column {} is NOT NULL).",
                    t.mapping.table,
                    t.mapping.column(Role::Password).unwrap_or_default()
                )));
            }
        };
        set(t.always(Role::Password), password);
        // Without a confirmed column the application has no such thing: every address counts
        // as confirmed, a new account's too.
        if let Some(column) = t.column(Role::Confirmed) {
            set(column, Value::Integer(user.confirmed.into()));
        }
        match t.column(Role::Active) {
            Some(column) => set(column, Value::Integer(user.active.into())),
            None if !user.active => {
                t.needed(Role::Active, "an inactive account")?;
            }
            None => {}
        }
        if let Some(column) = t.column(Role::Locked) {
            set(column, Value::Integer(user.locked.into()));
        }
        if let Some(column) = t.column(Role::Created) {
            set(
                column,
                if t.shape.created_in_seconds {
                    Value::Integer(user.created_at.timestamp())
                } else {
                    Value::Text(user.created_at.format("%Y-%m-%d %H:%M:%S%.6f").to_string())
                },
            );
        }
        for (column, value) in &t.mapping.defaults {
            set(
                quoted(column),
                match value {
                    FillValue::Boolean(flag) => Value::Integer((*flag).into()),
                    FillValue::Integer(number) => Value::Integer(*number),
                    FillValue::Real(number) => Value::Real(*number),
                    FillValue::Text(text) => Value::Text(text.clone()),
                },
            );
        }
        let placeholders = (1..=columns.len())
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({placeholders})",
            t.name,
            columns.join(", ")
        );
        self.conn()
            .prepare_cached(&sql)?
            .execute(rusqlite::params_from_iter(values))
            .map_err(|e| {
                refused(
                    e,
                    format!(
                        "The application's table {} refused the account {}",
                        t.mapping.table, user.email
                    ),
                )
            })?;
        let app_id = self.conn().last_insert_rowid();
        // An id the application used before (and freed) must not hand the old account's
        // sessions, tokens or lockout to the new one.
        self.forget(app_id)?;
        self.insert_binding(app_id, Some(millis(user.created_at)))?;
        if self.batch.get() {
            let username = user
                .username
                .as_deref()
                .map(|name| self.case().map(|case| case.key(name)));
            self.conn().execute(
                "INSERT INTO temp.app_keys (id, email_key, username_key) VALUES (?1, ?2, ?3)",
                params![app_id, normalize(&user.email), username.transpose()?],
            )?;
        }
        Ok(app_id)
    }

    /// Deletes authctl's side state of the account `app_id`.
    fn forget(&self, app_id: i64) -> Result<()> {
        let id = app_uuid(app_id).to_string();
        self.conn()
            .execute("DELETE FROM main.sessions WHERE user_id = ?1", [&id])?;
        self.conn()
            .execute("DELETE FROM main.tokens WHERE user_id = ?1", [&id])?;
        self.conn()
            .execute("DELETE FROM main.accounts WHERE app_id = ?1", [app_id])?;
        Ok(())
    }

    /// Binds the side state of the account `id` to the account as it is now, first forgetting
    /// any that is not bound to it (it belonged to an account that had the id before, or to
    /// this one before the application changed its address or password); returns the
    /// application's id, `None` when there is no such account.
    fn bind(&self, id: Uuid) -> Result<Option<i64>> {
        let Some(app_id) = app_id_of(id) else {
            return Ok(None);
        };
        let t = self.table;
        let exists: bool = self
            .conn()
            .prepare_cached(&format!(
                "SELECT EXISTS (SELECT 1 FROM {} AS u WHERE u.{} = ?1)",
                t.name,
                t.id()
            ))?
            .query_row([app_id], |row| row.get(0))?;
        if !exists {
            return Ok(None);
        }
        if !self.bound(id)? {
            self.forget(app_id)?;
            self.insert_binding(app_id, None)?;
        }
        Ok(Some(app_id))
    }

    /// Records the side state of the account `app_id` (made at `created_at`, when authctl made
    /// it), bound to its address and password hash as they are now.
    fn insert_binding(&self, app_id: i64, created_at: Option<i64>) -> Result<()> {
        let t = self.table;
        self.conn()
            .prepare_cached(&format!(
                "INSERT INTO main.accounts (app_id, email_normalized, password_fp, created_at) \
                 SELECT u.{id}, {email}, authctl_fingerprint(u.{password}), ?2 FROM {name} AS u WHERE u.{id} = ?1",
                id = t.id(),
                email = t.email_key(),
                password = t.always(Role::Password),
                name = t.name
            ))?
            .execute(params![app_id, created_at])?;
        Ok(())
    }

    /// Whether side state of the account `id` is bound to the account that has the id now.
    fn bound(&self, id: Uuid) -> Result<bool> {
        let Some(app_id) = app_id_of(id) else {
            return Ok(false);
        };
        let t = self.table;
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM main.accounts AS a JOIN {} AS u ON {} WHERE a.app_id = ?1)",
            t.name,
            t.bound_to()
        );
        Ok(self
            .conn()
            .prepare_cached(&sql)?
            .query_row([app_id], |row| row.get(0))?)
    }

    /// Re-binds the side state of the account `app_id` after authctl itself changed its
    /// address or password (it was bound just before).
    fn rebind(&self, app_id: Option<i64>) -> Result<()> {
        let t = self.table;
        self.conn()
            .prepare_cached(&format!(
                "UPDATE main.accounts SET email_normalized = (SELECT {email} FROM {name} AS u WHERE u.{id} = ?1), \
                 password_fp = (SELECT authctl_fingerprint(u.{password}) FROM {name} AS u WHERE u.{id} = ?1) \
                 WHERE app_id = ?1",
                email = t.email_key(),
                name = t.name,
                id = t.id(),
                password = t.always(Role::Password)
            ))?
            .execute([app_id])?;
        Ok(())
    }

    /// Sets `column` of the account `id` to `value`.
    fn update(&self, id: Uuid, column: &str, value: &dyn rusqlite::ToSql) -> Result<()> {
        let t = self.table;
        let sql = format!("UPDATE {} SET {column} = ?2 WHERE {} = ?1", t.name, t.id());
        let changed = self
            .conn()
            .prepare_cached(&sql)?
            .execute(params![app_id_of(id), value])
            .map_err(|e| {
                refused(
                    e,
                    format!("The application's table {} refused the change", t.mapping.table),
                )
            })?;
        if changed == 0 {
            return Err(Error::ChangedMeanwhile(
                "The application removed the account meanwhile; nothing was written.",
            ));
        }
        Ok(())
    }

    /// Records a changed name in the import's `temp.app_keys`, when one is running.
    fn rekey(&self, id: Uuid, column: &str, key: Option<String>) -> Result<()> {
        if self.batch.get() {
            self.conn().execute(
                &format!("UPDATE temp.app_keys SET {column} = ?2 WHERE id = ?1"),
                params![app_id_of(id), key],
            )?;
        }
        Ok(())
    }
}

/// A constraint of the application's database that refused a change (exit 5), or another
/// failure as it is.
fn refused(error: rusqlite::Error, context: String) -> Error {
    if error.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) {
        Error::Constrained {
            context,
            source: error.into(),
        }
    } else {
        error.into()
    }
}

impl Transaction for AdoptedTx<'_> {
    fn database_id(&self) -> Result<String> {
        self.side.database_id()
    }

    fn count_users(&self) -> Result<u64> {
        let count: i64 = self
            .conn()
            .query_row(&format!("SELECT count(*) FROM {}", self.table.name), [], |row| {
                row.get(0)
            })?;
        Ok(count.unsigned_abs())
    }

    fn username_case(&self) -> Result<UsernameCase> {
        self.case()
    }

    fn set_username_case(&self, case: UsernameCase) -> Result<Option<Vec<String>>> {
        if let Some(column) = self.table.column(Role::Username) {
            let collision: Option<String> = self
                .conn()
                .query_row(
                    &format!(
                        "SELECT group_concat({column}, char(10)) FROM {} WHERE {column} IS NOT NULL \
                         GROUP BY {}({column}) HAVING count(*) > 1 LIMIT 1",
                        self.table.name,
                        key_function(case)
                    ),
                    [],
                    |row| row.get(0),
                )
                .optional()?;
            if let Some(names) = collision {
                return Ok(Some(names.lines().map(str::to_owned).collect()));
            }
        }
        self.conn().execute(
            "INSERT INTO main.meta (key, value) VALUES ('username_case', ?1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [case.as_str()],
        )?;
        self.side.1.set(Some(case));
        Ok(None)
    }

    fn find_user(&self, key: &UserKey) -> Result<Option<User>> {
        match key {
            UserKey::Id(id) => match app_id_of(*id) {
                Some(app_id) => self.find_one(key, &format!("u.{} = ?1", self.table.id()), &app_id, None),
                None => Ok(None),
            },
            UserKey::Email(email) => self.find_one(key, &format!("{} = ?1", self.table.email_key()), email, None),
            UserKey::Username(name) => match self.username_key_sql()? {
                Some(column) => self.find_one(key, &format!("{column} = ?1"), &self.case()?.key(name), Some(name)),
                None => Ok(None),
            },
        }
    }

    fn for_each_user(&self, selection: &UserSelection, each: &mut dyn FnMut(User) -> Result<()>) -> Result<()> {
        let query = &selection.query;
        let t = self.table;
        let username_key = self.username_key_sql()?.unwrap_or_else(|| "NULL".to_owned());
        // Without a creation column, accounts authctl did not make show the adoption time.
        let created = t.column(Role::Created).map_or_else(
            || format!("coalesce(a.created_at, {})", millis(t.adopted_at)),
            |c| format!("u.{c}"),
        );
        let extra = format!(
            ", {} AS email_normalized, {username_key} AS username_normalized, {created} AS created_at",
            t.email_key()
        );
        let tail = format!(
            "WHERE (?1 IS NULL OR {locked} OR a.locked_out_until > ?1)
               AND (?2 = 0 OR NOT {confirmed})
               AND (?3 IS NULL OR instr({email_key}, ?3) > 0 OR instr({username_key}, ?4) > 0)
             ORDER BY {}
             LIMIT ?5 OFFSET ?6",
            user_order(query.order, query.descending, &format!("u.{}", t.id()), ""),
            locked = t.locked,
            confirmed = t.confirmed,
            email_key = t.email_key(),
        );
        let mut statement = self.conn().prepare_cached(&t.select(&extra, &tail))?;
        let mut rows = statement.query(listing_params(selection))?;
        while let Some(row) = rows.next()? {
            each(t.user(row)?)?;
        }
        Ok(())
    }

    fn insert_user(&self, user: &mut User) -> Result<()> {
        if self.email_holder(&user.email, None)?.is_some() {
            return Err(email_taken(&user.email));
        }
        if let Some(name) = &user.username
            && self.username_holder(name, None)?.is_some()
        {
            return Err(Error::UsernameTaken { username: name.clone() });
        }
        user.id = app_uuid(self.insert_row(user)?);
        user.email = self.stored_email(&user.email);
        Ok(())
    }

    /// Also starts the import's index of the table's names (`temp.app_keys`).
    fn batch_mark(&self) -> Result<BatchMark> {
        let t = self.table;
        let username_key = self.username_key_sql()?.unwrap_or_else(|| "NULL".to_owned());
        self.conn().execute_batch(&format!(
            "CREATE TEMP TABLE IF NOT EXISTS app_keys (id INTEGER PRIMARY KEY, email_key TEXT, username_key TEXT);
             DELETE FROM temp.app_keys;
             INSERT INTO temp.app_keys (id, email_key, username_key)
                  SELECT u.{id}, {email_key}, {username_key} FROM {name} AS u;
             CREATE INDEX IF NOT EXISTS temp.app_keys_email ON app_keys (email_key);
             CREATE INDEX IF NOT EXISTS temp.app_keys_username ON app_keys (username_key);",
            id = t.id(),
            email_key = t.email_key(),
            name = t.name,
        ))?;
        self.batch.set(true);
        let sql = format!("SELECT coalesce(max({}), 0) FROM {}", t.id(), t.name);
        Ok(BatchMark(self.conn().query_row(&sql, [], |row| row.get(0))?))
    }

    fn insert_user_unless_taken(&self, user: &User, mark: BatchMark) -> Result<Insert> {
        if let Some(holder) = self.email_holder(&user.email, None)? {
            if holder > mark.0 {
                return Ok(Insert::EmailInBatch);
            }
            // By the address, not the id found: several accounts with it are refused by name.
            let existing = self.find_user(&UserKey::Email(normalize(&user.email)))?;
            return Ok(existing.map_or(Insert::EmailInBatch, Insert::EmailTaken));
        }
        if let Some(name) = &user.username
            && let Some(holder) = self.username_holder(name, None)?
        {
            return Ok(if holder > mark.0 {
                Insert::UsernameInBatch
            } else {
                Insert::UsernameTaken
            });
        }
        // A row the table cannot hold is the import's problem of that line: SQLite undid only
        // its own statement, and the rest of the import goes on.
        match self.insert_row(user) {
            Ok(_) => Ok(Insert::Created),
            Err(refusal @ (Error::Usage(_) | Error::Constrained { .. })) => Ok(Insert::Refused(refusal.message())),
            Err(other) => Err(other),
        }
    }

    fn set_password_hash(&self, id: Uuid, new: &str, expected: Option<&str>) -> Result<bool> {
        let t = self.table;
        let column = t.always(Role::Password);
        // An unusable Django password (`!…`) reads as none.
        let sql = format!(
            "UPDATE {} SET {column} = ?2 WHERE {} = ?1 AND (CASE WHEN {column} LIKE '!%' THEN NULL ELSE {column} END) IS ?3",
            t.name,
            t.id()
        );
        let app_id = self.bind(id)?;
        let changed = self
            .conn()
            .prepare_cached(&sql)?
            .execute(params![app_id, new, expected])?
            == 1;
        if changed {
            self.rebind(app_id)?;
        }
        Ok(changed)
    }

    /// With no locked column, the active column holds the lock: a locked account is inactive
    /// (Flask-Login and Django refuse an inactive account at login), and the side database
    /// remembers that authctl made it so, so that unlocking reactivates only what it locked.
    fn set_locked(&self, id: Uuid, locked: bool) -> Result<()> {
        match (self.table.column(Role::Locked), self.table.column(Role::Active)) {
            (Some(column), _) => self.update(id, &column, &locked),
            (None, Some(column)) => {
                let Some(app_id) = self.bind(id)? else {
                    return Ok(());
                };
                let (was, active): (bool, bool) = self.conn().query_row(
                    &format!(
                        "SELECT a.locked, {} FROM main.accounts AS a, {} AS u WHERE a.app_id = ?1 AND u.{} = ?1",
                        self.table.active,
                        self.table.name,
                        self.table.id()
                    ),
                    [app_id],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )?;
                // An account the application deactivated is not authctl's to reactivate: locking
                // it records nothing, and unlocking leaves it inactive.
                let flag = locked && (active || was);
                self.conn().execute(
                    "UPDATE main.accounts SET locked = ?2 WHERE app_id = ?1",
                    params![app_id, flag],
                )?;
                match (locked, was) {
                    (true, _) => self.update(id, &column, &false),
                    (false, true) => self.update(id, &column, &true),
                    (false, false) => Ok(()),
                }
            }
            (None, None) => Err(Error::Usage(format!(
                "The application's table {} has neither a locked nor an active column, which locking \
                 an account needs: name one with locked_column or active_column in the config file's \
                 [app] section and run `authctl db adopt` again.",
                self.table.mapping.table
            ))),
        }
    }

    /// Also ends a lock authctl kept through the active column: the account is now what the
    /// administrator set.
    fn set_active(&self, id: Uuid, active: bool) -> Result<()> {
        let column = self
            .table
            .needed(Role::Active, "changing whether an account is active")?;
        self.update(id, &column, &active)?;
        self.conn()
            .execute("UPDATE main.accounts SET locked = 0 WHERE app_id = ?1", [app_id_of(id)])?;
        Ok(())
    }

    fn set_confirmed(&self, id: Uuid, confirmed: bool) -> Result<()> {
        match self.table.column(Role::Confirmed) {
            Some(column) => self.update(id, &column, &confirmed),
            None if confirmed => Ok(()),
            None => self.table.needed(Role::Confirmed, "an unconfirmed address").map(drop),
        }
    }

    /// Authctl's own sessions of the account follow it to the new address.
    fn set_email(&self, id: Uuid, email: &str) -> Result<()> {
        if self.email_holder(email, app_id_of(id))?.is_some() {
            return Err(email_taken(email));
        }
        let app_id = self.bind(id)?;
        self.update(id, &self.table.always(Role::Email), &self.stored_email(email))?;
        self.rebind(app_id)?;
        self.rekey(id, "email_key", Some(normalize(email)))
    }

    fn set_username(&self, id: Uuid, username: Option<&str>) -> Result<()> {
        let column = match (self.table.column(Role::Username), username) {
            (Some(column), _) => column,
            (None, None) => return Ok(()),
            (None, Some(_)) => self.table.needed(Role::Username, "a username")?,
        };
        if username.is_none() && self.table.shape.not_null.contains(&Role::Username) {
            return Err(Error::Usage(format!(
                "The application's table {} needs a username for every account (its column {column} is NOT NULL).",
                self.table.mapping.table
            )));
        }
        if let Some(name) = username
            && self.username_holder(name, app_id_of(id))?.is_some()
        {
            return Err(Error::UsernameTaken {
                username: name.to_owned(),
            });
        }
        self.update(id, &column, &username)?;
        let key = username
            .map(|name| self.case().map(|case| case.key(name)))
            .transpose()?;
        self.rekey(id, "username_key", key)
    }

    fn set_lockout(&self, id: Uuid, lockout: Lockout) -> Result<()> {
        let Some(app_id) = self.bind(id)? else {
            return Ok(());
        };
        self.conn()
            .prepare_cached("UPDATE main.accounts SET failed_logins = ?2, locked_out_until = ?3 WHERE app_id = ?1")?
            .execute(params![app_id, lockout.failures, lockout.until.map(millis)])?;
        Ok(())
    }

    fn delete_user(&self, id: Uuid) -> Result<()> {
        let Some(app_id) = app_id_of(id) else {
            return Ok(());
        };
        let t = self.table;
        self.conn()
            .execute(&format!("DELETE FROM {} WHERE {} = ?1", t.name, t.id()), [app_id])
            .map_err(|e| {
                refused(
                    e,
                    format!(
                        "The application's database refuses to remove the account {id}: rows of its other tables reference it (its foreign keys)"
                    ),
                )
            })?;
        self.forget(app_id)
    }

    fn insert_session(&self, session: &Session) -> Result<()> {
        self.bind(session.user_id)?;
        self.side.insert_session(session)
    }

    fn delete_expired_sessions(&self, user_id: Uuid, now: DateTime<Utc>) -> Result<usize> {
        self.side.delete_expired_sessions(user_id, now)
    }

    fn find_session(&self, token: &TokenHash) -> Result<Option<Session>> {
        match self.side.find_session(token)? {
            Some(session) if self.bound(session.user_id)? => Ok(Some(session)),
            _ => Ok(None),
        }
    }

    fn live_sessions(&self, user_id: Uuid, now: DateTime<Utc>) -> Result<Vec<Session>> {
        if !self.bound(user_id)? {
            return Ok(Vec::new());
        }
        self.side.live_sessions(user_id, now)
    }

    fn revoke_sessions(&self, user_id: Uuid, keep: Option<Uuid>, now: DateTime<Utc>) -> Result<usize> {
        self.side.revoke_sessions(user_id, keep, now)
    }

    fn revoke_session(&self, user_id: Uuid, session_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
        self.side.revoke_session(user_id, session_id, now)
    }

    fn insert_token(&self, token: &EmailToken) -> Result<()> {
        self.bind(token.user_id)?;
        self.side.insert_token(token)
    }

    fn find_token(&self, hash: &TokenHash) -> Result<Option<EmailToken>> {
        match self.side.find_token(hash)? {
            Some(token) if self.bound(token.user_id)? => Ok(Some(token)),
            _ => Ok(None),
        }
    }

    fn mark_token_used(&self, hash: &TokenHash, now: DateTime<Utc>) -> Result<()> {
        self.side.mark_token_used(hash, now)
    }

    fn delete_unused_tokens(&self, user_id: Uuid, purpose: Option<TokenPurpose>) -> Result<usize> {
        self.side.delete_unused_tokens(user_id, purpose)
    }

    fn count_reset_requests(&self, address: &AddressHash, since: DateTime<Utc>) -> Result<u64> {
        self.side.count_reset_requests(address, since)
    }

    fn record_reset_request(
        &self,
        address: &AddressHash,
        at: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<()> {
        self.side.record_reset_request(address, at, forget_before)
    }

    fn append_audit(&self, entry: &AuditEntry) -> Result<()> {
        self.side.append_audit(entry)
    }

    fn for_each_audit(&self, filter: &AuditFilter, each: &mut dyn FnMut(AuditRecord) -> Result<()>) -> Result<()> {
        self.side.for_each_audit(filter, each)
    }

    fn last_audit_seq(&self) -> Result<i64> {
        self.side.last_audit_seq()
    }

    fn prune_audit(&self, before: DateTime<Utc>) -> Result<u64> {
        self.side.prune_audit(before)
    }

    fn audit_user_ids(&self, email: &str) -> Result<Vec<Uuid>> {
        self.side.audit_user_ids(email)
    }

    /// A deferred foreign key of the application (Django declares its own so) is checked here:
    /// its refusal is a conflict, and nothing is written.
    fn commit(self) -> Result<()> {
        let table = self.table.mapping.table.clone();
        self.side.0.commit().map_err(|e| {
            refused(
                e,
                format!(
                    "The application's database refuses the change to its table {table}: rows of its other tables reference the account (its foreign keys)"
                ),
            )
        })
    }
}
