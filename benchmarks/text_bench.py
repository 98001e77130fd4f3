"""Free text (crampkg.text): precision and recall of present and absent findings over the labelled
corpus (tests/data/text/*.jsonl), and the time per description.

    python benchmarks/text_bench.py [--corpus FILE ...] [--errors] [--json]

A predicted finding counts as right only when its id is the labelled id (no credit for a more
general or more specific finding). Language is detected (the corpus's ``lang`` is not passed),
as a user's text would be. Time: the median and the 95th percentile over 20 rounds of every
description, after the lexicon is compiled (its one-off cost is reported separately).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from crampkg import KnowledgeBase  # noqa: E402
from crampkg.text import lexicon_of, read_text  # noqa: E402

TARGETS = {"present_precision": 0.95, "present_recall": 0.90, "absent_precision": 0.90, "ms_per_description": 1.0}


def load_corpus(paths: list[Path]) -> list[dict]:
    cases = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                cases.append(json.loads(line))
    return cases


def _ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def evaluate(kb: KnowledgeBase, cases: list[dict], show_errors: bool = False) -> dict:
    counts = {s: {"tp": 0, "fp": 0, "fn": 0} for s in ("present", "absent")}
    by_lang: dict[str, dict[str, dict[str, int]]] = {}
    errors = []
    for case in cases:
        reading = read_text(kb, case["text"])
        got = {"present": set(reading.present_ids), "absent": set(reading.absent_ids)}
        wrong = False
        for status in ("present", "absent"):
            gold = set(case[status])
            lang_counts = by_lang.setdefault(case["lang"], {s: {"tp": 0, "fp": 0, "fn": 0} for s in ("present", "absent")})
            for c in (counts[status], lang_counts[status]):
                c["tp"] += len(got[status] & gold)
                c["fp"] += len(got[status] - gold)
                c["fn"] += len(gold - got[status])
            wrong |= got[status] != gold
        if wrong:
            errors.append({"id": case.get("id"), "text": case["text"], "gold": {s: case[s] for s in ("present", "absent")},
                           "got": {s: sorted(v) for s, v in got.items()}, "summary": reading.summary()})

    def scores(c: dict[str, dict[str, int]]) -> dict[str, float]:
        return {f"{s}_{m}": round(v, 3) for s in ("present", "absent") for m, v in (
            ("precision", _ratio(c[s]["tp"], c[s]["tp"] + c[s]["fp"])),
            ("recall", _ratio(c[s]["tp"], c[s]["tp"] + c[s]["fn"])))}

    result = {"descriptions": len(cases), "exactly_right": len(cases) - len(errors), **scores(counts),
              "counts": counts, "by_language": {lang: scores(c) for lang, c in sorted(by_lang.items())}}
    if show_errors:
        result["errors"] = errors
    return result


def timing(kb: KnowledgeBase, texts: list[str], rounds: int = 20) -> dict:
    """Wall time per description (median, p95: a busy machine shows in the tail) and CPU time per
    description (process time over all rounds: what the reader itself costs)."""
    per: list[float] = []
    cpu0 = time.process_time()
    for _ in range(rounds):
        for text in texts:
            t0 = time.perf_counter()
            read_text(kb, text)
            per.append((time.perf_counter() - t0) * 1000)
    cpu_ms = (time.process_time() - cpu0) * 1000 / (rounds * len(texts))
    per.sort()
    return {"ms_median": round(statistics.median(per), 3), "ms_p95": round(per[int(len(per) * 0.95)], 3),
            "cpu_ms_mean": round(cpu_ms, 3), "rounds": rounds, "texts": len(texts),
            "mean_chars": round(statistics.fmean(len(t) for t in texts), 1)}


def two_sentence_texts(cases: list[dict]) -> list[str]:
    """Typical two-sentence descriptions: consecutive corpus descriptions of one language, joined."""
    out = []
    for a, b in pairwise(cases):
        if a["lang"] == b["lang"]:
            first = a["text"].rstrip()
            out.append(first + ("" if first[-1:] in ".!?" else ".") + " " + b["text"])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, nargs="*", default=sorted((ROOT / "tests/data/text").glob("*.jsonl")))
    parser.add_argument("--errors", action="store_true", help="List every description not read exactly as labelled.")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    kb = KnowledgeBase.load()
    t0 = time.perf_counter()
    lexicon_of(kb)
    compile_ms = (time.perf_counter() - t0) * 1000
    cases = load_corpus(args.corpus)
    result = evaluate(kb, cases, args.errors)
    result["timing"] = timing(kb, [c["text"] for c in cases]) | {"lexicon_compile_ms": round(compile_ms, 1)}
    result["timing_two_sentences"] = timing(kb, two_sentence_texts(cases), rounds=10)
    result["targets"] = TARGETS
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    for e in result.pop("errors", []):
        print(f"{e['id']}: {e['text']}\n  gold {e['gold']}\n  got  {e['got']}\n  {e['summary']}")
    print(f"descriptions {result['descriptions']} (exactly right {result['exactly_right']})")
    for key in ("present_precision", "present_recall", "absent_precision", "absent_recall"):
        target = TARGETS.get(key)
        print(f"  {key:<18} {result[key]:.3f}" + (f"  (target >= {target})" if target else ""))
    for lang, s in result["by_language"].items():
        print(f"  {lang}: " + ", ".join(f"{k} {v:.3f}" for k, v in s.items()))
    for key, what in (("timing", "corpus description"), ("timing_two_sentences", "two-sentence description")):
        t = result[key]
        print(f"  time per {what} ({t['texts']} texts, mean {t['mean_chars']} chars): CPU {t['cpu_ms_mean']} ms, "
              f"wall median {t['ms_median']} ms, p95 {t['ms_p95']} ms (target <= {TARGETS['ms_per_description']} ms)")
    print(f"  lexicon compiled once per knowledge base in {result['timing']['lexicon_compile_ms']} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
