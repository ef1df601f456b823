#!/usr/bin/env python3
"""Account-enumeration timing benchmark: does the time of an answer tell a registered address
from an unknown one?

Builds the release binary, then for each pair of cases runs both sides interleaved (the order
alternating each round) RUNS times, and asserts that their median times are within 10% of each
other and that their exit codes are the same. Exits 1 if any pair fails, naming it.

Pairs:
  reset/smtp      `reset request` registered vs unknown, over SMTP to a local server
  reset/file      the same with the file: transport
  login/argon2    login: argon2id user with a wrong password vs unknown email
  login/nfkc      the same with a wrong password that NFKC normalisation changes
  login/pbkdf2    login: imported Werkzeug pbkdf2 user (not yet re-hashed), wrong password,
                  vs unknown email
  login/unusable  login: account whose stored hash can never verify vs unknown email

The default argon2 parameters are used and every AUTHCTL_* variable of the caller's environment
is ignored (AUTHCTL_LOGIN_FAILURE_DELAY included, so its default applies). Known accounts are
unlocked (not timed) between rounds so that a lockout after repeated failures does not change
what is measured.

Usage: scripts/bench-enumeration.py [--runs N] [--only PAIR ...]   (python3 only, no packages)
"""

import argparse
import hashlib
import os
import pathlib
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
TOLERANCE = 0.10
PASSWORD = "correct horse battery"
WRONG = "wrong horse battery"
# Full-width letters: NFKC turns them into ASCII, so a login checks both forms.
NFKC_WRONG = "ｗｒｏｎｇ ｈｏｒｓｅ ｂａｔｔｅｒｙ"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200, help="runs of each side of each pair (default 200)")
    parser.add_argument("--only", nargs="*", help="run only these pairs")
    args = parser.parse_args()

    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    authctl = str(ROOT / "target/release/authctl")

    with tempfile.TemporaryDirectory() as work:
        work = pathlib.Path(work)
        env = {key: value for key, value in os.environ.items() if not key.startswith("AUTHCTL_")}
        env.update(
            HOME=str(work / "home"),
            XDG_CONFIG_HOME=str(work / "config"),
            XDG_DATA_HOME=str(work / "data"),
            XDG_STATE_HOME=str(work / "state"),
            AUTHCTL_DB=str(work / "bench.db"),
            AUTHCTL_SESSION_FILE=str(work / "session"),
            # Many requests an address: the limit's silent path is not what is measured here.
            AUTHCTL_RESET_REQUESTS_PER_HOUR="1000",
        )

        def run(argv, stdin="", extra=None):
            return subprocess.run(
                [authctl, *argv],
                input=stdin.encode(),
                env={**env, **(extra or {})},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ).returncode

        setup(run, work)
        smtp = LocalSmtp(work)
        try:
            smtp_env = {"AUTHCTL_MAIL": f"smtp://127.0.0.1:{smtp.port}"}

            def reset(address, extra=None):
                return lambda: run(["reset", "request", address], extra=extra)

            def login(address, password):
                return lambda: run(["login", address, "--password-stdin"], stdin=password + "\n")

            known_logins = ["argon2@example.com", "pbkdf2@example.com", "unusable@example.com"]

            def unlock():
                for address in known_logins:
                    run(["user", "unlock", address])

            pairs = {
                "reset/smtp": (reset("argon2@example.com", smtp_env), reset("nobody@example.com", smtp_env), None),
                "reset/file": (reset("argon2@example.com"), reset("nobody@example.com"), None),
                "login/argon2": (login("argon2@example.com", WRONG), login("nobody@example.com", WRONG), unlock),
                "login/nfkc": (login("argon2@example.com", NFKC_WRONG), login("nobody@example.com", NFKC_WRONG), unlock),
                "login/pbkdf2": (login("pbkdf2@example.com", WRONG), login("nobody@example.com", WRONG), unlock),
                "login/unusable": (login("unusable@example.com", WRONG), login("nobody@example.com", WRONG), unlock),
            }
            chosen = args.only or list(pairs)
            unknown = [name for name in chosen if name not in pairs]
            if unknown:
                sys.exit(f"unknown pairs: {', '.join(unknown)} (known: {', '.join(pairs)})")

            print(f"{args.runs} interleaved runs each; medians must be within {TOLERANCE:.0%}")
            print(f"{'pair':<16}{'registered ms':>15}{'unknown ms':>12}{'difference':>12}  exit codes")
            failed = []
            for name in chosen:
                known, other, between = pairs[name]
                (known_ms, known_codes), (other_ms, other_codes) = measure(known, other, between, args.runs)
                difference = max(known_ms, other_ms) / min(known_ms, other_ms) - 1
                codes_match = known_codes == other_codes
                ok = difference <= TOLERANCE and codes_match
                codes = f"{sorted(known_codes)} vs {sorted(other_codes)}"
                print(f"{name:<16}{known_ms:>15.1f}{other_ms:>12.1f}{difference:>11.1%}  {codes}  {'ok' if ok else 'FAIL'}")
                if not ok:
                    failed.append(name)
        finally:
            smtp.stop()
    if failed:
        sys.exit(f"registered and unknown addresses can be told apart: {', '.join(failed)}")


def setup(run, work):
    """The accounts: an argon2id user, an imported Werkzeug pbkdf2 user, an unusable hash."""

    def check(code, what):
        if code != 0:
            sys.exit(f"setup failed: {what} (exit {code})")

    check(run(["init"]), "init")
    check(run(["user", "add", "argon2@example.com", "--password-stdin"], stdin=PASSWORD + "\n"), "user add")
    salt = "benchsaltbenchsa"
    digest = hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(), salt.encode(), 600000).hex()
    rows = work / "pbkdf2.csv"
    rows.write_text(f"email,password_hash\npbkdf2@example.com,pbkdf2:sha256:600000${salt}${digest}\n")
    check(run(["user", "import", str(rows)]), "user import")
    # An account whose stored hash can never verify (a version of argon2 that does not exist), as
    # an older import or another application may have left it: written directly, since import
    # refuses it.
    check(run(["user", "add", "unusable@example.com", "--password-stdin"], stdin=PASSWORD + "\n"), "user add")
    with sqlite3.connect(work / "bench.db") as db:
        db.execute(
            "UPDATE users SET password_hash = ? WHERE email = ?",
            ("$argon2id$v=99$m=19456,t=2,p=1$YmVuY2hzYWx0YmVuY2hzYQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "unusable@example.com"),
        )
    db.close()


def measure(first, second, between, runs):
    """Runs the two sides interleaved, alternating which goes first; returns for each side its
    median wall time in ms and the set of exit codes seen."""
    times = ([], [])
    codes = (set(), set())
    for round_ in range(runs):
        order = (0, 1) if round_ % 2 == 0 else (1, 0)
        for side in order:
            start = time.perf_counter()
            code = (first, second)[side]()
            times[side].append((time.perf_counter() - start) * 1000)
            codes[side].add(code)
        if between:
            between()
    return tuple((statistics.median(times[side]), codes[side]) for side in (0, 1))


class LocalSmtp:
    """tests/hostile_smtp.py in its well-behaved mode, on a free port."""

    def __init__(self, work):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "tests/hostile_smtp.py"), str(self.port), str(work / "smtp.log"), "accept"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        if self.process.stdout.readline().strip() != b"ready":
            sys.exit("the local SMTP server did not start")

    def stop(self):
        self.process.stdin.close()
        self.process.wait()


if __name__ == "__main__":
    main()
