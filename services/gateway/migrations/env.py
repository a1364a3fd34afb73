"""Alembic environment: the gateway's metadata and GATEWAY_DATABASE_URL."""

from logging.config import fileConfig

from alembic import context

import cwp_gateway.accounts.models
import cwp_gateway.audit.models
import cwp_gateway.webhooks.models  # noqa: F401
from cwp_common.migrations import run_migrations
from cwp_gateway.config import Settings
from cwp_gateway.db import Base

config = context.config
if config.config_file_name and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

run_migrations(Base.metadata, Settings().database_url)
