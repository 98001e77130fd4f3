"""The fixed word lists of the text reader: filler words, negation and context cues, and word families.

Nothing here names a finding. The lists are general vocabulary of the domain (the words the article
and people describing cramps use), in English and German:

* :data:`STOPWORDS` — filler words that never carry a finding (articles, pronouns, auxiliaries,
  most prepositions). They are ignored by matching, so word order and filler do not matter.
* :data:`NEGATION_WORDS` — words that negate ("no", "don't", "kein", "ohne" ...). In a name they are
  part of the name ("no warm-up"); in a text they are triggers of a negation scope.
* :data:`FAMILIES` — word families the stemmer does not join: derivations ("nocturnal" / "night",
  "Schwangerschaft" / "schwanger"), spelling variants, German compounds that stand for several
  words ("Wadenkrampf" = calf + cramp), and the German word of an English one. Each family is a
  concept key (upper case); a word may stand for several keys. Because names and texts are mapped
  through the same families, a German text can match an English synonym and the other way round.
"""

from __future__ import annotations

NEG = "NEG"
"""The key every negation word maps to (inside names it is part of the name)."""

STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset("""
        a an the and or but so then than also too very really quite rather just even still yet
        i me my mine myself we us our you your he him his she her it its they them their this that these those
        am is are was were be been being have has had having do does did doing get gets got getting
        will would shall should can could may might must
        at in on of to for from by with as into onto about around over under through
        some any all each every other such same own much more most many lot lots bit
        when while where which who whom what how why
        there here now always usually sometimes mostly almost again well
        because since though although if whether
        like one ones thing things time times sort
        doubt
        go goes went gone come comes came make makes made feel feels felt seem seems
        suffer suffers suffered suffering experience experiences experienced
        say says said tell told think thought know knew
        oh ok okay yes yeah also
    """.split()),
    "de": frozenset("""
        der die das den dem des ein eine einen einem einer eines
        und oder aber also dann denn als wie so sehr ganz recht eben noch schon auch zu
        ich mich mir mein meine meinen meinem meiner meines wir uns unser unsere du dich dir dein deine
        er ihn ihm sein seine sie ihr ihre es man sich
        dies diese dieser dieses diesen jene
        bin bist ist sind war waren gewesen sein habe hast hat haben hatte hatten gehabt
        werde wirst wird werden wurde wurden worden bekomme bekommst bekommt bekommen bekam kriege kriegt
        kann kannst können konnte soll sollte muss musste darf mag möchte würde würden
        an am auf aus mit von vom zum zur im in ins um für über unter durch gegen seit vor vorm
        etwas alle alles jede jeder jedes manche mehr meist meistens viele
        wann wenn wo welche welcher wer was warum weil da dass ob obwohl
        immer oft manchmal fast wieder gerade eigentlich wirklich halt mal ja
        leide leidet leiden litt habe fühle fühlt gefühlt
        sagt sagte meint meinte glaube glaubt denke
    """.split()),
}
"""Filler words per language (before stemming, after case and umlaut folding is applied to them too)."""

# "oft"/"often" and "auf" are not filler here: they belong to families below (frequent, warm-up).
_NOT_FILLER = {"oft", "auf", "up", "over", "after", "during", "before", "without", "only", "lot", "much",
               "more", "immer", "always", "mehr", "viele", "many", "times"}
STOPWORDS = {lang: frozenset(w for w in words if w not in _NOT_FILLER) for lang, words in STOPWORDS.items()}

NEGATION_WORDS: frozenset[str] = frozenset("""
    no not never without nothing none neither nor cannot
    don't doesn't didn't haven't hasn't hadn't isn't aren't wasn't weren't won't can't couldn't wouldn't shouldn't
    dont doesnt didnt havent hasnt isnt arent wasnt cant couldnt wont
    deny denies denied
    kein keine keinen keinem keiner keines nicht nie niemals ohne nichts weder
""".split())
"""Words that negate, folded (in a text: triggers; in a name: part of it)."""

PSEUDO_NEGATIONS: tuple[tuple[str, ...], ...] = tuple(tuple(p.split()) for p in """
    no doubt
    not only
    not just
    not merely
    not sure
    not certain
    without doubt
    without a doubt
    no question
    nicht nur
    nicht bloss
    nicht sicher
    kein zweifel
    ohne zweifel
    ohne frage
""".strip().splitlines())
"""Word sequences that contain a negation word but negate nothing ("no doubt", "nicht nur")."""

