//! The storage traits, case by case, on the engine this run of the suite is on: the same cases
//! hold for SQLite and PostgreSQL.

use std::sync::mpsc;
use std::time::Duration;

use authctl::domain::audit::{AuditEntry, AuditEvent, AuditFilter, AuditSubject};
use authctl::domain::email::AddressHash;
use authctl::domain::lockout::Lockout;
use authctl::domain::session::Session;
use authctl::domain::store::{Insert, Store, Transaction, set_username_case};
use authctl::domain::token::{EmailToken, TokenHash, TokenPurpose};
use authctl::domain::user::{User, UserKey, UserOrder, UserQuery, UserSelection, UsernameCase};
use authctl::storage::Engine;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::util::World;

/// A fixed moment, to the millisecond (what both engines store).
fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
}

fn user(email: &str, username: Option<&str>) -> User {
    User {
        id: Uuid::now_v7(),
        email: email.to_owned(),
        username: username.map(str::to_owned),
        password_hash: Some("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA".to_owned()),
        confirmed: false,
        active: true,
        locked: false,
        created_at: at(0),
        lockout: Lockout::default(),
    }
}

/// Stores ada@example.com with one unused token of `purpose`, all of whose hash bytes are 7.
fn ada_with_token_7(store: &mut Engine, purpose: TokenPurpose) -> User {
    let mut ada = user("ada@example.com", None);
    let tx = store.write().unwrap();
    tx.insert_user(&mut ada).unwrap();
    tx.insert_token(&token(7, ada.id, purpose)).unwrap();
    tx.commit().unwrap();
    ada
}

fn token(byte: u8, user_id: Uuid, purpose: TokenPurpose) -> EmailToken {
    EmailToken {
        hash: TokenHash([byte; 32]),
        user_id,
        purpose,
        new_email: None,
        created_at: at(0),
        expires_at: at(3600),
        used_at: None,
    }
}

fn session(byte: u8, user_id: Uuid, created: i64, expires: i64) -> Session {
    Session {
        id: Uuid::now_v7(),
        user_id,
        token_hash: TokenHash([byte; 32]),
        remember: false,
        created_at: at(created),
        expires_at: at(expires),
        revoked_at: None,
    }
}

#[test]
fn users_are_found_listed_in_creation_order_and_unique() {
    let world = World::new();
    let mut store = world.store();
    let tx = store.write().unwrap();
    assert_eq!(tx.database_id().unwrap().len(), 32);
    let mut ada = user("Ada@Example.com", Some("ada"));
    tx.insert_user(&mut ada).unwrap();
    tx.insert_user(&mut user("bob@example.com", None)).unwrap();
    tx.insert_user(&mut user("cy@example.com", None)).unwrap();
    let taken = tx.insert_user(&mut user("ADA@example.com", None)).unwrap_err();
    assert_eq!(taken.exit_code(), 5);
    assert!(taken.to_string().contains("ADA@example.com"), "{taken}");
    let taken = tx.insert_user(&mut user("dan@example.com", Some("ADA"))).unwrap_err();
    assert_eq!(taken.exit_code(), 5);
    assert!(taken.to_string().contains("username"), "{taken}");
    tx.commit().unwrap();

    let tx = store.read().unwrap();
    assert_eq!(tx.count_users().unwrap(), 3);
    let found = tx
        .find_user(&UserKey::Email("ada@example.com".into()))
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.id, found.email.as_str(), found.created_at),
        (ada.id, "Ada@Example.com", at(0))
    );
    assert_eq!(
        tx.find_user(&UserKey::Id(ada.id)).unwrap().unwrap().username.as_deref(),
        Some("ada")
    );
    assert!(tx.find_user(&UserKey::Id(Uuid::now_v7())).unwrap().is_none());
    let listed = |query: UserQuery| {
        let mut emails = Vec::new();
        let selection = UserSelection::new(query, UsernameCase::Insensitive);
        tx.for_each_user(&selection, &mut |user| {
            emails.push(user.email);
            Ok(())
        })
        .unwrap();
        emails
    };
    assert_eq!(
        listed(UserQuery::default()),
        ["Ada@Example.com", "bob@example.com", "cy@example.com"]
    );
    let last_two_by_email = UserQuery {
        order: UserOrder::Email,
        descending: true,
        limit: Some(2),
        ..UserQuery::default()
    };
    assert_eq!(listed(last_two_by_email), ["cy@example.com", "bob@example.com"]);
    let search = UserQuery {
        search: Some("ADA@".to_owned()),
        ..UserQuery::default()
    };
    assert_eq!(listed(search), ["Ada@Example.com"]);
}

