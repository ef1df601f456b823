#!/usr/bin/env bash
# SQLite and PostgreSQL side by side, all figures from one run on one machine (issue 9, item 6):
#   1. the time of one argon2id hash at the default parameters (m=19456 KiB, t=2, p=1), from an
#      import of 200 plaintext rows with --jobs 1 (in-process, as scripts/bench-seeding.sh does):
#      the hashing ceiling of logins is cores / this time (measured again just before each
#      engine's logins, so that a change in the machine's load between the two counts less);
#   2. import of 1,000,000 pre-hashed rows on each engine: seconds and peak RSS of authctl
#      (/usr/bin/time -v; the PostgreSQL server's own memory is not counted);
#   3. whoami at 1,000 and at 1,000,000 users on each engine (hyperfine);
#   4. 8 concurrent processes x 200 logins on each engine, each process logging in its own 200
#      users (argon2id at the default parameters, imported) with --password-stdin and its own
#      session file: errors (any exit code but 0) and logins/s against the hashing ceiling;
#   5. SQLite only: import of 10,000,000 pre-hashed rows (seconds, peak RSS), and whoami at 10M
#      users against 1,000 (skip with --no-10m: the 10M import alone takes minutes);
#   6. the criterion benchmarks (benches/auth.rs, benches/seeding.rs) on both engines, through
#      AUTHCTL_BENCH_PG (skip with --no-criterion).
# Each target is checked and printed as PASS or FAIL; the exit code is 0 even when one fails.
#
# The PostgreSQL cluster is this run's own: initdb in a temporary directory, `postgres` on
# 127.0.0.1 and a free port with the stock settings (durable: fsync and synchronous_commit on),
# as the `postgres` user when run as root; stopped and deleted on exit, however the script ends.
#
# Usage: scripts/bench-engines.sh [--no-10m] [--no-criterion]
#   (builds the release binary; installs hyperfine, time and postgresql from Debian if missing)
set -euo pipefail
cd "$(dirname "$0")/.."

ten_million=1
criterion=1
for arg in "$@"; do
  case $arg in
    --no-10m) ten_million=0 ;;
    --no-criterion) criterion=0 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-engines.sh: unknown argument $arg (see --help)" >&2; exit 2 ;;
  esac
done

need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
[ -x /usr/bin/time ] || need+=(time)
command -v python3 >/dev/null || need+=(python3)
command -v setpriv >/dev/null || need+=(util-linux)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

cargo build --release --quiet
authctl="${CARGO_TARGET_DIR:-$PWD/target}/release/authctl"
cores=$(nproc)
# Default argon2 parameters and settings: nothing from the caller's environment changes them.
unset AUTHCTL_ARGON2_MEMORY_KIB AUTHCTL_ARGON2_ITERATIONS AUTHCTL_ARGON2_PARALLELISM AUTHCTL_JOBS \
  AUTHCTL_CONFIG AUTHCTL_DB AUTHCTL_SESSION_FILE

