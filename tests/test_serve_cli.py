"""`ppi serve` from the command line: the port is checked, "serving on" is said only once the port is bound,
and the update token can come from a file or the environment (so that `ps` does not show it) and is never
written to the log."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx


def ppi(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ppikg", *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def test_an_out_of_range_port_is_refused_with_exit_2():
    for port in ("80000", "-1", "http"):
        done = ppi("serve", "--memory", "--port", port)
        assert done.returncode == 2 and "no es un puerto TCP" in done.stderr and "serving on" not in done.stderr


def test_a_busy_port_is_said_and_serving_is_never_claimed():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = ppi("serve", "--memory", "--port", str(taken.getsockname()[1]))
    assert done.returncode == 2, done.stderr
    assert "no se puede escuchar en 127.0.0.1:" in done.stderr and "serving on" not in done.stderr


def test_the_token_comes_from_a_file_or_the_environment_and_is_never_logged(shipped_store, tmp_path):
    store = shipped_store(tmp_path / "store")
    secret = "tok-" + os.urandom(8).hex()
    (tmp_path / "token").write_text(secret + "\n", encoding="utf-8")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(tmp_path / "log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "ppikg", "serve", "--store", str(store), "--port", str(port),
                             "--update", "--token-file", str(tmp_path / "token")], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url + "/health", timeout=2)
                break
            except httpx.HTTPError:
                assert proc.poll() is None and time.monotonic() < deadline, open(tmp_path / "log").read()
                time.sleep(0.2)
        update = {"update": 'INSERT DATA { GRAPH <urn:x:t> { <urn:a> <urn:b> "c" } }'}
        assert httpx.post(url + "/sparql", data=update, headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert httpx.post(url + "/sparql", data=update, headers={"Authorization": f"Bearer {secret}"}).status_code == 204
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    text = open(tmp_path / "log").read()
    assert f"serving on {url}/" in text and secret not in text
    assert secret not in " ".join(proc.args)  # what `ps` shows
    # The environment works as well; a token file that is empty or missing is a clear error.
    env = ppi("serve", "--memory", "--port", "80000", env={"PPIKG_TOKEN": secret})
    assert env.returncode == 2 and secret not in env.stderr
    (tmp_path / "empty").write_text("", encoding="utf-8")
    for path, words in ((tmp_path / "empty", "está vacío"), (tmp_path / "nope", "no se puede leer el archivo del token")):
        done = ppi("serve", "--memory", "--port", "0", "--update", "--token-file", str(path))
        assert done.returncode == 2 and words in done.stderr, done.stderr
