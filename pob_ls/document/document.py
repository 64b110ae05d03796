"""`PobDocument`: the parsed build, its sections, its errors, and lookup of entities by offset."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from pob_ls.document.build_section import Build
from pob_ls.document.config_section import ConfigSection
from pob_ls.document.element import Element, Entity
from pob_ls.document.errors import DocumentError
from pob_ls.document.items_section import ItemsSection
from pob_ls.document.line_index import LineIndex
from pob_ls.document.ranges import TextRange
from pob_ls.document.skills_section import SkillsSection
from pob_ls.document.tree_section import Tree
from pob_ls.document.xml_tree import XmlNode


@dataclass(eq=False)
class Section(Element):
    """A top-level child of ``<PathOfBuilding>``; ``source`` is its exact text, for diffing two versions."""

    source: str = ""

    @property
    def text(self) -> str:
        """Decoded direct text (e.g. the notes)."""
        return self.node.text


@dataclass(eq=False)
class PobDocument:
    """A parsed ``.pob`` file.

    All ranges are offsets into ``text``, the XML. For a share code ``text`` is the decoded XML,
    ``from_share_code`` is True and ``share_code_range`` locates the code in ``source_text``;
    use `source_range` to place diagnostics in the file the user actually edits.
    """

    text: str
    source_text: str
    errors: list[DocumentError] = field(default_factory=list)
    from_share_code: bool = False
    share_code_range: TextRange | None = None
    root: XmlNode | None = None
    sections: list[Section] = field(default_factory=list)
    build: Build | None = None
    tree: Tree | None = None
    items: ItemsSection | None = None
    skills: SkillsSection | None = None
    config: ConfigSection | None = None

    @property
    def ok(self) -> bool:
        return not any(error.severity == "error" for error in self.errors)

    @cached_property
    def line_index(self) -> LineIndex:
        """Line index of ``text`` (the XML the ranges refer to)."""
        return LineIndex(self.text)

    @cached_property
    def source_line_index(self) -> LineIndex:
        """Line index of ``source_text`` (differs from `line_index` for share codes)."""
        return self.line_index if self.source_text is self.text else LineIndex(self.source_text)

    def source_range(self, span: TextRange) -> TextRange:
        """Where ``span`` shows in ``source_text``: itself, or the whole share code it was decoded from."""
        if self.from_share_code and self.share_code_range is not None:
            return self.share_code_range
        return span

    def section(self, tag: str) -> Section | None:
        return next((section for section in self.sections if section.tag == tag), None)

    @property
    def notes(self) -> Section | None:
        return self.section("Notes")

    @property
    def party(self) -> Section | None:
        return self.section("Party")

    @property
    def import_section(self) -> Section | None:
        return self.section("Import")

    @property
    def calcs(self) -> Section | None:
        return self.section("Calcs")

    @property
    def tree_view(self) -> Section | None:
        return self.section("TreeView")

    def top_entities(self) -> Sequence[Entity]:
        """Section models where PoB semantics are known, raw `Section` otherwise."""
        models: dict[str, Entity | None] = {
            "Build": self.build,
            "Tree": self.tree,
            "Items": self.items,
            "Skills": self.skills,
            "Config": self.config,
        }
        entities: list[Entity] = []
        for section in self.sections:
            model = models.get(section.tag)
            entities.append(model if model is not None and model.range == section.range else section)
        return entities

    def entities_at(self, offset: int) -> list[Entity]:
        """Every entity holding ``offset``, outermost first (section, set, group, gem, ...)."""
        chain: list[Entity] = []
        candidates = self.top_entities()
        while candidates:
            best: Entity | None = None
            for candidate in candidates:
                span = candidate.range
                if span.start <= offset < span.end and (best is None or span.length < best.range.length):
                    best = candidate
            if best is None:
                break
            chain.append(best)
            candidates = best.sub_entities()
        return chain

    def entity_at(self, offset: int) -> Entity | None:
        """The innermost entity whose range holds ``offset`` (node id, gem, item line, input, ...)."""
        chain = self.entities_at(offset)
        return chain[-1] if chain else None
