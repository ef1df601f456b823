"""Drives a real Flask-Login application (tests/flask_app.py) and a real Django (tests/django_app.py)
on an SQLite file, so that the integration tests can check that `authctl --db FILE` administers
their users in place without breaking them.

Usage: webapp.py COMMAND DB ARG... (DB relative or absolute; every command but the two *-create
ones refuses, as a usage error, a DB that does not exist). The Flask commands also take
--table users|user (the users table's name, default users) and --active-column (an `active`
column that Flask-Login's is_active reads).

  flask-create DB                   db.create_all() and one role 'User'
                                    {"tables": [...]}
  flask-register DB EMAIL PASSWORD [--username U]
                                    POST /register, U defaulting to EMAIL's part before '@';
                                    0 on 201, 1 on 400. {"status", "email", "username"}
  flask-login DB EMAIL PASSWORD [--remember]
                                    POST /login then GET /whoami with the same client; 0 when whoami
                                    answered 200 with the (lowercased) email and, with --remember,
                                    the remember_token cookie was set; 1 when login answered 401.
                                    {"login", "whoami", "email", "remember_cookie"}
  flask-change-password DB EMAIL OLD NEW
                                    login with OLD, then POST /change-password; 0 on 200, 1 when
                                    the login answered 401 (so a wrong OLD is refused there) or the
                                    change 403. {"login", "status"}
  flask-post DB EMAIL PASSWORD BODY login, then POST /posts; 0 on 201, 1 when the login answered
                                    401. {"login", "status"}
  flask-check DB EMAIL PASSWORD     reads the row (exact email) with SQLAlchemy and calls Werkzeug's
                                    check_password_hash; 0 when it matches, 1 when it does not or
                                    there is no such user. {"found", "ok", "method"}
  django-create DB                  manage.py migrate. {"tables": [...]}
  django-add DB USERNAME EMAIL PASSWORD
                                    User.objects.create_user. {"id", "username", "algorithm"}
  django-check DB USERNAME PASSWORD authenticate(); 0 when it returns the user, 1 when None.
                                    {"found", "authenticated", "algorithm", "must_update",
                                    "rehashed"}: algorithm and must_update are those of the stored
                                    hash before authenticating (null when Django cannot identify
                                    it), rehashed whether authenticating rewrote it.
  django-add-to-group DB USERNAME GROUP
                                    creates GROUP if needed and adds the user to it (a row of
                                    auth_user_groups); 1 when there is no such user.
                                    {"found", "group_id", "created_group"}

Each command prints one JSON line on stdout. Exit codes: 0 yes, 1 no/refused, 2 usage error,
3 the Flask app answered 500 (its traceback is on stderr), 4 anything else unexpected (an HTTP
status outside the contract, or an exception: its traceback on stderr).
"""

import argparse
import json
import os
import sys
import traceback

sys.dont_write_bytecode = True  # no __pycache__ left in tests/ by importing flask_app or django_app

APP_ERROR = 3
UNEXPECTED = 4


def emit(result):
    print(json.dumps(result), flush=True)


def outcome(status, yes, no):
    """The exit code for an HTTP answer: `yes` and `no` are the statuses the contract expects."""
    if status == yes:
        return 0
    if status == no:
        return 1
    if status == 500:
        return APP_ERROR
    print(f"webapp.py: unexpected HTTP status {status}", file=sys.stderr)
    return UNEXPECTED


def flask_app(args):
    from flask_app import create_app

    return create_app(args.db, args.table, args.active_column)


def log_in(client, email, password, remember=False):
    data = {"email": email, "password": password, "remember": "1" if remember else "0"}
    return client.post("/login", data=data).status_code


def flask_create(args):
    app = flask_app(args)
    with app.app_context():
        app.db.create_all()
        app.db.session.add(app.Role(name="User"))
        app.db.session.commit()
        emit({"tables": sorted(app.db.metadata.tables)})
    return 0


def flask_register(args):
    username = args.username or args.email.split("@")[0]
    data = {"email": args.email, "username": username, "password": args.password}
    status = flask_app(args).test_client().post("/register", data=data).status_code
    emit({"status": status, "email": args.email, "username": username})
    return outcome(status, 201, 400)


def flask_login(args):
    client = flask_app(args).test_client()
    result = {"login": log_in(client, args.email, args.password, args.remember)}
    code = outcome(result["login"], 200, 401)
    if code == 0:
        whoami = client.get("/whoami")
        result["whoami"] = whoami.status_code
        result["email"] = whoami.get_data(as_text=True)
        result["remember_cookie"] = client.get_cookie("remember_token") is not None
        if whoami.status_code != 200 or result["email"] != args.email.lower():
            print("webapp.py: logged in, but /whoami does not say so", file=sys.stderr)
            code = UNEXPECTED
        elif args.remember and not result["remember_cookie"]:
            print("webapp.py: logged in with remember, but no remember_token cookie", file=sys.stderr)
            code = UNEXPECTED
    emit(result)
    return code


