"""Ingest: an uploaded file staged, read, profiled and classified, or rejected whole.

* ``pipeline`` — the one entry point: stage an upload, profile, classify, record the proposal
  (or reject T5); a failure leaves no partial dataset.
* ``sources``  — recognising an upload: a safe name, a supported format, a CSV's encoding.
* ``staging``  — the staging area: uploads copied in with a checksum, read once into Parquet.
* ``readers``  — a source file as chunks of text columns, in bounded memory; ``workbook`` — the
  first sheet of an XLSX file, zip bombs and formulas refused.
* ``profile``  — per-column rows, nulls, distinct counts, ranges and top values, chunk by chunk.
* ``sampling`` — a seeded reservoir sample of rows kept while the table streams past.
* ``scanning`` — a whole staged column scanned for embedded identifiers, batch by batch.
"""