SCOPE_ENDS: frozenset[str] = frozenset("""
    but however although though yet except whereas while apart besides
    aber jedoch sondern doch trotzdem obwohl allerdings ausser während wohingegen
""".split())
"""Conjunctions that end a negation or context scope ("not only at night but also ...")."""

NEGATION_ENDS: frozenset[str] = frozenset("during while when während beim wenn".split())
"""Words that end a negation scope (not a context scope): "my calf does not get hard *during* the
cramp" denies the hardening, not the cramp."""

FIRST_PERSON: frozenset[str] = frozenset("i i'm i've me my myself ich mich mir mein meine meinen meinem meiner".split())
"""After "and" / "und", one of these starts a new clause about the person (it ends a scope)."""

CLAUSE_AND: frozenset[str] = frozenset({"and", "und", "or", "oder"})

OTHER_PEOPLE: frozenset[str] = frozenset("""
    mother mom mum father dad dads parents sister brother wife husband partner girlfriend boyfriend
    friend friends colleague colleagues son daughter grandmother grandma grandfather grandpa aunt uncle
    neighbour neighbor cousin roommate flatmate
    mutter mama vater papa eltern schwester bruder frau mann partnerin freundin freund freunde
    kollege kollegin kollegen sohn tochter oma opa grossmutter grossvater tante onkel nachbar nachbarin
    cousine cousin mitbewohner mitbewohnerin
""".split())
"""Other people: a finding in their clause is theirs, not the person's."""

HYPOTHETICAL: tuple[tuple[str, ...], ...] = tuple(tuple(p.split()) for p in """
    whether
    asked if
    asks if
    asking if
    wondered if
    wonder if
    in case
    might be
    could be
    might become
    want to become
    want to get
    trying to get
    try to get
    planning
    plan to
    afraid of
    worried about
    test for
    tested for
    check for
    checked for
    ob
    falls
    fragte
    fragt
    gefragt
    könnte
    vielleicht bald
    möchte
    will werden
    planen
    plane
    versuchen
    angst vor
    getestet auf
""".strip().splitlines())
"""Cues that what follows in the clause is asked, feared, planned or tested for, not reported."""

