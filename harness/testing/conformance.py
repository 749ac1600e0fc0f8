"""The sandbox conformance suite: every backend runs these tests unchanged.

A backend's test module subclasses ``SandboxConformance`` and names the backend to test, either by
its registered name (an entry point of the ``gauntlet.backends`` group) or with its own ``backend``
fixture; ``image`` and ``limits`` are class attributes it may override::

    from harness.testing import SandboxConformance

    class TestMyBackendConformance(SandboxConformance):
        backend_name = "k8s"             # or leave it out and run: pytest --gauntlet-backend k8s
        image = "python:3.12-slim"       # for backends that run images

The ``backend`` fixture comes from the pytest plugin ``harness.testing.plugin`` (``gauntlet_backend``:
the backend is built with ``get_backend``; a backend that cannot start, such as Docker without a
daemon, skips with the reason, or fails where ``CI=true``).  The tests use only the protocol of
``harness.sandbox.base``; a test that a backend cannot pass by design skips with a reason that the
backend itself reports (``protections``, ``cache_dir`` returning None).
"""

from __future__ import annotations

import os

import pytest

from harness import settings
from harness.sandbox import Backend, Limits, SandboxError, get_backend


def backend_or_skip(name: str, **options) -> Backend:
    """``get_backend(name, **options)``, or a skip with the reason where the backend cannot start
    (no Docker daemon).  Where ``CI=true`` that is a failure instead; an unknown name or a backend
    that fails to import (``BackendLoadError``) always fails.  For ``docker`` the bootstrapped Debian
    base (``gauntlet images bootstrap``) becomes ``GAUNTLET_BASE_IMAGE`` when it exists and none is set."""
    from harness.sandbox import BackendLoadError

    try:
        backend = get_backend(name, **options)
    except BackendLoadError:
        raise
    except SandboxError as e:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(reason=f"sandbox backend {name!r} cannot start here: {e}")
    if name == "docker":
        from harness.sandbox import images

        if images.exists(images.BOOTSTRAP_NAME):
            settings.export("GAUNTLET_BASE_IMAGE", settings.base_image() or images.BOOTSTRAP_NAME)
    return backend


PY = "python3"
FIX_DIFF = """\
diff --git a/hello.txt b/hello.txt
--- a/hello.txt
+++ b/hello.txt
@@ -1 +1 @@
-hello
+goodbye
"""


