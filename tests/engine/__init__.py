"""The engine tests, one module per topic; shared builders live in ``helpers``."""
