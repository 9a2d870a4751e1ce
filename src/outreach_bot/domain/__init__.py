"""Pure domain rules and parsers: lead statuses, consent, campaign codes, places, and the
form's fields (phone, age, commune).

No I/O and no framework (checked by import-linter), so every layer may import it; it imports
nothing of the project but itself.
"""
