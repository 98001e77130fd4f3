"""Vignettes from every section of the article, through the Python API and the CLI alike.

Each row: the article section it comes from, the findings (present; absent after "not "), and what
the answer must show. The CLI run must give the same JSON as the library.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CRAMPKG = str(Path(sys.executable).with_name("crampkg"))

VIGNETTES = [
    # (section, findings, top causes (any of, within top_n), top_n, must appear in actions / tests)
    ("frequency distribution: systemic deficiency, night cramps",
     ["calf cramp at night", "unbalanced diet"], {"magnesium deficiency"}, 1, {"prevention": "magnesium"}),
    ("nocturnal leg cramps: sport the day before",
     ["calf cramp at night", "sport the day before"], {"muscular overload"}, 2, {"prevention": "warm"}),
    ("nocturnal leg cramps: restless sleep",
     ["calf cramp at night", "restless sleep"], {"very restless sleep"}, 3, {}),
    ("nocturnal leg cramps: bedroom too warm",
     ["calf cramp at night", "bedroom too warm"], {"unsuitable bedroom temperature"}, 3, {}),
    ("nocturnal leg cramps: nothing helps, circulation",
     ["calf cramp at night", "measures have not helped"], {"vascular change in the calf muscles",
                                                          "circulatory disorder of the leg"}, 6,
     {"see_doctor": "vascular", "tests": "ultrasound"}),
    ("physical exertion: marathon beyond the limit",
     ["marathon", "exercising beyond the load limit"], {"muscular overload"}, 1, {"prevention": "rest"}),
    ("physical exertion: soreness the next day",
     ["muscle soreness the day after exertion", "heavy physical exertion"], {"muscular overload"}, 1, {}),
    ("untrained marathon runners almost always",
     ["marathon", "untrained"], {"muscular overload", "lack of training"}, 2, {"prevention": "training"}),
    ("medications: cholesterol-lowering drugs",
     ["takes statins", "calf cramp"], {"cholesterol-lowering drug side effect"}, 3,
     {"see_doctor": "cholesterol"}),
    ("pregnancy: under-drinking",
     ["pregnant", "drinks little"], {"electrolyte imbalance"}, 1, {"prevention": "circling"}),
    ("pregnancy: weight", ["pregnant", "slowly increasing weight in pregnancy", "calf cramp at night"],
     {"electrolyte imbalance", "weight-related leg overload in pregnancy"}, 3, {}),
    ("diagnosis: laboratory", ["low blood magnesium", "calf cramp"], {"magnesium deficiency"}, 1, {}),
    ("diagnosis: laboratory, calcium", ["low blood calcium"], {"calcium deficiency", "electrolyte imbalance"}, 2, {}),
    ("prevention: tap water", ["tap water only"], {"electrolyte imbalance", "magnesium deficiency",
                                                   "low-mineral tap water consumption"}, 3,
     {"prevention": "mineral water"}),
    ("no obvious cause (2-5 %)", ["calf cramp", "calf cramp lasting seconds to minutes"],
     {"idiopathic leg cramps"}, 1, {"acute": "stretch", "aftercare": "gel"}),
]


def _text(answer: dict, key: str) -> str:
    if key == "tests":
        return " ".join(t["label"] for t in answer["next_tests"]).lower()
    return " ".join(a["label"] + " " + a["instructions"] for a in answer["actions"][key]).lower()


@pytest.mark.parametrize("section, findings, causes, top_n, shows", VIGNETTES, ids=[v[0] for v in VIGNETTES])
def test_vignette_through_library_and_cli(kb, section, findings, causes, top_n, shows):
    answer = kb.explain(findings).to_dict()
    top = [h["label"] for h in answer["hypotheses"][:top_n]]
    assert causes & set(top), f"{section}: expected one of {causes} in the top {top_n}, got {top}"
    for key, word in shows.items():
        assert word in _text(answer, key), f"{section}: {word!r} not in {key}"
    assert answer["actions"]["see_doctor"] and answer["disclaimer"]
    result = subprocess.run([CRAMPKG, "explain", *findings, "--json"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == answer
