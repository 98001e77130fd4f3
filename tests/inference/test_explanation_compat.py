"""crampkg.explanation: the 0.1 import path of the answer's records stays the same objects."""

from __future__ import annotations

import crampkg
import crampkg.explanation as old
from crampkg.inference import answer


def test_every_name_of_the_old_path_is_the_record_of_the_inference_layer() -> None:
    assert set(old.__all__) == {"DISCLAIMER", "PHASES", "Action", "Contribution", "Explanation", "FindingRef",
                                "Hypothesis", "Interpretation", "NextStep", "NextTest", "RedFlag", "Robustness",
                                "WhyNot"}
    for name in old.__all__:
        if name != "NextTest":
            assert getattr(old, name) is getattr(answer, name), name


def test_next_test_is_the_0_1_name_of_a_next_step() -> None:
    assert old.NextTest is answer.NextStep is crampkg.NextTest


def test_an_answer_is_an_instance_of_the_old_path_s_explanation(kb) -> None:
    result = kb.explain(["calf cramp at night", "drinks little"])
    assert isinstance(result, old.Explanation)
    assert all(isinstance(h, old.Hypothesis) for h in result.hypotheses)
