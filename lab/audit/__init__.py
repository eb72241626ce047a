"""The tamper-evident audit log of privileged actions.

``chain``: append entries and verify the hash chain; ``checkpoints``: signed, write-once
checkpoints of the chain's head in the object store, so truncation and rewrites are caught;
``browse``: the auditor's reading of the log (filters, city dates, pages).
"""

from lab.audit.chain import AuditLog, AuditRecord, ChainProblem, ChainReport, parse_anchor

__all__ = ["AuditLog", "AuditRecord", "ChainProblem", "ChainReport", "parse_anchor"]
