"""A misbehaving SMTP server for the integration tests, listening on 127.0.0.1 (standard library
only).

Usage: hostile_smtp.py PORT LOG MODE. Every command line a client sends is appended to LOG (so a
test can tell what the server saw). Prints `ready` once listening, and stops when its stdin closes.

MODE is one of:
  accept       a well-behaved server that accepts every message (and keeps none)
  reject-mail  answers MAIL FROM with 530 (authentication required)
  reject-rcpt  answers RCPT TO with 550 (no such mailbox)
  drop-data    closes the connection in the middle of the message, after DATA
  trickle      sends a greeting that never ends, one byte a second
  auth-no-tls  offers AUTH PLAIN LOGIN but no STARTTLS, and accepts everything
"""

import socket
import sys
import threading
import time


def serve(connection, log, mode):
    def say(line):
        connection.sendall(line.encode() + b"\r\n")

    if mode == "trickle":
        # Continuation lines ("220-") of a greeting that never ends, each read a byte apart.
        for byte in b"220-slow.example.com\r\n" * 1000:
            connection.sendall(bytes([byte]))
            time.sleep(1)
        return
    say("220 hostile.example.com ESMTP")
    reader = connection.makefile("rb")
    in_data = False
    for raw in reader:
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if in_data:
            if mode == "drop-data":
                return
            if line == ".":
                in_data = False
                say("250 accepted")
            continue
        with open(log, "a", encoding="utf-8") as out:
            out.write(line + "\n")
        verb = line.split(" ", 1)[0].upper()
        if verb in ("EHLO", "HELO"):
            if mode == "auth-no-tls":
                say("250-hostile.example.com")
                say("250 AUTH PLAIN LOGIN")
            else:
                say("250 hostile.example.com")
        elif verb == "AUTH":
            say("235 authenticated")
        elif verb == "MAIL":
            say("530 5.7.0 Authentication required" if mode == "reject-mail" else "250 ok")
        elif verb == "RCPT":
            say("550 5.1.1 No such mailbox" if mode == "reject-rcpt" else "250 ok")
        elif verb == "DATA":
            in_data = True
            say("354 go ahead")
        elif verb == "QUIT":
            say("221 bye")
            return
        else:
            say("250 ok")


def main():
    port, log, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    listener = socket.create_server(("127.0.0.1", port))

    def accept():
        while True:
            connection, _ = listener.accept()

            def handle(connection=connection):
                with connection:
                    try:
                        serve(connection, log, mode)
                    except OSError:
                        pass

            threading.Thread(target=handle, daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    print("ready", flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    main()