#[test]
fn an_uncommitted_write_leaves_nothing() {
    let world = World::new();
    let mut store = world.store();
    let tx = store.write().unwrap();
    tx.insert_user(&mut user("ada@example.com", None)).unwrap();
    drop(tx);
    assert_eq!(store.read().unwrap().count_users().unwrap(), 0);
}

#[test]
fn a_batch_tells_its_own_rows_from_older_ones() {
    let world = World::new();
    let mut store = world.store();
    let tx = store.write().unwrap();
    let mut old = user("old@example.com", Some("olduser"));
    tx.insert_user(&mut old).unwrap();
    tx.commit().unwrap();

    let tx = store.write().unwrap();
    let mark = tx.batch_mark().unwrap();
    let created = tx.insert_user_unless_taken(&user("new@example.com", Some("newuser")), mark);
    assert!(matches!(created.unwrap(), Insert::Created));
    let again = tx.insert_user_unless_taken(&user("NEW@example.com", None), mark);
    assert!(matches!(again.unwrap(), Insert::EmailInBatch));
    let older = tx.insert_user_unless_taken(&user("old@example.com", None), mark);
    assert!(matches!(older.unwrap(), Insert::EmailTaken(existing) if existing.id == old.id));
    let name = tx.insert_user_unless_taken(&user("x@example.com", Some("newuser")), mark);
    assert!(matches!(name.unwrap(), Insert::UsernameInBatch));
    let name = tx.insert_user_unless_taken(&user("y@example.com", Some("olduser")), mark);
    assert!(matches!(name.unwrap(), Insert::UsernameTaken));
    tx.commit().unwrap();
    assert_eq!(store.read().unwrap().count_users().unwrap(), 2);
}

#[test]
fn a_batch_of_users_meets_the_same_outcomes_as_one_by_one() {
    let world = World::new();
    let mut store = world.store();
    let tx = store.write().unwrap();
    let mut old = user("old@example.com", Some("olduser"));
    tx.insert_user(&mut old).unwrap();
    tx.commit().unwrap();

    // Values a text COPY would have to escape, and more than one script, pass as they are.
    let hostile = "tab\there\\back\\slash\r\u{7f}ǅ𝔘ß";
    let tx = store.write().unwrap();
    let mark = tx.batch_mark().unwrap();
    let first = [
        user("new@example.com", Some("newuser")),
        user("NEW@example.com", None),
        user("old@example.com", Some("renamed")),
        user("x@example.com", Some("NewUser")),
        user("y@example.com", Some("olduser")),
        user("z@example.com", Some("renamed")),
        user("a@example.com", Some("newuser")),
        user("a@example.com", Some(hostile)),
        user("plain@example.com", None),
        user("Old@Example.com", None),
    ];
    let mut outcomes = Vec::new();
    tx.insert_users_unless_taken(&first, mark, &mut |index, outcome| {
        let name = match &outcome {
            // What an import's update does: the later rows meet the account as changed.
            Insert::EmailTaken(existing) => {
                assert_eq!(existing.id, old.id);
                tx.set_username(existing.id, Some("renamed"))?;
                tx.set_confirmed(existing.id, !existing.confirmed)?;
                format!("EmailTaken confirmed={}", existing.confirmed)
            }
            other => format!("{other:?}"),
        };
        outcomes.push((index, name));
        Ok(())
    })
    .unwrap();
    let expected = [
        "Created",
        "EmailInBatch",
        "EmailTaken confirmed=false",
        "UsernameInBatch",
        "Created",
        "UsernameTaken",
        "UsernameInBatch",
        "Created",
        "Created",
        "EmailTaken confirmed=true",
    ];
    let expected: Vec<(usize, String)> = expected.iter().map(|o| o.to_string()).enumerate().collect();
    assert_eq!(outcomes, expected);

    // A second batch of the same transaction: the first one's rows came before it.
    let second = [
        user("PLAIN@example.com", None),
        user("b@example.com", Some("NEWUSER")),
        user("c@example.com", None),
    ];
    let mut outcomes = Vec::new();
    tx.insert_users_unless_taken(&second, mark, &mut |_, outcome| {
        outcomes.push(format!("{outcome:?}"));
        Ok(())
    })
    .unwrap();
    assert_eq!(outcomes, ["EmailInBatch", "UsernameInBatch", "Created"]);
    // One that meets nothing at all.
    let third = [user("d@example.com", Some("d")), user("e@example.com", None)];
    let mut outcomes = Vec::new();
    tx.insert_users_unless_taken(&third, mark, &mut |index, outcome| {
        outcomes.push((index, format!("{outcome:?}")));
        Ok(())
    })
    .unwrap();
    assert_eq!(outcomes, [(0, "Created".to_owned()), (1, "Created".to_owned())]);
    // Ones that meet only through a username, or only one another.
    let fourth = [
        user("f@example.com", Some("Renamed")),
        user("g@example.com", Some("g")),
        user("h@example.com", Some("G")),
    ];
    let fifth = [user("i@example.com", None), user("I@example.com", None)];
    let mut outcomes = Vec::new();
    for batch in [&fourth[..], &fifth[..]] {
        tx.insert_users_unless_taken(batch, mark, &mut |_, outcome| {
            outcomes.push(format!("{outcome:?}"));
            Ok(())
        })
        .unwrap();
    }
    assert_eq!(
        outcomes,
        ["UsernameTaken", "Created", "UsernameInBatch", "Created", "EmailInBatch"]
    );
    tx.commit().unwrap();

    let tx = store.read().unwrap();
    assert_eq!(tx.count_users().unwrap(), 10);
    let found = tx.find_user(&UserKey::Email("a@example.com".into())).unwrap().unwrap();
    assert_eq!((found.id, found.username.as_deref()), (first[7].id, Some(hostile)));
    let renamed = tx.find_user(&UserKey::Id(old.id)).unwrap().unwrap();
    assert_eq!(renamed.username.as_deref(), Some("renamed"));
    let mut order = Vec::new();
    let every_user = UserSelection::new(UserQuery::default(), UsernameCase::Insensitive);
    tx.for_each_user(&every_user, &mut |user| {
        order.push(user.id);
        Ok(())
    })
    .unwrap();
    let created = [
        &first[0], &first[4], &first[7], &first[8], &second[2], &third[0], &third[1], &fourth[1], &fifth[0],
    ];
    let expected: Vec<Uuid> = std::iter::once(old.id)
        .chain(created.iter().map(|user| user.id))
        .collect();
    assert_eq!(order, expected, "creation order is the batch's");
}

