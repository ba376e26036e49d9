"""``python -m headwater.scheduler.probe FILE TIMEOUT``: import one DAG file under a time limit, in a
process of its own; exit 0 when it imports, else print the import error and exit 1."""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    from headwater.dagbag import DagBag

    path, timeout = Path(argv[0]), float(argv[1])
    bag = DagBag(path.parent)
    bag.load_file(path.resolve(), timeout=timeout)
    error = bag.import_errors.get(str(path.resolve()))
    if error is not None:
        print(error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
