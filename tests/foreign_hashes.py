"""Hashes made by the real libraries that write them, for the import tests of issue 11.

Usage: foreign_hashes.py FAMILY < password
FAMILY is werkzeug, passlib, flask-security or django. Prints one JSON object a line:
{"email": ..., "password_hash": ..., "scheme": ...}, scheme being authctl's name of the format.
Parameters are the cheapest each library allows, so that the suite stays fast.
"""

import base64
import hashlib
import hmac
import json
import sys

# Flask-Security-Too's SECURITY_PASSWORD_SALT in the flask-security family (the tests give the
# same value to authctl's passlib_hmac_salt).
FLASK_SECURITY_SALT = "flask-security-salt"


def werkzeug(password):
    from werkzeug.security import check_password_hash, generate_password_hash

    for method, scheme in [
        ("pbkdf2:sha1:1000", "werkzeug-pbkdf2"),
        ("pbkdf2:sha512:1000", "werkzeug-pbkdf2"),
        ("scrypt:1024:8:1", "werkzeug-scrypt"),
    ]:
        stored = generate_password_hash(password, method)
        assert check_password_hash(stored, password)
        yield stored, scheme


def passlib(password):
    from passlib import hash as ph

    yield ph.pbkdf2_sha256.using(rounds=1000).hash(password), "passlib-pbkdf2"
    yield ph.pbkdf2_sha512.using(rounds=1000).hash(password), "passlib-pbkdf2"
    yield ph.pbkdf2_sha1.using(rounds=1000).hash(password), "passlib-pbkdf2"
    yield ph.bcrypt_sha256.using(rounds=4).hash(password), "passlib-bcrypt-sha256"
    yield ph.bcrypt_sha256.using(rounds=4, version=1).hash(password), "passlib-bcrypt-sha256"
    yield ph.argon2.using(memory_cost=256, time_cost=1, parallelism=1).hash(password), "argon2"
    yield ph.scrypt.using(rounds=10).hash(password), "passlib-scrypt"
    yield ph.bcrypt.using(rounds=4).hash(password), "bcrypt"


def flask_security(password):
    """What Flask-Security-Too stores with SECURITY_PASSWORD_SALT set: passlib's hash of
    get_hmac(password), base64 of HMAC-SHA512 keyed with the salt (flask_security/utils.py)."""
    from passlib import hash as ph

    mac = hmac.new(FLASK_SECURITY_SALT.encode(), password.encode(), hashlib.sha512)
    prehashed = base64.b64encode(mac.digest())
    yield ph.pbkdf2_sha512.using(rounds=1000).hash(prehashed), "passlib-pbkdf2"
    yield ph.argon2.using(memory_cost=256, time_cost=1, parallelism=1).hash(prehashed), "argon2"
    # bcrypt before 5.0 read the first 72 bytes of the 88 itself; 5.0 refuses longer input.
    yield ph.bcrypt.using(rounds=4).hash(prehashed[:72]), "bcrypt"


def django(password):
    from django.conf import settings

    settings.configure()
    from django.contrib.auth import hashers

    class Argon2(hashers.Argon2PasswordHasher):
        time_cost = 1
        memory_cost = 256
        parallelism = 1

    class BCryptSHA256(hashers.BCryptSHA256PasswordHasher):
        rounds = 4

    class BCrypt(hashers.BCryptPasswordHasher):
        rounds = 4

    pbkdf2 = hashers.PBKDF2PasswordHasher()
    pbkdf2_sha1 = hashers.PBKDF2SHA1PasswordHasher()
    scrypt = hashers.ScryptPasswordHasher()
    yield pbkdf2.encode(password, pbkdf2.salt(), iterations=1000), "django-pbkdf2"
    yield pbkdf2_sha1.encode(password, pbkdf2_sha1.salt(), iterations=1000), "django-pbkdf2"
    yield Argon2().encode(password, Argon2().salt()), "django-argon2"
    yield BCryptSHA256().encode(password, BCryptSHA256().salt()), "django-bcrypt-sha256"
    yield BCrypt().encode(password, BCrypt().salt()), "django-bcrypt"
    yield scrypt.encode(password, scrypt.salt(), n=1024, r=8, p=1), "django-scrypt"


def main():
    family = sys.argv[1]
    password = sys.stdin.readline().rstrip("\n")
    make = {
        "werkzeug": werkzeug,
        "passlib": passlib,
        "flask-security": flask_security,
        "django": django,
    }[family]
    for i, (stored, scheme) in enumerate(make(password)):
        row = {"email": f"{family}{i}@example.com", "password_hash": stored, "scheme": scheme}
        print(json.dumps(row))


if __name__ == "__main__":
    main()
