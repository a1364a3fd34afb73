"""Alembic environment for the registry: the shared runner, this service's MetaData."""

from __future__ import annotations

import logging.config

from alembic import context

from cwp_common.migrations import run_migrations
from cwp_registry.communities import models as _communities  # noqa: F401  (registers tables)
from cwp_registry.config import Settings
from cwp_registry.db import Base
from cwp_registry.identity_checks import models as _identity_checks  # noqa: F401
from cwp_registry.imports import models as _imports  # noqa: F401
from cwp_registry.workers import models as _workers  # noqa: F401  (registers tables)

# Only when run from the command line: a test or an app calling Alembic keeps its logging.
if context.config.config_file_name and context.config.attributes.get("configure_logger", True):
    logging.config.fileConfig(context.config.config_file_name, disable_existing_loggers=False)

run_migrations(Base.metadata, Settings().database_url)
