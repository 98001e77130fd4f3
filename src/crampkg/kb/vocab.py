"""The ontology's schema terms: readable aliases and a closed rdflib namespace.

IRIs in crampkg are opaque (``CRAMPKG_0000030``); code uses the aliases below
so that a reader sees ``HAS_FINDING``, not a number. ``CK`` (built on first use,
so that the explain path does not import rdflib) is a closed rdflib
``DefinedNamespace``: a typo in a schema term raises instead of silently
querying nothing. Content terms (findings, causes, ...) are not listed here; they are
data, built with :func:`iri`.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rdflib.namespace import DefinedNamespace

NS = "https://w3id.org/crampkg/"
ONTOLOGY_IRI = NS + "crampkg.owl"
IAO_DEFINITION = "http://purl.obolibrary.org/obo/IAO_0000115"
OBO_EXACT_SYNONYM = "http://www.geneontology.org/formats/oboInOwl#hasExactSynonym"
OBO_RELATED_SYNONYM = "http://www.geneontology.org/formats/oboInOwl#hasRelatedSynonym"
OBO_XREF = "http://www.geneontology.org/formats/oboInOwl#hasDbXref"


SCHEMA_TERMS: dict[str, str] = {
    "CRAMPKG_0000001": "crampkg entity",
    "CRAMPKG_0000002": "finding",
    "CRAMPKG_0000003": "symptom or sign",
    "CRAMPKG_0000004": "history finding",
    "CRAMPKG_0000005": "examination or laboratory result",
    "CRAMPKG_0000006": "cause of leg cramps",
    "CRAMPKG_0000007": "intermediate state",
    "CRAMPKG_0000008": "diagnostic procedure",
    "CRAMPKG_0000009": "intervention",
    "CRAMPKG_0000010": "acute relief measure",
    "CRAMPKG_0000011": "aftercare measure",
    "CRAMPKG_0000012": "preventive measure",
    "CRAMPKG_0000013": "medical consultation",
    "CRAMPKG_0000014": "sourced assertion",
    "CRAMPKG_0000015": "finding-cause association",
    "CRAMPKG_0000016": "causal link",
    "CRAMPKG_0000017": "diagnostic indication",
    "CRAMPKG_0000018": "intervention recommendation",
    "CRAMPKG_0000019": "epidemiological statement",
    "CRAMPKG_0000020": "pathophysiological statement",
    "CRAMPKG_0000021": "strength level",
    "CRAMPKG_0000022": "intervention phase",
    "CRAMPKG_0000023": "patient case",
    "CRAMPKG_0000024": "diagnostic role",
    "CRAMPKG_0000025": "derived finding",
    "CRAMPKG_0000026": "anatomical entity",
    "CRAMPKG_0000027": "population group",
    "CRAMPKG_0000028": "report link",
    "CRAMPKG_0000029": "risk link",
    "CRAMPKG_0000094": "manifestation link",
    "CRAMPKG_0000095": "interpretation",
    "CRAMPKG_0000096": "finding kind",
    "CRAMPKG_0000030": "has finding",
    "CRAMPKG_0000031": "has cause",
    "CRAMPKG_0000032": "has strength",
    "CRAMPKG_0000033": "has upstream",
    "CRAMPKG_0000034": "has downstream",
    "CRAMPKG_0000035": "has diagnostic",
    "CRAMPKG_0000036": "has intervention",
    "CRAMPKG_0000037": "has phase",
    "CRAMPKG_0000038": "addresses cause",
    "CRAMPKG_0000039": "triggered by finding",
    "CRAMPKG_0000040": "has diagnostic role",
    "CRAMPKG_0000041": "has present finding",
    "CRAMPKG_0000042": "has absent finding",
    "CRAMPKG_0000043": "is about",
    "CRAMPKG_0000044": "has inferred finding",
    "CRAMPKG_0000045": "has anatomical location",
    "CRAMPKG_0000046": "reveals finding",
    "CRAMPKG_0000047": "derived from finding",
    "CRAMPKG_0000050": "ordinal rank",
    "CRAMPKG_0000051": "frequency given cause",
    "CRAMPKG_0000052": "background frequency",
    "CRAMPKG_0000053": "case identifier",
    "CRAMPKG_0000054": "sensitivity",
    "CRAMPKG_0000055": "specificity",
    "CRAMPKG_0000060": "source quote",
    "CRAMPKG_0000061": "instructions",
    "CRAMPKG_0000063": "must not miss",
    "CRAMPKG_0000064": "prior strength",
    "CRAMPKG_0000065": "article wording",
    "CRAMPKG_0000066": "requires finding",
    "CRAMPKG_0000062": "primary source quote",
    "CRAMPKG_0000067": "has finding kind",
    "CRAMPKG_0000068": "meaning",
    "CRAMPKG_0000069": "background strength",
    "CRAMPKG_0000070": "strength: almost always",
    "CRAMPKG_0000071": "strength: usually",
    "CRAMPKG_0000072": "strength: often",
    "CRAMPKG_0000073": "strength: can",
    "CRAMPKG_0000074": "strength: sometimes",
    "CRAMPKG_0000080": "phase: acute",
    "CRAMPKG_0000081": "phase: aftercare",
    "CRAMPKG_0000082": "phase: prevention",
    "CRAMPKG_0000083": "phase: see a doctor",
    "CRAMPKG_0000084": "finding kind: exposure",
    "CRAMPKG_0000085": "finding kind: manifestation",
    "CRAMPKG_0000086": "finding kind: test result",
    "CRAMPKG_0000087": "finding kind: course",
    "CRAMPKG_0000090": "role: confirms",
    "CRAMPKG_0000091": "role: supports",
    "CRAMPKG_0000092": "role: rules out",
}
"""Every schema term of ontology/crampkg.ttl with its English label."""

# Readable aliases (plain strings: the hot path compares strings, not URIRefs).
ENTITY = NS + "CRAMPKG_0000001"
FINDING = NS + "CRAMPKG_0000002"
SYMPTOM = NS + "CRAMPKG_0000003"
HISTORY_FINDING = NS + "CRAMPKG_0000004"
EXAM_FINDING = NS + "CRAMPKG_0000005"
DERIVED_FINDING = NS + "CRAMPKG_0000025"
CAUSE = NS + "CRAMPKG_0000006"
STATE = NS + "CRAMPKG_0000007"
DIAGNOSTIC = NS + "CRAMPKG_0000008"
INTERVENTION = NS + "CRAMPKG_0000009"
ASSERTION = NS + "CRAMPKG_0000014"
ASSOCIATION = NS + "CRAMPKG_0000015"
CAUSAL_LINK = NS + "CRAMPKG_0000016"
INDICATION = NS + "CRAMPKG_0000017"
RECOMMENDATION = NS + "CRAMPKG_0000018"
EPIDEMIOLOGY = NS + "CRAMPKG_0000019"
PATHOPHYSIOLOGY = NS + "CRAMPKG_0000020"
STRENGTH = NS + "CRAMPKG_0000021"
PHASE = NS + "CRAMPKG_0000022"
PATIENT_CASE = NS + "CRAMPKG_0000023"
ROLE = NS + "CRAMPKG_0000024"

HAS_FINDING = NS + "CRAMPKG_0000030"
HAS_CAUSE = NS + "CRAMPKG_0000031"
HAS_STRENGTH = NS + "CRAMPKG_0000032"
HAS_UPSTREAM = NS + "CRAMPKG_0000033"
HAS_DOWNSTREAM = NS + "CRAMPKG_0000034"
HAS_DIAGNOSTIC = NS + "CRAMPKG_0000035"
HAS_INTERVENTION = NS + "CRAMPKG_0000036"
HAS_PHASE = NS + "CRAMPKG_0000037"
ADDRESSES_CAUSE = NS + "CRAMPKG_0000038"
TRIGGERED_BY = NS + "CRAMPKG_0000039"
HAS_ROLE = NS + "CRAMPKG_0000040"
HAS_PRESENT_FINDING = NS + "CRAMPKG_0000041"
HAS_ABSENT_FINDING = NS + "CRAMPKG_0000042"
IS_ABOUT = NS + "CRAMPKG_0000043"
HAS_INFERRED_FINDING = NS + "CRAMPKG_0000044"
ORDINAL_RANK = NS + "CRAMPKG_0000050"
FREQUENCY = NS + "CRAMPKG_0000051"
BACKGROUND_FREQUENCY = NS + "CRAMPKG_0000052"
CASE_IDENTIFIER = NS + "CRAMPKG_0000053"
SOURCE_QUOTE = NS + "CRAMPKG_0000060"
INSTRUCTIONS = NS + "CRAMPKG_0000061"
MUST_NOT_MISS = NS + "CRAMPKG_0000063"
PRIOR_STRENGTH = NS + "CRAMPKG_0000064"
ARTICLE_WORDING = NS + "CRAMPKG_0000065"
REQUIRES_FINDING = NS + "CRAMPKG_0000066"
PRIMARY_SOURCE_QUOTE = NS + "CRAMPKG_0000062"
HAS_FINDING_KIND = NS + "CRAMPKG_0000067"
MEANING = NS + "CRAMPKG_0000068"
BACKGROUND_STRENGTH = NS + "CRAMPKG_0000069"
SENSITIVITY = NS + "CRAMPKG_0000054"
SPECIFICITY = NS + "CRAMPKG_0000055"
REPORT_LINK = NS + "CRAMPKG_0000028"
RISK_LINK = NS + "CRAMPKG_0000029"
MANIFESTATION_LINK = NS + "CRAMPKG_0000094"
INTERPRETATION = NS + "CRAMPKG_0000095"
FINDING_KIND = NS + "CRAMPKG_0000096"
KIND_EXPOSURE = NS + "CRAMPKG_0000084"
KIND_MANIFESTATION = NS + "CRAMPKG_0000085"
KIND_TEST_RESULT = NS + "CRAMPKG_0000086"
KIND_COURSE = NS + "CRAMPKG_0000087"
IDIOPATHIC = "CRAMPKG_0000318"
"""The cause "idiopathic leg cramps": not a node of the network but P(no modelled cause | findings);
its prior strength ("In most cases, a corresponding cause of calf cramps is not found.") fixes
P(no modelled cause) before anything is known (docs/model.md, section 3)."""

PHASE_NAMES = {
    NS + "CRAMPKG_0000080": "acute",
    NS + "CRAMPKG_0000081": "aftercare",
    NS + "CRAMPKG_0000082": "prevention",
    NS + "CRAMPKG_0000083": "see_doctor",
}
ROLE_NAMES = {
    NS + "CRAMPKG_0000090": "confirms",
    NS + "CRAMPKG_0000091": "supports",
    NS + "CRAMPKG_0000092": "rules_out",
}

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDFS_SUBCLASS_OF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
OWL_CLASS = "http://www.w3.org/2002/07/owl#Class"
OWL_VERSION_IRI = "http://www.w3.org/2002/07/owl#versionIRI"


def iri(local_id: str) -> str:
    """The full IRI of a crampkg id such as ``CRAMPKG_0000101``."""
    return NS + local_id


def local_id(full_iri: str) -> str:
    """The opaque id (``CRAMPKG_0000101``) of a crampkg IRI; other IRIs unchanged."""
    return full_iri[len(NS):] if full_iri.startswith(NS) else full_iri


@cache
def _closed_namespace() -> type[DefinedNamespace]:
    from rdflib.namespace import DefinedNamespace, Namespace
    from rdflib.term import URIRef

    annotations = {term: URIRef for term in SCHEMA_TERMS}
    return type(
        "CK",
        (DefinedNamespace,),
        {"_NS": Namespace(NS), "_fail": True, "__annotations__": annotations,
         "__doc__": "Schema terms of the crampkg ontology (ontology/crampkg.ttl)."},
    )


def __getattr__(name: str) -> type[DefinedNamespace]:
    if name == "CK":
        return _closed_namespace()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
