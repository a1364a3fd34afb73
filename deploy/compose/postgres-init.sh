#!/bin/sh
# One database and one role per service, each role owning only its own database, which
# no other role may connect to. The postgres image runs this once, on an empty data
# directory. Services: CWP_DATABASES (names); passwords: <NAME>_DB_PASSWORD. Names are
# cwp_<name> for the database and <name> for the role (CWP_DB_PREFIX, CWP_ROLE_PREFIX
# change them). Values go to psql as variables, quoted by psql, never spliced into SQL.
set -eu
: "${CWP_DATABASES:?list the services, e.g. registry career gateway}"
DB_PREFIX="${CWP_DB_PREFIX-cwp_}"
ROLE_PREFIX="${CWP_ROLE_PREFIX-}"

for service in $CWP_DATABASES; do
    var="$(printf '%s' "$service" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
    password=$(eval "printf '%s' \"\${$var:-}\"")
    if [ -z "$password" ]; then
        echo "postgres-init: $var is not set" >&2
        exit 1
    fi
    psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" \
        --dbname "${POSTGRES_DB:-postgres}" \
        -v role="${ROLE_PREFIX}${service}" -v db="${DB_PREFIX}${service}" -v password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"db" OWNER :"role";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"role";
SQL
    echo "postgres-init: database ${DB_PREFIX}${service} for role ${ROLE_PREFIX}${service}"
done