/// A batch racing a transaction that registers one of its emails is never half written: it
/// waits for that transaction, then finds the email taken (SQLite, whose writers take turns) or
/// stops the import (PostgreSQL, when the batch had been found to meet nothing).
#[test]
fn a_batch_racing_a_registration_writes_nothing_twice() {
    let world = World::new();
    let mut first = world.store();
    let tx = first.write().unwrap();
    tx.insert_user(&mut user("race@example.com", None)).unwrap();
    let (started, wait_started) = mpsc::channel();
    let outcome = std::thread::scope(|scope| {
        let racer = scope.spawn(|| {
            let mut second = world.store();
            started.send(()).unwrap();
            let tx = second.write()?;
            let mark = tx.batch_mark()?;
            let mut outcomes = Vec::new();
            tx.insert_users_unless_taken(&[user("RACE@example.com", None)], mark, &mut |_, outcome| {
                outcomes.push(format!("{outcome:?}"));
                Ok(())
            })?;
            tx.commit()?;
            Ok::<_, authctl::Error>(outcomes)
        });
        wait_started.recv().unwrap();
        // Give the racer time to reach the row; the outcome must not depend on it.
        std::thread::sleep(Duration::from_millis(300));
        tx.commit().unwrap();
        racer.join().unwrap()
    });
    // The row-by-row outcome, whichever way the chunk went (on PostgreSQL the plain insert
    // meets the new account and is undone for the per-run path).
    let outcomes = outcome.unwrap();
    assert!(outcomes[0].starts_with("EmailTaken"), "{outcomes:?}");
    assert_eq!(first.read().unwrap().count_users().unwrap(), 1);
}

