//! The storage seam: the traits the domain needs from a database of accounts. The engines
//! under [`crate::storage`] implement them; nothing here knows SQL.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::audit::{AuditEntry, AuditFilter, AuditRecord};
use crate::domain::email::AddressHash;
use crate::domain::error::{Error, Result};
use crate::domain::lockout::Lockout;
use crate::domain::session::Session;
use crate::domain::token::{EmailToken, TokenHash, TokenPurpose};
use crate::domain::user::{User, UserKey, UserSelection, UsernameCase, usernames_collide};

/// Where a batch of inserts started (the highest creation sequence number before it: SQLite's
/// rowid, PostgreSQL's `users.seq`).
#[derive(Debug, Clone, Copy)]
pub struct BatchMark(pub i64);

/// The outcome of [`Transaction::insert_user_unless_taken`] for one user.
#[derive(Debug)]
pub enum Insert {
    /// The user was inserted.
    Created,
    /// An account that existed before the batch has the email.
    EmailTaken(User),
    /// An account that existed before the batch has the username.
    UsernameTaken,
    /// An earlier row of the same batch has the email.
    EmailInBatch,
    /// An earlier row of the same batch has the username.
    UsernameInBatch,
    /// The database cannot hold this user as given (an application's table without a column
    /// the row needs, or whose constraints refuse it), for the reason given; nothing of it was
    /// written.
    Refused(String),
}

/// A database of accounts. Every read and every write happens inside a [`Transaction`].
pub trait Store {
    /// The transaction type of this backend.
    type Tx<'a>: Transaction
    where
        Self: 'a;

    /// Starts a read-only transaction: a consistent snapshot.
    fn read(&mut self) -> Result<Self::Tx<'_>>;

    /// Whether a read transaction keeps other processes from writing while it lasts (an
    /// application's file in a rollback-journal mode, which the web application writes too): a
    /// listing is then read whole before any of it is handed on, so that a slow reader of the
    /// output never holds the web application's writes back.
    fn reads_block_writers(&self) -> bool {
        false
    }

    /// Starts a write transaction. What it reads of a user (and that user's tokens) stays as
    /// read until it commits: no other write transaction can change it meanwhile, so every
    /// check-then-act of the domain re-reads inside the transaction that acts. Each engine
    /// keeps this promise its own way (SQLite: the database's write lock from the first
    /// statement; PostgreSQL: row locks on what is read), waiting at most the busy timeout and
    /// failing with [`crate::domain::error::Error::Busy`] after it. Dropping the transaction
    /// without [`Transaction::commit`] rolls back.
    fn write(&mut self) -> Result<Self::Tx<'_>>;
}

/// The operations the domain needs, all inside one transaction.
pub trait Transaction {
    /// The random identity given to this database when it was created.
    fn database_id(&self) -> Result<String>;

    /// How many accounts there are.
    fn count_users(&self) -> Result<u64>;

    /// How this database compares usernames. In a write transaction the answer holds until it
    /// ends: a concurrent [`Transaction::set_username_case`] waits for it, or it for that one.
    fn username_case(&self) -> Result<UsernameCase>;

    /// Records `case` and recomputes every username's comparison form with it, in this
    /// transaction. When usernames would become one name, changes nothing and returns one such
    /// group of them.
    fn set_username_case(&self, case: UsernameCase) -> Result<Option<Vec<String>>>;

    /// Looks a user up by id, normalised email, or username (compared as the database does).
    fn find_user(&self, key: &UserKey) -> Result<Option<User>>;

    /// Calls `each` for every user `selection` holds, in its order, without holding them all in
    /// memory.
    fn for_each_user(&self, selection: &UserSelection, each: &mut dyn FnMut(User) -> Result<()>) -> Result<()>;

    /// Inserts a new user; an email or username already taken is
    /// [`crate::domain::error::Error::EmailTaken`] or [`crate::domain::error::Error::UsernameTaken`].
    /// An engine whose table numbers its rows (an application's own) gives `user` the id it
    /// was stored under.
    fn insert_user(&self, user: &mut User) -> Result<()>;

    /// Marks the start of a batch of inserts (an import) in this transaction, so that
    /// [`Transaction::insert_user_unless_taken`] can tell rows of the batch from older ones.
    fn batch_mark(&self) -> Result<BatchMark>;

    /// Inserts a user unless the email or username is taken, and says by whom.
    fn insert_user_unless_taken(&self, user: &User, mark: BatchMark) -> Result<Insert>;

    /// Inserts `users` in order, as [`Transaction::insert_user_unless_taken`] would one after
    /// the other, and calls `outcome` with the index and the outcome of each, in order. The
    /// outcome of a user whose email an account from before the batch has
    /// ([`Insert::EmailTaken`]) comes before any later user of `users` is inserted, so that
    /// `outcome` may change that account (an import's update) and the later users meet it as
    /// changed. An engine with a faster way than one insert per user overrides this.
    fn insert_users_unless_taken(
        &self,
        users: &[User],
        mark: BatchMark,
        outcome: &mut dyn FnMut(usize, Insert) -> Result<()>,
    ) -> Result<()> {
        for (index, user) in users.iter().enumerate() {
            outcome(index, self.insert_user_unless_taken(user, mark)?)?;
        }
        Ok(())
    }

    /// Replaces the user's password hash if it is still `expected` (compare-and-set: a hash
    /// changed by someone else meanwhile is left alone); returns whether it was replaced.
    fn set_password_hash(&self, id: Uuid, new: &str, expected: Option<&str>) -> Result<bool>;

