"""``python app.py`` stops on SIGTERM (Ctrl+C, a Space restarting) even with clients connected.

uvicorn's graceful shutdown waits for every open connection, and Gradio's streams (a client's
event stream, its heartbeat) never end by themselves: the server used to ignore SIGTERM for good
while any client was connected (benchmarks/bench_serving.py hung on it).
"""

from __future__ import annotations

import time

import pytest

from benchmarks.bench_sessions import Server
from playground import config

pytestmark = pytest.mark.real


def test_sigterm_stops_the_server_with_a_client_connected_and_a_generation_running():
    from gradio_client import Client

    server = Server().wait_ready()
    try:
        client = Client(server.url + "/", verbose=False)
        answer = client.predict(
            prompt="Hi", chat=True, temperature=0.0, max_new_tokens=2, api_name="/generate"
        )
        assert len(answer["tokens"]) == 2
        job = client.submit(
            prompt="Tell me a long story.", chat=True, max_new_tokens=256, api_name="/generate"
        )
        time.sleep(1.0)  # the generation is in the batch
        seconds = server.stop(timeout_s=config.SHUTDOWN_GRACE_S + 15)
        assert seconds < config.SHUTDOWN_GRACE_S + 5
        assert server.process.returncode is not None
        with pytest.raises(Exception):  # noqa: B017 - the client is told, whichever way it learns it
            job.result(timeout=30)
    finally:
        server.close()
