"""The engine process's entry point: ``EngineClient.start`` runs ``python -m playground.serving.engine_main
FD MODEL MAX_BATCH THREADS`` (FD: its end of the pipe). Apart from engine_process.py, so that the
package, which imports that module, is not running it as ``__main__`` too."""

import sys
from multiprocessing.connection import Connection

from playground.serving.engine_process import engine_main

if __name__ == "__main__":
    engine_main(Connection(int(sys.argv[1])), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
