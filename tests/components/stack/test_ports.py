"""Ports for servers that bind them later than they are chosen."""

from __future__ import annotations

import socket
from itertools import chain, repeat

from components.stack import ports


def test_a_free_port_lies_above_rays_worker_ports_and_below_the_kernels_own(monkeypatch):
    """HAProxy's stats port, chosen before Ray started, had been taken by a Ray worker when HAProxy bound it."""
    port = ports.free_port()
    assert 20_000 <= port < ports._ephemeral_low()
    with socket.socket() as sock:
        sock.bind(("0.0.0.0", port))  # free on every interface, not only loopback
        taken = sock.getsockname()[1]
        picks = chain([taken], repeat(taken + 1 if taken + 1 < ports._ephemeral_low() else taken - 1))
        monkeypatch.setattr(ports.random, "randint", lambda low, high: next(picks))
        assert ports.free_port() != taken  # one in use is passed over


def test_a_machine_without_room_below_its_ephemeral_range_gets_the_kernels_choice(monkeypatch, tmp_path):
    (tmp_path / "range").write_text("15000\t60999\n")
    assert ports._ephemeral_low(tmp_path / "range") == 15_000
    assert ports._ephemeral_low(tmp_path / "missing") == 32_768
    real_low = ports._ephemeral_low()
    monkeypatch.setattr(ports, "_ephemeral_low", lambda: 15_000)
    assert ports.free_port() >= real_low  # bound by the kernel, from its own range
