"""The files every run finds in its own directory, the ones its file operands are for.

The runner writes them when a run starts (`app/runner/supervisor.py`); the argument check
(`app/scenarios/argv.py`) names them in its messages. This module imports nothing, so the
runner can take it without pulling in the web server's dependencies.
"""

from __future__ import annotations

RUN_FILES = {
    "hello.c": "int main(void) { return 0; }\n",
    "notes.md": "# pipes\nfd[0] reads, fd[1] writes\n",
    "words.txt": "pipe\nfork\nread\nwrite\nclose\npipe\n",
}
