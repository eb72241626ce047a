"""One module per schema migration, chained by ``down_revision``; named ``NNNN_what``."""
