"""The page for people: ``/`` explains a case, ``/query`` is the SPARQL console.

Routes (registered by :func:`page_routes` from :func:`crampkg.http.app.create_app`):

* ``GET /`` and ``POST /``: the explainer. The case lives in the URL (``present``, ``absent``,
  ``unknown`` finding ids, ``why_not`` a cause id, ``lang`` when chosen, ``text`` a description to
  read once). ``POST /`` is the no-JavaScript form: it applies the pressed button (``do``) to the
  case and renders the whole page server-side.
* ``GET /answer`` and ``POST /answer``: the same, as the fragment the script swaps in.
* ``GET /findings``: every reportable finding (id, label, label_de, synonyms, kind) for the picker.
* ``GET /query``: the SPARQL console; ``GET /query/examples``: the named queries of ``queries/``
  with their example parameters bound.
* ``GET /static/{name}``: the page's CSS and script (package data).

One source of truth: the page never computes an answer. It sends the case to ``POST /explain``
through the application itself (an in-process ASGI request, so the same middleware, limits and
JSON) and renders that JSON. The field names are those of docs/model.md section 5; where an answer
still has the 0.1 fields (``supporting``/``against``, ``next_tests``, no ``parent``), those are used.

Every response carries :data:`SECURITY_HEADERS`: a Content-Security-Policy that allows scripts,
styles and connections from this origin only (no inline script or style, no other origin).
"""

from __future__ import annotations

import html
import json
import re
import shlex
import urllib.parse
from dataclasses import dataclass, field
from importlib.resources import files
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from ..kb.knowledge_base import KnowledgeBase
    from .app import ServerSettings

PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}
STATIC_TYPES = {"page.css": "text/css; charset=utf-8", "page.js": "text/javascript; charset=utf-8",
                "query.js": "text/javascript; charset=utf-8", "favicon.svg": "image/svg+xml"}
MAX_CASE_ITEMS = 200
MAX_TEXT = 5000
LANGS = ("en", "de")
_ID = re.compile(r"^CRAMPKG_\d{7}$")
_FINDING_KIND_BY_CATEGORY = {"CRAMPKG_0000003": "manifestation", "CRAMPKG_0000004": "exposure",
                             "CRAMPKG_0000005": "test result"}
_COURSE_FINDINGS = {"CRAMPKG_0000146", "CRAMPKG_0000147"}

# ---------------------------------------------------------------------- words of the page
UI: dict[str, dict[str, str]] = {
    "en": {
        "title": "Calf and leg cramps: what explains them, what to do",
        "tagline": "Describe your cramps or pick what applies; crampkg shows the causes the article links "
                   "to them, each with the article's own sentence, and what to do.",
        "skip": "Skip to the answer", "nav_query": "SPARQL console", "nav_api": "API",
        "lang_switch": "Sprache", "describe": "Describe your cramps",
        "describe_hint": "In English or German, e.g. \u201cI get cramps at night and drink only tap water, "
                         "I don\u2019t take statins\u201d.",
        "read": "Read my description", "pick": "Add a finding", "pick_hint": "Type a few letters: symptoms, "
        "what you do, test results (English or German).", "have": "I have this", "havenot": "I don't have this",
        "add": "Add", "your_case": "Your case", "empty_case": "No findings yet. Describe your cramps above, or "
        "add findings one by one.", "present": "yes", "absent": "no", "inferred": "inferred",
        "by_rule": "inferred by rule", "mark_absent": "Mark as not so", "mark_present": "Mark as so",
        "remove": "Remove", "explain": "Explain", "clear": "Start again", "share": "Copy link to this case",
        "link": "Link to this case", "copied": "Link copied", "understood": "What your description was read as",
        "understood_present": "Reported", "understood_absent": "Reported as not so",
        "not_understood": "Not understood", "ambiguous": "Could mean", "fallback_reader":
        "The free-text reader is not available on this server: only exact finding names were matched. "
        "Check the list and add what is missing.", "nothing_understood": "Nothing in the description "
        "matched a known finding. Try other words, or add findings one by one.",
        "red_flags": "See a doctor", "red_flag_intro": "Your answers include something the article says a "
        "doctor should look at:", "answer": "What could explain it", "score_note": "Each bar is the "
        "probability of that cause given your findings; causes can occur together, so they need not add "
        "up to 100 %.", "reported": "you reported it", "must_not_miss": "must not be missed",
        "excluded": "ruled out by", "evidence": "Evidence for and against", "finding": "Finding",
        "reported_as": "Reported", "effect": "Effect", "sentence": "The article says", "for": "for",
        "against": "against", "chain": "How it connects", "why_low": "Why is this low?",
        "why_not": "Why not", "close": "Close", "rank": "rank", "would_need": "It would need",
        "settling": "Tests that would settle it", "no_evidence": "No finding of your case bears on it; only "
        "how common it is.", "idiopathic": "No specific cause found (idiopathic)", "next": "What would help next",
        "next_intro": "Answer what you know; the answer updates at once.", "questions": "Questions",
        "tests": "Tests a doctor can do", "is_it_so": "Is this so", "result": "Result", "yes": "Yes",
        "no": "No", "dont_know": "Don't know", "gain": "information gain",
        "acute": "What to do now, during a cramp", "aftercare": "Afterwards", "prevention": "To prevent cramps",
        "see_doctor": "When to see a doctor", "triggered": "applies to you", "interpretations":
        "What results mean", "disclaimer": "Please note", "more": "more", "error": "Something is wrong",
        "did_you_mean": "Did you mean", "kb": "Knowledge base", "rules": "Rules fired",
        "understood_none": "nothing", "updated": "Answer updated. Leading cause:", "no_cause": "no leading cause",
        "intro_try": "Try an example", "example": "cramps at night, drinks little, tap water only",
        "kinds": "manifestation: symptom or sign; exposure: what you do or are; test result; course",
        "present_in_case": "Already in your case", "suggestions": "Matching findings",
    },
    "de": {
        "title": "Waden- und Beinkrämpfe: was sie erklärt, was zu tun ist",
        "tagline": "Beschreiben Sie Ihre Krämpfe oder wählen Sie aus, was zutrifft; crampkg zeigt die Ursachen, "
                   "die der Artikel damit verbindet, jeweils mit dem Satz des Artikels, und was zu tun ist.",
        "skip": "Zur Antwort springen", "nav_query": "SPARQL-Konsole", "nav_api": "API",
        "lang_switch": "Language", "describe": "Beschreiben Sie Ihre Krämpfe",
        "describe_hint": "Auf Deutsch oder Englisch, z. B. \u201eIch habe nachts Wadenkrämpfe und trinke nur "
                         "Leitungswasser, ich nehme keine Statine\u201c.",
        "read": "Beschreibung lesen", "pick": "Befund hinzufügen", "pick_hint": "Ein paar Buchstaben tippen: "
        "Beschwerden, was Sie tun, Laborwerte (Deutsch oder Englisch).", "have": "trifft zu",
        "havenot": "trifft nicht zu", "add": "Hinzufügen", "your_case": "Ihr Fall",
        "empty_case": "Noch keine Befunde. Beschreiben Sie oben Ihre Krämpfe oder fügen Sie Befunde einzeln hinzu.",
        "present": "ja", "absent": "nein", "inferred": "abgeleitet", "by_rule": "abgeleitet durch Regel",
        "mark_absent": "Als nicht zutreffend markieren", "mark_present": "Als zutreffend markieren",
        "remove": "Entfernen", "explain": "Erklären", "clear": "Neu beginnen",
        "share": "Link zu diesem Fall kopieren", "link": "Link zu diesem Fall", "copied": "Link kopiert",
        "understood": "So wurde Ihre Beschreibung gelesen", "understood_present": "Genannt",
        "understood_absent": "Als nicht zutreffend genannt", "not_understood": "Nicht verstanden",
        "ambiguous": "Könnte bedeuten", "fallback_reader": "Das Lesen freier Texte ist auf diesem Server nicht "
        "verfügbar: nur genaue Befundnamen wurden erkannt. Prüfen Sie die Liste und ergänzen Sie, was fehlt.",
        "nothing_understood": "Nichts in der Beschreibung passte zu einem bekannten Befund. Versuchen Sie andere "
        "Worte oder fügen Sie Befunde einzeln hinzu.", "red_flags": "Zum Arzt",
        "red_flag_intro": "Ihre Angaben enthalten etwas, das laut Artikel ein Arzt ansehen sollte:",
        "answer": "Was es erklären könnte", "score_note": "Jeder Balken ist die Wahrscheinlichkeit dieser "
        "Ursache bei Ihren Befunden; Ursachen können zusammen auftreten, daher ergeben sie nicht unbedingt "
        "100 %.", "reported": "von Ihnen genannt", "must_not_miss": "darf nicht übersehen werden",
        "excluded": "ausgeschlossen durch", "evidence": "Was dafür und dagegen spricht", "finding": "Befund",
        "reported_as": "Angabe", "effect": "Wirkung", "sentence": "Der Artikel sagt", "for": "dafür",
        "against": "dagegen", "chain": "Wie es zusammenhängt", "why_low": "Warum ist das niedrig?",
        "why_not": "Warum nicht", "close": "Schließen", "rank": "Rang", "would_need": "Es bräuchte",
        "settling": "Tests, die es klären würden", "no_evidence": "Kein Befund Ihres Falls spricht dafür oder "
        "dagegen; nur wie häufig es ist.", "idiopathic": "Keine bestimmte Ursache gefunden (idiopathisch)",
        "next": "Was als Nächstes hilft", "next_intro": "Beantworten Sie, was Sie wissen; die Antwort wird "
        "sofort aktualisiert.", "questions": "Fragen", "tests": "Untersuchungen beim Arzt",
        "is_it_so": "Trifft das zu", "result": "Ergebnis", "yes": "Ja", "no": "Nein",
        "dont_know": "Weiß nicht", "gain": "Informationsgewinn", "acute": "Was jetzt hilft, im Krampf",
        "aftercare": "Danach", "prevention": "Vorbeugen", "see_doctor": "Wann zum Arzt",
        "triggered": "betrifft Sie", "interpretations": "Was Ergebnisse bedeuten", "disclaimer": "Bitte beachten",
        "more": "mehr", "error": "Etwas stimmt nicht", "did_you_mean": "Meinten Sie", "kb": "Wissensbasis",
        "rules": "Angewandte Regeln", "understood_none": "nichts", "updated": "Antwort aktualisiert. "
        "Wahrscheinlichste Ursache:", "no_cause": "keine", "intro_try": "Ein Beispiel",
        "example": "nächtliche Krämpfe, trinkt wenig, nur Leitungswasser",
        "kinds": "Beschwerde; Lebensweise; Untersuchungsergebnis; Verlauf",
        "present_in_case": "Schon in Ihrem Fall", "suggestions": "Passende Befunde",
    },
}
KIND_WORDS = {"en": {"manifestation": "symptom or sign", "exposure": "what you do or are",
                     "test result": "test result", "course": "course", "finding": "finding"},
              "de": {"manifestation": "Beschwerde", "exposure": "Lebensweise", "test result": "Untersuchungsergebnis",
                     "course": "Verlauf", "finding": "Befund"}}
