"""The bundled presets: scenario files shipped inside this package that teach one idea each."""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from importlib import resources
from pathlib import Path

#: The preset opened when the program starts with no file.
DEFAULT_PRESET = "message_passing_basics"

_extracted: Path | None = None


def preset_dir() -> Path:
    """The folder that holds the bundled presets (the JSON files beside this module).

    The files are read through :mod:`importlib.resources`, so they are found in a source
    tree, an editable install, a regular install and a wheel alike. A package imported
    from a zip archive has no folder on disk: its presets are then copied once to a
    temporary folder that is removed when the program exits.
    """
    global _extracted
    root = resources.files(__name__)
    if isinstance(root, Path):
        return root
    if _extracted is None:
        folder = Path(tempfile.mkdtemp(prefix="sandbox-presets-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        for item in root.iterdir():
            if item.name.endswith(".json"):
                (folder / item.name).write_bytes(item.read_bytes())
        _extracted = folder
    return _extracted


def list_presets() -> list[tuple[Path, str]]:
    """Every bundled preset as (path, title), sorted by file name."""
    out = []
    for path in sorted(preset_dir().glob("*.json")):
        try:
            title = json.loads(path.read_text(encoding="utf-8")).get("title") or path.stem
        except (OSError, ValueError, AttributeError):
            title = path.stem
        out.append((path, str(title)))
    return out


def preset_path(name: str) -> Path:
    """The path of the preset called ``name`` (file stem); FileNotFoundError if none."""
    path = preset_dir() / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"no preset named {name!r}")
    return path


def default_preset() -> Path:
    """The path of the default preset."""
    return preset_path(DEFAULT_PRESET)
