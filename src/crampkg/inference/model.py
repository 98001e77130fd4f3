"""The case-independent part of the reasoning, built once per knowledge base.

:class:`Model` holds the compiled network and every lookup table an answer needs (cause records,
where each node's posterior is read, which findings can be asked or tested, interpretations, the
sentences of the links). The steps of an answer are functions over it in the sibling modules
(:mod:`.posterior`, :mod:`.next_steps`, :mod:`.actions`, :mod:`.why_not`, :mod:`.robustness`),
tied together by :func:`crampkg.inference.engine.explain`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..kb import vocab as V
from .facts import TEST, Facts, Interpretation, Link, read_facts
from .junction_tree import TooWideError, width_bound
from .network import OR, Network, Numbers, Structure, build_structure
from .sampling import Sampler

if TYPE_CHECKING:
    from ..kb.knowledge_base import KnowledgeBase

MAX_EXACT_WIDTH = 18
"""The widest junction tree crampkg compiles: cliques of at most 19 binary variables (2^19 table
entries). A network that needs more is answered by likelihood weighting (:mod:`.sampling`), and its
answers say ``"exact": false`` with their error bound."""

DEFAULT_NO_CAUSE = 0.70
"""P(no modelled cause) when the knowledge base has no idiopathic cause with a prior (the level
"usually" of "In most cases, a corresponding cause of calf cramps is not found.")."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """Something the answer can propose to find out: a question (one finding) or a test (the
    findings a diagnostic reveals)."""

    id: str
    label: str
    kind: str
    """question or test"""
    reveals: tuple[int, ...]
    """Node indices of the findings it reveals."""
    blankets: tuple[tuple[int, ...], ...]
    """Per revealed finding: its Markov blanket in the network (node indices)."""
    cost: int
    sources: tuple[str, ...]
    indications: tuple[tuple[str, str, str], ...] = ()
    """(finding id, role, cause id) of a test's indications."""