#[test]
fn sessions_are_revoked_purged_and_go_with_their_user() {
    let world = World::new();
    let mut store = world.store();
    let mut ada = user("ada@example.com", None);
    let tx = store.write().unwrap();
    tx.insert_user(&mut ada).unwrap();
    let old = session(1, ada.id, 0, 10);
    let first = session(2, ada.id, 0, 1000);
    let second = session(3, ada.id, 20, 1000);
    tx.insert_session(&old).unwrap();
    tx.insert_session(&first).unwrap();
    tx.insert_session(&second).unwrap();
    assert_eq!(
        tx.delete_expired_sessions(ada.id, at(10)).unwrap(),
        1,
        "expiry is inclusive"
    );
    assert!(tx.find_session(&old.token_hash).unwrap().is_none());
    let live: Vec<Uuid> = tx.live_sessions(ada.id, at(30)).unwrap().iter().map(|s| s.id).collect();
    assert_eq!(live, [second.id, first.id], "newest first");
    assert_eq!(tx.revoke_sessions(ada.id, Some(second.id), at(30)).unwrap(), 1);
    assert_eq!(
        tx.find_session(&first.token_hash).unwrap().unwrap().revoked_at,
        Some(at(30))
    );
    assert!(tx.revoke_session(ada.id, second.id, at(31)).unwrap());
    assert!(
        !tx.revoke_session(ada.id, second.id, at(32)).unwrap(),
        "already revoked"
    );
    let third = session(4, ada.id, 40, 1000);
    tx.insert_session(&third).unwrap();
    tx.delete_user(ada.id).unwrap();
    assert!(tx.find_session(&third.token_hash).unwrap().is_none());
    tx.commit().unwrap();
}

#[test]
fn unused_tokens_are_deleted_by_purpose_or_all_at_once() {
    let world = World::new();
    let mut store = world.store();
    let mut ada = user("ada@example.com", None);
    let tx = store.write().unwrap();
    tx.insert_user(&mut ada).unwrap();
    tx.insert_token(&token(1, ada.id, TokenPurpose::Reset)).unwrap();
    tx.insert_token(&token(2, ada.id, TokenPurpose::Confirm)).unwrap();
    tx.insert_token(&token(3, ada.id, TokenPurpose::Reset)).unwrap();
    tx.insert_token(&token(4, ada.id, TokenPurpose::EmailChange)).unwrap();
    tx.mark_token_used(&TokenHash([3; 32]), at(5)).unwrap();
    assert_eq!(
        tx.find_token(&TokenHash([3; 32])).unwrap().unwrap().used_at,
        Some(at(5))
    );
    assert_eq!(tx.delete_unused_tokens(ada.id, Some(TokenPurpose::Reset)).unwrap(), 1);
    assert!(tx.find_token(&TokenHash([1; 32])).unwrap().is_none());
    assert!(tx.find_token(&TokenHash([2; 32])).unwrap().is_some());
    assert_eq!(
        tx.delete_unused_tokens(ada.id, None).unwrap(),
        2,
        "every purpose, used ones kept"
    );
    assert!(tx.find_token(&TokenHash([3; 32])).unwrap().is_some());
    tx.delete_user(ada.id).unwrap();
    assert!(
        tx.find_token(&TokenHash([3; 32])).unwrap().is_none(),
        "tokens go with their user"
    );
    tx.commit().unwrap();
}

/// Appends a `login_failed` row at `seconds` about `email`, recorded with `user_id`.
fn append_row(tx: &impl Transaction, seconds: i64, user_id: Option<Uuid>, email: &str) {
    append_event(tx, seconds, AuditEvent::LoginFailed, user_id, email);
}

fn append_event(tx: &impl Transaction, seconds: i64, event: AuditEvent, user_id: Option<Uuid>, email: &str) {
    tx.append_audit(&AuditEntry {
        at: at(seconds),
        event,
        user_id,
        email: Some(email.to_owned()),
        os_user: "test".to_owned(),
        detail: None,
    })
    .unwrap();
}

/// The times of the rows `filter` passes, in the order the store gives them.
fn audit_times(store: &mut Engine, filter: &AuditFilter) -> Vec<DateTime<Utc>> {
    let tx = store.read().unwrap();
    let mut times = Vec::new();
    tx.for_each_audit(filter, &mut |record| {
        times.push(record.entry.at);
        Ok(())
    })
    .unwrap();
    times
}

