"""A scenario names the user's behaviour files; reading them (hash, the behaviours they
define) never runs their code."""

from __future__ import annotations

import hashlib

import pytest

from sandbox.scenario import ScenarioError, dumps, loads, scenario_from_dict
from sandbox.scenario.user_files import declared_behaviours, file_status, scenario_files

SOURCE = '''
from sandbox.api import behaviour
import sandbox.api as api

@behaviour
def plain(node, params):
    yield from node.sleep(1)

@behaviour(name="named_one", title="A named one")
def _impl(node, params):
    yield from node.sleep(1)

@api.behaviour("dotted")
def dotted(node, params):
    yield from node.sleep(1)

def not_a_behaviour(node, params):
    yield

open("MARKER", "w").write("ran")  # never runs: the file is only parsed
'''


def _scenario(**files):
    return {"hosts": [{"id": "a", "behaviour": {"name": "plain", "params": {"x": 1}}},
                      {"id": "b", "behaviour": {"name": "named_one"}}],
            "behaviour_files": [{"path": "mine.py", "behaviours": ["plain", "named_one"],
                                 **files}]}


def test_the_behaviours_a_file_defines_are_found_without_running_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "mine.py"
    path.write_text(SOURCE, encoding="utf-8")
    status = file_status("mine.py", tmp_path)
    assert status.names == ["plain", "named_one", "dotted"]
    assert [d.line for d in status.declared] == [6, 10, 14]  # the lines of the defs
    assert status.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert status.problem == "" and not status.changed
    assert not (tmp_path / "MARKER").exists()


def test_a_scenario_naming_file_behaviours_validates_and_records_the_hash(tmp_path):
    (tmp_path / "mine.py").write_text(SOURCE, encoding="utf-8")
    digest = hashlib.sha256(SOURCE.encode()).hexdigest()
    s = scenario_from_dict(_scenario(sha256=digest))
    assert s.user_behaviours()["plain"].path == "mine.py"
    assert loads(dumps(s)) == s
    (status,) = scenario_files(s, tmp_path)
    assert not status.changed
    (tmp_path / "mine.py").write_text(SOURCE + "\n# edited\n", encoding="utf-8")
    (status,) = scenario_files(s, tmp_path)
    assert status.changed and status.recorded == digest


def test_a_scenario_without_files_is_written_as_before():
    s = scenario_from_dict({"hosts": [{"id": "a"}]})
    assert "behaviour_files" not in dumps(s)


def test_an_unknown_name_a_duplicate_and_a_builtin_name_are_refused():
    bad = _scenario()
    bad["hosts"][0]["behaviour"]["name"] = "nowhere"
    with pytest.raises(ScenarioError, match="unknown behaviour 'nowhere'"):
        loads(__import__("json").dumps(bad))
    twice = _scenario()
    twice["behaviour_files"].append({"path": "other.py", "behaviours": ["plain"]})
    with pytest.raises(ScenarioError, match="defined twice"):
        loads(__import__("json").dumps(twice))
    builtin = _scenario()
    builtin["behaviour_files"][0]["behaviours"].append("raft")
    with pytest.raises(ScenarioError, match="built-in"):
        loads(__import__("json").dumps(builtin))
    with pytest.raises(ScenarioError, match="sha256"):
        loads(__import__("json").dumps(_scenario(sha256="not a hash")))


def test_a_missing_file_a_syntax_error_and_bytes_that_are_not_text_are_reported(tmp_path):
    assert file_status("gone.py", tmp_path).problem == "no such file"
    (tmp_path / "bad.py").write_text("def f(:\n    pass\n", encoding="utf-8")
    status = file_status("bad.py", tmp_path)
    assert status.syntax is not None and status.syntax.line == 1
    assert status.problem.startswith("syntax error at line 1, column")
    (tmp_path / "bin.py").write_bytes(b"\xff\xfe\x00")
    assert "UTF-8" in file_status("bin.py", tmp_path).problem
    (tmp_path / "folder.py").mkdir()
    assert file_status("folder.py", tmp_path).problem
    with pytest.raises(SyntaxError):
        declared_behaviours("def (")
