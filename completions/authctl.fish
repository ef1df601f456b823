# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_authctl_global_optspecs
    string join \n db= session-file= config= json q/quiet h/help V/version
end

function __fish_authctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_authctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_authctl_using_subcommand
    set -l cmd (__fish_authctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c authctl -n "__fish_authctl_needs_command" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_needs_command" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_needs_command" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_needs_command" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_needs_command" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_needs_command" -s V -l version -d 'Print version'
complete -c authctl -n "__fish_authctl_needs_command" -f -a "init" -d 'Create and migrate the database, recording the setting username_case_sensitive (idempotent)'
complete -c authctl -n "__fish_authctl_needs_command" -f -a "db" -d 'Inspect, migrate, back up or check the database'
complete -c authctl -n "__fish_authctl_needs_command" -f -a "user" -d 'Manage user accounts'
complete -c authctl -n "__fish_authctl_needs_command" -f -a "login" -d 'Log in and keep a session'
complete -c authctl -n "__fish_authctl_needs_command" -f -a "logout" -d 'End the current session'
complete -c authctl -n "__fish_authctl_needs_command" -f -a "whoami" -d 'Show who is logged in (exit 3 when nobody is)'
complete -c authctl -n "__fish_authctl_needs_command" -f -a "passwd" -d 'Change your password (asks for the current one)'
complete -c authctl -n "__fish_authctl_needs_command" -f -a "confirm" -d 'Confirm your account with the emailed token, or have a new one sent'
complete -c authctl -n "__fish_authctl_needs_command" -f -a "reset" -d 'Reset a forgotten password by an emailed token'
complete -c authctl -n "__fish_authctl_needs_command" -f -a "email" -d 'Change your email address after proving the new one'
complete -c authctl -n "__fish_authctl_needs_command" -f -a "session" -d 'List or revoke your sessions'
complete -c authctl -n "__fish_authctl_needs_command" -f -a "audit" -d 'Show the audit log'
complete -c authctl -n "__fish_authctl_needs_command" -f -a "config" -d 'Show the settings in effect and where each came from'
complete -c authctl -n "__fish_authctl_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c authctl -n "__fish_authctl_needs_command" -f -a "man" -d 'Print a man page (roff), or write them all'
complete -c authctl -n "__fish_authctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c authctl -n "__fish_authctl_using_subcommand init" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand init" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand init" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand init" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand init" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand db; and not __fish_seen_subcommand_from status migrate backup check adopt help" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand db; and not __fish_seen_subcommand_from status migrate backup check adopt help" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand db; and not __fish_seen_subcommand_from status migrate backup check adopt help" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand db; and not __fish_seen_subcommand_from status migrate backup check adopt help" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand db; and not __fish_seen_subcommand_from status migrate backup check adopt help" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand db; and not __fish_seen_subcommand_from status migrate backup check adopt help" -s h -l help -d 'Print help'
complete -c authctl -n "__fish_authctl_using_subcommand db; and not __fish_seen_subcommand_from status migrate backup check adopt help" -f -a "status" -d 'Show the database path, its schema version, how many users it has and how it compares usernames'
complete -c authctl -n "__fish_authctl_using_subcommand db; and not __fish_seen_subcommand_from status migrate backup check adopt help" -f -a "migrate" -d 'Bring the schema up to this authctl\'s version, and the username comparison to the setting username_case_sensitive'
complete -c authctl -n "__fish_authctl_using_subcommand db; and not __fish_seen_subcommand_from status migrate backup check adopt help" -f -a "backup" -d 'Copy the database into a new file (0600), consistently, while other processes use it'
complete -c authctl -n "__fish_authctl_using_subcommand db; and not __fish_seen_subcommand_from status migrate backup check adopt help" -f -a "check" -d 'Check integrity, foreign keys and authctl\'s own invariants (exit 7 listing any problem)'
complete -c authctl -n "__fish_authctl_using_subcommand db; and not __fish_seen_subcommand_from status migrate backup check adopt help" -f -a "adopt" -d 'Manage a Flask-Login or Django application\'s own SQLite database in place: find its users table, the columns and the password-hash format, and record them. authctl\'s own state (sessions, tokens, audit) goes to a side database, FILE.authctl; the application\'s schema is never changed. The config file\'s [app] section says what cannot be guessed'
complete -c authctl -n "__fish_authctl_using_subcommand db; and not __fish_seen_subcommand_from status migrate backup check adopt help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from status" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from status" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from status" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from status" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from status" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from migrate" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from migrate" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from migrate" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from migrate" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from migrate" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from migrate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from backup" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from backup" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from backup" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from backup" -l force -d 'Replace PATH if it is an existing regular file'
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from backup" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from backup" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from backup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from check" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from check" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from check" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from check" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from check" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from adopt" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from adopt" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from adopt" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from adopt" -l dry-run -d 'Print the mapping found without recording it'
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from adopt" -l yes -d 'Adopt a mapping of another table or id column than the recorded one, forgetting authctl\'s sessions, tokens and lockouts of the recorded table\'s accounts'
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from adopt" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from adopt" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from adopt" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show the database path, its schema version, how many users it has and how it compares usernames'
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "migrate" -d 'Bring the schema up to this authctl\'s version, and the username comparison to the setting username_case_sensitive'
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "backup" -d 'Copy the database into a new file (0600), consistently, while other processes use it'
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "check" -d 'Check integrity, foreign keys and authctl\'s own invariants (exit 7 listing any problem)'
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "adopt" -d 'Manage a Flask-Login or Django application\'s own SQLite database in place: find its users table, the columns and the password-hash format, and record them. authctl\'s own state (sessions, tokens, audit) goes to a side database, FILE.authctl; the application\'s schema is never changed. The config file\'s [app] section says what cannot be guessed'
complete -c authctl -n "__fish_authctl_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c authctl -n "__fish_authctl_using_subcommand user; and not __fish_seen_subcommand_from add list show edit remove lock unlock verify import export set-password help" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and not __fish_seen_subcommand_from add list show edit remove lock unlock verify import export set-password help" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and not __fish_seen_subcommand_from add list show edit remove lock unlock verify import export set-password help" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and not __fish_seen_subcommand_from add list show edit remove lock unlock verify import export set-password help" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand user; and not __fish_seen_subcommand_from add list show edit remove lock unlock verify import export set-password help" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand user; and not __fish_seen_subcommand_from add list show edit remove lock unlock verify import export set-password help" -s h -l help -d 'Print help'
complete -c authctl -n "__fish_authctl_using_subcommand user; and not __fish_seen_subcommand_from add list show edit remove lock unlock verify import export set-password help" -f -a "add" -d 'Create an account and print its id'
complete -c authctl -n "__fish_authctl_using_subcommand user; and not __fish_seen_subcommand_from add list show edit remove lock unlock verify import export set-password help" -f -a "list" -d 'List accounts: every one, or those the filters select'
complete -c authctl -n "__fish_authctl_using_subcommand user; and not __fish_seen_subcommand_from add list show edit remove lock unlock verify import export set-password help" -f -a "show" -d 'Show one account, with its failed logins and any lockout'
complete -c authctl -n "__fish_authctl_using_subcommand user; and not __fish_seen_subcommand_from add list show edit remove lock unlock verify import export set-password help" -f -a "edit" -d 'Change an account\'s email, username, confirmed or active flag'
complete -c authctl -n "__fish_authctl_using_subcommand user; and not __fish_seen_subcommand_from add list show edit remove lock unlock verify import export set-password help" -f -a "remove" -d 'Delete an account and its sessions (asks first on a terminal)'
complete -c authctl -n "__fish_authctl_using_subcommand user; and not __fish_seen_subcommand_from add list show edit remove lock unlock verify import export set-password help" -f -a "lock" -d 'Lock an account: it cannot log in and its sessions end'
complete -c authctl -n "__fish_authctl_using_subcommand user; and not __fish_seen_subcommand_from add list show edit remove lock unlock verify import export set-password help" -f -a "unlock" -d 'Unlock an account: lift the lock and any lockout by failed logins'
complete -c authctl -n "__fish_authctl_using_subcommand user; and not __fish_seen_subcommand_from add list show edit remove lock unlock verify import export set-password help" -f -a "verify" -d 'Check a password without logging in: exit 0 when it matches, 1 when not'
complete -c authctl -n "__fish_authctl_using_subcommand user; and not __fish_seen_subcommand_from add list show edit remove lock unlock verify import export set-password help" -f -a "import" -d 'Create (or update) accounts in bulk from CSV or JSON Lines, hashing on every core'
complete -c authctl -n "__fish_authctl_using_subcommand user; and not __fish_seen_subcommand_from add list show edit remove lock unlock verify import export set-password help" -f -a "export" -d 'Write every account with its password hash, as CSV or JSON Lines'
complete -c authctl -n "__fish_authctl_using_subcommand user; and not __fish_seen_subcommand_from add list show edit remove lock unlock verify import export set-password help" -f -a "set-password" -d 'Set a user\'s password without knowing the old one; their sessions end'
complete -c authctl -n "__fish_authctl_using_subcommand user; and not __fish_seen_subcommand_from add list show edit remove lock unlock verify import export set-password help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from add" -l username -d 'An optional unique username' -r
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from add" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from add" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from add" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from add" -l confirmed -d 'Mark the address as already confirmed'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from add" -l inactive -d 'Create the account inactive: it cannot log in'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from add" -l password-stdin -d 'Read the password from the first line of stdin instead of prompting twice'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from add" -l no-password -d 'Create the account without a password: it cannot log in until a reset sets one'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from add" -l send-confirmation -d 'Mail the first confirmation token; if it cannot be delivered, no account is created'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from add" -l send-reset -d 'Invite the user: create the account without a password (--no-password is implied) and mail a reset token with which they set their own; if it cannot be delivered, no account is created'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from add" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from add" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from list" -l search -d 'Only accounts whose email or username contains TEXT, compared as names are (`ADA` finds ada@example.com)' -r
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from list" -l sort -d 'The order' -r -f -a "added\t'The order the accounts were added in'
created\t'Time of creation (an import keeps the application\'s), then the order of adding'
email\t'Email address, as compared for uniqueness (lower case), character by character'
username\t'Username, the same way; accounts without one last'"
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from list" -l fields -d 'The columns to show, comma-separated, in this order; with --json, the keys of each object [default: every key with --json; id,email,username,confirmed,active,locked,created_at otherwise]' -r -f -a "id\t''
email\t''
username\t''
confirmed\t''
active\t''
locked\t''
failed_logins\t''
locked_out_until\t''
created_at\t''"
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from list" -l limit -d 'At most N accounts' -r
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from list" -l offset -d 'Leave out the first N accounts of the order (pages: --limit 50 --offset 100)' -r
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from list" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from list" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from list" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from list" -l locked -d 'Only accounts that cannot log in for a lock: locked by an administrator, or locked out now after failed logins'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from list" -l unconfirmed -d 'Only accounts whose address is not confirmed'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from list" -l reverse -d 'Reverse the order (accounts without a username stay last with --sort username)'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from list" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from list" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from show" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from show" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from show" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from show" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from show" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from edit" -l email -d 'A new email address: it is unconfirmed (unless --confirmed true) and the account\'s unused emailed tokens end' -r
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from edit" -l username -d 'A new unique username' -r
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from edit" -l confirmed -d 'Whether the address counts as confirmed' -r -f -a "true\t''
false\t''"
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from edit" -l active -d 'Whether the account may log in; false ends its sessions and unused emailed tokens' -r -f -a "true\t''
false\t''"
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from edit" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from edit" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from edit" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from edit" -l no-username -d 'Remove the username'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from edit" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from edit" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from edit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from remove" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from remove" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from remove" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from remove" -s y -l yes -d 'Do not ask for confirmation (needed when stdin is not a terminal)'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from remove" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from lock" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from lock" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from lock" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from lock" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from lock" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from lock" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from unlock" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from unlock" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from unlock" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from unlock" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from unlock" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from unlock" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from verify" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from verify" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from verify" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from verify" -l password-stdin -d 'Read the password from the first line of stdin instead of prompting'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from verify" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from import" -l format -d 'The file format (guessed from the extension: .csv, .jsonl, .ndjson)' -r -f -a "csv\t'Comma-separated values with a header row'
jsonl\t'One JSON object per line'"
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from import" -l on-conflict -d 'What to do with a row whose email is already registered' -r -f -a "fail\t'Refuse the whole import (exit 5)'
skip\t'Leave the existing account as it is'
update\t'Update the existing account with the row\'s non-empty values'"
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from import" -l rejects -d 'Import every valid row and write each rejected row, as it was, with its line number and reason, to FILE (same format as the input, created 0600); exit 8 when any row was rejected. Without it, any rejected row refuses the whole import' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from import" -l jobs -d 'Threads hashing passwords [default: all cores; setting: jobs, AUTHCTL_JOBS]' -r
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from import" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from import" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from import" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from import" -l dry-run -d 'Validate and report without writing anything'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from import" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from import" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from export" -l format -d 'The file format [default: from the --output extension, else csv]' -r -f -a "csv\t'Comma-separated values with a header row'
jsonl\t'One JSON object per line'"
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from export" -s o -l output -d 'Write to this file (created 0600, replaced only once complete; `-` for stdout) instead of stdout' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from export" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from export" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from export" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from export" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from export" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from set-password" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from set-password" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from set-password" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from set-password" -l password-stdin -d 'Read the password from the first line of stdin instead of prompting twice'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from set-password" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from set-password" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from set-password" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "add" -d 'Create an account and print its id'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "list" -d 'List accounts: every one, or those the filters select'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show one account, with its failed logins and any lockout'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "edit" -d 'Change an account\'s email, username, confirmed or active flag'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Delete an account and its sessions (asks first on a terminal)'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "lock" -d 'Lock an account: it cannot log in and its sessions end'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "unlock" -d 'Unlock an account: lift the lock and any lockout by failed logins'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check a password without logging in: exit 0 when it matches, 1 when not'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "import" -d 'Create (or update) accounts in bulk from CSV or JSON Lines, hashing on every core'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "export" -d 'Write every account with its password hash, as CSV or JSON Lines'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "set-password" -d 'Set a user\'s password without knowing the old one; their sessions end'
complete -c authctl -n "__fish_authctl_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c authctl -n "__fish_authctl_using_subcommand login" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand login" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand login" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand login" -l remember -d 'Keep the session for remember_duration (default 365 days) instead of session_duration (default 12 hours, and only until the desktop login session ends)'
complete -c authctl -n "__fish_authctl_using_subcommand login" -l password-stdin -d 'Read the password from the first line of stdin instead of a terminal prompt'
complete -c authctl -n "__fish_authctl_using_subcommand login" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand login" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand logout" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand logout" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand logout" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand logout" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand logout" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand logout" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand whoami" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand whoami" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand whoami" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand whoami" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand whoami" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand whoami" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand passwd" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand passwd" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand passwd" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand passwd" -l password-stdin -d 'Read the current password, then the new one, from the first two lines of stdin'
complete -c authctl -n "__fish_authctl_using_subcommand passwd" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand passwd" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand passwd" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand confirm; and not __fish_seen_subcommand_from resend help" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand confirm; and not __fish_seen_subcommand_from resend help" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand confirm; and not __fish_seen_subcommand_from resend help" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand confirm; and not __fish_seen_subcommand_from resend help" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand confirm; and not __fish_seen_subcommand_from resend help" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand confirm; and not __fish_seen_subcommand_from resend help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand confirm; and not __fish_seen_subcommand_from resend help" -a "resend" -d 'Mail a fresh confirmation token to the logged-in user'
complete -c authctl -n "__fish_authctl_using_subcommand confirm; and not __fish_seen_subcommand_from resend help" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c authctl -n "__fish_authctl_using_subcommand confirm; and __fish_seen_subcommand_from resend" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand confirm; and __fish_seen_subcommand_from resend" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand confirm; and __fish_seen_subcommand_from resend" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand confirm; and __fish_seen_subcommand_from resend" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand confirm; and __fish_seen_subcommand_from resend" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand confirm; and __fish_seen_subcommand_from resend" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand confirm; and __fish_seen_subcommand_from help" -f -a "resend" -d 'Mail a fresh confirmation token to the logged-in user'
complete -c authctl -n "__fish_authctl_using_subcommand confirm; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c authctl -n "__fish_authctl_using_subcommand reset; and not __fish_seen_subcommand_from request confirm help" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand reset; and not __fish_seen_subcommand_from request confirm help" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand reset; and not __fish_seen_subcommand_from request confirm help" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand reset; and not __fish_seen_subcommand_from request confirm help" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand reset; and not __fish_seen_subcommand_from request confirm help" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand reset; and not __fish_seen_subcommand_from request confirm help" -s h -l help -d 'Print help'
complete -c authctl -n "__fish_authctl_using_subcommand reset; and not __fish_seen_subcommand_from request confirm help" -f -a "request" -d 'Mail a password-reset token (the answer is the same whether or not the address is known)'
complete -c authctl -n "__fish_authctl_using_subcommand reset; and not __fish_seen_subcommand_from request confirm help" -f -a "confirm" -d 'Set a new password with the emailed token; every session of the account ends'
complete -c authctl -n "__fish_authctl_using_subcommand reset; and not __fish_seen_subcommand_from request confirm help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c authctl -n "__fish_authctl_using_subcommand reset; and __fish_seen_subcommand_from request" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand reset; and __fish_seen_subcommand_from request" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand reset; and __fish_seen_subcommand_from request" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand reset; and __fish_seen_subcommand_from request" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand reset; and __fish_seen_subcommand_from request" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand reset; and __fish_seen_subcommand_from request" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand reset; and __fish_seen_subcommand_from confirm" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand reset; and __fish_seen_subcommand_from confirm" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand reset; and __fish_seen_subcommand_from confirm" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand reset; and __fish_seen_subcommand_from confirm" -l password-stdin -d 'Read the new password from stdin (the line after the token, if the token is read too)'
complete -c authctl -n "__fish_authctl_using_subcommand reset; and __fish_seen_subcommand_from confirm" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand reset; and __fish_seen_subcommand_from confirm" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand reset; and __fish_seen_subcommand_from confirm" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand reset; and __fish_seen_subcommand_from help" -f -a "request" -d 'Mail a password-reset token (the answer is the same whether or not the address is known)'
complete -c authctl -n "__fish_authctl_using_subcommand reset; and __fish_seen_subcommand_from help" -f -a "confirm" -d 'Set a new password with the emailed token; every session of the account ends'
complete -c authctl -n "__fish_authctl_using_subcommand reset; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c authctl -n "__fish_authctl_using_subcommand email; and not __fish_seen_subcommand_from change confirm help" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand email; and not __fish_seen_subcommand_from change confirm help" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand email; and not __fish_seen_subcommand_from change confirm help" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand email; and not __fish_seen_subcommand_from change confirm help" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand email; and not __fish_seen_subcommand_from change confirm help" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand email; and not __fish_seen_subcommand_from change confirm help" -s h -l help -d 'Print help'
complete -c authctl -n "__fish_authctl_using_subcommand email; and not __fish_seen_subcommand_from change confirm help" -f -a "change" -d 'Ask to change your address: a token goes to the new one, a notice to the old one'
complete -c authctl -n "__fish_authctl_using_subcommand email; and not __fish_seen_subcommand_from change confirm help" -f -a "confirm" -d 'Switch to the new address with the token mailed to it'
complete -c authctl -n "__fish_authctl_using_subcommand email; and not __fish_seen_subcommand_from change confirm help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c authctl -n "__fish_authctl_using_subcommand email; and __fish_seen_subcommand_from change" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand email; and __fish_seen_subcommand_from change" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand email; and __fish_seen_subcommand_from change" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand email; and __fish_seen_subcommand_from change" -l password-stdin -d 'Read the current password from the first line of stdin'
complete -c authctl -n "__fish_authctl_using_subcommand email; and __fish_seen_subcommand_from change" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand email; and __fish_seen_subcommand_from change" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand email; and __fish_seen_subcommand_from change" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand email; and __fish_seen_subcommand_from confirm" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand email; and __fish_seen_subcommand_from confirm" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand email; and __fish_seen_subcommand_from confirm" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand email; and __fish_seen_subcommand_from confirm" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand email; and __fish_seen_subcommand_from confirm" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand email; and __fish_seen_subcommand_from confirm" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand email; and __fish_seen_subcommand_from help" -f -a "change" -d 'Ask to change your address: a token goes to the new one, a notice to the old one'
complete -c authctl -n "__fish_authctl_using_subcommand email; and __fish_seen_subcommand_from help" -f -a "confirm" -d 'Switch to the new address with the token mailed to it'
complete -c authctl -n "__fish_authctl_using_subcommand email; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c authctl -n "__fish_authctl_using_subcommand session; and not __fish_seen_subcommand_from list revoke help" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand session; and not __fish_seen_subcommand_from list revoke help" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand session; and not __fish_seen_subcommand_from list revoke help" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand session; and not __fish_seen_subcommand_from list revoke help" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand session; and not __fish_seen_subcommand_from list revoke help" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand session; and not __fish_seen_subcommand_from list revoke help" -s h -l help -d 'Print help'
complete -c authctl -n "__fish_authctl_using_subcommand session; and not __fish_seen_subcommand_from list revoke help" -f -a "list" -d 'List your live sessions (the current one is marked), or with --user a user\'s'
complete -c authctl -n "__fish_authctl_using_subcommand session; and not __fish_seen_subcommand_from list revoke help" -f -a "revoke" -d 'Revoke one of your sessions, or all but the current one; or with --user --all every session of a user'
complete -c authctl -n "__fish_authctl_using_subcommand session; and not __fish_seen_subcommand_from list revoke help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c authctl -n "__fish_authctl_using_subcommand session; and __fish_seen_subcommand_from list" -l user -d 'List this user\'s live sessions instead of yours (an administrator\'s view: no login needed, no session marked current)' -r
complete -c authctl -n "__fish_authctl_using_subcommand session; and __fish_seen_subcommand_from list" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand session; and __fish_seen_subcommand_from list" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand session; and __fish_seen_subcommand_from list" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand session; and __fish_seen_subcommand_from list" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand session; and __fish_seen_subcommand_from list" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand session; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand session; and __fish_seen_subcommand_from revoke" -l user -d 'Revoke this user\'s sessions (with --all) instead of yours: no login needed' -r
complete -c authctl -n "__fish_authctl_using_subcommand session; and __fish_seen_subcommand_from revoke" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand session; and __fish_seen_subcommand_from revoke" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand session; and __fish_seen_subcommand_from revoke" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand session; and __fish_seen_subcommand_from revoke" -l all-others -d 'Revoke every session except the current one'
complete -c authctl -n "__fish_authctl_using_subcommand session; and __fish_seen_subcommand_from revoke" -l all -d 'With --user: revoke every session of that user'
complete -c authctl -n "__fish_authctl_using_subcommand session; and __fish_seen_subcommand_from revoke" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand session; and __fish_seen_subcommand_from revoke" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand session; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand session; and __fish_seen_subcommand_from help" -f -a "list" -d 'List your live sessions (the current one is marked), or with --user a user\'s'
complete -c authctl -n "__fish_authctl_using_subcommand session; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Revoke one of your sessions, or all but the current one; or with --user --all every session of a user'
complete -c authctl -n "__fish_authctl_using_subcommand session; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c authctl -n "__fish_authctl_using_subcommand audit; and not __fish_seen_subcommand_from prune help" -l user -d 'Only the events of this account: its email (current, or one it had when an event was recorded), its username, or its id. A removed account is found by its id or its email' -r
complete -c authctl -n "__fish_authctl_using_subcommand audit; and not __fish_seen_subcommand_from prune help" -l since -d 'Only events at or after WHEN: a date (2026-11-30, midnight UTC), an RFC 3339 date-time (2026-11-30T08:00:00Z), or a duration back from now (90m, 1d, 2weeks)' -r
complete -c authctl -n "__fish_authctl_using_subcommand audit; and not __fish_seen_subcommand_from prune help" -l until -d 'Only events before WHEN (same forms as --since)' -r
complete -c authctl -n "__fish_authctl_using_subcommand audit; and not __fish_seen_subcommand_from prune help" -l event -d 'Only events of this kind; repeat it or separate kinds with commas' -r -f -a "user_added\t''
user_removed\t''
user_locked\t''
user_unlocked\t''
password_set\t''
password_rehashed\t''
login_succeeded\t''
login_failed\t''
logout\t''
session_revoked\t''
confirmation_sent\t''
account_confirmed\t''
password_changed\t''
password_reset_requested\t''
password_reset\t''
email_change_requested\t''
email_changed\t''
mail_failed\t''
users_imported\t''
token_rejected\t''
user_edited\t''
audit_pruned\t''"
complete -c authctl -n "__fish_authctl_using_subcommand audit; and not __fish_seen_subcommand_from prune help" -l limit -d 'Only the N most recent matching events (still printed oldest first)' -r
complete -c authctl -n "__fish_authctl_using_subcommand audit; and not __fish_seen_subcommand_from prune help" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand audit; and not __fish_seen_subcommand_from prune help" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand audit; and not __fish_seen_subcommand_from prune help" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand audit; and not __fish_seen_subcommand_from prune help" -s f -l follow -d 'After the matching events, keep printing new ones as they are recorded (checked every second), one line each (with --json, one JSON object per line), until interrupted or until stdout is closed'
complete -c authctl -n "__fish_authctl_using_subcommand audit; and not __fish_seen_subcommand_from prune help" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand audit; and not __fish_seen_subcommand_from prune help" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand audit; and not __fish_seen_subcommand_from prune help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand audit; and not __fish_seen_subcommand_from prune help" -f -a "prune" -d 'Delete the events older than a moment, in one transaction, and record that it was done (an audit_pruned event, which is kept)'
complete -c authctl -n "__fish_authctl_using_subcommand audit; and not __fish_seen_subcommand_from prune help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c authctl -n "__fish_authctl_using_subcommand audit; and __fish_seen_subcommand_from prune" -l before -d 'Delete the events before WHEN: a date (2026-11-30, midnight UTC), an RFC 3339 date-time, or a duration back from now (90d keeps the last 90 days). Not in the future' -r
complete -c authctl -n "__fish_authctl_using_subcommand audit; and __fish_seen_subcommand_from prune" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand audit; and __fish_seen_subcommand_from prune" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand audit; and __fish_seen_subcommand_from prune" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand audit; and __fish_seen_subcommand_from prune" -l yes -d 'Do not ask for confirmation (required when stdin is not a terminal)'
complete -c authctl -n "__fish_authctl_using_subcommand audit; and __fish_seen_subcommand_from prune" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand audit; and __fish_seen_subcommand_from prune" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand audit; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "prune" -d 'Delete the events older than a moment, in one transaction, and record that it was done (an audit_pruned event, which is kept)'
complete -c authctl -n "__fish_authctl_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c authctl -n "__fish_authctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -s h -l help -d 'Print help'
complete -c authctl -n "__fish_authctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -f -a "show" -d 'Show every setting in effect, where it came from (flag, environment, which config file, or default) and whether it is valid; passwords in URLs are masked'
complete -c authctl -n "__fish_authctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c authctl -n "__fish_authctl_using_subcommand config; and __fish_seen_subcommand_from show" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand config; and __fish_seen_subcommand_from show" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand config; and __fish_seen_subcommand_from show" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand config; and __fish_seen_subcommand_from show" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand config; and __fish_seen_subcommand_from show" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show every setting in effect, where it came from (flag, environment, which config file, or default) and whether it is valid; passwords in URLs are masked'
complete -c authctl -n "__fish_authctl_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c authctl -n "__fish_authctl_using_subcommand completions" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand completions" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand completions" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand completions" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand completions" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand man" -l dir -d 'Write every page (authctl.1 and one per command, authctl-user-add.1 and so on) into DIR, which must exist, instead of printing one' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand man" -l db -d 'The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it) or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand man" -l session-file -d 'Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the config file' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand man" -l config -d 'A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also AUTHCTL_CONFIG' -r -F
complete -c authctl -n "__fish_authctl_using_subcommand man" -l json -d 'Print exactly one JSON value on stdout (errors as JSON on stderr)'
complete -c authctl -n "__fish_authctl_using_subcommand man" -s q -l quiet -d 'No remarks on stderr (where a mail went, warnings, progress): only the result and errors'
complete -c authctl -n "__fish_authctl_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authctl -n "__fish_authctl_using_subcommand help; and not __fish_seen_subcommand_from init db user login logout whoami passwd confirm reset email session audit config completions man help" -f -a "init" -d 'Create and migrate the database, recording the setting username_case_sensitive (idempotent)'
complete -c authctl -n "__fish_authctl_using_subcommand help; and not __fish_seen_subcommand_from init db user login logout whoami passwd confirm reset email session audit config completions man help" -f -a "db" -d 'Inspect, migrate, back up or check the database'
complete -c authctl -n "__fish_authctl_using_subcommand help; and not __fish_seen_subcommand_from init db user login logout whoami passwd confirm reset email session audit config completions man help" -f -a "user" -d 'Manage user accounts'
complete -c authctl -n "__fish_authctl_using_subcommand help; and not __fish_seen_subcommand_from init db user login logout whoami passwd confirm reset email session audit config completions man help" -f -a "login" -d 'Log in and keep a session'
complete -c authctl -n "__fish_authctl_using_subcommand help; and not __fish_seen_subcommand_from init db user login logout whoami passwd confirm reset email session audit config completions man help" -f -a "logout" -d 'End the current session'
complete -c authctl -n "__fish_authctl_using_subcommand help; and not __fish_seen_subcommand_from init db user login logout whoami passwd confirm reset email session audit config completions man help" -f -a "whoami" -d 'Show who is logged in (exit 3 when nobody is)'
complete -c authctl -n "__fish_authctl_using_subcommand help; and not __fish_seen_subcommand_from init db user login logout whoami passwd confirm reset email session audit config completions man help" -f -a "passwd" -d 'Change your password (asks for the current one)'
complete -c authctl -n "__fish_authctl_using_subcommand help; and not __fish_seen_subcommand_from init db user login logout whoami passwd confirm reset email session audit config completions man help" -f -a "confirm" -d 'Confirm your account with the emailed token, or have a new one sent'
complete -c authctl -n "__fish_authctl_using_subcommand help; and not __fish_seen_subcommand_from init db user login logout whoami passwd confirm reset email session audit config completions man help" -f -a "reset" -d 'Reset a forgotten password by an emailed token'
complete -c authctl -n "__fish_authctl_using_subcommand help; and not __fish_seen_subcommand_from init db user login logout whoami passwd confirm reset email session audit config completions man help" -f -a "email" -d 'Change your email address after proving the new one'
complete -c authctl -n "__fish_authctl_using_subcommand help; and not __fish_seen_subcommand_from init db user login logout whoami passwd confirm reset email session audit config completions man help" -f -a "session" -d 'List or revoke your sessions'
complete -c authctl -n "__fish_authctl_using_subcommand help; and not __fish_seen_subcommand_from init db user login logout whoami passwd confirm reset email session audit config completions man help" -f -a "audit" -d 'Show the audit log'
complete -c authctl -n "__fish_authctl_using_subcommand help; and not __fish_seen_subcommand_from init db user login logout whoami passwd confirm reset email session audit config completions man help" -f -a "config" -d 'Show the settings in effect and where each came from'
complete -c authctl -n "__fish_authctl_using_subcommand help; and not __fish_seen_subcommand_from init db user login logout whoami passwd confirm reset email session audit config completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c authctl -n "__fish_authctl_using_subcommand help; and not __fish_seen_subcommand_from init db user login logout whoami passwd confirm reset email session audit config completions man help" -f -a "man" -d 'Print a man page (roff), or write them all'
complete -c authctl -n "__fish_authctl_using_subcommand help; and not __fish_seen_subcommand_from init db user login logout whoami passwd confirm reset email session audit config completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c authctl -n "__fish_authctl_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "status" -d 'Show the database path, its schema version, how many users it has and how it compares usernames'
complete -c authctl -n "__fish_authctl_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "migrate" -d 'Bring the schema up to this authctl\'s version, and the username comparison to the setting username_case_sensitive'
complete -c authctl -n "__fish_authctl_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "backup" -d 'Copy the database into a new file (0600), consistently, while other processes use it'
complete -c authctl -n "__fish_authctl_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "check" -d 'Check integrity, foreign keys and authctl\'s own invariants (exit 7 listing any problem)'
complete -c authctl -n "__fish_authctl_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "adopt" -d 'Manage a Flask-Login or Django application\'s own SQLite database in place: find its users table, the columns and the password-hash format, and record them. authctl\'s own state (sessions, tokens, audit) goes to a side database, FILE.authctl; the application\'s schema is never changed. The config file\'s [app] section says what cannot be guessed'
complete -c authctl -n "__fish_authctl_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "add" -d 'Create an account and print its id'
complete -c authctl -n "__fish_authctl_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "list" -d 'List accounts: every one, or those the filters select'
complete -c authctl -n "__fish_authctl_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "show" -d 'Show one account, with its failed logins and any lockout'
complete -c authctl -n "__fish_authctl_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "edit" -d 'Change an account\'s email, username, confirmed or active flag'
complete -c authctl -n "__fish_authctl_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "remove" -d 'Delete an account and its sessions (asks first on a terminal)'
complete -c authctl -n "__fish_authctl_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "lock" -d 'Lock an account: it cannot log in and its sessions end'
complete -c authctl -n "__fish_authctl_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "unlock" -d 'Unlock an account: lift the lock and any lockout by failed logins'
complete -c authctl -n "__fish_authctl_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "verify" -d 'Check a password without logging in: exit 0 when it matches, 1 when not'
complete -c authctl -n "__fish_authctl_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "import" -d 'Create (or update) accounts in bulk from CSV or JSON Lines, hashing on every core'
complete -c authctl -n "__fish_authctl_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "export" -d 'Write every account with its password hash, as CSV or JSON Lines'
complete -c authctl -n "__fish_authctl_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "set-password" -d 'Set a user\'s password without knowing the old one; their sessions end'
complete -c authctl -n "__fish_authctl_using_subcommand help; and __fish_seen_subcommand_from confirm" -f -a "resend" -d 'Mail a fresh confirmation token to the logged-in user'
complete -c authctl -n "__fish_authctl_using_subcommand help; and __fish_seen_subcommand_from reset" -f -a "request" -d 'Mail a password-reset token (the answer is the same whether or not the address is known)'
complete -c authctl -n "__fish_authctl_using_subcommand help; and __fish_seen_subcommand_from reset" -f -a "confirm" -d 'Set a new password with the emailed token; every session of the account ends'
complete -c authctl -n "__fish_authctl_using_subcommand help; and __fish_seen_subcommand_from email" -f -a "change" -d 'Ask to change your address: a token goes to the new one, a notice to the old one'
complete -c authctl -n "__fish_authctl_using_subcommand help; and __fish_seen_subcommand_from email" -f -a "confirm" -d 'Switch to the new address with the token mailed to it'
complete -c authctl -n "__fish_authctl_using_subcommand help; and __fish_seen_subcommand_from session" -f -a "list" -d 'List your live sessions (the current one is marked), or with --user a user\'s'
complete -c authctl -n "__fish_authctl_using_subcommand help; and __fish_seen_subcommand_from session" -f -a "revoke" -d 'Revoke one of your sessions, or all but the current one; or with --user --all every session of a user'
complete -c authctl -n "__fish_authctl_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "prune" -d 'Delete the events older than a moment, in one transaction, and record that it was done (an audit_pruned event, which is kept)'
complete -c authctl -n "__fish_authctl_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Show every setting in effect, where it came from (flag, environment, which config file, or default) and whether it is valid; passwords in URLs are masked'
