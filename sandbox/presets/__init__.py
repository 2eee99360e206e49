"""The bundled presets: scenario files in the top-level ``presets/`` folder that teach one idea each."""

from __future__ import annotations

import json
from pathlib import Path

#: The preset opened when the program starts with no file.
DEFAULT_PRESET = "message_passing_basics"


def preset_dir() -> Path:
    """The folder that holds the bundled presets."""
    return Path(__file__).resolve().parent.parent / "presets"


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
