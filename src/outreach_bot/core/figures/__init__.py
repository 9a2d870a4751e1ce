"""The network's figures, counted as funders count them.

``stats``: identified, mobilised and interventions over time, and the funnel of every
campaign and sector. Counts only: nothing here returns personal data.

May import ``storage`` and ``domain`` only.
"""
