"""The MLflow UI's prompt page after a sync, in a real headless Chromium; the README's screenshot comes from here.

    SWITCHBOARD_SCREENSHOT_DIR=docs/images .venv/bin/python -m pytest tests/components/versions/test_mlflow_ui.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from components.versions import VersionStore, sync_all
from tests.serve.test_chat_page import ARGS, CHROMIUM

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.slow]


def test_the_prompt_page_shows_the_synced_prompt_with_its_champion_alias(mlflow_server, tmp_path):
    from playwright.sync_api import sync_playwright

    store = VersionStore(mlflow_server, prefix="switchboard")
    sync_all(store)
    name = store.name("job_assessment.generator")
    assert CHROMIUM, "Debian's chromium is not installed: `make test` installs it (apt-get install chromium)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{mlflow_server}/#/prompts/{name}")
        page.get_by_text("champion").first.wait_for(timeout=60_000)
        page.get_by_text("Compare each requirement").first.wait_for(timeout=30_000)  # the template is shown
        body = page.locator("body").inner_text()
        assert name in body and "champion" in body
        folder = Path(os.environ.get("SWITCHBOARD_SCREENSHOT_DIR") or tmp_path)
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / "mlflow-prompt-page.png"))
        browser.close()
    assert (folder / "mlflow-prompt-page.png").stat().st_size > 10_000
