"""Times authctl's everyday commands on an adopted Flask-Login database of many accounts.

Usage: target/test-venv/bin/python scripts/bench-adopted.py [--users N] [--import-rows M] [BINARY]
(default: 100000 accounts, 10000 imported rows, target/release/authctl; the test environment
made by scripts/test has Werkzeug). Each command runs 3 times; the median wall time is printed.
Every look-up by address scans the table (authctl compares addresses NFKC- and case-folded,
which the application's index cannot answer), so these times grow with the table.
"""

import argparse
import os
import sqlite3
import statistics
import subprocess
import tempfile
import time

from werkzeug.security import generate_password_hash

PASSWORD = "correct horse battery"


def make_app(path, users):
    hashed = generate_password_hash(PASSWORD)
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE roles (id INTEGER NOT NULL, name VARCHAR(64), PRIMARY KEY (id));"
        "INSERT INTO roles (name) VALUES ('User');"
        "CREATE TABLE users (id INTEGER NOT NULL, email VARCHAR(64), username VARCHAR(64), role_id INTEGER,"
        " password_hash VARCHAR(256), confirmed BOOLEAN, PRIMARY KEY (id),"
        " FOREIGN KEY(role_id) REFERENCES roles (id));"
        "CREATE UNIQUE INDEX ix_users_email ON users (email);"
        "CREATE UNIQUE INDEX ix_users_username ON users (username);"
    )
    db.executemany(
        "INSERT INTO users (email, username, role_id, password_hash, confirmed) VALUES (?, ?, 1, ?, 1)",
        ((f"user{i}@example.com", f"user{i}", hashed) for i in range(users)),
    )
    db.commit()
    return hashed


def timed(label, command, env, stdin=None, runs=3):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, input=stdin, text=True, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    print(f"{label:<44} {statistics.median(times) * 1000:9.1f} ms")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("binary", nargs="?", default="target/release/authctl")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    with tempfile.TemporaryDirectory() as work:
        app = os.path.join(work, "app.sqlite")
        hashed = make_app(app, args.users)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": work,
            "XDG_CONFIG_HOME": os.path.join(work, "config"),
            "XDG_STATE_HOME": os.path.join(work, "state"),
            "AUTHCTL_DB": app,
            "AUTHCTL_SESSION_FILE": os.path.join(work, "session"),
            "AUTHCTL_LOGIN_FAILURE_DELAY": "0s",
        }

        def cmd(*words):
            return [binary, *words]

        print(f"{args.users} accounts in a Flask-SQLAlchemy users table, {binary}")
        timed("db adopt", cmd("db", "adopt"), env)
        timed("user show (by address)", cmd("user", "show", "user50000@example.com"), env)
        timed("login (werkzeug-scrypt hash)", cmd("login", "user7@example.com", "--password-stdin"), env, PASSWORD + "\n")
        timed("whoami", cmd("whoami"), env)
        started = time.perf_counter()
        for i in range(3):
            subprocess.run(
                cmd("user", "add", f"added{i}@example.com", "--password-stdin"),
                env=env,
                input=PASSWORD + "\n",
                text=True,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        print(f"{'user add (werkzeug-scrypt hash)':<44} {(time.perf_counter() - started) / 3 * 1000:9.1f} ms")
        timed("user list > /dev/null", cmd("user", "list"), env)
        rows = os.path.join(work, "import.csv")
        with open(rows, "w") as out:
            out.write("email,password_hash\n")
            out.writelines(f"imported{i}@example.com,{hashed}\n" for i in range(args.import_rows))
        started = time.perf_counter()
        subprocess.run(cmd("user", "import", rows), env=env, check=True, stdout=subprocess.DEVNULL)
        print(f"{f'user import of {args.import_rows} hashed rows':<44} {(time.perf_counter() - started) * 1000:9.1f} ms")


if __name__ == "__main__":
    main()
