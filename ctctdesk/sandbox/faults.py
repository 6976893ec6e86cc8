"""Faults the control interface can inject: errors, throttling, slowness, dropped connections, expiry.

A fault applies to requests whose path starts with its `path_prefix` (default `/v3/`), either to the
next `count` of them or to a random `fraction` of them until cleared. Several faults can be armed at
once; the first that fires decides the request's fate.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

KINDS = ("500", "503", "429", "slow", "drop", "expired_token")


@dataclass
class Fault:
    kind: str
    count: int | None = None
    fraction: float | None = None
    delay: float = 3.0
    path_prefix: str = "/v3/"
    fired: int = 0
    rng: random.Random = field(default_factory=random.Random)


class FaultInjector:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        if fault.kind not in KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}; expected one of {', '.join(KINDS)}")
        if (fault.count is None) == (fault.fraction is None):
            raise ValueError("give either count or fraction")
        if fault.count is not None and fault.count < 1:
            raise ValueError("count must be at least 1")
        if fault.fraction is not None and not 0 < fault.fraction <= 1:
            raise ValueError("fraction must be in (0, 1]")
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def describe(self) -> list[dict[str, object]]:
        with self._lock:
            return [{"kind": f.kind, "count": f.count, "fraction": f.fraction, "path_prefix": f.path_prefix,
                     "fired": f.fired} for f in self._faults]

    def pick(self, path: str) -> Fault | None:
        """The fault that hits this request, if any (a counted fault is used up by hitting)."""
        with self._lock:
            for fault in list(self._faults):
                if not path.startswith(fault.path_prefix):
                    continue
                if fault.count is not None:
                    fault.count -= 1
                    fault.fired += 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    return fault
                if fault.rng.random() < (fault.fraction or 0):
                    fault.fired += 1
                    return fault
            return None