PHASES = ("acute", "aftercare", "prevention", "see_doctor")


def e(value: Any) -> str:
    """HTML-escaped text (quotes too: every value may end up in an attribute)."""
    return html.escape("" if value is None else str(value), quote=True)


# ---------------------------------------------------------------------- the case
@dataclass
class PageCase:
    """What the page holds: finding ids (or names from a link) present, absent, answered "don't know"."""

    present: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    why_not: str = ""
    lang: str = ""  # chosen explicitly (in the URL); else the browser's
    text: str = ""

    @classmethod
    def from_params(cls, params: dict[str, list[str]]) -> PageCase:
        def many(name: str) -> list[str]:
            out: list[str] = []
            for value in params.get(name, [])[:MAX_CASE_ITEMS]:
                value = " ".join(value.split())[:200]
                if value and value not in out:
                    out.append(value)
            return out

        def one(name: str, limit: int = 200) -> str:
            values = params.get(name) or [""]
            return values[-1].strip()[:limit]

        lang = one("lang")
        case = cls(many("present"), many("absent"), many("unknown"), one("why_not"),
                   lang if lang in LANGS else "", one("text", MAX_TEXT))
        case.present = [p for p in case.present if p not in case.absent]
        return case

    def set(self, finding: str, state: str) -> None:
        for bucket in (self.present, self.absent, self.unknown):
            if finding in bucket:
                bucket.remove(finding)
        {"present": self.present, "absent": self.absent, "unknown": self.unknown}[state].append(finding)

    def drop(self, finding: str) -> None:
        for bucket in (self.present, self.absent, self.unknown):
            if finding in bucket:
                bucket.remove(finding)

    def is_empty(self) -> bool:
        return not (self.present or self.absent)

    def url(self) -> str:
        pairs = [("present", p) for p in self.present] + [("absent", a) for a in self.absent]
        pairs += [("unknown", u) for u in self.unknown]
        if self.why_not:
            pairs.append(("why_not", self.why_not))
        if self.lang:
            pairs.append(("lang", self.lang))
        return "/" + ("?" + urllib.parse.urlencode(pairs) if pairs else "")


def browser_language(header: str | None) -> str:
    """``en`` or ``de``: the first of them in an Accept-Language header (by q), else ``en``."""
    best, best_q = "en", -1.0
    for position, item in enumerate((header or "").split(",")[:20]):
        tag, _, params = item.strip().partition(";")
        q = 1.0
        match = re.search(r"q=([0-9.]+)", params)
        if match:
            try:
                q = float(match.group(1))
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGS and q > 0 and q - position * 1e-6 > best_q:
            best, best_q = primary, q - position * 1e-6
    return best