def after_login(args, password, path, data, yes, no):
    """Logs in, then posts `data` to `path`, expecting `yes` (or `no`, a refusal)."""
    client = flask_app(args).test_client()
    result = {"login": log_in(client, args.email, password)}
    code = outcome(result["login"], 200, 401)
    if code == 0:
        result["status"] = client.post(path, data=data).status_code
        code = outcome(result["status"], yes, no)
    emit(result)
    return code


def flask_change_password(args):
    return after_login(args, args.old, "/change-password", {"old": args.old, "new": args.new}, 200, 403)


def flask_post(args):
    return after_login(args, args.password, "/posts", {"body": args.body}, 201, None)


def flask_check(args):
    from werkzeug.security import check_password_hash

    app = flask_app(args)
    with app.app_context():
        user = app.User.query.filter_by(email=args.email).first()
    if user is None:
        emit({"found": False})
        return 1
    ok = check_password_hash(user.password_hash, args.password)
    emit({"found": True, "ok": ok, "method": user.password_hash.split("$")[0]})
    return 0 if ok else 1


def django_create(args):
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, stdout=sys.stderr)
    emit({"tables": connection.introspection.table_names()})
    return 0


def django_add(args):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import identify_hasher

    user = get_user_model().objects.create_user(args.username, args.email, args.password)
    emit({"id": user.id, "username": user.username, "algorithm": identify_hasher(user.password).algorithm})
    return 0


def django_check(args):
    from django.contrib.auth import authenticate, get_user_model
    from django.contrib.auth.hashers import identify_hasher

    users = get_user_model().objects.filter(username=args.username)
    stored = users.values_list("password", flat=True).first()
    try:
        hasher = identify_hasher(stored or "")
        algorithm, must_update = hasher.algorithm, hasher.must_update(stored)
    except ValueError:  # no such user, an unusable password or a format Django does not know
        algorithm = must_update = None
    user = authenticate(username=args.username, password=args.password)
    emit(
        {
            "found": stored is not None,
            "authenticated": user is not None,
            "algorithm": algorithm,
            "must_update": must_update,
            "rehashed": stored != users.values_list("password", flat=True).first(),
        }
    )
    return 0 if user is not None else 1


def django_add_to_group(args):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.filter(username=args.username).first()
    if user is None:
        emit({"found": False})
        return 1
    group, created = Group.objects.get_or_create(name=args.group)
    user.groups.add(group)
    emit({"found": True, "group_id": group.id, "created_group": created})
    return 0


def parse(argv):
    parser = argparse.ArgumentParser(description="Drives a real Flask-Login app or Django on an SQLite file.")
    commands = parser.add_subparsers(dest="command", required=True)
    flask_options = argparse.ArgumentParser(add_help=False)
    flask_options.add_argument("--table", choices=["users", "user"], default="users")
    flask_options.add_argument("--active-column", action="store_true")

    def command(run, positionals=""):
        """A subcommand named after `run`, taking DB then `positionals` (args.email for EMAIL...)."""
        flask = run.__name__.startswith("flask")
        sub = commands.add_parser(run.__name__.replace("_", "-"), parents=[flask_options] if flask else [])
        for name in ["DB"] + positionals.split():
            sub.add_argument(name.lower(), metavar=name)
        sub.set_defaults(run=run, flask=flask)
        return sub

    command(flask_create)
    command(flask_register, "EMAIL PASSWORD").add_argument("--username")
    command(flask_login, "EMAIL PASSWORD").add_argument("--remember", action="store_true")
    command(flask_change_password, "EMAIL OLD NEW")
    command(flask_post, "EMAIL PASSWORD BODY")
    command(flask_check, "EMAIL PASSWORD")
    command(django_create)
    command(django_add, "USERNAME EMAIL PASSWORD")
    command(django_check, "USERNAME PASSWORD")
    command(django_add_to_group, "USERNAME GROUP")

    args = parser.parse_args(argv)
    if not args.command.endswith("-create") and not os.path.exists(args.db):
        parser.error(f"no such database: {args.db}")
    return args


def main(argv):
    args = parse(argv)
    if not args.flask:
        from django_app import setup

        setup(args.db)
    return args.run(args)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception:
        traceback.print_exc()
        sys.exit(UNEXPECTED)
