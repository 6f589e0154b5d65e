#!/usr/bin/env python3
"""Runs the curl examples of README.md (or any Markdown page) against the real strongbox binary.

    readme_examples.py STRONGBOX_BINARY [PAGE.md | DIR ...]   (or STRONGBOX_BIN=... in the env)
    A DIR stands for every *.md in it; the default page is the repository's README.md.
    VERBOSE=1 also prints each call's status and what the examples printed.

A documentation example must work as written for a reader who follows the page from the top. So
for each page this starts a fresh server and runs the page's examples in order, in one bash, as
a reader pastes them into a terminal:

  * The reader runs them from the repository root while `scripts/run.sh` serves on
    127.0.0.1:8080 with its data in ./data. Here bash runs in a temporary directory whose `data/`
    is the test server's data directory, so `AUTH="x-api-key: $(cat data/admin.key)"` works as
    written. `curl` is a shell function that calls the real curl with
    `--connect-to ::127.0.0.1:<port>`: the commands keep `http://127.0.0.1:8080`, and no request
    can go anywhere but the test's server. No command is rewritten. HOME is the temporary
    directory, so no ~/.curlrc applies.
  * Pages in proto-docs/ start with AUTH set the way proto-docs/README.md tells the reader to set
    it; README.md sets it in its own first example.

Which blocks run (every skipped block is listed with its reason):

  * Only ```sh (or bash / shell) blocks are examples. ```ini, ```json and plain ``` blocks never
    run, and a curl in one of them is an error: it would escape the check.
  * A sh block runs when it calls curl, or when it only sets shell variables (B=…) that later
    blocks use. Any other sh block (scripts/run.sh, strongbox restore / keys) is not a request
    to the server and is skipped.
  * A block that calls curl but needs more than this server (docker compose) is skipped when
    the nearest non-blank line above its opening fence is
        <!-- not run by tests/docs/readme_examples.py: REASON -->

The expected status: every curl ends its line with a comment `# → NNN`, optionally followed by
text; for a command over several lines, its last line:

    curl -s -H "$AUTH" "$B/entries/users:7"                       # → 200
    curl -s -H "$AUTH" -X PATCH "$B/entries/users:7" \\
      -d '{"value":{"gold":80},"etag":"08DF….0000000001.08DF….01"}'   # → 409 ETAG_MISMATCH

A comment line of its own may show an answer's body (`# → {"path":…}`); a status there (`# → 409`
on a line without curl) is an error, since nothing would check it. One curl per command.

The test fails, naming the page and line, on: a curl without an expected status, an answer with
another status, a curl that gets no answer, a command that fails (the examples run under
`set -eE -o pipefail`), an annotated curl that never ran, and a server that does not start or
stop cleanly. Every wait is bounded (curl --max-time, a deadline per page and for the whole
run); the server gets SIGTERM, then SIGKILL after a deadline; the temporary directory is removed.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

# Time bounds. A page takes about a second (3-5 s under the sanitizers with other tests running
# beside it: 16 proto-docs pages took 51 s there); these only bound what hangs. The total stays
# under the ctest TIMEOUT of tests/CMakeLists.txt.
CURL_MAX_TIME_S = 10             # one request (the examples' long polls find their item at once)
PAGE_DEADLINE_S = 30             # all the examples of one page
TOTAL_DEADLINE_S = 150           # all the examples of all the pages given
SERVER_START_DEADLINE_S = 10
SERVER_SHUTDOWN_GRACE_MS = 2000  # a request an example left waiting is cut after this
SERVER_STOP_DEADLINE_S = 10      # then SIGKILL

# How proto-docs/README.md tells the reader to set AUTH; README.md sets it in its own example.
AUTH_AS_DOCUMENTED = 'AUTH="x-api-key: $(cat data/admin.key)"'

SKIP_MARKER = re.compile(
    r"^\s*<!--\s*not run by tests/docs/readme_examples\.py:\s*(.*?)\s*-->\s*$")
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^`\s]*)")
SH_LANGS = {"sh", "bash", "shell"}
EXPECT = re.compile(r"→\s*(\d{3})\b")
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


class Failures:
    """Every problem found, as "page:line: message"."""

    def __init__(self):
        self.messages = []

    def add(self, where, message):
        self.messages.append(f"{where}: {message}")


# ---------------------------------------------------------------------------------------------
# Markdown → fenced blocks

class Block:
    def __init__(self, lang, fence_line, indent, marker):
        self.lang = lang
        self.fence_line = fence_line  # 1-based line of the opening fence
        self.indent = indent          # of the fence (a block inside a list item is indented)
        self.marker = marker          # the skip reason, or None
        self.lines = []               # (1-based line, text without the fence's indentation)


def parse_blocks(text):
    blocks = []
    current = None
    fence = None
    last_nonblank = ""
    for number, line in enumerate(text.split("\n"), start=1):
        if current is None:
            m = FENCE.match(line)
            if m:
                marker = SKIP_MARKER.match(last_nonblank)
                current = Block(m.group(3).lower(), number, len(m.group(1)),
                                marker.group(1) if marker else None)
                fence = m.group(2)
            elif line.strip():
                last_nonblank = line
            continue
        stripped = line.strip()
        if stripped.startswith(fence) and not stripped.strip(fence[0]):
            blocks.append(current)
            current = None
            last_nonblank = ""
            continue
        if current.indent and not line[:current.indent].strip():
            line = line[current.indent:]
        current.lines.append((number, line))
    return blocks


# ---------------------------------------------------------------------------------------------
# Shell lexing: just enough to find each command's lines, its comments and its curl words

class Command:
    """One shell command as the reader sees it, over one or more physical lines."""

    def __init__(self, first, text):
        self.first = first
        self.last = first
        self.text = text     # its first physical line
        self.words = []      # unquoted words outside comments
        self.curls = 0       # unquoted `curl` words
        self.comments = []   # (line, comment text) of each physical line that has one
        self.heredoc = False


def split_commands(lines):
    """Splits a block into commands. Tracks '…', "…", $( … ) and ( … ): a line that ends inside
    one of them, or with a backslash, | or &&, continues the command on the next line."""
    commands = []
    current = None
    stack = []  # open "'", '"' and "(" (for $( … ) and ( … ))

    def end_word(word):
        if word:
            current.words.append(word)
            current.curls += word == "curl"
        return ""

    for number, text in lines:
        if current is None:
            current = Command(number, text)
        current.last = number
        word = ""
        code_end = len(text)
        i = 0
        while i < len(text):
            c = text[i]
            top = stack[-1] if stack else None
            if top == "'":
                if c == "'":
                    stack.pop()
                i += 1
                continue
            if c == "\\":
                i += 2
                continue
            if top == '"':
                if c == '"':
                    stack.pop()
                elif text.startswith("$(", i):
                    stack.append("(")
                    i += 1
                i += 1
                continue
            # Unquoted, at the top level or inside $( … ).
            if c == "#" and (i == 0 or text[i - 1] in " \t;|&("):
                current.comments.append((number, text[i + 1:]))
                code_end = i
                break
            if text.startswith("<<", i) and not text.startswith("<<<", i):
                current.heredoc = True
            if c in "'\"(":
                stack.append(c)
            elif c == ")" and top == "(":
                stack.pop()
            if c.isalnum() or c in "_-./":
                word += c
            else:
                word = end_word(word)
            i += 1
        end_word(word)
        code = text[:code_end].rstrip()
        if not (stack or code.endswith("\\") or code.endswith("|") or code.endswith("&&")):
            commands.append(current)
            current = None
    if current is not None:
        commands.append(current)
    return commands


def skip_reason(block, commands):
    """Why a sh block is not run, or None when it runs."""
    if block.marker is not None:
        return f"marked: {block.marker}"
    if any(command.curls for command in commands):
        return None
    if all(ASSIGNMENT.match(command.text.strip()) for command in commands if command.words):
        return None  # it only sets variables that later blocks use
    return "calls no curl: not a request to the server"


class CurlCall:
    def __init__(self, first, last, expected):
        self.first = first
        self.last = last
        self.expected = expected  # the status the page states, or None
        self.ran = 0


class Examples:
    """What of a page runs: the script (one entry per page line, "" where nothing runs, so bash
    reports page lines), the curl calls and the (first, last) lines of every command."""

    def __init__(self, name, text, failures):
        self.script = [""] * (text.count("\n") + 1)
        self.calls = []
        self.commands = []
        self.blocks_run = 0
        self.blocks_skipped = 0
        for block in parse_blocks(text):
            if block.lang not in SH_LANGS:
                for number, line in block.lines:
                    if re.match(r"^\s*(\$\s*)?curl\s", line):
                        failures.add(f"{name}:{number}",
                                     f"curl in a ```{block.lang or '(plain)'} block: examples "
                                     "go in ```sh blocks, where they are run")
                continue
            commands = split_commands(block.lines)
            reason = skip_reason(block, commands)
            if reason is not None:
                self.blocks_skipped += 1
                print(f"  skip {name}:{block.fence_line}: {reason}")
                continue
            self.blocks_run += 1
            for command in commands:
                self._add(name, command, failures)
            for number, line in block.lines:
                self.script[number - 1] = line

    def _add(self, name, command, failures):
        self.commands.append((command.first, command.last))
        statuses = [(number, m.group(1)) for number, comment in command.comments
                    for m in [EXPECT.search(comment)] if m]
        if command.heredoc:
            failures.add(f"{name}:{command.first}", "a here-document: the extractor does not "
                         "follow them; pass the body with -d '…'")
        if command.curls == 0:
            for number, status in statuses:
                failures.add(f"{name}:{number}", f"'→ {status}' on a line without curl is not "
                             "checked: put the expected status on the curl's line")
            return
        expected = int(statuses[-1][1]) if statuses else None
        if command.curls > 1:
            failures.add(f"{name}:{command.first}", "more than one curl in one command: give "
                         "each its own line, so each carries its own expected status")
        elif expected is None:
            failures.add(f"{name}:{command.last}", "curl without an expected status: end its "
                         "line with a comment '# → NNN'")
        self.calls.append(CurlCall(command.first, command.last, expected))

    def command_at(self, line):
        return next(((f, l) for f, l in self.commands if f <= line <= l), (line, line))


# ---------------------------------------------------------------------------------------------
# The server

def _die_with_parent():
    """Runs in a child before exec: SIGKILL it when this test dies first (say, a ctest timeout),
    so nothing the test started outlives it."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Server:
    """The real binary on port 0 with a fresh data directory, as tests/integration starts it."""

    def __init__(self, binary, work):
        self.binary = binary
        self.work = work
        self.data_dir = os.path.join(work, "data")
        self.log_path = os.path.join(work, "server.log")
        self.process = None
        self.port = None

    def start(self):
        port_file = os.path.join(self.work, "port")
        args = [self.binary, "--port", "0", "--port-file", port_file,
                "--data-dir", self.data_dir, "--io-threads", "2", "--log-level", "info",
                "--shutdown-grace-ms", str(SERVER_SHUTDOWN_GRACE_MS)]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=log, cwd=self.work,
                                            preexec_fn=_die_with_parent)
        deadline = time.monotonic() + SERVER_START_DEADLINE_S
        while True:
            try:
                with open(port_file) as f:
                    text = f.read().strip()
                if text.isdigit() and int(text) > 0:
                    self.port = int(text)
                    break
            except FileNotFoundError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"strongbox exited during start ({self.process.returncode}):\n" + self.log())
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"strongbox wrote no port file in {SERVER_START_DEADLINE_S} s:\n" + self.log())
            time.sleep(0.01)
        # The key file is written before the port opens (as the integration tests rely on).
        with open(os.path.join(self.data_dir, "admin.key")) as f:
            if not f.readline().strip():
                raise RuntimeError("strongbox wrote an empty data/admin.key")

    def stop(self):
        """SIGTERM, then SIGKILL after the deadline. Returns the exit code (negative: a signal)."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=SERVER_STOP_DEADLINE_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def call(self, method, path, body=None):
        """One request with the admin key the server wrote (for the other docs checks: route
        table, metrics). Returns the answer's text; an HTTP error status raises."""
        with open(os.path.join(self.data_dir, "admin.key")) as f:
            key = f.readline().strip()
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path), method=method,
                                     data=body.encode() if body else None,
                                     headers={"x-api-key": key,
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=CURL_MAX_TIME_S) as answer:
            return answer.read().decode()

    def log(self, tail=30):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-tail:])
        except FileNotFoundError:
            return "(no log)"