work=$(mktemp -d)
pgdir=$(mktemp -d)
pgpid=""
cleanup() {
  if [ -n "$pgpid" ]; then
    kill -INT "$pgpid" 2>/dev/null || true
    wait "$pgpid" 2>/dev/null || true
  fi
  rm -rf "$work" "$pgdir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the throwaway PostgreSQL cluster
runas=()
if [ "$(id -u)" -eq 0 ]; then # PostgreSQL refuses to run as root
  pguser=postgres; id "$pguser" >/dev/null 2>&1 || pguser=nobody
  runas=(setpriv "--reuid=$(id -u "$pguser")" "--regid=$(id -g "$pguser")" --clear-groups --)
  chown "$pguser:" "$pgdir"
fi
"${runas[@]}" "$pgbin/initdb" -D "$pgdir/data" -U authctl --auth=trust -E UTF8 --locale=C.UTF-8 \
  --no-sync >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log" >&2; exit 1; }
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${runas[@]}" "$pgbin/postgres" -D "$pgdir/data" -p "$port" -k "$pgdir" \
  -c listen_addresses=127.0.0.1 >"$work/postgres.log" 2>&1 &
pgpid=$!
for _ in $(seq 600); do
  "$pgbin/pg_isready" -q -h 127.0.0.1 -p "$port" && break
  kill -0 "$pgpid" 2>/dev/null || { cat "$work/postgres.log" >&2; exit 1; }
  sleep 0.1
done
"$pgbin/pg_isready" -q -h 127.0.0.1 -p "$port" || { cat "$work/postgres.log" >&2; exit 1; }
pgsql() { "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U authctl -d postgres "$@"; }

# ---- helpers
declare -A R # results, by "engine,figure"
newdb() { # ENGINE NAME: the location of a new database, made by `authctl init`
  local location
  case $1 in
    sqlite) location="$work/$2.db" ;;
    postgres) pgsql -c "CREATE DATABASE $2" >/dev/null && location="postgres://authctl@127.0.0.1:$port/$2" ;;
  esac
  "$authctl" --db "$location" init >/dev/null
  echo "$location"
}
plaintext() { # FROM TO FILE: users FROM..TO-1 with distinct plaintext passwords
  awk -v a="$1" -v b="$2" 'BEGIN { print "email,password"; for (i = a; i < b; i++) printf "user%d@example.com,password number %d\n", i, i }' > "$3"
}
hashed() { # N HASH FILE: N users sharing one argon2id hash, confirmed
  awk -v n="$1" -v h="$2" 'BEGIN { print "email,password_hash,confirmed"; for (i = 0; i < n; i++) printf "user%d@example.com,\"%s\",true\n", i, h }' > "$3"
}
py() { python3 -c "$@"; }
verdict() { # CONDITION (python expression): PASS or FAIL
  if py "import sys; sys.exit(0 if ($1) else 1)"; then echo PASS; else echo FAIL; fi
}
timed_import() { # KEY DB FILE: imports FILE into DB under /usr/bin/time -v; R[KEY,s] and R[KEY,mb]
  if ! /usr/bin/time -v "$authctl" --json --db "$2" user import "$3" >"$work/import.json" 2>"$work/time.txt"; then
    cat "$work/time.txt" >&2; exit 1
  fi
  R[$1,s]=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; printf "%.2f", s }' "$work/time.txt")
  R[$1,mb]=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$work/time.txt")
}
whoami_ready() { # DB SESSION: adds ada to DB and logs her in into SESSION
  printf 'email,password\nada@example.com,correct horse battery\n' > "$work/ada.csv"
  "$authctl" --db "$1" user import "$work/ada.csv" >/dev/null
  "$authctl" --db "$1" --session-file "$2" login ada@example.com --password-stdin <<< 'correct horse battery' >/dev/null
}
hyper_ms() { # JSON INDEX: mean and stddev in ms of hyperfine result INDEX
  py "import json; r = json.load(open('$1'))['results'][$2]; print(f'{r[\"mean\"] * 1000:.2f} {r[\"stddev\"] * 1000:.2f}')"
}
outliers() { # a note when hyperfine warned of statistical outliers in its last run
  if grep -q outliers "$work/hyperfine.err"; then echo " (hyperfine: statistical outliers)"; fi
}
users() { "$authctl" --json --db "$1" db status | py 'import json, sys; print(json.load(sys.stdin)["users"])'; }

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $cores cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "authctl: $("$authctl" --version); PostgreSQL: $("$pgbin/postgres" --version | awk '{print $3}') (stock settings, 127.0.0.1:$port)"
echo

echo "== 1. one argon2id hash (m=19456 KiB, t=2, p=1), in-process: 200 plaintext rows, --jobs 1"
plaintext 0 200 "$work/hash200.csv"
hash_ms() { # DB: the time of one hash in ms, from importing the 200 plaintext rows into DB with --jobs 1
  "$authctl" --db "$1" init >/dev/null
  "$authctl" --json --db "$1" user import "$work/hash200.csv" --jobs 1 \
    | py "import json, sys; print(f\"{json.load(sys.stdin)['elapsed_seconds'] / 200 * 1000:.2f}\")"
}
hash_ms=$(hash_ms "$work/hash200.db")
ceiling=$(py "print(f'{$cores / ($hash_ms / 1000):.1f}')")
echo "one hash: $hash_ms ms; hashing ceiling: $cores cores / $hash_ms ms = $ceiling logins/s"
echo

