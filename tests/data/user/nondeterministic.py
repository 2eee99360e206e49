"""Uses the global random generator and wall-clock time (determinism warnings)."""

import random
import time
from datetime import datetime
from random import choice

from sandbox.api import behaviour


@behaviour
def noisy(node):
    yield from node.sleep(random.randint(1, 10))  # RANDOM-LINE
    node.app("t", wall=time.time(), when=str(datetime.now()), c=choice([1, 2]))
    yield from node.sleep(node.rng.randint(1, 10))  # fine: the host's stream