# ---------------------------------------------------------------------------------------------
# Running a page

# Sourced before the page's script. `curl` records the line it was called from (BASH_LINENO: a
# line of the page), the answer's status and curl's exit code; a failing command, its line.
PREAMBLE = r"""
__sb_failed() { printf 'ERR %s %s\n' "$2" "$1" >> "$SB_LOG"; }
set -eE -o pipefail
trap '__sb_failed "$?" "$LINENO"' ERR
curl() {
  local headers rc=0 status
  headers=$(mktemp "$SB_WORK/headers.XXXXXX")
  command curl --connect-to "::127.0.0.1:$SB_PORT" --noproxy '*' --max-time "$SB_CURL_MAX_TIME" \
    "$@" --dump-header "$headers" || rc=$?
  status=$(awk '/^HTTP\//{s=$2} END{print s+0}' "$headers")
  rm -f "$headers"
  printf 'CURL %s %s %s\n' "${BASH_LINENO[0]}" "$status" "$rc" >> "$SB_LOG"
  return $rc
}
"""


def run_examples(page, examples, work, port, deadline):
    """Runs the page's script in bash; returns (log entries, stdout, stderr, exit code or None
    when it ran out of time, the time it had)."""
    script_path = os.path.join(work, os.path.basename(page) + ".sh")
    with open(script_path, "w") as f:
        f.write("\n".join(examples.script) + "\n")
    preamble_path = os.path.join(work, "preamble.sh")
    with open(preamble_path, "w") as f:
        f.write(PREAMBLE)
        if os.path.basename(os.path.dirname(os.path.abspath(page))) == "proto-docs":
            f.write(AUTH_AS_DOCUMENTED + "\n")
    log_path = os.path.join(work, "calls.log")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": work,
        "LANG": "C.UTF-8",
        "SB_PORT": str(port),
        "SB_WORK": work,
        "SB_LOG": log_path,
        "SB_CURL_MAX_TIME": str(CURL_MAX_TIME_S),
    }
    bash = subprocess.Popen(
        ["bash", "--noprofile", "--norc", "-c", f'. "{preamble_path}"; . "{script_path}"'],
        cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, start_new_session=True, preexec_fn=_die_with_parent)
    budget = max(1.0, min(PAGE_DEADLINE_S, deadline - time.monotonic()))
    try:
        out, err = bash.communicate(timeout=budget)
        code = bash.returncode
    except subprocess.TimeoutExpired:
        os.killpg(bash.pid, signal.SIGKILL)  # bash and its curl: the group this test started
        out, err = bash.communicate()
        code = None
    log = []
    if os.path.exists(log_path):
        with open(log_path) as f:
            log = [entry.split() for entry in f]
    err = err.decode(errors="replace").replace(script_path, os.path.relpath(page))
    return log, out.decode(errors="replace"), err, code, budget


