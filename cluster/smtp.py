"""A real SMTP server on loopback for the cluster: the workers send their e-mail to it, and checks count it.

aiosmtpd in a thread of the process that runs the cluster. A message counts as delivered when the server
accepts it (its ``250`` after DATA), as a mail relay takes responsibility for it then. Checks may slow the
server down (``delay`` before answering each recipient, so a fan-out takes long enough to be interrupted)
and may act on the Nth recipient command (``on_recipient``, given the client's address), e.g. kill the
worker in the middle of the SMTP conversation, as a machine losing power would.
"""

import asyncio
import email
import email.policy
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Delivered:
    recipient: str
    message_id: str
    subject: str


@dataclass
class Mailbox:
    """What the server accepted, and the knobs a check turns."""

    delivered: list[Delivered] = field(default_factory=list)
    recipients_seen: int = 0
    delay: float = 0.0
    on_recipient: Callable[[int, tuple[str, int]], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        with self.lock:
            self.recipients_seen += 1
            seen = self.recipients_seen
            hook = self.on_recipient
        if hook is not None:
            await asyncio.to_thread(hook, seen, tuple(session.peer))
        if self.delay:
            await asyncio.sleep(self.delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.delivered.append(
                    Delivered(recipient, str(message.get("Message-ID", "")), str(message.get("Subject", "")))
                )
        return "250 OK"

    def snapshot(self) -> list[Delivered]:
        with self.lock:
            return list(self.delivered)

    def copies(self) -> Counter[tuple[str, str]]:
        """How many times each (recipient, Message-ID) was accepted."""
        return Counter((item.recipient, item.message_id) for item in self.snapshot())


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.mailbox = Mailbox()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=port, ready_timeout=10)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()
