"""Gauntlet's pytest plugin: what a backend or plugin author's tests need, outside this repository too.

Installed with gauntlet (entry point ``gauntlet`` of the ``pytest11`` group, so pytest loads it by
itself); ``-p harness.testing.plugin`` or ``pytest_plugins = ["harness.testing.plugin"]`` in a
root ``conftest.py`` load it where the entry point is not installed.  It provides:

- ``--gauntlet-backend NAME`` (repeatable): the registered backends that tests using
  ``gauntlet_backend`` run against, for test classes that name none (``backend_name``); with two
  names, each such test runs twice.  ``pytest --gauntlet-backend k8s`` runs a
  ``SandboxConformance`` subclass against the backend registered as ``k8s``.
- ``gauntlet_backend``: a new instance of that backend (``get_backend``), or a skip with the reason
  where it cannot start (no Docker daemon; a failure where ``CI=true``).  ``gauntlet_backend_name``:
  its name.
- the marker ``docker``: the test needs a running Docker engine; it is skipped (failed where
  ``CI=true``) without one, before its fixtures run.
"""

from __future__ import annotations

import pytest

from harness.testing.conformance import backend_or_skip


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gauntlet", "Gauntlet sandbox backends")
    group.addoption(
        "--gauntlet-backend", action="append", default=[], metavar="NAME", dest="gauntlet_backends",
        help="run tests that use the gauntlet_backend fixture (the sandbox conformance suite) against this "
             "registered backend, where the test class names none; repeatable.")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "docker: needs a running Docker engine (skipped without one; failed where CI=true)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "gauntlet_backend_name" not in metafunc.fixturenames:
        return
    own = getattr(metafunc.cls, "backend_name", None)
    names = [own] if own else metafunc.config.getoption("gauntlet_backends") or [None]
    metafunc.parametrize("gauntlet_backend_name", names, ids=[n or "no-backend" for n in names])


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("docker") is not None:
        backend_or_skip("docker")


@pytest.fixture
def gauntlet_backend(gauntlet_backend_name):
    """The sandbox backend under test: ``get_backend(gauntlet_backend_name)``, or a skip with the reason."""
    if gauntlet_backend_name is None:
        pytest.fail("no sandbox backend to test: set backend_name on the test class or pass --gauntlet-backend NAME",
                    pytrace=False)
    return backend_or_skip(gauntlet_backend_name)
