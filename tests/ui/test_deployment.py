"""The deployment files as written: web, worker, clock and inbound share one named volume at
STORAGE_DIR (a PDF the worker renders is served by web and survives recreating a
container), and the image and CI install fonts for every script of an invoice PDF.
No container engine runs in the tests, so the files themselves are read."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())


def _storage_mount(service: dict, storage_dir: str) -> str | None:
    """The named volume mounted at `storage_dir` in a service ("name:/path[:mode]")."""
    for volume in service.get("volumes") or []:
        source, _, rest = volume.partition(":")
        if rest.split(":")[0].rstrip("/") == storage_dir.rstrip("/"):
            return source
    return None


def test_web_worker_and_clock_share_one_named_storage_volume():
    compose = _compose()
    services = compose["services"]
    mounts = {}
    for name in ("web", "worker", "clock", "inbound"):
        storage_dir = services[name]["environment"]["STORAGE_DIR"]
        assert storage_dir.startswith("/"), name
        mounts[name] = (_storage_mount(services[name], storage_dir), storage_dir)
    sources = {source for source, _ in mounts.values()}
    assert len(sources) == 1 and None not in sources, mounts
    (volume,) = sources
    # A named volume declared at the top level (not a path into one container or the host).
    assert "/" not in volume and volume in (compose.get("volumes") or {})
    assert len({path for _, path in mounts.values()}) == 1


def test_the_image_makes_the_storage_directory_for_its_user():
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    storage_dir = _compose()["services"]["web"]["environment"]["STORAGE_DIR"]
    assert re.search(rf"mkdir -p [^\n]*{re.escape(storage_dir)}", dockerfile)
    assert re.search(rf"chown baton [^\n]*{re.escape(storage_dir)}", dockerfile)


def _apt_packages_of_dockerfile() -> set[str]:
    text = (ROOT / "docker" / "Dockerfile").read_text().replace("\\\n", " ")
    packages: set[str] = set()
    for line in text.splitlines():
        if "apt-get install" in line:
            after = line.split("apt-get install", 1)[1].split("&&", 1)[0]
            packages |= {w for w in after.split() if not w.startswith("-")}
    return packages


def _apt_packages_of_ci() -> set[str]:
    match = re.search(r"for pkg in ([^;]+); do", (ROOT / ".ci" / "run").read_text())
    assert match
    return set(match.group(1).split())


def test_the_image_and_ci_install_fonts_for_every_script():
    fonts = {"fonts-noto-core", "fonts-noto-cjk"}  # Latin ... Thai; Chinese, Japanese, Korean
    assert fonts <= _apt_packages_of_dockerfile()
    assert fonts <= _apt_packages_of_ci()


def test_the_readme_says_every_process_sees_the_same_storage():
    readme = (ROOT / "README.md").read_text()
    assert "Every process must see the same `STORAGE_DIR`" in readme