echo "== 2. import of 1,000,000 pre-hashed rows"
hash=$("$authctl" --db "$work/hash200.db" user export --format jsonl | head -n 1 | py 'import json, sys; print(json.load(sys.stdin)["password_hash"])')
hashed 1000000 "$hash" "$work/million.csv"
head -n 1001 "$work/million.csv" > "$work/thousand.csv"
for engine in sqlite postgres; do
  R[$engine,db1m]=$(newdb "$engine" million)
  timed_import "$engine,1m" "${R[$engine,db1m]}" "$work/million.csv"
  echo "$engine: ${R[$engine,1m,s]} s, peak RSS of authctl ${R[$engine,1m,mb]} MB"
done
echo

echo "== 3. whoami at 1,000 and at 1,000,000 users (hyperfine -N, 50 warm-up runs, 500 runs; the two sizes in one hyperfine run)"
for engine in sqlite postgres; do
  R[$engine,db1k]=$(newdb "$engine" thousand)
  "$authctl" --db "${R[$engine,db1k]}" user import "$work/thousand.csv" >/dev/null
  for size in 1k 1m; do whoami_ready "${R[$engine,db$size]}" "$work/session-$engine-$size"; done
  hyperfine -N --warmup 50 --runs 500 --export-json "$work/whoami.json" \
    "$authctl --db ${R[$engine,db1k]} --session-file $work/session-$engine-1k whoami" \
    "$authctl --db ${R[$engine,db1m]} --session-file $work/session-$engine-1m whoami" >/dev/null 2>"$work/hyperfine.err"
  read -r "R[$engine,who1k]" "R[$engine,who1ksd]" < <(hyper_ms "$work/whoami.json" 0)
  read -r "R[$engine,who1m]" "R[$engine,who1msd]" < <(hyper_ms "$work/whoami.json" 1)
  R[$engine,whoratio]=$(py "print(f'{${R[$engine,who1m]} / ${R[$engine,who1k]}:.2f}')")
  echo "$engine: whoami at $(users "${R[$engine,db1k]}") users: ${R[$engine,who1k]} ms ± ${R[$engine,who1ksd]}; at $(users "${R[$engine,db1m]}") users: ${R[$engine,who1m]} ms ± ${R[$engine,who1msd]}; ratio ${R[$engine,whoratio]}$(outliers)"
done
echo

