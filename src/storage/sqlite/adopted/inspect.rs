//! `db adopt`: finds an application's users table and its columns, the hash format of its rows,
//! and records the mapping in the side database. The application's file is only read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;

use super::{
    SIDE_APPLICATION_ID, SIDE_SCHEMA, SIDE_SCHEMA_VERSION, Shape, key_function, quoted, register_functions, side_path,
};
use crate::domain::app::{AppHints, AppMapping, FillValue, Role, TABLE_CANDIDATES};
use crate::domain::error::{Error, Result};
use crate::domain::hashes::{AppScheme, MAX_FOREIGN_HASH_COST};
use crate::domain::user::{UsernameCase, usernames_collide};

/// Stored hashes read to detect the application's format.
const SCHEME_SAMPLE: i64 = 1000;

/// What `db adopt` found, and whether it recorded it.
#[derive(Debug, Serialize)]
pub struct Adoption {
    /// The application's file.
    pub path: PathBuf,
    /// authctl's side database.
    pub side: PathBuf,
    pub mapping: AppMapping,
    /// Where the password scheme came from: `config`, `rows` (the most common format of the
    /// stored hashes) or `default` (no hash to look at).
    pub scheme_source: &'static str,
    /// The accounts in the table.
    pub users: u64,
    /// Whether the mapping was recorded (not a dry run).
    pub recorded: bool,
    /// Whether a mapping was recorded before (this one replaces it).
    pub replaced: bool,
    /// Whether authctl's sessions, tokens and lockouts were forgotten: the new mapping names
    /// another table or id column, whose accounts they do not belong to.
    pub state_forgotten: bool,
}

/// Whether two mappings name the same accounts by the same ids.
fn same_accounts(before: &AppMapping, after: &AppMapping) -> bool {
    before.table == after.table && before.column(Role::Id) == after.column(Role::Id)
}

