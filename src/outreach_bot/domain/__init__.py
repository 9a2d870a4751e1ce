"""Pure domain rules: no I/O, no framework, importable from anywhere."""
