#!/bin/sh
# Runs test files with every test database reached through PgBouncer in transaction mode (a
# throwaway pgbouncer on a spare port in front of the test Postgres). Default: the pipeline and
# API suites. Usage: scripts/test-through-pgbouncer.sh [vitest file filters...]
set -eu
dir=$(mktemp -d /tmp/faultline-pgbouncer-XXXXXX)
chmod 755 "$dir"
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
printf '"postgres" ""\n"root" ""\n' > "$dir/users.txt"
cat > "$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=5432
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
pool_mode = transaction
auth_type = trust
auth_file = $dir/users.txt
max_client_conn = 1000
default_pool_size = 20
ignore_startup_parameters = extra_float_digits,statement_timeout
INI
user=""
[ "$(id -u)" = 0 ] && user="-u nobody"
# shellcheck disable=SC2086
pgbouncer $user "$dir/pgbouncer.ini" >"$dir/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT INT TERM
sleep 1
[ $# -gt 0 ] || set -- test/server/pipeline test/server/api test/flows
TEST_PG_CLIENT_URL="postgres://postgres@127.0.0.1:$port/postgres" npx vitest run "$@"