/// The mapping recorded in the side database at `side`, read only (for a dry run).
fn recorded_mapping(side: &Path) -> Option<AppMapping> {
    let conn = Connection::open_with_flags(side, OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
    let json: String = conn
        .query_row("SELECT value FROM meta WHERE key = 'app_mapping'", [], |row| row.get(0))
        .ok()?;
    serde_json::from_str(&json).ok()
}

/// What recording a mapping did.
#[derive(Debug, Default)]
struct Recorded {
    replaced: bool,
    state_forgotten: bool,
}

/// One column of the application's table, as SQLite describes it.
struct Column {
    name: String,
    declared: String,
    not_null: bool,
    has_default: bool,
    primary_key: bool,
}

/// Inspects the database at `path`, builds its mapping from what it holds and what `hints` say,
/// and unless `dry_run` records it (with `case`, the username comparison) in the side database.
pub fn adopt(
    path: &Path,
    hints: &AppHints,
    case: UsernameCase,
    busy_timeout: Duration,
    dry_run: bool,
    forget_state: bool,
    now: DateTime<Utc>,
) -> Result<Adoption> {
    if !path.is_file() {
        return Err(Error::Usage(format!(
            "No database at {}: db adopt manages an existing application's database (check --db).",
            path.display()
        )));
    }
    // Read-write but query-only, not read-only: a read-only connection to a WAL database
    // leaves the -wal and -shm files it creates behind; this one removes them on close.
    let app = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
        .map_err(|e| Error::storage_from(format!("cannot open the application database {}", path.display()), e))?;
    app.busy_timeout(busy_timeout)?;
    app.pragma_update(None, "query_only", true)?;
    register_functions(&app)?;
    let tables: Vec<String> = app
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let version: u32 = app.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let has = |name: &str| tables.iter().any(|t| t == name);
    if version > 0 && has("meta") && has("tokens") && has("audit") {
        return Err(Error::Usage(format!(
            "{} is authctl's own database: there is nothing to adopt.",
            path.display()
        )));
    }
    let table = find_table(&tables, hints, path)?;
    let columns = table_columns(&app, "main", &table)?;
    let mut mapping = AppMapping {
        table: table.clone(),
        columns: BTreeMap::new(),
        password_scheme: String::new(),
        lowercase_emails: false,
        defaults: BTreeMap::new(),
        decoy: None,
    };
    for role in Role::ALL {
        if let Some(column) = find_column(&columns, role, hints, &table)? {
            mapping.columns.insert(role, column);
        }
    }
    check_id_column(&columns, &mapping)?;
    mapping.defaults = fill_values(&columns, &mapping, hints)?;
    let stored = stored_scheme(&app, &mapping)?;
    let (scheme, scheme_source) = password_scheme(stored.as_ref().map(|(stored, _)| *stored), &mapping, hints)?;
    mapping.password_scheme = scheme.as_str().to_owned();
    mapping.decoy = stored.and_then(|(stored, sample)| stored.decoy_like(&sample, *MAX_FOREIGN_HASH_COST.end()));
    mapping.lowercase_emails = match hints.lowercase_emails {
        Some(lowercase) => lowercase,
        None => all_lowercase(&app, &mapping)?,
    };
    if let Some(column) = mapping.column(Role::Username) {
        check_usernames(&app, &table, column, case)?;
    }
    let users: i64 = app.query_row(&format!("SELECT count(*) FROM {}", quoted(&table)), [], |row| {
        row.get(0)
    })?;
    drop(app);
    let side = side_path(path);
    let before = recorded_mapping(&side);
    if let Some(before) = before.as_ref().filter(|before| !same_accounts(before, &mapping))
        && !dry_run
        && !forget_state
    {
        return Err(Error::Usage(format!(
            "The recorded mapping names the table {} (ids in {}), this one {} (ids in {}): adopting it forgets \
             authctl's sessions, tokens and lockouts of the recorded table's accounts. Pass --yes to adopt it, \
             or keep the [app] section that chose the recorded one.",
            before.table,
            before.column(Role::Id).unwrap_or_default(),
            mapping.table,
            mapping.column(Role::Id).unwrap_or_default()
        )));
    }
    let recorded = if dry_run {
        Recorded {
            replaced: before.is_some(),
            state_forgotten: before.is_some_and(|before| !same_accounts(&before, &mapping)),
        }
    } else {
        record(&side, &mapping, case, busy_timeout, now)?
    };
    Ok(Adoption {
        path: path.to_owned(),
        side,
        mapping,
        scheme_source,
        users: users.unsigned_abs(),
        recorded: !dry_run,
        replaced: recorded.replaced,
        state_forgotten: recorded.state_forgotten,
    })
}

/// Whether every address of the table is in lower case (the Flask-Login book's application
/// lower-cases them at registration and at login). With none to look at, a Flask table is
/// taken to be so, Django's `auth_user` not (Django lower-cases only the domain); the `[app]`
/// key `lowercase_emails` says otherwise.
fn all_lowercase(app: &Connection, mapping: &AppMapping) -> Result<bool> {
    let email = quoted(mapping.column(Role::Email).unwrap_or_default());
    let (total, lower): (i64, i64) = app.query_row(
        &format!(
            "SELECT count(*), coalesce(sum({email} = lower({email})), 0) FROM {} WHERE {email} IS NOT NULL",
            quoted(&mapping.table)
        ),
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    Ok(if total == 0 {
        mapping.table != "auth_user"
    } else {
        total == lower
    })
}

/// Checks, at every opening, that the table and the columns of the recorded mapping are still
/// in the attached application database, and that it has no new NOT NULL column without a
/// default that authctl would not fill; returns what else it must know of the table.
pub(super) fn check_mapping(conn: &Connection, mapping: &AppMapping) -> Result<Shape> {
    let columns = table_columns(conn, "app", &mapping.table)?;
    let again = "run `authctl db adopt` again to record what it holds now";
    let table = &mapping.table;
    if columns.is_empty() {
        return Err(Error::Usage(format!(
            "The application's database no longer has the table {table} that db adopt recorded: {again}."
        )));
    }
    let mut shape = Shape::default();
    for (role, name) in &mapping.columns {
        let Some(column) = columns.iter().find(|c| &c.name == name) else {
            return Err(Error::Usage(format!(
                "The table {table} no longer has the column {name} that db adopt recorded for the role {role}: {again}."
            )));
        };
        if column.not_null && !column.has_default {
            shape.not_null.insert(*role);
        }
        if *role == Role::Created {
            let declared = column.declared.to_ascii_uppercase();
            shape.created_in_seconds = ["INT", "REAL", "FLOA", "DOUB", "NUM"]
                .iter()
                .any(|numeric| declared.contains(numeric));
        }
    }
    let unfilled: Vec<&str> = unfilled(&columns, mapping)
        .filter(|name| !mapping.defaults.contains_key(*name))
        .collect();
    if !unfilled.is_empty() {
        return Err(Error::Usage(format!(
            "The table {table} has NOT NULL columns without a default that db adopt did not record: {}: give each a \
             value in the config file's [app.defaults] section and {again}.",
            unfilled.join(", ")
        )));
    }
    Ok(shape)
}

/// The NOT NULL columns without a default that no role of `mapping` fills.
fn unfilled<'c>(columns: &'c [Column], mapping: &AppMapping) -> impl Iterator<Item = &'c str> {
    let mapped: Vec<String> = mapping.columns.values().cloned().collect();
    columns
        .iter()
        .filter(move |c| c.not_null && !c.has_default && !c.primary_key && !mapped.contains(&c.name))
        .map(|c| c.name.as_str())
}

