"""Golden fingerprints: the sha256 of the JSONL trace of every preset (and of the guard
scenarios in ``tests/data``) for two seeds.

A refactor changes no trace. A change of the model that alters traces on purpose
updates these figures in the same commit, and its message says why.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from sandbox.engine import Simulation
from sandbox.presets import list_presets
from sandbox.scenario import load
from sandbox.trace import JsonlSink

DATA = Path(__file__).resolve().parent / "data"

#: (scenario stem, seed) -> sha256 of the JSONL trace, header line included.
GOLDEN = {
    ("clock_sync_cristian", 1): "6c4f3fbeb334199fbd4327076361fc15587b9cc3af5cc7af4ac0a15d79e1681e",
    ("clock_sync_cristian", 2): "01ab22a962ed79473767031f90b38f3ca1aa9bc6f418e7dbab8b4e5676ad828b",
    ("crash_heartbeat", 1): "0ffb58044ceddebb04e37862bb077b23a65488c449e74ed7f58ed37810fb4d6a",
    ("crash_heartbeat", 2): "36fe078cbba58f15ac3fd5676f28e35a95c6176432f717e508f104fa39d93a78",
    ("dsm_numa", 1): "e0978b840555cd3fd7785fa413a8bf97a5d27e482ebcad883f52985db8acca58",
    ("dsm_numa", 2): "b4f91721af20eca0d3d7c372a46a9f087bc72f2a9be927d0cd5be598cd93e7b6",
    ("lossy_reliable_broadcast", 1): "bccb5252817691863f343673e15537e7afe6874167a52ec58706a926db13ded5",
    ("lossy_reliable_broadcast", 2): "d0f0db9c5caf0e1366cd6b49f122c6d8c11326f5a07f507869ed1598a7ae41a1",
    ("quorum_degradation", 1): "67194f564f7307f9ff24a5c17c124be0a2a4b10508f809ccaa1eb8c6f1955bc9",
    ("quorum_degradation", 2): "0c9b3341441b9e7c6bff6988a8ee5922ea7b87cf6cb752b24b54278118bd7f33",
    ("raft_leader_crash", 1): "e9ca442f77d16424dfc5490c5d4fc2b86eff6bb21849e05514b67cd9152b772b",
    ("raft_leader_crash", 2): "5333ad306c788350a9bc24f62630960a0a2ef81bc6d49ba8ad25b09fae8daf6f",
    ("message_passing_basics", 1): "a049dd3a686f2a8184b09ce1f9eba260754a9d9a2fb4dae003af8172df2acde3",
    ("message_passing_basics", 2): "0419e3b2d59954ef4e2ca5d322ae770bcaa9c1afadc3858f0e4e9f3acc1978ad",
    ("guard_dsm_migrate", 1): "86bc77bad77a6aa6db04295664f1ef59465185b424f0cbfdafb5b3ce72a8b7d9",
    ("guard_dsm_migrate", 2): "c55eb2995a37289477203f48fb409bea1757cd7c1663dec1ce28897da1b664f3",
    ("guard_dsm_replication", 1): "624790f9234edf976b46ef78c1529dceb3057db848c200730c0f3816ae3e5d60",
    ("guard_dsm_replication", 2): "7fceabf3a9fb3a84b01e98930ecaa697ef8a86aca09a4393b657e118198fb0f8",
    ("guard_mixed", 1): "1b4a7a966ca465d7660d05996bbfd55dfe3bf19eb8efb878e37e0002991697f1",
    ("guard_mixed", 2): "59e22da43372706eccd10a1c4695bc11e5dbf6f0989cd65fa5655b3bd0206b60",
    ("guard_shared_memory", 1): "d07c3254598a8ae9c02958211c5c0af3ab71125746df87e29ddac0dfcf07effc",
    ("guard_shared_memory", 2): "8d8dcd75dfbf2e94cc763c3a567744e9d1f6dd5fe1cd4fd1aec4e77daa346562",
}


def _scenario_files() -> dict[str, Path]:
    files = {path.stem: path for path, _title in list_presets()}
    files.update({path.stem: path for path in sorted(DATA.glob("guard_*.json"))})
    return files


def _trace_sha256(path: Path, seed: int, out: Path) -> str:
    Simulation(load(path), JsonlSink(out), seed=seed).run()
    return hashlib.sha256(out.read_bytes()).hexdigest()


def test_every_scenario_has_a_fingerprint():
    """A new preset needs its fingerprints here, and a removed one loses them."""
    assert {stem for stem, _seed in GOLDEN} == set(_scenario_files())


@pytest.mark.parametrize(("stem", "seed"), sorted(GOLDEN))
def test_trace_fingerprint_unchanged(stem, seed, tmp_path):
    path = _scenario_files()[stem]
    assert _trace_sha256(path, seed, tmp_path / "run.jsonl") == GOLDEN[(stem, seed)]