echo "== 4. 8 concurrent processes x 200 logins (argon2id, default parameters)"
plaintext 0 1600 "$work/logins.csv"
R[sqlite,dblogin]=$(newdb sqlite logins)
"$authctl" --db "${R[sqlite,dblogin]}" user import "$work/logins.csv" >/dev/null
"$authctl" --json --db "${R[sqlite,dblogin]}" user export --output "$work/logins-hashed.csv" >/dev/null
R[postgres,dblogin]=$(newdb postgres logins)
"$authctl" --db "${R[postgres,dblogin]}" user import "$work/logins-hashed.csv" >/dev/null
echo "1,600 users imported from plaintext (all cores) on SQLite, exported and imported with their hashes on PostgreSQL"
login_worker() { # DB PROCESS: logs in users PROCESS*200 .. PROCESS*200+199, one exit code a line
  local db=$1 p=$2 i code
  for ((i = p * 200; i < (p + 1) * 200; i++)); do
    code=0
    "$authctl" --db "$db" --session-file "$work/session-login-$p" login "user$i@example.com" \
      --password-stdin <<< "password number $i" >/dev/null 2>>"$work/login-errors-$p" || code=$?
    echo "$code"
  done > "$work/codes-$p"
}
for engine in sqlite postgres; do
  db=${R[$engine,dblogin]}
  # For comparison only: one process logging in 40 times in a row, less the time of a whoami
  # (process start, connection, session check) on the same engine.
  start=$(date +%s.%N)
  for ((i = 0; i < 40; i++)); do
    "$authctl" --db "$db" --session-file "$work/session-seq" login "user$i@example.com" --password-stdin <<< "password number $i" >/dev/null
  done
  end=$(date +%s.%N)
  R[$engine,seq]=$(py "print(f'{($end - $start) / 40 * 1000:.1f}')")
  R[$engine,hash]=$(hash_ms "$work/hash200-$engine.db")
  R[$engine,ceiling]=$(py "print(f'{$cores / (${R[$engine,hash]} / 1000):.1f}')")
  echo "$engine: one hash measured again just before: ${R[$engine,hash]} ms; ceiling $cores / ${R[$engine,hash]} ms = ${R[$engine,ceiling]} logins/s; load average $(cut -d' ' -f1 /proc/loadavg)"
  rm -f "$work"/codes-* "$work"/login-errors-*
  start=$(date +%s.%N)
  pids=()
  for p in $(seq 0 7); do
    login_worker "$db" "$p" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  end=$(date +%s.%N)
  R[$engine,logins]=$(cat "$work"/codes-* | wc -l)
  R[$engine,errors]=$(cat "$work"/codes-* | grep -cv '^0$' || true)
  R[$engine,wall]=$(py "print(f'{$end - $start:.2f}')")
  R[$engine,rate]=$(py "print(f'{${R[$engine,logins]} / ($end - $start):.1f}')")
  R[$engine,share]=$(py "print(f'{${R[$engine,rate]} / ${R[$engine,ceiling]}:.2f}')")
  echo "$engine: ${R[$engine,logins]} logins in ${R[$engine,wall]} s, ${R[$engine,errors]} errors; ${R[$engine,rate]} logins/s = ${R[$engine,share]} of the ceiling (${R[$engine,ceiling]}/s); load average $(cut -d' ' -f1 /proc/loadavg)"
  R[$engine,loginhash]=$(py "print(f'{${R[$engine,seq]} - ${R[$engine,who1k]}:.1f}')")
  R[$engine,ceiling2]=$(py "print(f'{$cores / (${R[$engine,loginhash]} / 1000):.1f}')")
  R[$engine,share2]=$(py "print(f'{${R[$engine,rate]} / ${R[$engine,ceiling2]}:.2f}')")
  echo "$engine: for comparison, one process logging in 40 times in a row: ${R[$engine,seq]} ms a login, ${R[$engine,loginhash]} ms less a whoami at 1k (the hash as a login process pays it, page faults included); against that ceiling ($cores / ${R[$engine,loginhash]} ms = ${R[$engine,ceiling2]}/s) the throughput is ${R[$engine,share2]}"
  if [ "${R[$engine,errors]}" != 0 ]; then
    echo "$engine: first errors:"; cat "$work"/login-errors-* | head -n 5
  fi
done
echo

if [ "$ten_million" = 1 ]; then
  echo "== 5. SQLite: import of 10,000,000 pre-hashed rows, whoami at 10M users against 1,000"
  rm -f "$work/million.csv"
  hashed 10000000 "$hash" "$work/ten-million.csv"
  R[sqlite,db10m]=$(newdb sqlite ten-million)
  timed_import "sqlite,10m" "${R[sqlite,db10m]}" "$work/ten-million.csv"
  rm -f "$work/ten-million.csv"
  echo "sqlite: ${R[sqlite,10m,s]} s, peak RSS of authctl ${R[sqlite,10m,mb]} MB"
  whoami_ready "${R[sqlite,db10m]}" "$work/session-sqlite-10m"
  # The two measured in one hyperfine run, one after the other.
  hyperfine -N --warmup 50 --runs 500 --export-json "$work/whoami.json" \
    "$authctl --db ${R[sqlite,db1k]} --session-file $work/session-sqlite-1k whoami" \
    "$authctl --db ${R[sqlite,db10m]} --session-file $work/session-sqlite-10m whoami" >/dev/null 2>"$work/hyperfine.err"
  read -r "R[sqlite,who1k2]" "R[sqlite,who1k2sd]" < <(hyper_ms "$work/whoami.json" 0)
  read -r "R[sqlite,who10m]" "R[sqlite,who10msd]" < <(hyper_ms "$work/whoami.json" 1)
  R[sqlite,who10mratio]=$(py "print(f'{${R[sqlite,who10m]} / ${R[sqlite,who1k2]}:.2f}')")
  echo "sqlite: whoami at $(users "${R[sqlite,db1k]}") users: ${R[sqlite,who1k2]} ms ± ${R[sqlite,who1k2sd]}; at $(users "${R[sqlite,db10m]}") users: ${R[sqlite,who10m]} ms ± ${R[sqlite,who10msd]}; ratio ${R[sqlite,who10mratio]}$(outliers)"
  echo
