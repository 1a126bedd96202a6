"""Requests per client, as a token bucket: a shopper's few requests always pass, a script
walking through serial numbers is slowed to a crawl."""

from __future__ import annotations

import time


class RateLimiter:
    def __init__(self, per_second: float, burst: int) -> None:
        self.per_second = per_second
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}

    def peek(self, client: str) -> float:
        """Like wait, without using up a request: how long ``client`` must wait now."""
        if self.per_second <= 0 or client not in self._buckets:
            return 0.0
        tokens, last = self._buckets[client]
        tokens = min(float(self.burst), tokens + (time.monotonic() - last) * self.per_second)
        return 0.0 if tokens >= 1 else (1 - tokens) / self.per_second

    def refund(self, client: str) -> None:
        """Give back one request (an attempt that turned out fine)."""
        if client in self._buckets:
            tokens, last = self._buckets[client]
            self._buckets[client] = (min(float(self.burst), tokens + 1), last)

    def wait(self, client: str) -> float:
        """0 when ``client`` may go ahead now, else the seconds until it may."""
        if self.per_second <= 0:
            return 0.0  # limiting switched off (benchmarks, a trusted network)
        now = time.monotonic()
        tokens, last = self._buckets.get(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.per_second)
        if tokens < 1:
            self._buckets[client] = (tokens, now)
            return (1 - tokens) / self.per_second
        self._buckets[client] = (tokens - 1, now)
        if len(self._buckets) > 50_000:  # forget idle clients rather than grow forever
            self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60}
        return 0.0
