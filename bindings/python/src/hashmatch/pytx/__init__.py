# SPDX-License-Identifier: BSD-3-Clause
"""python-threatexchange extension: libhashmatch's hashing and indexes as
pytx signal types (docs/pytx.md).

Importable only where ``threatexchange`` is installed
(``pip install hashmatch[pytx]``); ``import hashmatch`` never needs it.

- ``PdqSignal``: a drop-in for pytx's ``PdqSignal`` (name "pdq"), with
  ``PdqIndex``; HMA takes it in ``SIGNAL_TYPES`` in place of pytx's.
- ``VpdqSignal``: vPDQ (name "vpdq", pytx's signal string), with ``VpdqIndex``.
- ``TmkPdqfSignal``: TMK+PDQF (name "video_tmk_pdqf"), with ``TmkIndex``.

``TX_MANIFEST`` registers the video types with the pytx command line:
``threatexchange config extensions add hashmatch.pytx``.  It leaves PDQ
out: pytx refuses an extension type named like one of its built-in types.
"""
from threatexchange.extensions.manifest import ThreatExchangeExtensionManifest

from ._index import LibraryIndex
from ._pdq import PDQ_THRESHOLD, PdqIndex, PdqSignal
from ._tmk import TmkIndex, TmkPdqfSignal, TmkSimilarityInfo
from ._vpdq import VpdqIndex, VpdqSignal, VpdqSimilarityInfo

#: pytx's extension manifest (``threatexchange config extensions add hashmatch.pytx``).
TX_MANIFEST = ThreatExchangeExtensionManifest(signal_types=(VpdqSignal, TmkPdqfSignal))

#: Every signal type of the extension, for HMA's ``SIGNAL_TYPES``.
SIGNAL_TYPES = (PdqSignal, VpdqSignal, TmkPdqfSignal)

__all__ = ["PdqSignal", "PdqIndex", "VpdqSignal", "VpdqIndex", "VpdqSimilarityInfo",
           "TmkPdqfSignal", "TmkIndex", "TmkSimilarityInfo", "LibraryIndex", "PDQ_THRESHOLD",
           "TX_MANIFEST", "SIGNAL_TYPES"]
