"""HTTP: the app factory and its routes (:mod:`.app`), the page (:mod:`.page`, ``static/``), request
limits (:mod:`.limits`), the query and case worker processes (:mod:`.workers`) and their network
isolation (:mod:`.sandbox`)."""
