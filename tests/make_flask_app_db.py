"""Creates the users table of a Flask-Login application (the book's Flasky), with password
hashes made by the real Werkzeug, as a fixture for the import tests.

Usage: make_flask_app_db.py PATH. Each user's password is "pw-" + the part of the email before @.
"""

import sqlite3
import sys

from werkzeug.security import generate_password_hash

USERS = [
    # email, username, hashing method, confirmed
    ("susan@example.com", "susan", "pbkdf2:sha256", 1),
    ("john@example.com", "john", "scrypt", 0),
    ("Dave.Old@Example.com", None, "pbkdf2:sha256:1000", 1),
]


def main():
    db = sqlite3.connect(sys.argv[1])
    db.execute(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(64) UNIQUE, username VARCHAR(64) UNIQUE, "
        "role_id INTEGER, password_hash VARCHAR(128), confirmed BOOLEAN, name VARCHAR(64), location VARCHAR(64))"
    )
    for email, username, method, confirmed in USERS:
        password = "pw-" + email.split("@")[0]
        db.execute(
            "INSERT INTO users (email, username, role_id, password_hash, confirmed) VALUES (?, ?, 1, ?, ?)",
            (email, username, generate_password_hash(password, method=method), confirmed),
        )
    db.commit()


if __name__ == "__main__":
    main()
