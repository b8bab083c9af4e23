"""Prefect flows: small tasks over `components`, one flow a file, `python -m flows.<name>` for a local run.

With no PREFECT_API_URL a local run starts a temporary Prefect server, which must first create and
migrate a fresh SQLite database. Prefect gives it 20 s, which a loaded 2-core machine overruns, and
the run then dies before doing any work; 120 s is allowed unless the environment says otherwise.
"""

import os

os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