#[test]
fn audit_rows_are_filtered_by_address_and_time() {
    let world = World::new();
    let mut store = world.store();
    let tx = store.write().unwrap();
    for (seconds, email) in [(0, "ada@example.com"), (10, "bob@example.com"), (20, "Ada@Example.com")] {
        append_row(&tx, seconds, None, email);
    }
    tx.commit().unwrap();
    let mut times = |filter: AuditFilter| audit_times(&mut store, &filter);
    assert_eq!(times(AuditFilter::default()), [at(0), at(10), at(20)]);
    let ada = AuditFilter {
        subject: Some(AuditSubject {
            user_ids: vec![],
            email: Some("ada@example.com".to_owned()),
        }),
        ..AuditFilter::default()
    };
    assert_eq!(times(ada), [at(0), at(20)]);
    let recent = AuditFilter {
        since: Some(at(10)),
        ..AuditFilter::default()
    };
    assert_eq!(times(recent), [at(10), at(20)]);
    let always = AuditFilter {
        since: Some(DateTime::<Utc>::MIN_UTC),
        ..AuditFilter::default()
    };
    assert_eq!(times(always).len(), 3);
}

/// Rows are found by the account id they recorded, whatever address they name; the ids of the
/// accounts an address was recorded with are listed once each.
#[test]
fn audit_rows_are_filtered_by_user_id() {
    let world = World::new();
    let mut store = world.store();
    let (ada, bob) = (Uuid::now_v7(), Uuid::now_v7());
    let tx = store.write().unwrap();
    append_row(&tx, 0, Some(ada), "ada@example.com");
    append_row(&tx, 5, Some(ada), "ada@example.com");
    append_row(&tx, 10, Some(bob), "bob@example.com");
    append_row(&tx, 20, Some(ada), "ada@new.example");
    append_row(&tx, 30, None, "ada@example.com");
    tx.commit().unwrap();
    let by = |user_ids: Vec<Uuid>, email: Option<&str>| AuditFilter {
        subject: Some(AuditSubject {
            user_ids,
            email: email.map(str::to_owned),
        }),
        ..AuditFilter::default()
    };
    assert_eq!(audit_times(&mut store, &by(vec![ada], None)), [at(0), at(5), at(20)]);
    assert_eq!(
        audit_times(&mut store, &by(vec![ada, bob], None)),
        [at(0), at(5), at(10), at(20)]
    );
    assert_eq!(
        audit_times(&mut store, &by(vec![ada], Some("ada@example.com"))),
        [at(0), at(5), at(20), at(30)]
    );
    assert!(audit_times(&mut store, &by(vec![], None)).is_empty());
    let tx = store.read().unwrap();
    assert_eq!(tx.audit_user_ids("ada@example.com").unwrap(), [ada]);
    assert_eq!(tx.audit_user_ids("ada@new.example").unwrap(), [ada]);
    assert!(tx.audit_user_ids("nobody@example.com").unwrap().is_empty());
}

/// `until` is exclusive, `events` any of several kinds, `limit` the most recent rows given
/// oldest first (rows of one time in the order they were written), all combined.
#[test]
fn audit_rows_are_filtered_by_until_event_and_limit() {
    let world = World::new();
    let mut store = world.store();
    let tx = store.write().unwrap();
    for (seconds, event) in [
        (0, AuditEvent::UserAdded),
        (10, AuditEvent::LoginFailed),
        (10, AuditEvent::LoginSucceeded),
        (20, AuditEvent::LoginFailed),
        (30, AuditEvent::UserRemoved),
    ] {
        append_event(&tx, seconds, event, None, "ada@example.com");
    }
    tx.commit().unwrap();
    let events = |store: &mut Engine, filter: AuditFilter| {
        let tx = store.read().unwrap();
        let mut found = Vec::new();
        tx.for_each_audit(&filter, &mut |record| {
            found.push((record.entry.at, record.entry.event));
            Ok(())
        })
        .unwrap();
        found
    };
    let until = AuditFilter {
        until: Some(at(10)),
        ..AuditFilter::default()
    };
    assert_eq!(events(&mut store, until), [(at(0), AuditEvent::UserAdded)]);
    let kinds = AuditFilter {
        events: vec![AuditEvent::LoginFailed, AuditEvent::UserRemoved],
        ..AuditFilter::default()
    };
    assert_eq!(
        events(&mut store, kinds),
        [
            (at(10), AuditEvent::LoginFailed),
            (at(20), AuditEvent::LoginFailed),
            (at(30), AuditEvent::UserRemoved)
        ]
    );
    let recent = AuditFilter {
        limit: Some(2),
        ..AuditFilter::default()
    };
    assert_eq!(
        events(&mut store, recent),
        [(at(20), AuditEvent::LoginFailed), (at(30), AuditEvent::UserRemoved)]
    );
    let combined = AuditFilter {
        since: Some(at(5)),
        until: Some(at(30)),
        events: vec![AuditEvent::LoginFailed, AuditEvent::LoginSucceeded],
        limit: Some(2),
        ..AuditFilter::default()
    };
    assert_eq!(
        events(&mut store, combined),
        [(at(10), AuditEvent::LoginSucceeded), (at(20), AuditEvent::LoginFailed)]
    );
    let beyond = AuditFilter {
        limit: Some(u64::MAX),
        ..AuditFilter::default()
    };
    assert_eq!(events(&mut store, beyond).len(), 5);
}

