"""Raw socket (JetDirect, port 9100) to a label printer, with the status query of its language
on the same socket (ZPL ~HS, TSPL <ESC>!?, Brother ESC i S), or over SNMP for a printer that
answers nothing there; a printer with neither is never confirmed."""

from __future__ import annotations

import select
import socket
import time

from batchlabel.errors import PrinterError, PrinterNotSent
from batchlabel.printers.dialects import DIALECTS, SLOWEST_BYTES_PER_SECOND, unreported
from batchlabel.printers.snmp import snmp_status
from batchlabel.printers.status import PrinterStatus


class TcpPrinter:
    def __init__(
        self,
        uri: str,
        host: str,
        port: int,
        timeout: float,
        language: str = "zpl",
        snmp_port: int | None = None,
    ) -> None:
        self.uri = uri
        self.snmp_port = snmp_port  # ask over SNMP instead (a printer silent on its port)
        self.language = language
        self.dialect = DIALECTS[language]
        self.host = host
        self.port = port
        self.timeout = timeout
        self._socket: socket.socket | None = None
        self._in_flight = 0  # bytes sent since the printer last answered

    def _allowing(self, size: int) -> float:
        return self.timeout + size / SLOWEST_BYTES_PER_SECOND

    def _connect(self) -> socket.socket:
        if self._socket is None:
            try:
                self._socket = socket.create_connection(
                    (self.host, self.port), timeout=self.timeout
                )
            except OSError as error:
                # Nothing left yet: the labels of this send are certainly not printed.
                raise PrinterNotSent(
                    f"Cannot reach the printer at {self.host}:{self.port} ({error.strerror or error}); "
                    "check that it is on and on the network."
                ) from None
        return self._socket

    def send(self, data: bytes, name: str = "label") -> None:
        if self._socket is not None and _peer_closed(self._socket):
            self.close()
            raise PrinterNotSent(f"The printer at {self.host}:{self.port} closed the connection.")
        try:
            connection = self._connect()
            connection.settimeout(self._allowing(len(data)))
            connection.sendall(data)
            self._in_flight += len(data)
        except PrinterError:
            raise
        except OSError as error:
            self.close()
            raise PrinterError(
                f"The connection to the printer at {self.host}:{self.port} broke while sending "
                f"({error.strerror or error})."
            ) from None

    def status(self) -> PrinterStatus:
        """Ask the language's status query; silence within the timeout means not ready."""
        if self.snmp_port is not None:
            return self._snmp_status(self.snmp_port)
        if self.dialect.query is None:
            return unreported(self.language)
        waited = self._allowing(self._in_flight)
        try:
            connection = self._connect()
            # ~HS queues behind what the printer has not read yet: wait for that too.
            connection.settimeout(waited)
            connection.sendall(self.dialect.query)
            answer = b""
            while not answer or not self.dialect.complete(answer):
                chunk = connection.recv(1024)
                if not chunk:
                    raise OSError("connection closed")
                answer += chunk
        except TimeoutError:
            self.close()
            return PrinterStatus(
                False,
                detail=f"The printer at {self.host}:{self.port} did not answer within {waited:.0f} s; it is not ready.",
            )
        except (OSError, PrinterError) as error:
            self.close()
            return PrinterStatus(
                False, detail=f"The printer at {self.host}:{self.port} cannot be reached ({error})."
            )
        self._in_flight = 0
        return self.dialect.parse(answer)

    def _snmp_status(self, port: int) -> PrinterStatus:
        """SNMP answers beside the print data, not after it: ask until the printer is idle
        (all it was sent is out) or has a fault, for as long as the data may take to print."""
        deadline = time.monotonic() + self._allowing(self._in_flight)
        while True:
            found = snmp_status(self.host, port)
            if found is None:
                return PrinterStatus(
                    False,
                    detail=f"The printer at {self.host} did not give its state over SNMP (port "
                    f"{port}); check that SNMP is on in its settings.",
                )
            if not found.busy or time.monotonic() >= deadline:
                if not found.busy:
                    self._in_flight = 0
                return found
            time.sleep(0.5)

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None


def _peer_closed(connection: socket.socket) -> bool:
    """True when the printer has hung up (readable, and a peek reads nothing)."""
    try:
        readable, _, _ = select.select([connection], [], [], 0)
        if not readable:
            return False
        return connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:
        return True
