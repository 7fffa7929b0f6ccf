"""The front-end-neutral command layer: one table of commands, one parser, one error path."""
