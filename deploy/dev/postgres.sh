#!/usr/bin/env bash
# PostgreSQL for the tests, from Debian's packages: installs it when missing, starts the cluster,
# trusts connections from 127.0.0.1 (a development or CI machine only; members of the role
# ipasn_password_test excepted, which give a password) and creates the database
# `test`, so that postgresql+psycopg://postgres@127.0.0.1:5432/test answers. Quick when all is
# there already. Needs root (apt-get, the cluster's files).
set -euo pipefail

if ! command -v pg_ctlcluster >/dev/null; then
  echo "installing PostgreSQL (apt-get install postgresql)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi

version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
if [ -z "$version" ]; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  pg_createcluster "$version" main >/dev/null
fi
hba=/etc/postgresql/$version/main/pg_hba.conf
if ! grep -q "ipasn-worker" "$hba"; then
  # First match wins in pg_hba.conf: these lines go before the password rules.
  sed -i '1i # ipasn-worker tests: trust connections from this machine only\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  pg_ctlcluster --skip-systemctl-redirect "$version" main reload 2>/dev/null || true
fi
if ! grep -q "ipasn_password_test" "$hba"; then
  # Except for members of the role ipasn_password_test, which must give their password
  # (tests/integration/test_database_secrets.py: IPASN_DATABASE_PASSWORD_FILE); before the trust.
  sed -i '1i # ipasn-worker tests: members of ipasn_password_test give their password\nhost all +ipasn_password_test 127.0.0.1/32 scram-sha-256\nhost all +ipasn_password_test ::1/128 scram-sha-256' "$hba"
  pg_ctlcluster --skip-systemctl-redirect "$version" main reload 2>/dev/null || true
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
fi
for _ in $(seq 1 50); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 0.2
done
if ! psql -h 127.0.0.1 -U postgres -tAc "select 1 from pg_database where datname = 'test'" | grep -q 1; then
  psql -h 127.0.0.1 -U postgres -qc "create database test"
fi
echo "PostgreSQL $version on 127.0.0.1:5432, database test"
