"""Settings: strict parsing and a production configuration that passes check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

BASE = Path(__file__).resolve().parents[2]


def run_manage(args, env_overrides, tmp_path):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "LINLI_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "linli.settings",
        **env_overrides,
    }
    return subprocess.run(  # noqa: S603 — fixed arguments, our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "p" * 20 + "-Zq8v!x2Lm#9rTy4$Wk7&Hs3@Nf6^Jd5*Bc1(Ga0)",
    "LINLI_DATA_KEY": "bXqOk5wUoKr3sXaQ1DYg1oXnX0i7d0y3mJqk6Hh0CqE=",
    "LINLI_INDEX_KEY": "index-key-for-the-deploy-check-0123456789",
    "ALLOWED_HOSTS": "linli.example.org",
}


def test_a_production_configuration_passes_check_deploy(tmp_path):
    result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_missing_key_stops_start_up_with_its_name(tmp_path):
    env = dict(PRODUCTION)
    del env["LINLI_INDEX_KEY"]
    result = run_manage(["check"], env, tmp_path)
    assert result.returncode != 0
    assert "LINLI_INDEX_KEY must be set" in result.stderr


def test_a_bad_boolean_stops_start_up_with_a_clear_message(tmp_path):
    result = run_manage(["check"], {**PRODUCTION, "DEBUG": "maybe"}, tmp_path)
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_the_same_key_for_data_and_index_is_refused(tmp_path):
    env = {**PRODUCTION, "LINLI_INDEX_KEY": PRODUCTION["LINLI_DATA_KEY"]}
    result = run_manage(["check"], env, tmp_path)
    assert result.returncode != 0
    assert "must be different keys" in result.stderr


def test_an_unsupported_database_is_refused(tmp_path):
    env = {**PRODUCTION, "DATABASE_URL": "mysql://root@127.0.0.1/linli"}
    result = run_manage(["check"], env, tmp_path)
    assert result.returncode != 0
    assert "SQLite or PostgreSQL" in result.stderr


def test_sqlite_runs_in_wal_mode_with_immediate_transactions(settings):
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
        assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
