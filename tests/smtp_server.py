#!/usr/bin/env python3
"""A real SMTP server on loopback for the integration tests (aiosmtpd).

Every accepted message is written to DIR as an .eml file, with the envelope
recipients in an X-Envelope-To header. Recipients choose a behaviour:
  fail451once-...@  answered 451 (try later) the first time, accepted after;
  reject550-...@    always answered 550 (no such user: permanent), quoting
                    the address as real servers do.
--delay-ms N answers each message's data N ms late (a slow server).
Prints "ready" once listening; runs until killed.
"""
import argparse
import asyncio
import os
import time

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, directory, delay_ms=0):
        self.directory = directory
        self.delay_ms = delay_ms
        self.seen = set()
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0]
        if local.startswith("reject550"):
            # Like real servers, the rejection quotes the address.
            return f"550 5.1.1 <{address}>: Recipient address rejected: no such user"
        if local.startswith("fail451once") and address not in self.seen:
            self.seen.add(address)
            return "451 4.3.0 Temporary local problem, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay_ms:
            await asyncio.sleep(self.delay_ms / 1000)
        self.count += 1
        name = os.path.join(self.directory, f"{time.time_ns()}-{self.count}.eml")
        header = ("X-Envelope-To: " + ", ".join(envelope.rcpt_tos) + "\r\n").encode()
        with open(name + ".tmp", "wb") as f:
            f.write(header + envelope.original_content)
        os.rename(name + ".tmp", name)
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--delay-ms", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    controller = Controller(Handler(args.dir, args.delay_ms), hostname="127.0.0.1", port=args.port)
    controller.start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
