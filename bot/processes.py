"""Whether a process still runs: unfinished files named after their writer's process id
(saves of the index, vector checkpoints) are removed only once that process is gone."""

from __future__ import annotations

import os


def alive(pid: int) -> bool:
    """True while a process with this id exists (also when it belongs to someone else)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, owned by someone else
        return True
    return True