/// `prune_audit` deletes the rows before a moment (not at it) and says how many, inside its
/// transaction (nothing goes when it rolls back); sequence numbers grow with each row written,
/// and `after` keeps the rows past one.
#[test]
fn audit_rows_are_pruned_and_followed_by_sequence_number() {
    let world = World::new();
    let mut store = world.store();
    let start = store.read().unwrap().last_audit_seq().unwrap();
    let tx = store.write().unwrap();
    for seconds in [0, 10, 20, 30] {
        append_row(&tx, seconds, None, "ada@example.com");
    }
    tx.commit().unwrap();
    let tx = store.read().unwrap();
    let last = tx.last_audit_seq().unwrap();
    let mut seqs = Vec::new();
    tx.for_each_audit(&AuditFilter::default(), &mut |record| {
        seqs.push(record.seq);
        Ok(())
    })
    .unwrap();
    drop(tx);
    assert_eq!(seqs.len(), 4);
    assert!(seqs.windows(2).all(|pair| pair[0] < pair[1]) && seqs[0] > start && seqs[3] == last);
    let after = AuditFilter {
        after: Some(seqs[1]),
        ..AuditFilter::default()
    };
    assert_eq!(audit_times(&mut store, &after), [at(20), at(30)]);
    let tx = store.write().unwrap();
    assert_eq!(tx.prune_audit(at(20)).unwrap(), 2);
    drop(tx);
    assert_eq!(audit_times(&mut store, &AuditFilter::default()).len(), 4, "rolled back");
    let tx = store.write().unwrap();
    assert_eq!(tx.prune_audit(at(20)).unwrap(), 2);
    tx.commit().unwrap();
    assert_eq!(audit_times(&mut store, &AuditFilter::default()), [at(20), at(30)]);
    let tx = store.write().unwrap();
    assert_eq!(tx.prune_audit(DateTime::<Utc>::MIN_UTC).unwrap(), 0);
    assert_eq!(tx.prune_audit(DateTime::<Utc>::MAX_UTC).unwrap(), 2);
    tx.commit().unwrap();
    // A sequence number is never given again, even once every row is gone: a follower that saw
    // `last` must see the next row.
    let tx = store.write().unwrap();
    append_row(&tx, 40, None, "ada@example.com");
    tx.commit().unwrap();
    assert!(store.read().unwrap().last_audit_seq().unwrap() > last);
    let after = AuditFilter {
        after: Some(last),
        ..AuditFilter::default()
    };
    assert_eq!(audit_times(&mut store, &after), [at(40)]);
}

/// Two write transactions check one token: the second waits for the first (SQLite's write lock,
/// PostgreSQL's row lock) and then sees it used. Neither engine lets both use it.
#[test]
fn a_token_checked_in_a_write_transaction_cannot_be_used_twice() {
    let world = World::new();
    let mut first = world.store();
    ada_with_token_7(&mut first, TokenPurpose::Confirm);

    let tx = first.write().unwrap();
    assert!(tx.find_token(&TokenHash([7; 32])).unwrap().unwrap().used_at.is_none());
    let (started, wait_started) = mpsc::channel();
    let second = std::thread::scope(|scope| {
        let racer = scope.spawn(|| {
            let mut second = world.store();
            started.send(()).unwrap();
            let tx = second.write().unwrap();
            let seen = tx.find_token(&TokenHash([7; 32])).unwrap().unwrap();
            seen.used_at
        });
        wait_started.recv().unwrap();
        // Give the racer time to reach the lock; the outcome must not depend on it.
        std::thread::sleep(Duration::from_millis(300));
        tx.mark_token_used(&TokenHash([7; 32]), at(1)).unwrap();
        tx.commit().unwrap();
        racer.join().unwrap()
    });
    assert_eq!(second, Some(at(1)), "the second transaction saw the token unused");
}

