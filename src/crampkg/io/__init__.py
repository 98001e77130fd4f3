"""Files: case files (:mod:`.cases`), atomic writes and guarded reads (:mod:`.files`), the XML guard
(:mod:`.xml_guard`)."""
