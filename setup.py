"""The one thing pyproject.toml cannot say: the top-level ``data/`` directory (where the cards
are edited) ships inside the wheel as the ``ratecard_data`` directory, beside ``catalog/``.
``catalog.datadir.bundled_data_dir`` finds it there, or finds ``data/`` in a checkout."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["catalog*", "billing*", "ratecard*"]), "ratecard_data"],
    package_dir={"ratecard_data": "data"},
    package_data={
        "billing.ledger.migrations": ["script.py.mako"],
        "billing.sqlrate": ["log4j2-spark.properties"],
        "catalog.interop": ["sources.lock.json"],
        "ratecard_data": ["**/*"],
    },
)