# ---------------------------------------------------------------------- calling POST /explain
async def call_app(app: Any, method: str, path: str, query: str = "", body: bytes = b"",
                   headers: list[tuple[bytes, bytes]] | None = None) -> tuple[int, bytes]:
    """One request to the application itself (ASGI, in-process): its status and body."""
    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": query.encode(), "root_path": "", "client": ("127.0.0.1", 0),
             "server": ("127.0.0.1", 0), "extensions": {},
             "headers": [(b"content-length", str(len(body)).encode()), (b"host", b"127.0.0.1"),
                         *(headers or [])]}
    sent = False
    status = 500
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def explain_json(app: Any, case: dict[str, Any], why_not: str = "") -> tuple[int, dict[str, Any]]:
    """``POST /explain`` (``?why_not=`` when given) with ``case``: status and the parsed JSON."""
    body = json.dumps(case, ensure_ascii=False).encode("utf-8")
    query = urllib.parse.urlencode({"why_not": why_not}) if why_not else ""
    status, raw = await call_app(app, "POST", "/explain", query, body,
                                 [(b"content-type", b"application/json")])
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, {"error": {"status": status, "message": raw.decode("utf-8", "replace")[:300]}}


def _text_unsupported(status: int, answer: dict[str, Any]) -> bool:
    message = str(answer.get("error", {}).get("message", ""))
    return status == 400 and "text" in message and ("unknown key" in message or "not allowed" in message)


_NEGATIONS = ("no ", "not ", "never ", "without ", "don't ", "do not ", "i don't ", "i do not ",
              "kein ", "keine ", "keinen ", "nicht ", "nie ", "ohne ")
_FILLERS = ("i have ", "i get ", "i am ", "i'm ", "i ", "my ", "and ", "but ", "also ", "ich habe ", "ich bin ",
            "ich ", "und ", "aber ", "auch ")


def simple_reading(kb: KnowledgeBase, text: str) -> dict[str, Any]:
    """The fallback when ``POST /explain`` has no free-text reader: each phrase (split at punctuation
    and "and"/"und") that is exactly a finding's name, after a leading negation or filler word."""
    present: list[dict[str, Any]] = []
    absent: list[dict[str, Any]] = []
    unplaced: list[str] = []
    for phrase in re.split(r"[,.;:!?\n]+|\s+(?:and|und|but|aber)\s+", text):
        words = phrase.strip()
        if not words:
            continue
        key, negated = words.casefold(), False
        changed = True
        while changed:
            changed = False
            for prefix in _NEGATIONS:
                if key.startswith(prefix):
                    key, negated, changed = key[len(prefix):], True, True
            for prefix in _FILLERS:
                if key.startswith(prefix):
                    key, changed = key[len(prefix):], True
        found = kb.finding_resolver.lookup(key)
        if found is None:
            unplaced.append(words)
            continue
        item = {"id": found, "label": kb.index.terms[found].label, "text": words}
        (absent if negated else present).append(item)
    return {"present": present, "absent": absent, "unplaced": unplaced, "fallback": True}


def normalise_reading(reading: Any, text: str) -> dict[str, Any] | None:
    """The free-text reading of an answer in one shape: present/absent items with id, label and the
    words they came from, the words not understood, ambiguous spans (each with candidate ids)."""
    if not isinstance(reading, dict):
        return None

    def words(item: dict[str, Any]) -> str:
        for key in ("text", "span_text", "matched_text", "words"):
            value = item.get(key)
            if isinstance(value, str):
                return value
        spans = item.get("spans", item.get("span"))
        if isinstance(spans, (list, tuple)) and spans and not isinstance(spans[0], (list, tuple, dict)):
            spans = [spans]
        pieces = []
        for span in spans or []:
            if isinstance(span, dict):
                start, end = span.get("start"), span.get("end")
            elif isinstance(span, (list, tuple)) and len(span) >= 2:
                start, end = span[0], span[1]
            else:
                continue
            if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
                pieces.append(text[start:end])
        return " \u2026 ".join(pieces) or str(item.get("matched") or item.get("name") or "")

    def items(key: str) -> list[dict[str, Any]]:
        out = []
        found: list[Any] = reading.get(key) or []
        for item in found:
            if isinstance(item, dict) and isinstance(item.get("id", item.get("finding")), str):
                out.append({"id": item.get("id", item.get("finding")), "label": item.get("label", ""),
                            "text": words(item)})
        return out

    unplaced = []
    for item in reading.get("unplaced", reading.get("not_understood", reading.get("unmatched", []))) or []:
        unplaced.append(item if isinstance(item, str) else words(item) if isinstance(item, dict) else "")
    ambiguous = []
    for item in reading.get("ambiguous") or []:
        if isinstance(item, dict):
            listed = item.get("candidates", item.get("findings", item.get("ids", [])))
            candidates = [c if isinstance(c, str) else c.get("id", "") for c in listed or []]
            ambiguous.append({"text": words(item), "candidates": [c for c in candidates if c]})
    return {"present": items("present"), "absent": items("absent"), "unplaced": [u for u in unplaced if u],
            "ambiguous": ambiguous, "fallback": bool(reading.get("fallback")),
            "language": reading.get("language", reading.get("lang", ""))}


