"""Alembic environment: the training service's metadata and TRAINING_DATABASE_URL."""

from logging.config import fileConfig
from pathlib import Path

from alembic import context

import cwp_training.app  # noqa: F401  (imports every area's models onto Base.metadata)
from cwp_common.db import is_sqlite
from cwp_common.migrations import run_migrations
from cwp_training.config import Settings
from cwp_training.db import Base

config = context.config
if config.config_file_name and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

url = config.get_main_option("sqlalchemy.url") or Settings().database_url
if is_sqlite(url) and ":memory:" not in url:
    # A fresh checkout has no var/ yet; the service's own engine creates it, Alembic not.
    Path(url.split("///", 1)[-1]).parent.mkdir(parents=True, exist_ok=True)
run_migrations(Base.metadata, url)
