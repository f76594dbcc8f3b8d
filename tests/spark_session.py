"""One local Spark session for the whole test run (``local[2]``, UI off, two shuffle
partitions, ANSI mode on: billing.sqlrate.spark.SESSION_CONF). Java 17 or newer is needed;
on a fresh Debian machine run as root it is installed with apt-get first."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any


def ensure_java() -> None:
    if shutil.which("java"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "openjdk-17-jre-headless"], check=False, env=env
        )
    if not shutil.which("java"):
        raise RuntimeError("Spark needs Java 17: apt-get install openjdk-17-jre-headless")


def start() -> Any:
    ensure_java()
    from billing.sqlrate.spark import spark_session

    spark = spark_session("local[2]", app="ratecard-tests")
    spark.sparkContext.setLogLevel("ERROR")
    return spark
