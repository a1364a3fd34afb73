# The two commands a newcomer needs: `make run` and `make test`.
# uv is installed with pip when missing; everything else comes from uv.lock.

UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
RUN := $(UV) run --frozen

.PHONY: run test lint format bench migrate image sync uv clean

uv:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv || python3 -m pip install --quiet --user --break-system-packages uv

sync: uv
	$(UV) sync --frozen

run: sync
	$(RUN) python scripts/run.py

test: sync
	$(RUN) pytest

lint: sync
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy libs/common/src services/registry/src services/gateway/src services/career/src scripts

format: sync
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

bench: sync
	$(RUN) python bench/gateway.py
	$(RUN) python bench/career_regrade.py
	$(RUN) python bench/registry_statistics.py
	$(RUN) python bench/registry_import.py

migrate: sync
	for s in registry career gateway; do $(RUN) alembic -c services/$$s/alembic.ini upgrade head || exit 1; done

# One Dockerfile builds any service: make image SERVICE=registry
image:
	@test -n "$(SERVICE)" || (echo "usage: make image SERVICE=<registry|career|gateway>" && false)
	docker build --build-arg SERVICE=$(SERVICE) -t cwp-$(SERVICE) .

clean:
	rm -rf var
