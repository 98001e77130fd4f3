"""The built wheel carries the ontology, rules and queries, and works outside the source tree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(out), str(ROOT)], check=True, capture_output=True, timeout=300)
    wheel = next(out.glob("crampkg-*.whl"))
    target = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "crampkg/_data/ontology/crampkg.ttl" in names
        assert any(n.startswith("crampkg/_data/ontology/content/") for n in names)
        assert any(n.startswith("crampkg/_data/rules/") and n.endswith(".rq") for n in names)
        assert any(n.startswith("crampkg/_data/queries/qc/") for n in names)
        assert "crampkg/_data/ontology/shapes/kb-shapes.ttl" in names
        assert "crampkg/_data/tests/data/claims.tsv" in names
        assert "crampkg/http/static/query.html" in names
        archive.extractall(target)
    return target


def _run_installed(site: Path, code: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(site))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=120)


def test_installed_wheel_reads_its_own_data_and_explains(installed_wheel, tmp_path):
    code = (
        "import json, crampkg, crampkg.kb.resources as r\n"
        "kb = crampkg.KnowledgeBase.load()\n"
        "from crampkg.inference.answer import json_schema\n"
        "a = kb.explain(['calf cramp at night', 'marathon run', 'untrained'])\n"
        "t = kb.read_text('drinks little, cramps at night')\n"
        "print(json.dumps({'file': crampkg.__file__, 'data': str(r.data_dir()), 'top': a.hypotheses[0].label,"
        " 'rules': list(a.rules_fired), 'schema': json_schema()['title'], 'text': sorted(t.present_ids),"
        " 'version': crampkg.__version__}))\n"
    )
    result = _run_installed(installed_wheel, code, tmp_path)
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["file"].startswith(str(installed_wheel))
    assert info["data"] == str(installed_wheel / "crampkg" / "_data")
    # "In untrained athletes who run a marathon, it comes from a certain time almost always to calf
    # cramps, as the lack of training ...": untrained reports lack of training; rule R004 fires
    assert info["top"] == "lack of training"
    assert info["rules"] == ["R004"]
    assert info["schema"] == "crampkg explanation 0.2.0"  # the JSON Schema is package data
    assert info["text"] == ["CRAMPKG_0000101", "CRAMPKG_0000137"]  # the free-text reader works installed
    assert info["version"] == "0.2.0"


def test_installed_wheel_passes_its_checks(installed_wheel, tmp_path):
    code = (
        "import crampkg\n"
        "from crampkg.quality.checks import run_checks\n"
        "report = run_checks(crampkg.KnowledgeBase.load(), reasoner=False)\n"
        "print(report.render()); raise SystemExit(0 if report.ok else 1)\n"
    )
    result = _run_installed(installed_wheel, code, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "146/146" in result.stdout or "mapped:" in result.stdout
