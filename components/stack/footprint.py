"""What the running stack costs in memory: each service's processes, their PSS and RSS, from /proc.

PSS (proportional set size) divides each shared page among the processes that map it, so the PSS of
all processes adds up to what they take from the machine together; RSS counts a shared page once per
process and overstates a stack of Python processes that share libraries. Linux only: elsewhere no
process can be measured, and a service shows none (0 MiB), never an invented figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from components.config import SwitchboardConfig
from components.stack.supervisor import Service, service_processes

__all__ = ["ProcessMemory", "ServiceMemory", "footprint", "process_memory"]


@dataclass(frozen=True)
class ProcessMemory:
    pid: int
    name: str  # what it runs: the command line as ps shows it, cut short
    pss_kib: int
    rss_kib: int


@dataclass(frozen=True)
class ServiceMemory:
    name: str
    running: bool
    processes: list[ProcessMemory] = field(default_factory=list)

    @property
    def pss_kib(self) -> int:
        return sum(p.pss_kib for p in self.processes)

    @property
    def rss_kib(self) -> int:
        return sum(p.rss_kib for p in self.processes)


def _command(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"
    if not raw:  # a process that cleared its command line: its kernel name
        try:
            raw = Path(f"/proc/{pid}/comm").read_text(errors="replace").strip()
        except OSError:
            return "?"
    return raw[:110]


def process_memory(pid: int) -> ProcessMemory | None:
    """One process's PSS and RSS (KiB) from /proc/<pid>/smaps_rollup; None when it is gone or unreadable."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None
    values = {}
    for line in rollup.splitlines():
        key, _, rest = line.partition(":")
        if key in ("Pss", "Rss"):
            values[key] = int(rest.split()[0])
    if set(values) != {"Pss", "Rss"}:
        return None
    return ProcessMemory(pid, _command(pid), values["Pss"], values["Rss"])


def footprint(config: SwitchboardConfig, services: list[Service]) -> list[ServiceMemory]:
    """Each service's processes (its whole session: Ray's raylet, workers and replicas belong to serve's)."""
    report = []
    for service in services:
        pids = service_processes(config, service.name)
        measured = [m for pid in pids if (m := process_memory(pid)) is not None]
        report.append(ServiceMemory(service.name, bool(pids), sorted(measured, key=lambda m: -m.pss_kib)))
    return report
