"""Understanding: the ``NluBackend`` protocol and its two backends.

``embedded`` (a sentence encoder and a linear classifier trained on ``nlu/``),
``rasa_http`` (a Rasa server's ``/model/parse``), ``safety`` (crisis and command rules that
do not trust a classifier), ``data`` and ``evaluation`` (Rasa NLU YAML and its metrics).

May import ``domain`` and the standard and scientific libraries; never ``core`` or above.
"""