# ---------------------------------------------------------------------- rendering
class Renderer:
    """HTML from the JSON of ``POST /explain``, in one language."""

    def __init__(self, kb: KnowledgeBase, lang: str):
        self.kb, self.lang = kb, lang
        self.t = UI[lang]

    # -- words
    def label(self, term_id: str, fallback: str = "") -> str:
        """The term's label in the page's language as HTML (marked English where there is no German)."""
        term = self.kb.index.terms.get(term_id)
        if term is None:
            return e(fallback or term_id)
        if self.lang == "de" and term.label_de:
            return e(term.label_de)
        text = term.label or fallback or term_id
        return f'<span lang="en">{e(text)}</span>' if self.lang != "en" else e(text)

    def plain_label(self, term_id: str, fallback: str = "") -> str:
        term = self.kb.index.terms.get(term_id)
        if term is None:
            return fallback or term_id
        return (term.label_de if self.lang == "de" and term.label_de else term.label) or fallback or term_id

    def english(self, text: str) -> str:
        """Text the knowledge base has only in English (instructions, reasons)."""
        return f'<span lang="en">{e(text)}</span>' if self.lang != "en" else e(text)

    @staticmethod
    def quote(sentence: str | None) -> str:
        if not sentence:
            return ""
        return f'<blockquote class="source" lang="en"><p>\u201c{e(sentence)}\u201d</p></blockquote>'

    @staticmethod
    def percent(score: float) -> str:
        if score <= 0:
            return "0 %"
        if score < 0.001:
            return "< 0.1 %"
        return f"{score * 100:.1f} %"

    # -- the case
    def case_section(self, case: PageCase, answer: dict[str, Any] | None, focus: str) -> str:
        t = self.t
        labels: dict[str, str] = {}
        inferred: list[dict[str, Any]] = []
        if answer and "findings" in answer:
            for key in ("present", "absent", "inferred"):
                for item in answer["findings"].get(key, []):
                    labels[item["id"]] = item.get("label", "")
            inferred = answer["findings"].get("inferred", [])
        hidden = "".join(f'<input type="hidden" name="{name}" value="{e(v)}">'
                         for name in ("present", "absent", "unknown") for v in getattr(case, name))
        if case.why_not:
            hidden += f'<input type="hidden" name="why_not" value="{e(case.why_not)}">'
        if case.lang:
            hidden += f'<input type="hidden" name="lang" value="{e(case.lang)}">'
        rows = []
        for state in ("present", "absent"):
            for fid in getattr(case, state):
                name = self.label(fid, labels.get(fid, fid))
                plain = e(self.plain_label(fid, labels.get(fid, fid)))
                other = "absent" if state == "present" else "present"
                rows.append(
                    f'<li class="chip chip-{state}"><span class="chip-label">{name}</span> '
                    f'<span class="chip-state">{e(t[state])}</span> '
                    f'<button type="submit" name="do" value="flip:{e(fid)}" class="small">'
                    f'{e(t["mark_" + other])}<span class="vh">: {plain}</span></button> '
                    f'<button type="submit" name="do" value="drop:{e(fid)}" class="small">'
                    f'{e(t["remove"])}<span class="vh">: {plain}</span></button></li>')
        for item in inferred:
            rows.append(f'<li class="chip chip-inferred"><span class="chip-label">{self.label(item["id"], item.get("label", ""))}'
                        f'</span> <span class="chip-state">{e(t["by_rule"])} {e(item.get("rule", ""))}</span></li>')
        chips = f'<ul class="chips">{"".join(rows)}</ul>' if rows else f'<p>{e(t["empty_case"])}</p>'
        autofocus = ' data-autofocus=""' if focus == "case" else ""
        share = ""
        if not case.is_empty():
            url = case.url()
            share = (f'<p class="share"><a id="case-link" href="{e(url)}" data-case-url="{e(url)}">{e(t["link"])}</a> '
                     f'<button type="button" id="share" class="small js-only">{e(t["share"])}</button> '
                     f'<output id="share-status" for="share"></output> '
                     f'<button type="submit" name="do" value="clear" class="small">{e(t["clear"])}</button></p>')
        else:
            share = f'<span hidden data-case-url="{e(case.url())}"></span>'
        return (f'<section id="case" aria-labelledby="case-h">{hidden}'
                f'<h2 id="case-h" tabindex="-1"{autofocus}>{e(t["your_case"])}</h2>{chips}{share}</section>')

    def reading_section(self, reading: dict[str, Any] | None, focus: str) -> str:
        if reading is None:
            return ""
        t = self.t
        autofocus = ' data-autofocus=""' if focus == "reading" else ""
        parts = [f'<section id="reading" aria-labelledby="reading-h">'
                 f'<h2 id="reading-h" tabindex="-1"{autofocus}>{e(t["understood"])}</h2>']
        if reading.get("fallback"):
            parts.append(f'<p class="note">{e(t["fallback_reader"])}</p>')
        rows = []
        for key, title in (("present", t["understood_present"]), ("absent", t["understood_absent"])):
            for item in reading[key]:
                words = f'\u201c{e(item["text"])}\u201d \u2192 ' if item["text"] else ""
                rows.append(f'<li class="understood-{key}"><span class="tag">{e(title)}</span> {words}'
                            f'<strong>{self.label(item["id"], item["label"])}</strong></li>')
        for item in reading["ambiguous"]:
            options = ", ".join(self.label(c) for c in item["candidates"])
            rows.append(f'<li class="understood-ambiguous"><span class="tag">{e(t["ambiguous"])}</span> '
                        f'\u201c{e(item["text"])}\u201d \u2192 {options}</li>')
        for words in reading["unplaced"]:
            rows.append(f'<li class="understood-none"><span class="tag">{e(t["not_understood"])}</span> '
                        f'\u201c{e(words)}\u201d</li>')
        if not (reading["present"] or reading["absent"]):
            parts.append(f'<p>{e(t["nothing_understood"])}</p>')
        if rows:
            parts.append(f'<ul class="reading">{"".join(rows)}</ul>')
        parts.append("</section>")
        return "".join(parts)

    # -- the answer
    def answer_section(self, case: PageCase, answer: dict[str, Any], focus: str) -> str:
        t = self.t
        known = {f["id"] for k in ("present", "inferred") for f in answer.get("findings", {}).get(k, [])}
        out = [self.alerts(answer, known)]
        if "why_not" in answer:
            out.append(self.why_not_section(answer["why_not"], focus))
        out.append(f'<section id="hypotheses" aria-labelledby="hyp-h"><h2 id="hyp-h" tabindex="-1"'
                   f'{" data-autofocus" if focus == "answer" else ""}>{e(t["answer"])}</h2>'
                   f'<p class="note">{e(t["score_note"])}</p>{self.tree(answer)}</section>')
        out.append(self.next_steps(case, answer, focus))
        out.append(self.actions(answer, known))
        out.append(self.interpretations(answer))
        out.append(f'<section id="disclaimer" aria-labelledby="disc-h" class="disclaimer"><h2 id="disc-h">'
                   f'{e(t["disclaimer"])}</h2><p lang="en">{e(answer.get("disclaimer", ""))}</p>'
                   f'<p class="meta">{e(t["kb"])}: <span lang="en">{e(answer.get("kb_version", ""))}</span>'
                   f'{"; " + e(t["rules"]) + ": " + e(", ".join(answer.get("rules_fired", []))) if answer.get("rules_fired") else ""}'
                   f'</p></section>')
        return "".join(out)

    def triggered_see_doctor(self, answer: dict[str, Any], known: set[str]) -> list[dict[str, Any]]:
        ancestors = self.kb.index.ancestors
        widened = set(known)
        for fid in known:
            widened |= set(ancestors.get(fid, ()))
        recs = {r.id: r for r in self.kb.index.recommendations}
        found = []
        for action in answer.get("actions", {}).get("see_doctor", []):
            if "triggered" in action:
                hit = bool(action["triggered"])
            else:
                rec = recs.get(action.get("recommendation", ""))
                hit = bool(rec and set(rec.triggers) & widened)
            if hit:
                found.append(action)
        return found

    def alerts(self, answer: dict[str, Any], known: set[str]) -> str:
        t = self.t
        flags = answer.get("red_flags", [])
        doctor = self.triggered_see_doctor(answer, known)
        if not flags and not doctor:
            return ""
        items = []
        for flag in flags:
            items.append(f'<li><strong>{self.label(flag.get("id", ""), flag.get("label", ""))}</strong>: '
                         f'{self.english(flag.get("why", ""))}{self.quote(flag.get("source"))}</li>')
        for action in doctor:
            items.append(f'<li><strong>{self.label(action["id"], action.get("label", ""))}</strong>: '
                         f'{self.english(action.get("instructions", ""))}{self.quote(action.get("source"))}</li>')
        return (f'<section id="red-flags" class="alert" aria-labelledby="rf-h"><h2 id="rf-h">'
                f'<span aria-hidden="true">\u26a0 </span>{e(t["red_flags"])}</h2><p>{e(t["red_flag_intro"])}</p>'
                f'<ul>{"".join(items)}</ul></section>')

    def tree(self, answer: dict[str, Any]) -> str:
        hypotheses = [h for h in answer.get("hypotheses", []) if isinstance(h, dict) and "id" in h]
        ids = {h["id"] for h in hypotheses}
        absent = {f["id"] for f in answer.get("findings", {}).get("absent", [])}
        children: dict[str | None, list[dict[str, Any]]] = {}
        for h in hypotheses:
            parent = h.get("parent") if "parent" in h else self._parent_from_kb(h["id"], ids)
            if parent not in ids or parent == h["id"]:
                parent = None
            children.setdefault(parent, []).append(h)
        def best(h: dict[str, Any], depth: int = 0) -> float:  # a branch ranks by its best cause
            own = float(h.get("score", 0) or 0)
            if depth > 8:
                return own
            return max([own, *(best(c, depth + 1) for c in children.get(h["id"], []))])

        for group in children.values():
            group.sort(key=lambda h: (-best(h), h["id"]))
        leader = max(hypotheses, key=lambda h: float(h.get("score", 0)), default=None)

        def items(parent: str | None, depth: int) -> str:
            group = children.get(parent, [])
            if not group or depth > 8:
                return ""
            rows = "".join(self.hypothesis(h, absent, leader is not None and h["id"] == leader["id"],
                                           items(h["id"], depth + 1)) for h in group)
            return f'<ul class="tree">{rows}</ul>'

        body = items(None, 0)
        idiopathic = answer.get("idiopathic")
        if isinstance(idiopathic, dict) and "score" in idiopathic:
            score = float(idiopathic["score"])
            body += (f'<p class="idiopathic"><span class="hyp-label">{e(self.t["idiopathic"])}</span> '
                     f'<meter min="0" max="1" value="{score:.6f}" aria-label="{e(self.t["idiopathic"])}"></meter> '
                     f'<span class="pct">{self.percent(score)}</span></p>{self.quote(idiopathic.get("source"))}')
        return body

    def _parent_from_kb(self, cause_id: str, ids: set[str]) -> str | None:
        term = self.kb.index.terms.get(cause_id)
        for parent in term.parents if term else ():
            if parent in ids:
                return parent
        return None

    def contributions(self, h: dict[str, Any], absent: set[str]) -> list[dict[str, Any]]:
        if isinstance(h.get("contributions"), list):
            return [c for c in h["contributions"] if isinstance(c, dict)]
        out = []
        for key, direction in (("supporting", "for"), ("against", "against")):
            for item in h.get(key, []):
                weight = float(item.get("weight", item.get("log_odds", 0)) or 0)
                out.append({"finding": item.get("finding", ""), "label": item.get("label", ""),
                            "present": item.get("finding") not in absent, "direction": direction,
                            "log_odds": abs(weight) if direction == "for" else -abs(weight),
                            "source": item.get("source"), "strength": item.get("strength")})
        return out

    def hypothesis(self, h: dict[str, Any], absent: set[str], leading: bool, subtree: str) -> str:
        t = self.t
        hid = h["id"]
        score = float(h.get("score", 0) or 0)
        name = self.label(hid, h.get("label", ""))
        plain = e(self.plain_label(hid, h.get("label", "")))
        badges = []
        if h.get("reported"):
            badges.append(f'<span class="badge badge-reported">{e(t["reported"])}</span>')
        if h.get("must_not_miss"):
            badges.append(f'<span class="badge badge-mnm">{e(t["must_not_miss"])}</span>')
        if h.get("excluded_by"):
            names = ", ".join(self.label(x) for x in h["excluded_by"])
            badges.append(f'<span class="badge">{e(t["excluded"])} {names}</span>')
        contributions = self.contributions(h, absent)
        rows = []
        for c in sorted(contributions, key=lambda c: -abs(float(c.get("log_odds", 0) or 0))):
            lo = float(c.get("log_odds", 0) or 0)
            direction = c.get("direction") or ("for" if lo >= 0 else "against")
            state = t["present"] if c.get("present", True) else t["absent"]
            strength = f' <span class="strength" lang="en">({e(c["strength"])})</span>' if c.get("strength") else ""
            rows.append(f'<tr class="c-{e(direction)}"><th scope="row">{self.label(c.get("finding", ""), c.get("label", ""))}'
                        f'{strength}</th><td>{e(state)}</td><td><span class="dir">{e(t.get(direction, direction))}</span> '
                        f'<span class="lo">{lo:+.2f}</span></td><td>{self.quote(c.get("source"))}</td></tr>')
        if rows:
            table = (f'<table class="evidence"><caption class="vh">{e(t["evidence"])}: {plain}</caption><thead><tr>'
                     f'<th scope="col">{e(t["finding"])}</th><th scope="col">{e(t["reported_as"])}</th>'
                     f'<th scope="col">{e(t["effect"])}</th><th scope="col">{e(t["sentence"])}</th></tr></thead>'
                     f'<tbody>{"".join(rows)}</tbody></table>')
        else:
            table = f'<p>{e(t["no_evidence"])}</p>'
        chains = [c for c in h.get("chains", []) if isinstance(c, list) and len(c) >= 2]
        graph = ""
        if chains:
            graph = (f'<h4>{e(t["chain"])}</h4>{chain_svg(chains[:8], hid, self.plain_label, set(absent))}'
                     f'<ul class="chain-text">'
                     + "".join("<li>" + " \u2192 ".join(self.label(n) for n in chain) + "</li>" for chain in chains[:8])
                     + "</ul>")
        own = self.quote(h.get("source")) if h.get("source") else ""
        count = f' ({len(contributions)})' if contributions else ""
        lead_cls = " leading" if leading else ""
        why = "" if leading or h.get("reported") else (
            f'<button type="submit" name="do" value="why:{e(hid)}" class="small why">{e(t["why_low"])}'
            f'<span class="vh"> {plain}</span></button>')
        return (f'<li class="hyp{lead_cls}" id="h-{e(hid)}"><div class="hyp-head">'
                f'<span class="hyp-label" id="hl-{e(hid)}">{name}</span> {"".join(badges)}'
                f'<span class="bar"><meter min="0" max="1" value="{score:.6f}" aria-labelledby="hl-{e(hid)}"></meter> '
                f'<span class="pct">{self.percent(score)}</span></span>'
                f'{why}</div>'
                f'<details{" open" if leading else ""}><summary>{e(t["evidence"])}{count}</summary>{own}{table}{graph}</details>'
                f'{subtree}</li>')

    def why_not_section(self, why: dict[str, Any], focus: str) -> str:
        t = self.t
        if "error" in why:
            return ""
        cause = why.get("cause", "")
        rows = []
        for key, title in (("against", t["against"]), ("would_need", t["would_need"])):
            items = why.get(key) or []
            if items:
                lis = "".join(f'<li>{self.label(i.get("finding", ""), i.get("label", ""))}'
                              f'{" <span lang=en class=strength>(" + e(i["strength"]) + ")</span>" if i.get("strength") else ""}'
                              f'{self.quote(i.get("source"))}</li>' for i in items)
                rows.append(f'<h3>{e(title)}</h3><ul>{lis}</ul>')
        tests = why.get("settling_tests") or []
        if tests:
            rows.append(f'<h3>{e(t["settling"])}</h3><ul>' + "".join(
                f'<li>{self.label(x if isinstance(x, str) else x.get("id", ""))}</li>' for x in tests) + "</ul>")
        autofocus = ' data-autofocus=""' if focus == "why" else ""
        return (f'<section id="why-not" class="why-not" aria-labelledby="why-h"><h2 id="why-h" tabindex="-1"{autofocus}>'
                f'{e(t["why_not"])}: {self.label(cause, why.get("label", ""))}?</h2>'
                f'<p lang="en">{e(why.get("summary", ""))}</p>{"".join(rows)}'
                f'<button type="submit" name="do" value="unwhy" class="small">{e(t["close"])}</button></section>')

    def next_steps(self, case: PageCase, answer: dict[str, Any], focus: str) -> str:
        t = self.t
        settled = set(case.present) | set(case.absent) | set(case.unknown)
        settled |= {f["id"] for k in ("present", "absent", "inferred") for f in answer.get("findings", {}).get(k, [])}
        blocks = []
        questions = [q for q in answer.get("questions", []) if isinstance(q, dict)]
        qrows = []
        for q in questions:
            fid = q.get("finding") or q.get("id", "")
            if fid in settled:
                continue
            prompt = self.english(q["question"]) if q.get("question") and self.lang == "en" else self.label(fid, q.get("label", ""))
            qrows.append(self.step(fid, prompt, q.get("why"), q.get("sources") or []))
        if qrows:
            blocks.append(f'<h3>{e(t["questions"])}</h3><ul class="steps">{"".join(qrows)}</ul>')
        tests = answer.get("tests") if isinstance(answer.get("tests"), list) else answer.get("next_tests", [])
        trows = []
        for test in tests or []:
            reveals = [r for r in test.get("reveals", []) if r not in settled]
            if not reveals:
                continue
            inner = "".join(self.step(r, f'{e(t["result"])}: {self.label(r)}', None, []) for r in reveals)
            gain = test.get("information_gain")
            gain_text = f' <span class="meta">({e(t["gain"])} {float(gain):.3f})</span>' if gain is not None else ""
            trows.append(f'<li class="test"><h4>{self.label(test.get("id", ""), test.get("label", ""))}{gain_text}</h4>'
                         f'<p>{self.english(test.get("why", ""))}</p>'
                         f'{"".join(self.quote(s) for s in (test.get("sources") or [])[:1])}<ul class="steps">{inner}</ul></li>')
        if trows:
            blocks.append(f'<h3>{e(t["tests"])}</h3><ul class="tests">{"".join(trows)}</ul>')
        if not blocks:
            return ""
        autofocus = ' data-autofocus=""' if focus == "next" else ""
        return (f'<section id="next" aria-labelledby="next-h"><h2 id="next-h" tabindex="-1"{autofocus}>{e(t["next"])}</h2>'
                f'<p class="note">{e(t["next_intro"])}</p>{"".join(blocks)}</section>')

    def step(self, finding: str, prompt: str, why: str | None, sources: list[str]) -> str:
        t = self.t
        legend = f'{prompt}?'
        why_html = f'<p>{self.english(why)}</p>' if why else ""
        return (f'<li class="step"><fieldset><legend>{legend}</legend>{why_html}'
                f'{"".join(self.quote(s) for s in sources[:1])}'
                f'<button type="submit" name="do" value="yes:{e(finding)}">{e(t["yes"])}</button> '
                f'<button type="submit" name="do" value="no:{e(finding)}">{e(t["no"])}</button> '
                f'<button type="submit" name="do" value="unknown:{e(finding)}">{e(t["dont_know"])}</button>'
                f'</fieldset></li>')

    def actions(self, answer: dict[str, Any], known: set[str]) -> str:
        t = self.t
        triggered = {a["id"] for a in self.triggered_see_doctor(answer, known)}
        parts = []
        for phase in PHASES:
            items = answer.get("actions", {}).get(phase, [])
            if not items:
                continue
            lis = []
            for action in items:
                mark = (f' <span class="badge badge-mnm">{e(t["triggered"])}</span>'
                        if phase == "see_doctor" and action["id"] in triggered else "")
                lis.append(f'<li><h4>{self.label(action["id"], action.get("label", ""))}{mark}</h4>'
                           f'<p>{self.english(action.get("instructions", ""))}</p>{self.quote(action.get("source"))}</li>')
            shown, rest = lis[:4], lis[4:]
            more = (f'<details><summary>{len(rest)} {e(t["more"])}</summary><ul class="actions">{"".join(rest)}</ul></details>'
                    if rest else "")
            parts.append(f'<section class="phase phase-{phase}" aria-labelledby="ph-{phase}"><h3 id="ph-{phase}">'
                         f'{e(t[phase])}</h3><ul class="actions">{"".join(shown)}</ul>{more}</section>')
        return f'<div id="actions">{"".join(parts)}</div>' if parts else ""

    def interpretations(self, answer: dict[str, Any]) -> str:
        items = [i for i in answer.get("interpretations", []) if isinstance(i, dict)]
        if not items:
            return ""
        lis = "".join(f'<li><strong>{self.label(i.get("finding", ""), i.get("label", ""))}</strong>: '
                      f'{self.english(i.get("meaning", ""))}{self.quote(i.get("source"))}</li>' for i in items)
        return (f'<section id="interpretations" aria-labelledby="int-h"><h2 id="int-h">{e(self.t["interpretations"])}'
                f'</h2><ul>{lis}</ul></section>')

    def error(self, message: str, suggestions: list[str]) -> str:
        t = self.t
        buttons = " ".join(f'<button type="submit" name="do" value="add:{e(s)}" class="small">{e(s)}</button>'
                           for s in suggestions[:5])
        more = f'<p>{e(t["did_you_mean"])}: {buttons}</p>' if buttons else ""
        return (f'<div class="error" role="alert"><h2>{e(t["error"])}</h2><p lang="en">{e(message)}</p>'
                f'{more}</div>')


