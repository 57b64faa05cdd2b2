"""The report as a reader sees it: loaded in headless Chromium, every plot decoded and shown."""

from __future__ import annotations

import shutil

import pytest

from tests.reports.test_compare import FIGURES, SECTIONS

pytestmark = [pytest.mark.browser, pytest.mark.keras]

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking")


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium chromium-driver; .ci/run does this)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[dev]')")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    yield driver
    driver.quit()


def test_every_plot_is_decoded_and_visible(browser, report_dir):
    browser.get((report_dir / "report.html").as_uri())
    images = browser.execute_script(
        "return Array.from(document.images).map(i => ({complete: i.complete, width: i.naturalWidth, height: i.naturalHeight, shown: i.getBoundingClientRect().width, src: i.src.slice(0, 22)}))"
    )
    assert len(images) == len(FIGURES)
    for image in images:
        assert image["complete"] and image["width"] > 300 and image["height"] > 150, image  # decoded, not broken
        assert image["shown"] > 100, image
        assert image["src"] == "data:image/png;base64,"
    headings = browser.execute_script("return Array.from(document.querySelectorAll('h2')).map(h => h.textContent)")
    assert headings == [section[3:] for section in SECTIONS]
    # No reference to anything outside the page (the HTML must work offline).
    external = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith('data:'))"
    )
    assert external == []


def test_index_opens_each_report(browser, report_dir):
    from lightning_port.evidence.comparison.render import read_collected, render_index

    index = render_index([read_collected(report_dir / "collected.json")], report_dir.parent)
    browser.get(index.as_uri())
    browser.find_element("link text", "mnist_mlp").click()
    assert browser.current_url.endswith("mnist_mlp/report.html")
    assert browser.execute_script("return Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")
