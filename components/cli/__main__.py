"""`python -m components.cli`: what `make up` runs for the sample APIs and the MLflow sync."""

from components.cli import app

app()