#[test]
fn targeted_writes_change_only_what_they_name() {
    let world = World::new();
    let mut store = world.store();
    let tx = store.write().unwrap();
    let mut ada = user("ada@example.com", Some("ada"));
    tx.insert_user(&mut ada).unwrap();
    tx.insert_user(&mut user("bob@example.com", Some("bob"))).unwrap();
    let stale = Some("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$c3RhbGU");
    assert!(
        !tx.set_password_hash(ada.id, "new", stale).unwrap(),
        "a stale hash is left alone"
    );
    assert!(
        tx.set_password_hash(ada.id, "new", ada.password_hash.as_deref())
            .unwrap()
    );
    tx.set_locked(ada.id, true).unwrap();
    tx.set_active(ada.id, false).unwrap();
    tx.set_confirmed(ada.id, true).unwrap();
    let lockout = Lockout {
        failures: 7,
        until: Some(at(900)),
    };
    tx.set_lockout(ada.id, lockout).unwrap();
    // A conflict is reported and leaves the transaction usable, on both engines.
    let taken = tx.set_email(ada.id, "BOB@example.com").unwrap_err();
    assert_eq!(taken.exit_code(), 5, "{taken}");
    let taken = tx.set_username(ada.id, Some("Bob")).unwrap_err();
    assert_eq!(taken.exit_code(), 5, "{taken}");
    tx.set_email(ada.id, "ada@example.org").unwrap();
    tx.set_username(ada.id, None).unwrap();
    tx.commit().unwrap();

    let tx = store.read().unwrap();
    let found = tx.find_user(&UserKey::Id(ada.id)).unwrap().unwrap();
    assert_eq!(found.password_hash.as_deref(), Some("new"));
    assert!(found.locked && !found.active && found.confirmed);
    assert_eq!(found.lockout, lockout);
    assert_eq!((found.email.as_str(), found.username), ("ada@example.org", None));
    let bob = tx
        .find_user(&UserKey::Email("bob@example.com".to_owned()))
        .unwrap()
        .unwrap();
    assert_eq!(
        (bob.username.as_deref(), bob.lockout),
        (Some("bob"), Lockout::default())
    );
}

#[test]
fn reset_requests_are_counted_per_address_and_forgotten() {
    let world = World::new();
    let mut store = world.store();
    let (ada, bob) = (AddressHash([1; 32]), AddressHash([2; 32]));
    let tx = store.write().unwrap();
    tx.record_reset_request(&ada, at(0), at(-3600)).unwrap();
    tx.record_reset_request(&ada, at(10), at(-3590)).unwrap();
    tx.record_reset_request(&bob, at(20), at(-3580)).unwrap();
    assert_eq!(tx.count_reset_requests(&ada, at(-1)).unwrap(), 2);
    assert_eq!(tx.count_reset_requests(&ada, at(0)).unwrap(), 1, "after, not at");
    // Recording forgets every address's requests at or before `forget_before`.
    tx.record_reset_request(&bob, at(30), at(10)).unwrap();
    assert_eq!(tx.count_reset_requests(&ada, at(-1)).unwrap(), 0);
    assert_eq!(tx.count_reset_requests(&bob, at(-1)).unwrap(), 2);
    tx.commit().unwrap();
}

/// Two write transactions count one address's reset requests: the second waits for the first to
/// record its request (SQLite's write lock, PostgreSQL's advisory lock on the address) and then
/// counts it, so that concurrent requests cannot all pass the hourly limit.
#[test]
fn reset_requests_counted_in_a_write_transaction_are_counted_once() {
    let world = World::new();
    let address = AddressHash([9; 32]);
    let mut first = world.store();
    let tx = first.write().unwrap();
    assert_eq!(tx.count_reset_requests(&address, at(-3600)).unwrap(), 0);
    let (started, wait_started) = mpsc::channel();
    let second = std::thread::scope(|scope| {
        let racer = scope.spawn(|| {
            let mut second = world.store();
            started.send(()).unwrap();
            let tx = second.write().unwrap();
            tx.count_reset_requests(&address, at(-3600)).unwrap()
        });
        wait_started.recv().unwrap();
        // Give the racer time to reach the lock; the outcome must not depend on it.
        std::thread::sleep(Duration::from_millis(300));
        tx.record_reset_request(&address, at(0), at(-3600)).unwrap();
        tx.commit().unwrap();
        racer.join().unwrap()
    });
    assert_eq!(second, 1, "the second transaction counted before the first recorded");
}

