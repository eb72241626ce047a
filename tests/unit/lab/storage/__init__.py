"""Tests of lab.storage: one contract for every object-store backend."""
