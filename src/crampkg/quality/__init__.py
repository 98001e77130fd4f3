"""Quality: SHACL shapes and QC queries (:mod:`.validation`), HermiT (:mod:`.owl`), verbatim quotes
and claims (:mod:`.provenance`), the RDF/XML release (:mod:`.release`), the class hierarchy's
entailments (:mod:`.entailment`) and ``crampkg check`` (:mod:`.checks`)."""
