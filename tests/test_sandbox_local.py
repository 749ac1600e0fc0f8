import pytest
from sandbox_conformance import SandboxConformance

from harness.sandbox.local import LocalBackend


@pytest.fixture
def backend():
    return LocalBackend()


class TestLocalConformance(SandboxConformance):
    pass
