"""``ratecard rate``: the sample period re-rated in SQL equals the stored charges."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ratecard.cli import main

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "samples" / "usage-2026-11.jsonl"


def test_rate_matches_stored_charges(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    main(["ingest", "--db", db_url, str(SAMPLE)])
    capsys.readouterr()
    code = main(["rate", "--db", db_url, "--period", "2026-11", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["differences"] == 0
    # the three records ingest rejected as unpriceable: unknown model, beyond the top tier,
    # an unpublished price; counted, never charged 0
    assert doc["unrated_events"] == 3
    assert sorted(e["reason"] for e in doc["errors"]) == [
        "a token rate is unpublished or not applicable and the count is above 0",
        "the count is beyond the top price tier",
        "unknown offering",
    ]
    # the same stable codes billing.price gives (PricingError.code)
    assert sorted(e["code"] for e in doc["errors"]) == [
        "beyond_top_tier",
        "token_rate_unavailable",
        "unknown_offering",
    ]
    assert code == 1
    web = [ln for ln in doc["lines"] if ln["charge"] == "request:web_search"]
    assert web and all(ln["unit_price"] == "0.01" for ln in web)
    main(["rate", "--db", db_url, "--period", "2026-11", "--show-sql"])
    assert "GROUP BY" in capsys.readouterr().out


def _rated(doc: dict[str, object]) -> list[tuple[object, ...]]:
    """The rated part of each line (the stored side is absent without a ledger)."""
    keys = ("customer", "offering", "price_version", "tier", "charge", "unit", "unit_price")
    lines = doc["lines"]
    assert isinstance(lines, list)
    return [tuple(ln[k] for k in (*keys, "quantity", "events", "amount")) for ln in lines]


def test_rate_on_duckdb_equals_the_database(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["ingest", "--db", db_url, str(SAMPLE)])
    capsys.readouterr()
    main(["rate", "--db", db_url, "--period", "2026-11", "--json"])
    own = json.loads(capsys.readouterr().out)
    code = main(["rate", "--db", db_url, "--period", "2026-11", "--engine", "duckdb", "--json"])
    duck = json.loads(capsys.readouterr().out)
    assert code == 1  # the three unpriceable records, as on the database
    assert (own["engine"], duck["engine"]) == (own["engine"], "duckdb")
    assert own["engine"] in ("sqlite", "postgresql")
    assert duck["lines"] == own["lines"] and duck["differences"] == 0
    assert duck["errors"] == own["errors"]
    # the Parquet export, rated without the ledger
    out = tmp_path / "export"
    main(["export-events", "--db", db_url, "--period", "2026-11", "--out", str(out), "--json"])
    rows = json.loads(capsys.readouterr().out)["rows"]
    # 634 lines, 3 of them retries of an id already sent (duplicates, stored once)
    assert rows["usage_events"] == 631
    main(["rate", "--events", str(out), "--period", "2026-11", "--engine", "duckdb", "--json"])
    files = json.loads(capsys.readouterr().out)
    assert _rated(files) == _rated(own)
    assert files["errors"] == own["errors"]
    # no ledger, nothing compared: every stored field null, not 0
    assert files["differences"] is None
    stored = ("same", "stored_quantity", "stored_amount", "difference")
    assert all(ln[k] is None for ln in files["lines"] for k in stored)
    # an export of one customer, rated beside the ledger: compared with that customer's
    # stored charges alone (not the other customer's, as missing lines)
    one = tmp_path / "acme"
    export = ["export-events", "--db", db_url, "--period", "2026-11", "--customer", "acme"]
    main([*export, "--out", str(one)])
    capsys.readouterr()
    rate = ["rate", "--db", db_url, "--events", str(one), "--period", "2026-11"]
    code = main([*rate, "--engine", "duckdb", "--json"])
    acme = json.loads(capsys.readouterr().out)
    assert acme["differences"] == 0 and acme["lines"]
    assert {ln["customer"] for ln in acme["lines"]} == {"acme"}
    assert all(ln["same"] is True for ln in acme["lines"])
    assert code == (1 if acme["errors"] else 0)
    # another customer's rating over that export is refused, not "0 lines differ"
    assert main([*rate, "--engine", "duckdb", "--customer", "globex"]) == 1
    err = capsys.readouterr().err
    assert "does not hold customer 'globex'" in err and "Traceback" not in err


def test_rate_on_spark_equals_the_database(
    spark: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "ledger.db")
    main(["ingest", "--create", "--db", db, str(SAMPLE)])
    main(["export-events", "--db", db, "--period", "2026-11", "--out", str(tmp_path / "x")])
    capsys.readouterr()
    main(["rate", "--db", db, "--period", "2026-11", "--json"])
    own = json.loads(capsys.readouterr().out)
    args = ["rate", "--events", str(tmp_path / "x"), "--period", "2026-11", "--json"]
    code = main([*args, "--engine", "spark", "--spark-master", "local[2]"])
    on_spark = json.loads(capsys.readouterr().out)
    assert code == 1 and on_spark["engine"] == "spark"
    assert _rated(on_spark) == _rated(own)
    assert on_spark["errors"] == own["errors"]


def test_engine_options_are_checked(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rate", "--period", "2026-11", "--events", "x"]) == 2
    assert "--events needs --engine duckdb" in capsys.readouterr().err


# --- the Spark engine's errors: one sentence, never a Java or Python stack trace ---------

_TRACES = ("Traceback", "at org.apache", "Exception in thread")


def _cli(argv: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    """``ratecard argv`` in a fresh process (so stderr holds the JVM's own output too):
    (exit status, stderr)."""
    code = "import sys; from ratecard.cli import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run(
        [sys.executable, "-c", code, *argv],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )
    assert not any(t in done.stderr for t in _TRACES), done.stderr
    return done.returncode, done.stderr


def test_spark_master_forms_are_the_ones_spark_accepts() -> None:
    from billing.sqlrate import SparkUsageError, check_master

    # SparkMasterRegex (SparkContext.scala), SparkSubmit, and Spark Connect's sc://
    for good in (
        "local",
        "local[4]",
        "local[*]",
        "local[2,3]",
        "local[*, 4]",
        "local-cluster[2,1,1024]",
        "spark://host:7077",
        "spark://h1:7077,h2:7077",
        "yarn",
        "k8s://https://host:6443",
        "sc://host:15002",
    ):
        check_master(good)
    for bad in ("bogus://x", "", "local[0]", "local[x]", "local[2", "spark://", "yarn-client"):
        with pytest.raises(SparkUsageError, match="is not a Spark master URL; use one of local"):
            check_master(bad)


def test_a_bad_spark_master_is_a_usage_error_before_spark_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import billing.sqlrate

    def no_spark(*args: object, **kwargs: object) -> None:
        raise AssertionError("Spark was started")

    monkeypatch.setattr(billing.sqlrate, "spark_session", no_spark)
    args = ["rate", "--engine", "spark", "--events", str(tmp_path), "--period", "2026-11"]
    assert main([*args, "--spark-master", "bogus://x"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "ratecard: --spark-master 'bogus://x' is not a Spark master URL; use one of local, "
        "local[N], local[*], local[N,F], local-cluster[N,C,M], spark://HOST:PORT, yarn, "
        "k8s://HOST:PORT, or sc://HOST:PORT for Spark Connect\n"
    )
    # the same in a process of its own: nothing from a JVM on stderr either
    code, err = _cli([*args, "--spark-master", "local[x]"])
    assert code == 2
    assert err.startswith("ratecard: --spark-master 'local[x]' is not a Spark master URL")


def test_a_jvm_that_does_not_start_is_a_sentence(tmp_path: Path) -> None:
    pytest.importorskip("pyspark")
    args = ["rate", "--engine", "spark", "--events", str(tmp_path), "--period", "2026-11"]
    code, err = _cli(args, env={"JAVA_HOME": str(tmp_path / "no-java")})
    assert code == 1
    assert err.splitlines()[-1] == (
        f"ratecard: Spark's Java process exited before it started (JAVA_HOME is "
        f"{tmp_path / 'no-java'}); Spark needs Java 17 or newer (Debian: apt-get install "
        "openjdk-17-jre-headless)"
    )
    assert "internal error" not in err


def test_a_session_spark_refuses_to_start_is_a_sentence() -> None:
    """A JVM error from getOrCreate (py4j's Py4JJavaError carries ``java_exception``), e.g.
    ``spark://`` with no master listening (about a minute of retries; tried by hand)."""
    from billing.sqlrate.spark import SparkUsageError, _start_error

    class _Java:
        def getMessage(self) -> str:
            return "Application killed: All masters are unresponsive! Giving up.\n\tat org"

    class _Py4JJavaError(Exception):
        java_exception = _Java()

    error = _start_error(_Py4JJavaError("o1"), "spark://h:1", remote=False)
    assert isinstance(error, SparkUsageError)
    assert str(error) == (
        "Spark could not start a session on spark://h:1 (its log above says why): "
        "Application killed: All masters are unresponsive! Giving up."
    )
    # anything else is a bug, reported as one (the boundary's "internal error")
    assert _start_error(_Py4JJavaError("o1"), "sc://h:1", remote=True) is None
    assert _start_error(ValueError("x"), "local[2]", remote=False) is None


def test_spark_connect_without_its_packages_is_a_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("pyspark")
    if importlib.util.find_spec("pandas") is not None:
        pytest.skip("pandas is installed: PySpark's connect client would try to connect")
    args = ["rate", "--engine", "spark", "--events", str(tmp_path), "--period", "2026-11"]
    assert main([*args, "--spark-master", "sc://localhost:1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        "ratecard: Spark Connect (sc://) needs a package that is not installed (Pandas"
    )
    assert err.endswith("): pip install 'pyspark[connect]'\n")
    assert "Traceback" not in err and "internal error" not in err


def test_events_spark_cannot_read_are_a_usage_error(
    spark: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["rate", "--engine", "spark", "--period", "2026-11", "--spark-master", "local[2]"]

    def run(*argv: str) -> str:
        assert main([*base, *argv]) == 2
        err = capsys.readouterr().err
        assert not any(t in err for t in _TRACES) and "internal error" not in err, err
        assert len(err.splitlines()) == 1, err
        return err

    # no Delta Lake on this Spark's classpath (the test session has none)
    err = run("--events", str(tmp_path), "--events-format", "delta")
    assert err.startswith(
        "ratecard: --events-format delta: this Spark has no 'delta' data source; Delta tables "
        "need the delta-spark package on Spark's classpath: set spark.jars.packages to "
        "io.delta:delta-spark_2.13:VERSION"
    )
    err = run("--events", "nosuch.", "--events-format", "table")
    assert err.startswith(
        "ratecard: --events-format table: the Spark catalog has no table nosuch.usage_events "
        "([TABLE_OR_VIEW_NOT_FOUND]"
    )
    # a directory that is not an export: its first dataset is missing
    err = run("--events", str(tmp_path))
    assert err.startswith(f"ratecard: --events: {tmp_path}/usage_events does not exist (")
    # a dataset that is not the export's shape: said before any statement runs
    frame = spark.createDataFrame([(1, 2)], "id long, customer_id long")  # type: ignore[attr-defined]
    frame.write.parquet(str(tmp_path / "usage_events"))
    err = run("--events", str(tmp_path))
    assert err == (
        f"ratecard: --events: {tmp_path}/usage_events lacks the column(s) period, offering, "
        "event_time, status, input_tokens, cache_read_tokens, cache_write_tokens, "
        "output_tokens, reasoning_tokens, request_params, token_kinds, price_context that "
        "ratecard export-events writes\n"
    )


def test_the_jvm_logs_errors_only_unless_the_user_configures_logging(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from billing.sqlrate.spark import LOG4J2_CONFIG, _quiet_jvm

    text = LOG4J2_CONFIG.read_text()
    assert "rootLogger.level = error" in text and "%ex{none}" in text
    monkeypatch.delenv("LOG4J_CONFIGURATION_FILE", raising=False)
    monkeypatch.delenv("SPARK_CONF_DIR", raising=False)
    with _quiet_jvm():
        assert os.environ["LOG4J_CONFIGURATION_FILE"] == str(LOG4J2_CONFIG)
    assert "LOG4J_CONFIGURATION_FILE" not in os.environ
    monkeypatch.setenv("SPARK_CONF_DIR", "/etc/spark")  # the user's own log4j2.properties
    with _quiet_jvm():
        assert "LOG4J_CONFIGURATION_FILE" not in os.environ


def test_a_missing_events_directory_is_said_alike_by_both_engines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing"
    said = []
    for engine in ("duckdb", "spark"):  # checked before Spark starts
        argv = ["rate", "--engine", engine, "--events", str(missing), "--period", "2026-11"]
        assert main(argv) == 2
        said.append(capsys.readouterr().err)
    assert said == [f"ratecard: {missing}: no such directory\n"] * 2


def test_events_spark_cannot_rate_are_bad_input(
    spark: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Events of the export's shape whose count Spark cannot read as a number (ANSI mode):
    the statement fails on the data, and the command says so in one sentence (exit 1)."""
    session: Any = spark
    events = session.createDataFrame(
        [
            # input_tokens "many": a count no engine can read as a number
            (
                1,
                1,
                "2026-11",
                "empiriolabs/qwen3-5-flash:variant1",
                "priced",
                "many",
                0,
                0,
                10,
                0,
                None,
                None,
                None,
            )
        ],
        "id long, customer_id long, period string, offering string, status string, "
        "input_tokens string, cache_read_tokens long, cache_write_tokens long, "
        "output_tokens long, reasoning_tokens long, request_params string, "
        "token_kinds string, price_context string",
    ).selectExpr("*", "timestamp'2026-11-02 00:00:00' AS event_time")
    events.write.parquet(str(tmp_path / "usage_events"))
    session.createDataFrame(
        [(1, "web_search", 1)], "event_pk long, tool string, calls long"
    ).write.parquet(str(tmp_path / "usage_tool_calls"))
    session.createDataFrame([(1, "acme")], "id long, code string").write.parquet(
        str(tmp_path / "customers")
    )
    argv = ["rate", "--engine", "spark", "--events", str(tmp_path), "--period", "2026-11"]
    assert main([*argv, "--spark-master", "local[2]"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ratecard: Spark could not rate the events: "), err
    assert "many" in err and len(err.splitlines()) == 1, err
    assert not any(t in err for t in _TRACES) and "internal error" not in err, err


def test_only_errors_of_running_on_the_events_are_called_bad_input() -> None:
    """A statement Spark refuses to analyse is ratecard's fault (an internal error), not
    the events': only errors raised while a statement ran are said as the data's."""
    pytest.importorskip("pyspark")
    from pyspark.errors import AnalysisException, PySparkException

    from ratecard.cli.rate_cmd import _spark_failure

    assert _spark_failure(AnalysisException("[UNRESOLVED_COLUMN] no column x")) is None
    assert _spark_failure(ValueError("not Spark's")) is None
    assert _spark_failure(PySparkException("first line\nsecond")) == "first line"
