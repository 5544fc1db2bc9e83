"""Write app/protect/lexicons/forms.json: pymorphy3's lemmas and first letters of the built-in
lexicon entries' Russian words, which LexiconDetector reads instead of asking pymorphy3.

    .venv/bin/python scripts/build-lexicon-forms.py

Run it after editing app/protect/lexicons/*.yaml or upgrading pymorphy3 or its dictionaries;
tests/unit/protect/test_lexicon_forms.py fails until the file matches them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.protect.detectors.lexicon import FORMS_FILE, analysed_forms, builtin_entries

if __name__ == "__main__":
    forms = analysed_forms(builtin_entries())
    FORMS_FILE.write_text(json.dumps(forms, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
