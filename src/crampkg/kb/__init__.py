"""The knowledge base: vocabulary, records, the index and its builder, stores, ``.rq`` reading, names.

:mod:`.vocab` the schema's terms; :mod:`.model` the typed records and the index built from the
triples; :mod:`.stores` the embedded (pyoxigraph) and remote (SPARQL 1.1) stores; :mod:`.knowledge_base`
the :class:`~crampkg.KnowledgeBase`; :mod:`.resolution` names to ids; :mod:`.rules` the rule set;
:mod:`.queries` the named queries; :mod:`.resources` where the packaged files are.
Nothing here imports the inference, the quality checks or an interface (HTTP, CLI).
"""
