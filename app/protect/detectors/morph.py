"""The Russian morphological analyzer (pymorphy3) the lexicon and name detectors share.

One per process, built on first use. pymorphy3 keeps its dictionary in five DAWG files (word
forms, three prediction-suffix tables, P(tag | word); 14 MB) and its pure-Python DAWG reader
(``dawg_python``) copies each into an array: 14.5 MiB of the analyzer's ~23 MiB of private
memory. Here the same units are read in place from the files, mapped read-only: the pages belong
to the kernel's page cache, come in as lookups touch them, are shared by every process on the
host that maps the files, and are dropped under memory pressure without swap. Every analysis is
pymorphy3's own code over the same bytes, so results are those of a stock ``MorphAnalyzer``
(``tests/unit/protect/test_morph.py`` compares the two); lookups cost the same CPU.
"""

from __future__ import annotations

import mmap
import struct
import threading
from typing import BinaryIO

import pymorphy3
import pymorphy3_dicts_ru
from dawg_python import wrapper

__all__ = ["analyzer"]

_LOCK = threading.Lock()
_SHARED: list[pymorphy3.MorphAnalyzer] = []


def _mapped(fp: BinaryIO, size: int) -> memoryview:
    """The next ``size`` bytes of ``fp``, mapped read-only, and ``fp`` moved past them."""
    start = fp.tell()
    mapped = mmap.mmap(fp.fileno(), 0, access=mmap.ACCESS_READ)
    if start + size > len(mapped):
        raise EOFError(f"{fp.name}: DAWG file shorter than its header says")
    fp.seek(start + size)
    return memoryview(mapped)[start : start + size]  # the view keeps the mapping alive


# dawg_python's two readers, same header and layout: a native uint32 count, then that many
# 4-byte units (``Dictionary``) or pairs of bytes (``Guide``), which it copies into an array.
# The views below index like those arrays (an int per item), which is all the DAWG code does.
def _read_units(self: wrapper.Dictionary, fp: BinaryIO) -> None:
    (count,) = struct.unpack("=I", fp.read(4))
    self._units = _mapped(fp, count * 4).cast("I")


def _read_guide(self: wrapper.Guide, fp: BinaryIO) -> None:
    (count,) = struct.unpack("=I", fp.read(4))
    self._units = _mapped(fp, count * 2)


def _load() -> pymorphy3.MorphAnalyzer:
    """A stock analyzer whose DAWGs were read by the mapping readers. The readers are swapped in
    only while it loads, under the lock; another DAWG loaded meanwhile would be mapped too,
    which changes nothing it answers."""
    readers = wrapper.Dictionary.read, wrapper.Guide.read
    wrapper.Dictionary.read, wrapper.Guide.read = _read_units, _read_guide
    try:
        # The dictionary package is a pinned dependency: naming its path skips pymorphy3's
        # search of every installed package's entry points.
        return pymorphy3.MorphAnalyzer(path=pymorphy3_dicts_ru.get_path(), lang="ru")
    finally:
        wrapper.Dictionary.read, wrapper.Guide.read = readers


def analyzer() -> pymorphy3.MorphAnalyzer:
    """The process's analyzer; threads racing on first use build it once."""
    if not _SHARED:
        with _LOCK:
            if not _SHARED:
                _SHARED.append(_load())
    return _SHARED[0]