def check_page(page, binary, failures, deadline):
    name = os.path.relpath(page)
    with open(page, encoding="utf-8") as f:
        text = f.read()
    lines = text.split("\n")
    examples = Examples(name, text, failures)
    if not examples.blocks_run:
        print(f"  {name}: no examples to run")
        return
    verbose = bool(os.environ.get("VERBOSE"))
    before = len(failures.messages)
    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="strongbox-docs-")
    server = Server(binary, work)
    try:
        server.start()
        log, out, err, code, budget = run_examples(page, examples, work, server.port, deadline)
        if verbose:
            print(out)
        for _, line, status, rc in (entry for entry in log if entry[0] == "CURL"):
            line, status, rc = int(line), int(status), int(rc)
            call = next((c for c in examples.calls if c.first <= line <= c.last), None)
            if call is None:
                failures.add(f"{name}:{line}", f"a curl the extractor did not see ran here "
                             f"(answered {status})")
                continue
            call.ran += 1
            if verbose:
                print(f"  {name}:{call.last}: answered {status}, the page says {call.expected}")
            if rc == 28:
                failures.add(f"{name}:{call.last}",
                             f"no answer within curl --max-time {CURL_MAX_TIME_S} s")
            elif rc != 0:
                failures.add(f"{name}:{call.last}", f"curl exited {rc}"
                             + (f" (status {status})" if status else ": no answer"))
            elif call.expected is not None and status != call.expected:
                failures.add(f"{name}:{call.last}",
                             f"answered {status}, the page says {call.expected}")
        if code is None:
            failures.add(name, f"the examples did not finish in {budget:.0f} s")
        elif code != 0:
            error = next((entry for entry in log if entry[0] == "ERR"), None)
            if error and 0 < int(error[1]) <= len(lines):
                first, last = examples.command_at(int(error[1]))
                command = " ".join(line.strip().rstrip("\\").strip()
                                   for line in lines[first - 1:last])
                failures.add(f"{name}:{first}", f"command failed (exit code {error[2]}): {command}")
            else:
                failures.add(name, f"bash exited {code}")
            if err.strip():
                failures.add(name, "bash said:\n    " + err.strip().replace("\n", "\n    "))
        not_run = [call for call in examples.calls if not call.ran]
        if code == 0:
            for call in not_run:
                failures.add(f"{name}:{call.last}", "this curl never ran")
        elif not_run:
            print(f"  {name}: {len(not_run)} curl commands did not run (the run stopped early)")
    except RuntimeError as e:  # the server did not start
        failures.add(name, str(e))
    finally:
        code = server.stop()
        if code != 0:
            failures.add(name, f"strongbox did not stop cleanly on SIGTERM (exit {code})")
        if len(failures.messages) > before:
            print(f"  {name}: the server's log ends with:\n    "
                  + server.log().rstrip().replace("\n", "\n    "))
        shutil.rmtree(work, ignore_errors=True)
    print(f"  {name}: {examples.blocks_run} blocks run, {examples.blocks_skipped} skipped, "
          f"{sum(call.ran for call in examples.calls)} curl calls checked in "
          f"{time.monotonic() - started:.1f} s")


def main(argv):
    binary = argv[1] if len(argv) > 1 else os.environ.get("STRONGBOX_BIN")
    if not binary:
        print(__doc__.split("\n\n")[1])
        return 2
    if not os.access(binary, os.X_OK):
        print(f"not an executable: {binary}")
        return 2
    pages = []
    for arg in argv[2:] or [
            os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "README.md")]:
        if os.path.isdir(arg):
            pages += sorted(os.path.join(arg, f) for f in os.listdir(arg) if f.endswith(".md"))
        else:
            pages.append(arg)
    # SIGTERM (a ctest timeout) unwinds like Ctrl-C: the server is stopped, temp dirs removed.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    failures = Failures()
    started = time.monotonic()
    deadline = started + TOTAL_DEADLINE_S
    for page in pages:
        print(f"{os.path.relpath(page)}:")
        check_page(page, binary, failures, deadline)
    elapsed = time.monotonic() - started
    if failures.messages:
        count = len(failures.messages)
        print(f"\nFAILED ({count} problem{'s' if count > 1 else ''}, {elapsed:.1f} s):")
        for message in failures.messages:
            print(f"  {message}")
        return 1
    print(f"\nOK ({elapsed:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