_FAMILIES_SPEC = """
CRAMP: cramp cramps cramping cramped crampy spasm spasms convulsion convulsions
CRAMP: krampf krämpfe krampfen krampft krampfte verkrampft verkrampfung krampfanfall
CALF: calf calves
CALF: wade waden
CALF CRAMP: wadenkrampf wadenkrämpfe wadenkrampfe wadenkrämpfen
LEG: leg legs
LEG: bein beine beinen
LEG CRAMP: beinkrampf beinkrämpfe
MUSCLE CRAMP: muskelkrampf muskelkrämpfe
NIGHT: night nights nightly nocturnal overnight nighttime
NIGHT: nacht nächte nachts nächtlich nächtliche nächtlicher nächtlichen
SLEEP: sleep sleeps sleeping slept asleep
SLEEP: schlaf schlafe schläft schlafen schlief geschlafen
WAKE: woken wake wakes waking woke awake awakened
WAKE: aufwachen wache weckt geweckt aufgewacht
REST: rest resting
REST: ruhe ruhig ruhend liegen liege
DRINK: drink drinks drinking drank drunk hydration fluid fluids
DRINK: trinken trinke trinkst trinkt trank getrunken trinkmenge flüssigkeit
LITTLE: little few hardly barely scarcely
LITTLE: wenig wenige weniger kaum gering geringe paar
PLENTY: enough much plenty sufficient sufficiently lot lots adequate adequately
PLENTY: genug viel viele ausreichend reichlich genügend
WATER: water
WATER: wasser
TAP: tap
TAP: leitung wasserhahn
TAP WATER: leitungswasser kranwasser hahnwasser
MINERAL: mineral minerals
MINERAL: mineralien mineralstoffe mineralstoff
MINERAL WATER: mineralwasser sprudel
ONLY: only exclusively solely
ONLY: nur ausschliesslich ausschließlich
DIET: diet diets eating food nutrition meals
DIET: ernährung ernähre ernährt essen esse isst kost
UNBALANCED: unbalanced sided unhealthy unhealthily imbalanced
UNBALANCED: unausgewogen unausgewogene einseitig einseitige ungesund ungesunde
FRUIT: fruit fruits
FRUIT: obst früchte
VEGETABLE: vegetables vegetable veg veggies
VEGETABLE: gemüse
STATIN: statin statins simvastatin atorvastatin
STATIN: statine statinen
CHOLESTEROL: cholesterol
CHOLESTEROL: cholesterin
LOWER: lowering lower lowers
LOWER: senker senkend senken senkt
CHOLESTEROL LOWER DRUG: cholesterinsenker blutfettsenker
DRUG: drug drugs medication medications medicine medicines pill pills tablet tablets
DRUG: medikament medikamente medikamenten arznei arzneimittel tablette tabletten pille pillen
TAKE: take takes taking took
TAKE: nehme nimmt nehmen genommen einnehmen einnahme
PREGNANT: pregnant pregnancy expecting
PREGNANT: schwanger schwangere schwangerschaft schwangerer erwarte erwartet
BABY: baby
BABY: baby kind
WEIGHT: weight
WEIGHT: gewicht
GAIN: gain gaining gained increase increasing increases
GAIN: zunahme zunehmen zunehmend zunehmendes steigend
SPORT: sport sports exercise exercises exercising exercised workout workouts running run ran runs jog jogging runner
SPORT: football soccer tennis cycling swimming gym fitness hiking
SPORT: sport sportlich sportliche sportlichen joggen jogge lauf laufen laufe läuft gelaufen läufer läuferin
SPORT: fussball fußball tennis radfahren radfahre schwimmen schwimme fitnessstudio wandern
ACTIVITY: activity activities
ACTIVITY: aktivität aktivitäten
TRAIN: train trains trained training
TRAIN: training trainiere trainiert trainieren trainierst
UNTRAINED: untrained
UNTRAINED: untrainiert untrainierte
OVERTRAIN: overtraining overtrained
OVERTRAIN: übertraining übertrainiert
MARATHON: marathon marathons
MARATHON SPORT: marathonlauf marathonläufer marathonläuferin
DAY: day days
DAY: tag tage tages
BEFORE: before previous prior
BEFORE: davor vorher vorherigen vorigen
DAY BEFORE: yesterday
DAY BEFORE: vortag gestern vorabend
NEXT: next following
NEXT: nächsten folgenden
NEXT DAY: folgetag
EXERTION: exertion exertions effort strain load loads
EXERTION: belastung belastungen anstrengung anstrengend
HEAVY: heavy strenuous intense intensive
HEAVY: stark starke starker schwer schwere intensiv
PHYSICAL: physical physically
PHYSICAL: körperlich körperliche körperlicher
LIMIT: limit limits
LIMIT: grenze grenzen
PERFORMANCE LIMIT: leistungsgrenze
EXERTION LIMIT: belastungsgrenze
PERFORMANCE: performance
PERFORMANCE: leistung
EXCEED: exceed exceeded exceeding exceeds beyond
EXCEED: überschreiten überschritten überschreite überschreitet
PAUSE: pause pauses paused break breaks
PAUSE: pause pausen pausiere
SLOW: slow slowed
SLOW: langsamer
WARM: warm warming warmed
WARM: warm wärme wärmen aufwärmen aufgewärmt aufwärmphase aufwärmt
UP: up
UP: auf
COLD: cold chilly cool freezing
COLD: kalt kalte kalten kühl eiskalt
HOT: hot
HOT: heiss heiß
BEDROOM: bedroom bedrooms
BEDROOM: schlafzimmer schlafraum
ROOM: room rooms
ROOM: zimmer raum
RESTLESS: restless restlessly restlessness unsettled agitated agitation
RESTLESS: unruhig unruhige unruhiger unruhe
TOSS: tossing
TOSS: wälze wälzen
MEASURE: measure measures remedy remedies treatment treatments
MEASURE: massnahme massnahmen maßnahme maßnahmen behandlung behandlungen mittel
HELP: help helps helped helping helpful work works worked working improve improves improved improvement
HELP: helfen hilft half geholfen wirken wirkt gewirkt besserung verbesserung bessert bringt gebracht bringen
FREQUENT: frequent frequently often recurrent recurring regularly
FREQUENT: häufig häufige häufigen oft öfter ständig wiederkehrend wiederkehrende regelmässig regelmäßig
PAIN: pain pains ache aches aching hurt hurts hurting painful
PAIN: schmerz schmerzen schmerzt schmerzhaft weh
SORE: sore soreness
MUSCLE SORE: muskelkater
MUSCLE: muscle muscles muscular
MUSCLE: muskel muskeln muskulatur
HARD: hard hardening hardened harden hardens stiff stiffness tense
HARD: hart harte verhärtung verhärtet verhärten steif fest
TONE: tone
TONE: tonus muskeltonus
PALPATION: palpation palpated palpating
PALPATION: abtasten abgetastet tasten
MOVE: move moving movement movements motion
MOVE: bewegen bewege bewegung bewegungen
RESTRICT: restricted restriction restrictions limited
RESTRICT: eingeschränkt eingeschränkte einschränkung begrenzt
MOVE RESTRICT: bewegungseinschränkung
FOOT: foot feet
FOOT: fuss fuß füsse füße
TIPTOE: tiptoe tiptoes
TIPTOE: zehenspitzen zehenspitze
TIPTOE STAND: zehenspitzenstand
STAND: stand standing
STAND: stehen stehe steht
THIGH: thigh thighs
THIGH: oberschenkel
SPREAD: spreading spreads spread radiating radiates radiate
SPREAD: ausstrahlend ausstrahlen strahlt zieht
SUDDEN: sudden suddenly abrupt abruptly
SUDDEN: plötzlich plötzliche plötzlicher schlagartig
DURATION: seconds second minutes minute
DURATION: sekunden sekunde minuten minute
LAST: last lasts lasting lasted
AFTER: after afterwards
AFTER: nach danach nachher
DURING: during
DURING: während beim bei
DRAW: drawing
DRAW: ziehend ziehende ziehender
BITE: biting
BITE: beissend beißend beißende beißender
WORSE: worse worsening
WORSE: schlimmer verschlimmert
RELAX: relax relaxing relaxation
RELAX: entspannen entspanne entspannung
TRY: try tries trying tried attempt attempts
TRY: versuch versuche versuchen versucht
WEIGHT GAIN: gewichtszunahme
LAST: dauern dauert dauerte dauer
FRIGHT: fright frightened terrified scared startled
FRIGHT: erschrecken erschrocken schreck erschreckt
BLOOD: blood
BLOOD: blut
LOW: low lowered decreased reduced deficient deficiency lack
LOW: niedrig niedrige niedriger erniedrigt erniedrigtes vermindert mangel
MAGNESIUM: magnesium
MAGNESIUM LOW: magnesiummangel
CALCIUM: calcium
CALCIUM: kalzium
CALCIUM LOW: calciummangel kalziummangel
POTASSIUM: potassium
POTASSIUM: kalium
SODIUM: sodium
SODIUM: natrium
ELECTROLYTE: electrolyte electrolytes
ELECTROLYTE: elektrolyt elektrolyte elektrolyten
RAISED: raised elevated high increased
RAISED: erhöht erhöhte erhöhter hoch hohe
CREATINE: creatine
CREATINE: creatin kreatin
CREATINE KINASE: ck creatinkinase kreatinkinase
ULTRASOUND: ultrasound sonography doppler
ULTRASOUND: ultraschall sonographie sonografie
VESSEL: vascular vessel vessels
VESSEL: gefäss gefäß gefässe gefäße
VESSEL CHANGE: gefässveränderung gefäßveränderung
CHANGE: change changes changed abnormal
CHANGE: veränderung veränderungen verändert auffällig
"""