    /// Sets or clears the administrator's lock.
    fn set_locked(&self, id: Uuid, locked: bool) -> Result<()>;

    /// Sets whether the account may log in at all.
    fn set_active(&self, id: Uuid, active: bool) -> Result<()>;

    /// Sets whether the address counts as confirmed.
    fn set_confirmed(&self, id: Uuid, confirmed: bool) -> Result<()>;

    /// Changes the address; one another account has is
    /// [`crate::domain::error::Error::EmailTaken`].
    fn set_email(&self, id: Uuid, email: &str) -> Result<()>;

    /// Changes the username; one another account has is
    /// [`crate::domain::error::Error::UsernameTaken`].
    fn set_username(&self, id: Uuid, username: Option<&str>) -> Result<()>;

    /// Records the user's consecutive failed logins and the lockout they caused.
    fn set_lockout(&self, id: Uuid, lockout: Lockout) -> Result<()>;

    /// Deletes a user; their sessions and tokens go with them.
    fn delete_user(&self, id: Uuid) -> Result<()>;

    /// Records a new session.
    fn insert_session(&self, session: &Session) -> Result<()>;

    /// Deletes the user's sessions that expired at or before `now`; returns how many.
    fn delete_expired_sessions(&self, user_id: Uuid, now: DateTime<Utc>) -> Result<usize>;

    /// Finds a session, live or not, by the hash of its token.
    fn find_session(&self, token: &TokenHash) -> Result<Option<Session>>;

    /// The sessions of a user that are neither revoked nor expired at `now`, newest first.
    fn live_sessions(&self, user_id: Uuid, now: DateTime<Utc>) -> Result<Vec<Session>>;

    /// Revokes the user's live sessions at `now`, all of them or all but `keep`; returns how many.
    fn revoke_sessions(&self, user_id: Uuid, keep: Option<Uuid>, now: DateTime<Utc>) -> Result<usize>;

    /// Revokes one live session of the user; returns whether there was one to revoke.
    fn revoke_session(&self, user_id: Uuid, session_id: Uuid, now: DateTime<Utc>) -> Result<bool>;

    /// Records an emailed token.
    fn insert_token(&self, token: &EmailToken) -> Result<()>;

    /// Finds an emailed token, usable or not, by its hash.
    fn find_token(&self, hash: &TokenHash) -> Result<Option<EmailToken>>;

    /// Marks a token used at `now`.
    fn mark_token_used(&self, hash: &TokenHash, now: DateTime<Utc>) -> Result<()>;

    /// Deletes the user's unused tokens of `purpose`, or of every purpose; returns how many.
    fn delete_unused_tokens(&self, user_id: Uuid, purpose: Option<TokenPurpose>) -> Result<usize>;

    /// How many reset requests for the address were recorded after `since`.
    fn count_reset_requests(&self, address: &AddressHash, since: DateTime<Utc>) -> Result<u64>;

    /// Records a reset request for the address at `at`, and forgets every request (of any
    /// address) recorded at or before `forget_before`.
    fn record_reset_request(
        &self,
        address: &AddressHash,
        at: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<()>;

    /// Appends a row to the audit log.
    fn append_audit(&self, entry: &AuditEntry) -> Result<()>;

    /// Calls `each` for every audit row that passes `filter`, oldest first (by time, then by
    /// sequence number), without holding them all in memory.
    fn for_each_audit(&self, filter: &AuditFilter, each: &mut dyn FnMut(AuditRecord) -> Result<()>) -> Result<()>;

    /// The sequence number of the last audit row written (0 when there is none).
    fn last_audit_seq(&self) -> Result<i64>;

    /// Deletes every audit row written before `before`, in this transaction; returns how many.
    /// Memory stays bounded however many rows go.
    fn prune_audit(&self, before: DateTime<Utc>) -> Result<u64>;

    /// The distinct user ids recorded on the audit rows about the normalised address `email`:
    /// every account that had the address when something happened to it, removed ones included.
    fn audit_user_ids(&self, email: &str) -> Result<Vec<Uuid>>;

    /// Makes every write of the transaction durable, or none of them.
    fn commit(self) -> Result<()>;
}

/// Brings the username comparison of the database to `case` (the setting
/// `username_case_sensitive`, at `init` and `db migrate`), in one transaction. Returns whether it
/// changed; usernames that would become one name are an error naming them, and nothing changes.
pub fn set_username_case<S: Store>(store: &mut S, case: UsernameCase) -> Result<bool> {
    let tx = store.write()?;
    if tx.username_case()? == case {
        return Ok(false);
    }
    if let Some(names) = tx.set_username_case(case)? {
        return Err(usernames_collide(&names));
    }
    tx.commit()?;
    Ok(true)
}

/// Refuses a database (at `location`) whose username comparison is not `wanted`, the setting's:
/// a command that compared otherwise than the database's accounts were made would find the
/// wrong account or make a second one of a name.
pub fn check_username_case<S: Store>(store: &mut S, wanted: UsernameCase, location: &str) -> Result<()> {
    let recorded = store.read()?.username_case()?;
    if recorded == wanted {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "The database {location} compares usernames case-{}ly, but the setting username_case_sensitive is {}: \
         run `authctl db migrate` to change the database, or change the setting.",
        recorded.as_str(),
        if wanted == UsernameCase::Sensitive { "on" } else { "off" },
    )))
}