# ---------------------------------------------------------------------- the chain graph
def _wrap(text: str, width: int = 20, lines: int = 3) -> list[str]:
    out: list[str] = []
    for word in text.split():
        if out and len(out[-1]) + 1 + len(word) <= width:
            out[-1] += " " + word
        else:
            out.append(word)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1] + "\u2026"
    return out or [""]


def chain_svg(chains: list[list[str]], target: str, label: Any, absent: set[str]) -> str:
    """The causal chains of one hypothesis as an SVG graph: findings left, the cause right, each node
    in the column of its longest path from a finding; drawn here, no library, no script."""
    edges = {(a, b) for chain in chains for a, b in pairwise(chain) if a != b}
    nodes = list(dict.fromkeys(n for chain in chains for n in chain))
    layer = {n: 0 for n in nodes}
    for _ in range(len(nodes)):
        changed = False
        for a, b in edges:
            if layer[b] < layer[a] + 1 and layer[a] + 1 < len(nodes):
                layer[b], changed = layer[a] + 1, True
        if not changed:
            break
    layer[target] = max(layer.values())
    columns: dict[int, list[str]] = {}
    for n in nodes:
        columns.setdefault(layer[n], []).append(n)
    box_w, box_h, gap_x, gap_y, pad = 150, 54, 46, 14, 6
    height = max(len(c) for c in columns.values()) * (box_h + gap_y) - gap_y + 2 * pad
    width = (max(columns) + 1) * (box_w + gap_x) - gap_x + 2 * pad
    pos = {}
    for col, members in columns.items():
        total = len(members) * (box_h + gap_y) - gap_y
        top = pad + (height - 2 * pad - total) / 2
        for i, n in enumerate(members):
            pos[n] = (pad + col * (box_w + gap_x), top + i * (box_h + gap_y))
    uid = re.sub(r"\W", "", target)
    sources = {chain[0] for chain in chains}
    names = [label(n) for n in nodes]
    title = " ; ".join(" \u2192 ".join(label(n) for n in chain) for chain in chains)
    parts = [f'<svg class="chain" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
             f'role="img" aria-labelledby="ct-{uid}" xmlns="http://www.w3.org/2000/svg">'
             f'<title id="ct-{uid}">{e(title)}</title>'
             f'<defs><marker id="arrow-{uid}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
             f'orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" class="arrowhead"/></marker></defs>']
    for a, b in sorted(edges):
        (ax, ay), (bx, by) = pos[a], pos[b]
        x1, y1, x2, y2 = ax + box_w, ay + box_h / 2, bx, by + box_h / 2
        mid = (x1 + x2) / 2
        parts.append(f'<path class="edge" d="M{x1:.0f} {y1:.0f}C{mid:.0f} {y1:.0f} {mid:.0f} {y2:.0f} {x2 - 1:.0f} {y2:.0f}" '
                     f'marker-end="url(#arrow-{uid})"/>')
    for n, name in zip(nodes, names, strict=True):
        x, y = pos[n]
        kind = "target" if n == target else "finding" if n in sources else "state"
        if n in absent:
            kind += " absent"
        parts.append(f'<g class="node {kind}"><rect x="{x:.0f}" y="{y:.0f}" width="{box_w}" height="{box_h}" rx="8"/>')
        lines = _wrap(name)
        first = y + box_h / 2 - (len(lines) - 1) * 7.5
        for i, line in enumerate(lines):
            parts.append(f'<text x="{x + box_w / 2:.0f}" y="{first + i * 15:.0f}" text-anchor="middle" '
                         f'dominant-baseline="middle">{e(line)}</text>')
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------------- the page
def _static(name: str) -> str:
    return files("crampkg.http").joinpath("static", name).read_text(encoding="utf-8")


