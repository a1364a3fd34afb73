# The two commands a newcomer needs: `make run` and `make test`.
# uv is installed with pip when missing; everything else comes from uv.lock.

UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
RUN := $(UV) run --frozen

.PHONY: run test api-check lint format bench migrate image sync uv clean

uv:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv || python3 -m pip install --quiet --user --break-system-packages uv

sync: uv
	$(UV) sync --frozen

run: sync
	$(RUN) python scripts/run.py

test: sync
	$(RUN) pytest

# Schemathesis against every service's OpenAPI document and the merged one, alone (about
# 5 min a database); `make test` runs them too.
api-check: sync
	$(RUN) pytest -m schemathesis tests/openapi

lint: sync
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) hadolint Dockerfile
	$(RUN) mypy libs/*/src services/*/src scripts bench tests

format: sync
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

bench: sync
	$(RUN) python bench/gateway.py
	$(RUN) python bench/career_regrade.py
	$(RUN) python bench/consumers.py
	$(if $(TEST_DATABASE_URL),$(RUN) python bench/consumers.py --pg $(TEST_DATABASE_URL))
	$(RUN) python bench/event_lag.py
	$(if $(TEST_DATABASE_URL),$(RUN) python bench/event_lag.py --pg $(TEST_DATABASE_URL))
	$(RUN) python bench/training_compliance.py
	$(RUN) python bench/payroll.py --workers 100000
	@if [ -n "$$TEST_DATABASE_URL" ]; then $(RUN) python bench/payroll.py --pg "$$TEST_DATABASE_URL"; fi
	$(RUN) python bench/registry_statistics.py
	$(RUN) python bench/dashboard.py --reuse  # the province bench/registry_statistics.py filled
	$(RUN) python bench/registry_import.py

migrate: sync
	$(RUN) cwp migrate

# One Dockerfile builds any service: make image SERVICE=registry
image:
	@test -n "$(SERVICE)" || (echo "usage: make image SERVICE=<service> [TAG=<version>]" && false)
	docker build --build-arg SERVICE=$(SERVICE) -t cwp-$(SERVICE):$(or $(TAG),dev) .

clean:
	rm -rf var
