"""A Flask-Login application in the shape of Flasky (Miguel Grinberg's "Flask Web Development"),
used by tests/webapp.py to see whether users administered by `authctl --db` can still log in.

Usage: create_app(database_path, table="users", active_column=False) returns the Flask app; its
SQLAlchemy object and models are app.db, app.Role, app.User and app.Post. The app never creates or
changes the schema itself: webapp.py's flask-create calls app.db.create_all() explicitly.

Routes (plain form posts, no CSRF): POST /register (email, username, password) 201/400;
POST /login (email, password, remember "1"/"0") 200/401; GET /whoami 200 with the email, 401 when
logged out; POST /logout 200; POST /change-password (old, new) 200/403; POST /posts (body) 201.
As in the book, emails are lowercased at registration and at login. An exception raised by
check_password_hash (an unreadable hash) is not caught: the app answers 500.
"""

import os

from flask import Flask, request
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from flask_sqlalchemy import SQLAlchemy
from werkzeug.security import check_password_hash, generate_password_hash


def create_app(database_path, table="users", active_column=False):
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "flasky-test-secret"
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.abspath(database_path)
    db = SQLAlchemy(app)

    class Role(db.Model):
        __tablename__ = "roles"
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(64), unique=True)

    class User(UserMixin, db.Model):
        __tablename__ = table
        id = db.Column(db.Integer, primary_key=True)
        email = db.Column(db.String(64), unique=True, index=True)
        username = db.Column(db.String(64), unique=True, index=True)
        role_id = db.Column(db.Integer, db.ForeignKey("roles.id"))
        password_hash = db.Column(db.String(256))
        confirmed = db.Column(db.Boolean, default=False)
        if active_column:
            active = db.Column(db.Boolean, default=True)
            is_active = property(lambda self: self.active)

        @property
        def password(self):
            raise AttributeError("password is not a readable attribute")

        @password.setter
        def password(self, password):
            self.password_hash = generate_password_hash(password)

        def verify_password(self, password):
            return check_password_hash(self.password_hash, password)

    class Post(db.Model):
        __tablename__ = "posts"
        id = db.Column(db.Integer, primary_key=True)
        body = db.Column(db.Text)
        author_id = db.Column(db.Integer, db.ForeignKey(f"{table}.id"), nullable=False)

    app.db, app.Role, app.User, app.Post = db, Role, User, Post

    login_manager = LoginManager(app)

    @login_manager.user_loader
    def load_user(user_id):
        return db.session.get(User, int(user_id))

    @login_manager.unauthorized_handler
    def unauthorized():
        return "unauthorized", 401

    @app.post("/register")
    def register():
        email = request.form.get("email", "").lower()
        username = request.form.get("username", "")
        password = request.form.get("password", "")
        taken = User.query.filter((User.email == email) | (User.username == username)).first()
        if not (email and username and password) or taken:
            return "invalid or taken", 400
        role_id = Role.query.with_entities(Role.id).filter_by(name="User").scalar()
        db.session.add(User(email=email, username=username, password=password, role_id=role_id))
        db.session.commit()
        return "registered", 201

    @app.post("/login")
    def login():
        user = User.query.filter_by(email=request.form.get("email", "").lower()).first()
        remember = request.form.get("remember") == "1"
        if user is not None and user.verify_password(request.form.get("password", "")):
            if login_user(user, remember=remember):
                return "logged in", 200
        return "invalid email or password", 401

    @app.get("/whoami")
    @login_required
    def whoami():
        return current_user.email, 200

    @app.post("/logout")
    def logout():
        logout_user()
        return "logged out", 200

    @app.post("/change-password")
    @login_required
    def change_password():
        if not current_user.verify_password(request.form.get("old", "")):
            return "wrong password", 403
        current_user.password = request.form["new"]
        db.session.commit()
        return "password changed", 200

    @app.post("/posts")
    @login_required
    def new_post():
        db.session.add(Post(body=request.form.get("body", ""), author_id=current_user.id))
        db.session.commit()
        return "posted", 201

    return app