fi

if [ "$criterion" = 1 ]; then
  echo "== 6. criterion (cargo bench), SQLite and PostgreSQL (AUTHCTL_BENCH_PG)"
  AUTHCTL_BENCH_PG="postgres://authctl@127.0.0.1:$port/postgres" cargo bench --quiet --bench auth --bench seeding \
    >"$work/criterion.txt" 2>&1 || { cat "$work/criterion.txt"; exit 1; }
  # Each benchmark's name and its time line (criterion puts a long name on a line of its own).
  awk '/^(auth|seeding)\// { name = $0; sub(/ +time:.*/, "", name) } / time: / { t = $0; sub(/.*time: +/, "", t); printf "%-75s %s\n", name, t }' "$work/criterion.txt"
  echo
fi

echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "== targets"
check() { # VERDICT TEXT
  printf '%s  %s\n' "$1" "$2"
}
check "$(verdict "${R[sqlite,1m,s]} < 10 and ${R[sqlite,1m,mb]} < 200")" \
  "sqlite: 1M pre-hashed rows in ${R[sqlite,1m,s]} s, ${R[sqlite,1m,mb]} MB (target: under 10 s and 200 MB)"
check "$(verdict "${R[postgres,1m,s]} < 15")" \
  "postgres: 1M pre-hashed rows in ${R[postgres,1m,s]} s, ${R[postgres,1m,mb]} MB (target: under 15 s)"
for engine in sqlite postgres; do
  check "$(verdict "${R[$engine,whoratio]} <= 1.20")" \
    "$engine: whoami at 1M ${R[$engine,who1m]} ms / at 1k ${R[$engine,who1k]} ms = ${R[$engine,whoratio]} (target: within 1.20)"
done
if [ "$ten_million" = 1 ]; then
  check "$(verdict "${R[sqlite,10m,mb]} < 200")" \
    "sqlite: 10M pre-hashed rows in ${R[sqlite,10m,s]} s, ${R[sqlite,10m,mb]} MB (target: under 200 MB)"
  check "$(verdict "${R[sqlite,who10mratio]} <= 1.20")" \
    "sqlite: whoami at 10M ${R[sqlite,who10m]} ms / at 1k ${R[sqlite,who1k2]} ms = ${R[sqlite,who10mratio]} (target: within 1.20)"
fi
for engine in sqlite postgres; do
  check "$(verdict "${R[$engine,errors]} == 0 and ${R[$engine,logins]} == 1600")" \
    "$engine: 8 x 200 logins: ${R[$engine,logins]} run, ${R[$engine,errors]} errors (target: zero errors)"
  check "$(verdict "${R[$engine,share]} >= 0.80")" \
    "$engine: ${R[$engine,rate]} logins/s = ${R[$engine,share]} of the ceiling ${R[$engine,ceiling]}/s ($cores cores / ${R[$engine,hash]} ms in-process hash) (target: at least 0.80)"
  check "info" \
    "$engine: the same against the hash as a login process pays it, ${R[$engine,loginhash]} ms (login loop less whoami): ${R[$engine,share2]}"
done