def finding_list(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """Every finding a person can report (derived findings are inferred, not reported)."""
    out = []
    for term in kb.findings():
        if kb.is_derived(term.id):
            continue
        kind = getattr(term, "finding_kind", None) or getattr(term, "kind_of_finding", None)
        if not kind:
            ancestors = kb.index.ancestors.get(term.id, ())
            kind = "course" if term.id in _COURSE_FINDINGS else next(
                (k for cat, k in _FINDING_KIND_BY_CATEGORY.items() if cat in ancestors), "finding")
        out.append({"id": term.id, "label": term.label, "label_de": term.label_de,
                    "synonyms": list(term.synonyms), "kind": kind})
    return out


def query_examples(kb: KnowledgeBase) -> list[dict[str, str]]:
    """The named queries of ``queries/`` as runnable SPARQL, each with its example's parameters bound."""
    from ..kb.queries import bind_params, load_queries
    from ..kb.stores import bound_text

    out = []
    for name, query in sorted(load_queries().items()):
        params: dict[str, list[str]] = {}
        try:
            words = shlex.split(query.example)
        except ValueError:
            words = []
        for i, word in enumerate(words):
            if word == "--param" and i + 1 < len(words) and "=" in words[i + 1]:
                key, _, value = words[i + 1].partition("=")
                params.setdefault(key, []).append(value)
        try:
            bound = bind_params(kb, query, {k: v if query.param(k).many else v[0] for k, v in params.items()})
            text = bound_text(query.text, bound)
        except Exception:  # an example that does not bind: offer the query as written
            text = query.text
        body = "\n".join(line for line in text.splitlines() if not line.startswith("#")).strip()
        out.append({"name": name, "purpose": query.purpose, "query": body})
    return out


def page_routes(kb: KnowledgeBase, settings: ServerSettings) -> list[Route]:
    """The routes of the page (see the module docstring)."""
    from ..errors import CrampkgError
    from .app import _form, _media_type, dumps_json, read_body

    statics = {name: _static(name) for name in STATIC_TYPES}
    shell = _static("explain.html")
    query_page = _static("query.html")
    findings_json = dumps_json(finding_list(kb))
    examples: list[bytes] = []

    def headers(extra: dict[str, str] | None = None) -> dict[str, str]:
        return {**SECURITY_HEADERS, **(extra or {})}

    async def params_of(request: Request) -> dict[str, list[str]]:
        params: dict[str, list[str]] = {}
        for key, value in request.query_params.multi_items():
            params.setdefault(key, []).append(value)
        if request.method == "POST":
            body = await read_body(request, settings.max_body_bytes)
            media = _media_type(request)
            if media not in ("application/x-www-form-urlencoded", ""):
                raise CrampkgError("POST the case as a form (application/x-www-form-urlencoded)")
            for key, values in _form(body).items():
                params[key] = params.get(key, []) + values if key not in ("present", "absent", "unknown") else values
        return params

    async def build(request: Request, params: dict[str, list[str]]) -> tuple[str, str, PageCase, str]:
        """(language, fragment HTML, case, status text) for the request's case and the pressed button."""
        case = PageCase.from_params(params)
        lang = case.lang or browser_language(request.headers.get("accept-language"))
        r = Renderer(kb, lang)
        action = (params.get("do") or [""])[-1]
        verb, _, arg = action.partition(":")
        focus = ""
        errors: list[str] = []
        add = [a for a in params.get("add", []) if a.strip()]
        if verb == "add" and arg:
            add.append(arg)
        for name in add[:5]:
            state = (params.get("add_as") or ["present"])[-1]
            try:
                term = kb.resolve_finding(name.strip()[:200])
            except CrampkgError as exc:
                errors.append(r.error(str(exc), list(getattr(exc, "suggestions", []) or [])))
                continue
            case.set(term.id, "absent" if state == "absent" else "present")
            focus = "case"
        if verb in ("yes", "no", "unknown") and arg:
            case.set(arg, {"yes": "present", "no": "absent", "unknown": "unknown"}[verb])
            focus = "answer"
        elif verb == "drop":
            case.drop(arg)
            focus = "case"
        elif verb == "flip":
            case.set(arg, "absent" if arg in case.present else "present")
            focus = "case"
        elif verb == "why":
            case.why_not, focus = arg[:200], "why"
        elif verb == "unwhy":
            case.why_not, focus = "", "answer"
        elif verb == "clear":
            case, focus = PageCase(lang=case.lang), "case"
        read_text = case.text if (verb == "read" or (request.method == "GET" and case.text)) else ""
        if verb == "read":
            focus = "reading"
        answer: dict[str, Any] | None = None
        reading = None
        if read_text or not case.is_empty():
            body: dict[str, Any] = {"present": case.present, "absent": case.absent}
            if read_text:
                body["text"] = read_text
            status, answer = await explain_json(request.app, body, case.why_not)
            if read_text and _text_unsupported(status, answer):
                found = simple_reading(kb, read_text)
                for item in found["present"]:
                    if item["id"] not in case.absent:
                        case.set(item["id"], "present")
                for item in found["absent"]:
                    case.set(item["id"], "absent")
                reading = normalise_reading(found, read_text)
                answer = None
                if not case.is_empty():
                    status, answer = await explain_json(request.app, {"present": case.present, "absent": case.absent},
                                                        case.why_not)
            elif read_text and status == 200:
                raw = next((answer[k] for k in ("reading", "text_reading", "understood", "text") if
                            isinstance(answer.get(k), dict)), None)
                reading = normalise_reading(raw, read_text) or {"present": [], "absent": [], "unplaced": [],
                                                                "ambiguous": [], "fallback": False}
            if answer is not None and status == 400 and case.why_not and "why_not" in json.dumps(answer):
                case.why_not = ""
                status, answer = await explain_json(request.app, {"present": case.present, "absent": case.absent})
            if answer is not None and status != 200:
                err = answer.get("error", {})
                errors.append(r.error(str(err.get("message", "error")), list(err.get("suggestions", []) or [])))
                answer = None
            if answer is not None:  # the case as the server read it: ids, in its order
                findings = answer.get("findings", {})
                case.present = [f["id"] for f in findings.get("present", [])]
                case.absent = [f["id"] for f in findings.get("absent", [])]
                if isinstance(answer.get("why_not"), dict):
                    case.why_not = answer["why_not"].get("cause", case.why_not)
        case.text = ""
        fragment = "".join(errors) + r.case_section(case, answer, focus) + r.reading_section(reading, focus)
        leading = ""
        if answer is not None:
            fragment += r.answer_section(case, answer, focus)
            hyps = sorted(answer.get("hypotheses", []), key=lambda h: -float(h.get("score", 0)))
            if hyps:
                leading = r.plain_label(hyps[0]["id"], hyps[0].get("label", ""))
        status_text = f'{r.t["updated"]} {leading or r.t["no_cause"]}.' if answer is not None else ""
        return lang, fragment, case, status_text

    def datalist(lang: str) -> str:
        names: list[str] = []
        for item in finding_list(kb):
            for name in ((item["label_de"], item["label"]) if lang == "de" else (item["label"], item["label_de"])):
                if name and name not in names:
                    names.append(name)
        return "".join(f'<option value="{e(n)}"></option>' for n in names)

    def render_page(lang: str, fragment: str, case: PageCase, status_text: str, text: str) -> str:
        t = UI[lang]
        other = "de" if lang == "en" else "en"
        switch_case = PageCase(case.present, case.absent, case.unknown, case.why_not, other)
        values = {
            "lang": lang, "title": e(t["title"]), "tagline": e(t["tagline"]), "skip": e(t["skip"]),
            "nav_query": e(t["nav_query"]), "nav_api": e(t["nav_api"]), "switch_href": e(switch_case.url()),
            "switch_lang": other, "switch_label": "Deutsch" if other == "de" else "English",
            "switch_name": e(t["lang_switch"]), "describe": e(t["describe"]), "describe_hint": e(t["describe_hint"]),
            "text": e(text), "read": e(t["read"]), "pick": e(t["pick"]), "pick_hint": e(t["pick_hint"]),
            "have": e(t["have"]), "havenot": e(t["havenot"]), "add": e(t["add"]), "datalist": datalist(lang),
            "fragment": fragment, "status": e(status_text), "copied": e(t["copied"]),
            "present_in_case": e(t["present_in_case"]), "suggestions": e(t["suggestions"]),
            "kind_words": e(json.dumps(KIND_WORDS[lang], ensure_ascii=False)),
            "example_href": e(PageCase(["CRAMPKG_0000101", "CRAMPKG_0000137", "CRAMPKG_0000138"], lang=case.lang).url()),
            "example": e(t["example"]), "intro_try": e(t["intro_try"]),
        }
        return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], shell)

    async def home(request: Request) -> Response:
        if request.method == "GET" and "query" in request.query_params:  # an old shared console link
            return RedirectResponse(f"/query?{request.url.query}", status_code=308, headers=headers())
        params = await params_of(request)
        text = (params.get("text") or [""])[-1][:MAX_TEXT] if request.method == "POST" else ""
        lang, fragment, case, status_text = await build(request, params)
        return HTMLResponse(render_page(lang, fragment, case, status_text, text),
                            headers=headers({"Content-Language": lang, "Vary": "Accept-Language"}))

    async def answer(request: Request) -> Response:
        lang, fragment, case, status_text = await build(request, await params_of(request))
        return HTMLResponse(fragment, headers=headers({
            "Content-Language": lang, "Vary": "Accept-Language", "X-Case-URL": case.url(),
            "X-Status": urllib.parse.quote(status_text)}))

    async def findings(request: Request) -> Response:
        return Response(findings_json, media_type="application/json", headers=headers({"Cache-Control": "max-age=300"}))

    async def query(request: Request) -> Response:
        return HTMLResponse(query_page, headers=headers())

    async def query_examples_route(request: Request) -> Response:
        if not examples:
            examples.append(dumps_json(query_examples(kb)))
        return Response(examples[0], media_type="application/json", headers=headers({"Cache-Control": "max-age=300"}))

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in statics:
            return Response("not found\n", status_code=404, media_type="text/plain", headers=headers())
        return Response(statics[name], media_type=STATIC_TYPES[name], headers=headers({"Cache-Control": "max-age=300"}))

    return [
        Route("/", home, methods=["GET", "POST"]),
        Route("/answer", answer, methods=["GET", "POST"]),
        Route("/findings", findings, methods=["GET"]),
        Route("/query", query, methods=["GET"]),
        Route("/query/examples", query_examples_route, methods=["GET"]),
        Route("/static/{name}", static, methods=["GET"]),
    ]


__all__ = ["PAGE_CSP", "SECURITY_HEADERS", "PageCase", "Renderer", "browser_language", "chain_svg", "finding_list",
           "page_routes", "query_examples", "simple_reading"]