class SandboxConformance:
    """The suite; subclass it in a module whose name pytest collects (``test_*.py``) as ``Test…``."""

    backend_name: str | None = None  # a registered backend; None: ``--gauntlet-backend NAME``
    image = None  # what ``Backend.open`` gets as ``image`` (an image name or an ImageSpec)
    limits = Limits(timeout=30)

    @pytest.fixture
    def backend(self, gauntlet_backend):
        """The backend under test; override this fixture to build one yourself."""
        return gauntlet_backend

    @pytest.fixture
    def workspace(self, tmp_path):
        ws = tmp_path / "ws"
        ws.mkdir()
        (ws / "hello.txt").write_text("hello\n")
        (ws / "sub").mkdir()
        (ws / "sub" / "data.bin").write_bytes(bytes(range(256)))
        return ws

    @pytest.fixture
    def session(self, backend, workspace):
        s = backend.open(workspace, image=self.image, limits=self.limits)
        yield s
        s.close()

    def test_exec_output_and_exit_code(self, session):
        r = session.exec(["sh", "-c", "echo out; echo err >&2; exit 7"])
        assert (r.exit_code, r.stdout, r.stderr, r.timed_out) == (7, "out\n", "err\n", False)
        assert r.duration >= 0

    def test_exec_runs_in_workspace(self, session):
        assert session.exec(["cat", "hello.txt"]).stdout == "hello\n"
        assert session.exec(["ls"], cwd="sub").stdout.split() == ["data.bin"]

    def test_missing_command_is_a_result_not_an_exception(self, session):
        r = session.exec(["definitely-not-a-command-xyz"])
        assert r.exit_code in (126, 127)

    def test_stdin_text_and_bytes(self, session):
        assert session.exec(["cat"], stdin="line1\nline2\n").stdout == "line1\nline2\n"
        assert session.exec(["wc", "-c"], stdin=b"\x00\x01\x02").stdout.strip() == "3"

    def test_env_is_added_and_host_secrets_are_scrubbed(self, session, monkeypatch):
        monkeypatch.setenv("HARNESS_TEST_SECRET", "s3cret")  # a host variable no sandbox passes on
        r = session.exec(["sh", "-c", 'echo "$MY_VAR:$HARNESS_TEST_SECRET"'], env={"MY_VAR": "v"})
        assert r.stdout == "v:\n"

    def test_timeout_kills_the_whole_process_group(self, session):
        r = session.exec(["sh", "-c", "sleep 30 & sleep 30; echo never"], timeout=1)
        assert r.timed_out and r.killed_by_limit == "timeout"
        assert "never" not in r.stdout
        assert r.duration < 15

    def test_background_children_do_not_outlive_the_command(self, session):
        marker = "61.2345"  # a sleep nobody else on the machine runs
        session.exec(["sh", "-c", f"(sleep {marker}; echo late > late.txt) & echo started"], timeout=10)
        list_cmdlines = "for p in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $p 2>/dev/null; echo; done"
        r = session.exec(["sh", "-c", f"{list_cmdlines} | grep -c '[s]leep {marker}'"])
        assert r.stdout.strip() == "0"

    def test_output_is_bounded_with_a_marker(self, backend, workspace):
        s = backend.open(workspace, image=self.image, limits=Limits(timeout=60, output_bytes=10_000))
        try:
            r = s.exec([PY, "-c", "import sys; sys.stdout.write('x' * 5_000_000 + 'END')"])
            assert r.truncated
            assert len(r.stdout) < 20_000
            assert "truncated" in r.stdout and r.stdout.endswith("END")
        finally:
            s.close()

    def test_output_flood_is_killed(self, backend, workspace):
        lim = Limits(timeout=60, output_bytes=10_000, output_kill_bytes=2_000_000)
        s = backend.open(workspace, image=self.image, limits=lim)
        try:
            r = s.exec(["sh", "-c", "yes flood"])
            assert r.killed_by_limit == "output"
        finally:
            s.close()

    def test_file_size_limit(self, backend, workspace):
        s = backend.open(workspace, image=self.image, limits=Limits(timeout=60, file_size_mb=1))
        try:
            r = s.exec(["sh", "-c", "head -c 5000000 /dev/zero > big.bin"])
            assert r.exit_code != 0
            assert len(s.read_file("big.bin")) <= 1024 * 1024
        finally:
            s.close()

    def test_memory_limit(self, backend, workspace):
        s = backend.open(workspace, image=self.image, limits=Limits(timeout=60, memory_mb=200))
        try:
            r = s.exec([PY, "-c", "x = bytearray(1024 * 1024 * 1024); print('allocated')"])
            assert r.exit_code != 0 and "allocated" not in r.stdout
            assert r.killed_by_limit == "memory"
        finally:
            s.close()

    def test_process_limit(self, backend, workspace):
        s = backend.open(workspace, image=self.image, limits=Limits(timeout=60, processes=20))
        try:
            code = "import subprocess\nps=[subprocess.Popen(['sleep','5']) for _ in range(100)]\nprint('spawned')"
            r = s.exec([PY, "-c", code])
            assert r.exit_code != 0 and "spawned" not in r.stdout
        finally:
            s.close()

    def test_read_and_write_files(self, session):
        assert session.read_file("hello.txt") == b"hello\n"
        assert session.read_file("sub/data.bin") == bytes(range(256))
        session.write_file("new/dir/file.txt", "content")
        assert session.exec(["cat", "new/dir/file.txt"]).stdout == "content"
        session.write_file("raw.bin", b"\x00\xff")
        assert session.read_file("raw.bin") == b"\x00\xff"
        with pytest.raises(FileNotFoundError):
            session.read_file("nope.txt")
        with pytest.raises(ValueError):
            session.read_file("../outside.txt")
        with pytest.raises(ValueError):
            session.write_file("/etc/passwd", "x")

    def test_workspace_is_a_private_copy(self, session, workspace):
        session.write_file("hello.txt", "changed\n")
        session.exec(["rm", "-rf", "sub"])
        assert (workspace / "hello.txt").read_text() == "hello\n"
        assert (workspace / "sub" / "data.bin").exists()

    def test_apply_patch(self, session):
        r = session.apply_patch(FIX_DIFF)
        assert r.applied, r.message
        assert session.read_file("hello.txt") == b"goodbye\n"

    def test_apply_plain_patch_without_prefixes(self, session):
        plain = "--- hello.txt\n+++ hello.txt\n@@ -1 +1 @@\n-hello\n+bonjour\n"
        r = session.apply_patch(plain)
        assert r.applied, r.message
        assert session.read_file("hello.txt") == b"bonjour\n"

    def test_patch_that_does_not_apply_leaves_workspace_untouched(self, session):
        r = session.apply_patch(FIX_DIFF.replace("-hello", "-something else"))
        assert not r.applied and "does not apply" in r.message
        assert session.read_file("hello.txt") == b"hello\n"

    @pytest.mark.parametrize("bad,why", [("", "empty"), ("just prose\n", "no hunks"), ("\x00\x01binary", "binary")])
    def test_bad_patches_are_refused_with_a_reason(self, session, bad, why):
        r = session.apply_patch(bad)
        assert not r.applied and why in r.message

    def test_close_is_idempotent(self, backend, workspace):
        s = backend.open(workspace, image=self.image, limits=self.limits)
        s.close()
        s.close()

    def test_protections_are_reported(self, session):
        assert session.protections["backend"] == session.backend
        assert "network_isolated" in session.protections

    def test_no_network_by_default(self, session):
        if not session.protections["network_isolated"]:
            pytest.skip(reason="this kernel gives the backend no network isolation (reported in protections)")
        code = "import socket; socket.create_connection(('1.1.1.1', 53), timeout=3)"
        assert session.exec([PY, "-c", code]).exit_code != 0

    def test_loopback_works_without_network(self, session):
        """Test suites that start their own server on 127.0.0.1 (HTTP clients' tests) must run offline."""
        code = ("import socket, threading; srv = socket.create_server(('127.0.0.1', 0)); "
                "threading.Thread(target=lambda: srv.accept()[0].sendall(b'hi'), daemon=True).start(); "
                "c = socket.create_connection(srv.getsockname(), timeout=3); print(c.recv(2).decode())")
        r = session.exec([PY, "-c", code], timeout=20)
        assert r.exit_code == 0 and r.stdout.strip() == "hi", r.stderr[-500:]

    def test_cache_dir_persists_across_sessions(self, backend, workspace):
        first = backend.open(workspace, image=self.image, limits=self.limits)
        try:
            cache = first.cache_dir("conformance")
            if cache is None:
                pytest.skip(reason="this backend keeps no caches (cache_dir returns None)")
            assert first.exec(["sh", "-c", f"echo kept > {cache}/marker"]).exit_code == 0
        finally:
            first.close()
        second = backend.open(workspace, image=self.image, limits=self.limits)
        try:
            assert second.exec(["cat", f"{second.cache_dir('conformance')}/marker"]).stdout == "kept\n"
        finally:
            second.close()
