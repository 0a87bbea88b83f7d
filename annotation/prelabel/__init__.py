"""Model pre-labelers: machine suggestions that annotators correct instead of starting empty.

Importing this package is cheap: heavy libraries (torch, transformers, pocketsphinx) are only
imported inside the functions that need them. Use :mod:`annotation.prelabel.registry` to find a
pre-labeler by name and call its ``run``.
"""

from annotation.prelabel.base import ItemResult, PreLabeler

__all__ = ["ItemResult", "PreLabeler"]
