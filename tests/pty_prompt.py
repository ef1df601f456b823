"""Runs a command in a pseudo-terminal and answers its prompts, as a person at a keyboard would.

Usage: pty_prompt.py ANSWER [ANSWER ...] -- COMMAND [ARG ...]
Each ANSWER is typed (followed by Enter) when the program next prints something ending in ': '
or '] ', as soon as the terminal's echo is off (a password prompt turns it off just after printing
itself) or after a short wait (other prompts keep it on). Prints everything the program wrote to the
terminal, then exits with its exit code.

With PTY_INTERRUPT_ON=TEXT in the environment, Ctrl-C is typed once, as soon as the program has
written TEXT. With PTY_COLUMNS=N the terminal is N columns wide.
"""

import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time


def wait_for_echo_off(fd, seconds=0.5):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not termios.tcgetattr(fd)[3] & termios.ECHO:
            return
        time.sleep(0.005)


def main():
    split = sys.argv.index("--")
    answers, command = sys.argv[1:split], sys.argv[split + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        columns = os.environ.get("PTY_COLUMNS")
        if columns:
            fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 24, int(columns), 0, 0))
        os.execvp(command[0], command)
    seen = b""
    pending = b""
    interrupt_on = os.environ.get("PTY_INTERRUPT_ON", "").encode()
    while True:
        ready, _, _ = select.select([fd], [], [], 10)
        if not ready:
            print("pty_prompt: the program stopped answering", file=sys.stderr)
            os.kill(pid, 9)
            break
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
        pending += chunk
        if interrupt_on and interrupt_on in seen:
            os.write(fd, b"\x03")
            interrupt_on = b""
        if answers and (pending.endswith(b": ") or pending.endswith(b"] ")):
            wait_for_echo_off(fd)
            os.write(fd, answers.pop(0).encode() + b"\r")
            pending = b""
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(seen.decode(errors="replace"))
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
