"""The tamper-evident audit log of privileged actions (``chain``: append and verify)."""

from lab.audit.chain import AuditLog, AuditRecord, ChainProblem, ChainReport, parse_anchor

__all__ = ["AuditLog", "AuditRecord", "ChainProblem", "ChainReport", "parse_anchor"]
