"""``datalab``: ``main`` assembles the command groups, one module per group (``accounts``,
``audit``, ``catalogue``, ``credit``, ``keys``, ``serve``, …); ``context`` opens settings and
services and turns lab errors into one line."""
