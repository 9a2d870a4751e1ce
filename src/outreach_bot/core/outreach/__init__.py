"""Going where young people are: campaigns with their QR codes, and the places the team visits.

``campaigns`` (events with a code, posters, what each produced), ``places`` (offices,
permanences and events young people can come to), ``qr`` (the codes as PNG, SVG and a
matrix for posters).

May import ``core.figures``, ``storage`` and ``domain``.
"""
