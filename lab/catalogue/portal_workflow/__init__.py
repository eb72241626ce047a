"""What the portal's visitors start and the stewards answer, on a working-day clock.

* ``applications`` — applications for conditional (T2) data: submit, check, decide, report use.
* ``feedback``     — suggestions (意见建议) and data corrections (数据纠错) with their answers.
* ``feedback_lookup`` — the number-and-code lookup of a note's answer (only the code's hash kept).
* ``working_days`` — the 5-working-day answer clock (``work_calendar.toml``: make-up days).
"""