fn find_table(tables: &[String], hints: &AppHints, path: &Path) -> Result<String> {
    let listed = if tables.is_empty() {
        "none".to_owned()
    } else {
        tables.join(", ")
    };
    if let Some(wanted) = &hints.table {
        return tables.iter().find(|t| *t == wanted).cloned().ok_or_else(|| {
            Error::Usage(format!(
                "The config file's [app] section names the table {wanted}, but {} has no such table (its tables: {listed}).",
                path.display()
            ))
        });
    }
    TABLE_CANDIDATES
        .iter()
        .find_map(|candidate| tables.iter().find(|t| t == candidate))
        .cloned()
        .ok_or_else(|| {
            Error::Usage(format!(
                "{} has none of the tables {} (its tables: {listed}): name the users table with table = \"…\" \
                 in the config file's [app] section.",
                path.display(),
                TABLE_CANDIDATES.join(", ")
            ))
        })
}

/// The columns of `table` in `schema` (none when there is no such table).
fn table_columns(conn: &Connection, schema: &str, table: &str) -> Result<Vec<Column>> {
    let mut statement = conn.prepare(
        "SELECT name, type, \"notnull\", dflt_value IS NOT NULL, pk FROM pragma_table_info(?1, ?2) ORDER BY cid",
    )?;
    let columns = statement
        .query_map(params![table, schema], |row| {
            Ok(Column {
                name: row.get(0)?,
                declared: row.get(1)?,
                not_null: row.get(2)?,
                has_default: row.get(3)?,
                primary_key: row.get::<_, i64>(4)? > 0,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(columns)
}

/// The column of `role`: the one the hints name, else the first candidate the table has.
fn find_column(columns: &[Column], role: Role, hints: &AppHints, table: &str) -> Result<Option<String>> {
    if let Some(wanted) = hints.columns.get(&role) {
        return match columns.iter().find(|c| &c.name == wanted) {
            Some(column) => Ok(Some(column.name.clone())),
            None => Err(Error::Usage(format!(
                "The config file's [app] section names the column {wanted} ({}), but the table {table} has no such column.",
                role.key()
            ))),
        };
    }
    let found = role
        .candidates()
        .iter()
        .find_map(|candidate| columns.iter().find(|c| c.name.eq_ignore_ascii_case(candidate)));
    match found {
        Some(column) => Ok(Some(column.name.clone())),
        None if role.required() => Err(Error::Usage(format!(
            "The table {table} has no {role} column (looked for: {}): name it with {} in the config file's [app] section.",
            role.candidates().join(", "),
            role.key()
        ))),
        None => Ok(None),
    }
}

/// The id must be the table's INTEGER PRIMARY KEY: authctl names accounts by it, and SQLite
/// numbers new rows with it.
fn check_id_column(columns: &[Column], mapping: &AppMapping) -> Result<()> {
    let id = mapping.column(Role::Id).unwrap_or_default();
    let keys: Vec<&Column> = columns.iter().filter(|c| c.primary_key).collect();
    match keys.as_slice() {
        [key] if key.name == id && key.declared.eq_ignore_ascii_case("INTEGER") => Ok(()),
        _ => Err(Error::Usage(format!(
            "The column {id} of the table {} is not its INTEGER PRIMARY KEY: authctl manages in place only \
             tables whose accounts have integer ids.",
            mapping.table
        ))),
    }
}

/// The value Django's model gives a NOT NULL column of `auth_user` in Python, not in the schema.
fn django_fill_value(column: &str) -> Option<FillValue> {
    match column {
        "is_superuser" | "is_staff" => Some(FillValue::Boolean(false)),
        "first_name" | "last_name" => Some(FillValue::Text(String::new())),
        _ => None,
    }
}

/// The values of the NOT NULL columns without a default that no role fills: the hints', else
/// Django's own for `auth_user`. A column left without one is an error naming it.
fn fill_values(columns: &[Column], mapping: &AppMapping, hints: &AppHints) -> Result<BTreeMap<String, FillValue>> {
    let table = &mapping.table;
    let mapped = |name: &str| mapping.columns.values().any(|c| c == name);
    for name in hints.defaults.keys() {
        if !columns.iter().any(|c| &c.name == name) {
            return Err(Error::Usage(format!(
                "The config file's [app.defaults] section gives a value for {name}, but the table {table} has no such column."
            )));
        }
        if mapped(name) {
            return Err(Error::Usage(format!(
                "The config file's [app.defaults] section gives a value for {name}, a column authctl fills itself."
            )));
        }
    }
    let mut values = BTreeMap::new();
    let mut missing = Vec::new();
    for name in unfilled(columns, mapping) {
        let django = (table == "auth_user").then(|| django_fill_value(name)).flatten();
        match hints.defaults.get(name).cloned().or(django) {
            Some(value) => {
                values.insert(name.to_owned(), value);
            }
            None => missing.push(name.to_owned()),
        }
    }
    for (name, value) in &hints.defaults {
        values.entry(name.clone()).or_insert_with(|| value.clone());
    }
    if missing.is_empty() {
        Ok(values)
    } else {
        Err(Error::Usage(format!(
            "The table {table} has NOT NULL columns without a default that authctl does not fill: {}. \
             Give each a value in the config file's [app.defaults] section (for example {} = 1).",
            missing.join(", "),
            missing[0]
        )))
    }
}

/// The scheme new hashes are written in: the hints', else the most common format of the stored
/// hashes, else the default of the application's library (Django's for `auth_user`, Werkzeug's
/// otherwise).
fn password_scheme(
    stored: Option<AppScheme>,
    mapping: &AppMapping,
    hints: &AppHints,
) -> Result<(AppScheme, &'static str)> {
    if let Some(name) = &hints.password_scheme {
        let scheme = AppScheme::from_name(name).ok_or_else(|| {
            Error::Usage(format!(
                "Unknown password_scheme '{name}' in the config file's [app] section; known schemes: {}.",
                AppScheme::ALL.map(AppScheme::as_str).join(", ")
            ))
        })?;
        // A scheme of another library than the stored hashes' would write hashes the
        // application cannot verify (Werkzeug answers HTTP 500 to a Django hash).
        if let Some(stored) = stored.filter(|stored| stored.library() != scheme.library()) {
            return Err(Error::Usage(format!(
                "The config file's [app] section asks for {name} hashes, which {} verifies, but the stored \
                 hashes are {} ({}'s): the application could not verify the passwords authctl set.",
                scheme.library(),
                stored.as_str(),
                stored.library()
            )));
        }
        return Ok((scheme, "config"));
    }
    Ok(match stored {
        Some(scheme) => (scheme, "rows"),
        None if mapping.table == "auth_user" => (AppScheme::DjangoPbkdf2Sha256, "default"),
        None => (AppScheme::WerkzeugScrypt, "default"),
    })
}

/// The most common format of the stored hashes (of the first [`SCHEME_SAMPLE`]) that authctl
/// can write, if any, and the first hash of it.
fn stored_scheme(app: &Connection, mapping: &AppMapping) -> Result<Option<(AppScheme, String)>> {
    let column = quoted(mapping.column(Role::Password).unwrap_or_default());
    let mut statement = app.prepare(&format!(
        "SELECT {column} FROM {} WHERE {column} IS NOT NULL AND {column} <> '' LIMIT ?1",
        quoted(&mapping.table)
    ))?;
    let mut counts: Vec<(AppScheme, usize, String)> = Vec::new();
    let mut rows = statement.query([SCHEME_SAMPLE])?;
    while let Some(row) = rows.next()? {
        if let Some(text) = row.get_ref(0)?.as_str().ok()
            && let Some(scheme) = AppScheme::detect(text)
        {
            match counts.iter_mut().find(|(seen, _, _)| *seen == scheme) {
                Some((_, count, _)) => *count += 1,
                None => counts.push((scheme, 1, text.to_owned())),
            }
        }
    }
    // The most common; the first seen of equally common ones.
    Ok(counts
        .into_iter()
        .rev()
        .max_by_key(|(_, count, _)| *count)
        .map(|(scheme, _, sample)| (scheme, sample)))
}

/// Refuses a comparison `case` under which two of the application's usernames would be one.
fn check_usernames(app: &Connection, table: &str, column: &str, case: UsernameCase) -> Result<()> {
    let column = quoted(column);
    let collision: Option<String> = app
        .query_row(
            &format!(
                "SELECT group_concat({column}, char(10)) FROM {} WHERE {column} IS NOT NULL \
                 GROUP BY {}({column}) HAVING count(*) > 1 LIMIT 1",
                quoted(table),
                key_function(case)
            ),
            [],
            |row| row.get(0),
        )
        .optional()?;
    match collision {
        Some(names) => Err(usernames_collide(&names.lines().map(str::to_owned).collect::<Vec<_>>())),
        None => Ok(()),
    }
}

/// Records `mapping` in the side database at `side`, made with its schema if it is new, in one
/// transaction. A mapping of another table or id column forgets the state of the old one's
/// accounts (their ids name other accounts now).
fn record(
    side: &Path,
    mapping: &AppMapping,
    case: UsernameCase,
    busy_timeout: Duration,
    now: DateTime<Utc>,
) -> Result<Recorded> {
    let mut conn = Connection::open(side)
        .map_err(|e| Error::storage_from(format!("cannot create authctl's side database {}", side.display()), e))?;
    conn.busy_timeout(busy_timeout)?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let version: u32 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let objects: i64 = tx.query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0))?;
    let mut recorded = Recorded::default();
    match (version, objects) {
        (0, 0) => {
            tx.execute_batch(SIDE_SCHEMA)?;
            tx.pragma_update(None, "user_version", SIDE_SCHEMA_VERSION)?;
            tx.pragma_update(None, "application_id", SIDE_APPLICATION_ID)?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('adopted_at', ?1), ('username_case', ?2)",
                params![now.timestamp_millis().to_string(), case.as_str()],
            )?;
        }
        (SIDE_SCHEMA_VERSION, _) => {
            recorded.replaced = true;
            let before: Option<AppMapping> = tx
                .query_row("SELECT value FROM meta WHERE key = 'app_mapping'", [], |row| {
                    row.get::<_, String>(0)
                })
                .optional()?
                .and_then(|json| serde_json::from_str(&json).ok());
            if !before.is_some_and(|before| same_accounts(&before, mapping)) {
                tx.execute_batch("DELETE FROM sessions; DELETE FROM tokens; DELETE FROM accounts;")?;
                recorded.state_forgotten = true;
            }
        }
        _ => {
            return Err(Error::storage(format!(
                "{} is not a side database this authctl knows (schema version {version}): move it away and adopt again.",
                side.display()
            )));
        }
    }
    let json = serde_json::to_string(mapping).map_err(|e| Error::storage_from("cannot record the mapping", e))?;
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('app_mapping', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [json],
    )?;
    tx.commit()?;
    Ok(recorded)
}
