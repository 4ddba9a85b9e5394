"""Create or drop a scratch PostgreSQL database for CI: `pgdb.py create|drop NAME`."""

import os
import sys

import psycopg

ADMIN_URL = os.environ.get("CI_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def main() -> int:
    action, name = sys.argv[1], sys.argv[2]
    if not name.replace("_", "").isalnum():
        print(f"bad database name {name!r}", file=sys.stderr)
        return 2
    try:
        with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            if action == "create":
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        print(f"PostgreSQL is not reachable at {ADMIN_URL}: {error}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
