"""A fake printer's SNMP agent on 127.0.0.1 (UDP): answers GET requests for the Host
Resources printer objects from a table the test sets, as a network Brother QL does."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field

from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto import api

HR_PRINTER_STATUS = "1.3.6.1.2.1.25.3.5.1.1.1"
HR_PRINTER_ERRORS = "1.3.6.1.2.1.25.3.5.1.2.1"


@dataclass
class FakeSnmpAgent:
    state: int = 3  # idle
    errors: bytes = b"\x00"
    silent: bool = False
    printing_for: int = 0  # answer "printing" to this many more questions, then ``state``
    asked: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self.port = self._socket.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                message, peer = self._socket.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            if self.silent:
                continue
            module = api.PROTOCOL_MODULES[int(api.decodeMessageVersion(message))]
            request, _ = decoder.decode(message, asn1Spec=module.Message())
            answer = module.apiMessage.get_response(request)
            pdu = module.apiMessage.get_pdu(answer)
            state = self.state
            if self.printing_for > 0:
                self.printing_for -= 1
                state = 4
            values = []
            for oid, _value in module.apiPDU.get_varbinds(module.apiMessage.get_pdu(request)):
                self.asked.append(str(oid))
                if str(oid) == HR_PRINTER_STATUS:
                    values.append((oid, module.Integer(state)))
                elif str(oid) == HR_PRINTER_ERRORS:
                    values.append((oid, module.OctetString(self.errors)))
                else:
                    values.append((oid, module.Null()))
            module.apiPDU.set_varbinds(pdu, values)
            self._socket.sendto(encoder.encode(answer), peer)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._socket.close()
