"""Personal-data detectors: one module per family, all behind the :class:`Detector` seam.

This package only re-exports them for callers outside ``app.protect``; the modules inside
import each other's concrete modules, never this package, so no import runs in a circle.
"""

from app.protect.detectors.base import Detector, DetectorUnavailableError
from app.protect.detectors.email import EmailDetector
from app.protect.detectors.lexicon import SPECIAL_CATEGORIES, LexiconDetector, load_lexicon
from app.protect.detectors.name_rules import RuleNameDetector
from app.protect.detectors.names import NatashaNameDetector
from app.protect.detectors.network import IpDetector
from app.protect.detectors.patterns import PatternDetector
from app.protect.detectors.payment import CardDetector, IbanDetector
from app.protect.detectors.phone import PhoneDetector, phone_region
from app.protect.detectors.ru_ids import RussianIdDetector

__all__ = [
    "SPECIAL_CATEGORIES",
    "CardDetector",
    "Detector",
    "DetectorUnavailableError",
    "EmailDetector",
    "IbanDetector",
    "IpDetector",
    "LexiconDetector",
    "NatashaNameDetector",
    "PatternDetector",
    "PhoneDetector",
    "RuleNameDetector",
    "RussianIdDetector",
    "load_lexicon",
    "phone_region",
]
