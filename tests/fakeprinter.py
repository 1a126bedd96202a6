"""A fake ZPL printer: a TCP server on 127.0.0.1 that records what reaches it, answers ~HS,
and can be told to misbehave (close mid-job, go silent, paper out, head open, slow accept)."""

from __future__ import annotations

import re
import socket
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Behaviour:
    close_after_bytes: int | None = None  # drop the connection once this much arrived
    silent: bool = False  # never answer ~HS
    paper_out: bool = False
    head_open: bool = False
    accept_delay: float = 0.0
    keep: bool = True  # False: only count the bytes (benchmarks, so memory measures the sender)
    bytes_per_second: float | None = None  # read no faster than this: a slow, healthy printer
    language: str = "zpl"  # the status query it answers: zpl ~HS, tspl <ESC>!?, brother-ql ESC i S
    media: str = "62"  # what a Brother QL says is loaded


@dataclass
class FakePrinter:
    behaviour: Behaviour = field(default_factory=Behaviour)
    received: bytearray = field(default_factory=bytearray)
    byte_count: int = 0

    def __post_init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._server.settimeout(0.2)  # before the thread starts: close() may come at once
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def uri(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def labels(self) -> list[str]:
        return re.findall(r"\^XA.*?\^XZ", bytes(self.received).decode("utf-8", "replace"), re.S)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.behaviour.accept_delay:
                time.sleep(self.behaviour.accept_delay)
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(0.2)
            while not self._stop.is_set():
                rate = self.behaviour.bytes_per_second
                try:
                    chunk = connection.recv(4096 if rate else 65536)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not chunk:
                    return
                if rate:
                    time.sleep(len(chunk) / rate)
                limit = self.behaviour.close_after_bytes
                if limit is not None and len(self.received) + len(chunk) >= limit:
                    self.received.extend(chunk[: max(0, limit - len(self.received))])
                    connection.shutdown(socket.SHUT_RDWR)
                    return
                answers = {"zpl": b"~HS", "tspl": b"\x1b!?", "brother-ql": b"\x1biS"}
                query = answers.get(self.behaviour.language)
                if query and query in chunk:
                    chunk = chunk.replace(query, b"")
                    if not self.behaviour.silent:
                        connection.sendall(
                            {b"~HS": self._status, b"\x1b!?": self._tspl_status}.get(
                                query, self._brother_status
                            )()
                        )
                self.byte_count += len(chunk)
                if self.behaviour.keep:
                    self.received.extend(chunk)

    def _status(self) -> bytes:
        b = self.behaviour
        line1 = f"030,{int(b.paper_out)},0,1245,000,0,0,0,000,0,0,0"
        line2 = f"001,0,{int(b.head_open)},0,0,2,4,0,00000000,1,000"
        line3 = "1234,0"
        return b"".join(b"\x02" + line.encode() + b"\x03\r\n" for line in (line1, line2, line3))

    def _tspl_status(self) -> bytes:
        b = self.behaviour
        return bytes([(0x01 if b.head_open else 0) | (0x04 if b.paper_out else 0)])

    def _brother_status(self) -> bytes:
        """A 32-byte ESC i S answer, laid out as brother-ql-next's reader expects."""
        b = self.behaviour
        width, _, length = b.media.partition("x")
        answer = bytearray(32)
        answer[0:4] = b"\x80\x20\x42\x34"
        answer[8] = 0x01 if b.paper_out else 0
        answer[9] = 0x10 if b.head_open else 0
        answer[10] = int(width)
        answer[11] = 0x0B if length else 0x0A
        answer[17] = int(length or 0)
        return bytes(answer)

    def close(self) -> None:
        self._stop.set()
        self._server.close()
        self._thread.join(timeout=2)
