"""A free port for a server of the stack's: no imports beyond the standard library, so that Ray Serve's
wiring (serve/) can take one without importing the local stack's servers."""

from __future__ import annotations

import random
import socket
from pathlib import Path

__all__ = ["free_port"]


# Ray hands its workers ports 10002-19999 (min_worker_port, max_worker_port); above them, below the
# kernel's ephemeral range, no process is given a port it did not ask for by number.
_ABOVE_RAY_WORKERS = 20_000


def _ephemeral_low(path: Path = Path("/proc/sys/net/ipv4/ip_local_port_range")) -> int:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768  # Linux's default


def free_port() -> int:
    """A port nothing listens on now, and that nothing will be handed meanwhile.

    The kernel's own choice (binding port 0) comes from its ephemeral range, which every outgoing
    connection and every server bound to port 0 draws from: HAProxy binds its stats port half a minute
    after Ray starts, and one of Ray's workers had taken the port by then (`make up` failed). So this
    picks at random between Ray's worker ports and the ephemeral range, checked free on every interface.
    """
    high = _ephemeral_low() - 1
    for _ in range(200 if high > _ABOVE_RAY_WORKERS else 0):
        port = random.randint(_ABOVE_RAY_WORKERS, high)
        with socket.socket() as sock:
            try:
                sock.bind(("0.0.0.0", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:  # a machine whose ephemeral range leaves no room: the kernel's choice
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