class Model:
    """Everything about a knowledge base that does not depend on the case."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        index = kb.index
        self.version_iri = index.version_iri
        self.facts: Facts = read_facts(kb)
        self.structure: Structure = build_structure(kb, self.facts)
        s = self.structure
        self.nodes = s.nodes
        self.node_of = s.index
        self.links: Mapping[str, Link] = s.links
        idiopathic = index.causes.get(V.IDIOPATHIC)
        self.idiopathic = idiopathic
        target = idiopathic.prior.frequency if idiopathic is not None else DEFAULT_NO_CAUSE
        self.numbers = Numbers.from_kb(kb, self.facts)
        self.children = s.children()
        self.candidates = self._candidates()
        together = [(c,) + b for cand in self.candidates for c, b in zip(cand.reveals, cand.blankets, strict=True)]
        together += [cand.reveals for cand in self.candidates if len(cand.reveals) > 1]
        self.cause_nodes = s.causes
        self.latent_nodes = tuple(i for i, n in enumerate(s.nodes) if n.role in ("cause", "state"))
        parents_of = [tuple(p.node for p in n.parents) for n in s.nodes]
        self.exact = True
        self.why_approximate = ""
        self.sampler: Sampler | None = None
        try:
            width_bound(parents_of, together, limit=MAX_EXACT_WIDTH)
        except TooWideError as exc:
            self.exact = False
            self.why_approximate = (f"the network's moral graph needs {exc}; answers are approximated by "
                                    "likelihood weighting")
        if self.exact:
            self.network: Network | None = Network(s, self.numbers, target, together)
            tree = self.network.tree
            self.wanted_latent = frozenset(tree.home[i] for i in self.latent_nodes)
            self.wanted_causes = frozenset(tree.home[i] for i in self.cause_nodes)
            self.wanted_steps = frozenset(self.network.query_tree.together_home.values())
        else:
            self.network = None
            self.sampler = Sampler(s, self.numbers, target)
            self.wanted_latent = self.wanted_causes = self.wanted_steps = frozenset()
        self.target_no_cause = target
        # reports: finding node -> cause id it reports
        self.report_of: dict[str, str] = {}
        for cause, findings in s.reports.items():
            for f in findings:
                self.report_of[f] = cause
        self.interpretations: dict[str, list[Interpretation]] = {}
        for i in self.facts.interpretations:
            if i.finding:
                self.interpretations.setdefault(i.finding, []).append(i)
        self.priors = self._priors()
        self.step_cliques: dict[tuple[str, int], int] = {}
        """(candidate, revealed finding) -> the query tree's clique holding it with its blanket."""

    # ------------------------------------------------------------------ building
    def _blanket(self, v: int) -> tuple[int, ...]:
        s = self.structure
        parents = {p.node for p in s.nodes[v].parents}
        kids = set(self.children_of(v))
        coparents = {p.node for k in kids for p in s.nodes[k].parents}
        return tuple(sorted((parents | kids | coparents) - {v}))

    def children_of(self, v: int) -> list[int]:
        return self.children[v]

    def _candidates(self) -> tuple[Candidate, ...]:
        s = self.structure
        kb = self.kb
        out: list[Candidate] = []
        sentences: dict[str, list[str]] = {}  # finding -> the stating sentences of its links
        for link in self.facts.links:
            if link.sources:
                for end in (link.source, link.target):
                    sentences.setdefault(end, []).append(link.sources[0])
        for i, n in enumerate(s.nodes):
            if n.role != "finding" or n.kind not in ("exposure", "course"):
                continue
            if n.gate == OR and any(p.kind == "rule" for p in n.parents):
                continue  # derived by a rule: follows from its inputs
            if any(p.kind == "subclass" for p in n.parents) and not any(
                    s.nodes[c].role != "finding" for c in self.children[i]):
                continue  # a mere grouping ("sport activity"): its specialisations are the questions
            sources = tuple(dict.fromkeys(sentences.get(n.id, ())))
            out.append(Candidate(id=n.id, label=n.label, kind="question", reveals=(i,), blankets=(self._blanket(i),),
                                 cost=0, sources=sources))
        by_diagnostic: dict[str, list[Link]] = {}
        for link in self.facts.links:
            if link.kind == TEST and link.diagnostic and link.target in s.index:
                by_diagnostic.setdefault(link.diagnostic, []).append(link)
        terms = kb.index.terms
        for d, links in sorted(by_diagnostic.items()):
            if d in self.facts.deprecated:
                continue
            revealed = sorted({s.index[x.target] for x in links})
            # a revealed finding that generalises another revealed one follows from it: drop it
            ancestors = {v: self._finding_ancestors(v) for v in revealed}
            revealed = [v for v in revealed if not any(v in ancestors[w] and w != v for w in revealed)]
            sources = tuple(dict.fromkeys(x.sources[0] for x in links if x.sources))
            out.append(Candidate(
                id=d, label=terms[d].label if d in terms else d, kind="test", reveals=tuple(revealed),
                blankets=tuple(self._blanket(v) for v in revealed), cost=self.facts.cost.get(d, 1),
                sources=sources,
                indications=tuple(sorted((x.target, x.role or "", x.source) for x in links))))
        return tuple(out)

    def _finding_ancestors(self, v: int) -> set[int]:
        """Findings a finding's node feeds through the hierarchy (its generalisations)."""
        out: set[int] = set()
        stack = [v]
        while stack:
            n = stack.pop()
            for c in self.children_of(n):
                node = self.structure.nodes[c]
                if node.role == "finding" and c not in out and any(
                        p.node == n and p.kind == "subclass" for p in node.parents):
                    out.add(c)
                    stack.append(c)
        return out

    def _priors(self) -> dict[str, float]:
        """P(cause present) with no finding known."""
        nodes = self.structure.nodes
        if self.network is None:
            assert self.sampler is not None
            samples = self.sampler.run({})
            weights = samples.weights()
            return {nodes[v].id: p for v, p in self.sampler.marginals(samples, weights, self.latent_nodes).items()}
        prop = self.network.tree.propagate({}, wanted=self.wanted_latent)
        return {nodes[i].id: prop.marginal(i) for i in self.latent_nodes}

    # ------------------------------------------------------------------ lookups
    @property
    def net(self) -> Network:
        """The compiled network (the exact path; the approximate path has none)."""
        if self.network is None:
            raise RuntimeError("this knowledge base is answered by sampling: it has no junction tree")
        return self.network

    def link_sentence(self, link_id: str | None) -> str:
        link = self.links.get(link_id or "")
        return link.sources[0] if link and link.sources else ""
