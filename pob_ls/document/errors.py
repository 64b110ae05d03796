"""Problems found while reading a document, reported as values rather than exceptions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pob_ls.document.ranges import TextRange

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class DocumentError:
    """One problem with an exact range, so an editor can underline the culprit.

    ``code`` is a stable machine-readable kind (e.g. ``"xml-syntax"``, ``"doctype"``,
    ``"too-large"``, ``"share-code"``, ``"wrong-root"``, ``"missing-build"``).
    """

    message: str
    range: TextRange
    code: str
    severity: Severity = "error"


class XmlSyntaxError(Exception):
    """Raised inside the tokenizer only; the public API converts it into a `DocumentError`."""

    def __init__(self, message: str, span: TextRange, code: str = "xml-syntax") -> None:
        super().__init__(message)
        self.message = message
        self.range = span
        self.code = code

    def to_error(self) -> DocumentError:
        return DocumentError(self.message, self.range, self.code)
