"""A real SMTP server for the integration tests (aiosmtpd), listening on 127.0.0.1.

Usage: smtp_server.py PORT DIR. Each message received is written to DIR/NNNN.eml (first line
`X-Rcpt-To:` with the envelope recipients). Prints `ready` once listening, and stops when its
stdin closes.
"""

import pathlib
import sys

from aiosmtpd.controller import Controller


class Saver:
    def __init__(self, directory):
        self.directory = pathlib.Path(directory)
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        final = self.directory / f"{self.count:04d}.eml"
        partial = final.with_suffix(".part")
        header = "X-Rcpt-To: " + ",".join(envelope.rcpt_tos) + "\r\n"
        partial.write_bytes(header.encode() + envelope.original_content)
        partial.rename(final)
        return "250 Message accepted for delivery"


def main():
    port, directory = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Saver(directory), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