/// A token being consumed (token, then its user) while an administrator's write ends the user's
/// tokens (user, then tokens): both commit, one after the other. Taking the rows in opposite
/// orders would deadlock on PostgreSQL, and one of them would fail.
#[test]
fn consuming_a_token_while_its_user_is_changed_does_not_deadlock() {
    let world = World::new();
    let mut first = world.store();
    let ada = ada_with_token_7(&mut first, TokenPurpose::Reset);

    let tx = first.write().unwrap();
    tx.find_token(&TokenHash([7; 32])).unwrap().unwrap();
    let (started, wait_started) = mpsc::channel();
    let (consumed, admin) = std::thread::scope(|scope| {
        let admin = scope.spawn(|| {
            let mut second = world.store();
            started.send(()).unwrap();
            let tx = second.write()?;
            tx.find_user(&UserKey::Id(ada.id))?;
            tx.set_locked(ada.id, true)?;
            let deleted = tx.delete_unused_tokens(ada.id, None)?;
            tx.commit()?;
            Ok::<_, authctl::Error>(deleted)
        });
        wait_started.recv().unwrap();
        // Give the administrator time to reach its locks; the outcome must not depend on it.
        std::thread::sleep(Duration::from_millis(300));
        let consumed = (|| {
            tx.find_user(&UserKey::Id(ada.id))?;
            tx.mark_token_used(&TokenHash([7; 32]), at(1))?;
            tx.commit()
        })();
        (consumed, admin.join().unwrap())
    });
    consumed.expect("the consumer failed");
    assert_eq!(admin.expect("the administrator failed"), 0, "the token was used first");
}

#[test]
fn the_username_comparison_is_recorded_and_changed_in_one_transaction() {
    let world = World::new();
    let mut store = world.store();
    let named = |tx: &dyn Transaction, name: &str| {
        tx.find_user(&UserKey::Username(name.into()))
            .unwrap()
            .map(|user| user.email)
    };
    let tx = store.write().unwrap();
    assert_eq!(tx.username_case().unwrap(), UsernameCase::Insensitive);
    tx.insert_user(&mut user("a@example.com", Some("Alice"))).unwrap();
    assert_eq!(named(&tx, "ALICE").as_deref(), Some("a@example.com"));
    assert_eq!(tx.set_username_case(UsernameCase::Sensitive).unwrap(), None);
    assert_eq!(tx.username_case().unwrap(), UsernameCase::Sensitive);
    assert_eq!(named(&tx, "ALICE"), None);
    tx.insert_user(&mut user("b@example.com", Some("alice"))).unwrap();
    tx.commit().unwrap();

    let tx = store.write().unwrap();
    let mut names = tx.set_username_case(UsernameCase::Insensitive).unwrap().unwrap();
    names.sort();
    assert_eq!(names, ["Alice", "alice"]);
    drop(tx);
    let tx = store.read().unwrap();
    assert_eq!(tx.username_case().unwrap(), UsernameCase::Sensitive);
    assert_eq!(named(&tx, "Alice").as_deref(), Some("a@example.com"));
    assert_eq!(named(&tx, "alice").as_deref(), Some("b@example.com"));
}

#[test]
fn a_change_of_the_username_comparison_waits_for_a_registration_and_sees_it() {
    let world = World::new();
    let mut first = world.store();
    let tx = first.write().unwrap();
    tx.insert_user(&mut user("bob@example.com", Some("Bob"))).unwrap();
    let (started, wait_started) = mpsc::channel();
    let changed = std::thread::scope(|scope| {
        let racer = scope.spawn(|| {
            let mut second = world.store();
            started.send(()).unwrap();
            set_username_case(&mut second, UsernameCase::Sensitive)
        });
        wait_started.recv().unwrap();
        // Give the racer time to reach the lock; the outcome must not depend on it.
        std::thread::sleep(Duration::from_millis(300));
        tx.commit().unwrap();
        racer.join().unwrap()
    });
    assert!(changed.unwrap());
    let tx = first.read().unwrap();
    let bob = tx.find_user(&UserKey::Username("Bob".into())).unwrap();
    assert_eq!(bob.map(|user| user.email).as_deref(), Some("bob@example.com"));
    assert!(tx.find_user(&UserKey::Username("bob".into())).unwrap().is_none());
}
