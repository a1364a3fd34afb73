"""`python -m cwp_training`: serve the training service on TRAINING_HOST:TRAINING_PORT."""

from __future__ import annotations

from cwp_common.serve import serve
from cwp_training.app import create_app
from cwp_training.config import Settings


def main() -> None:
    settings = Settings()
    serve(create_app(settings), settings.host, settings.port)


if __name__ == "__main__":
    main()