def _parse_families(spec: str) -> dict[str, tuple[str, ...]]:
    """word -> concept keys, from ``KEY [KEY...]: word word ...`` lines (a word may repeat across lines)."""
    families: dict[str, tuple[str, ...]] = {}
    for line in spec.strip().splitlines():
        keys, _, words = line.partition(":")
        for word in words.split():
            merged = families.get(word, ()) + tuple(k for k in keys.split() if k not in families.get(word, ()))
            families[word] = merged
    return families


FAMILIES: dict[str, tuple[str, ...]] = _parse_families(_FAMILIES_SPEC)
"""Surface word (lower case, unfolded) -> the concept keys it stands for."""

WEAK_KEYS: frozenset[str] = frozenset({"ONLY", "TAKE"})
"""Keys a name may carry that a text need not repeat ("tap water" matches "tap water only")."""

ENGLISH_HINTS: frozenset[str] = frozenset("the and i my is are was have has do don't not no with at of to in".split())
GERMAN_HINTS: frozenset[str] = frozenset(
    "der die das und ich mein meine ist bin habe nicht kein keine mit bei nachts zu ein eine auch nur".split())
"""Frequent words that tell the two languages apart (language detection)."""

CONNECTIVES: frozenset[str] = frozenset("""
    during after before in from at with while since of by
    bei beim während nach vor in im seit mit durch von vom
""".split())
"""Words that relate two parts of a name ("cramp *during* a marathon"): a finding named by the phrase
next to one stays when a longer name spans both."""
