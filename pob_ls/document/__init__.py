"""Layer 2: the `.pob` build file with source positions.

`parse_document` turns PoB build XML (or a share code) into a `PobDocument` whose model objects
all carry exact source ranges; problems come back as `DocumentError` values, never exceptions.
"""

from pob_ls.document.build_section import Build, BuildStat
from pob_ls.document.config_section import ConfigInput, ConfigSection, ConfigSet
from pob_ls.document.document import PobDocument, Section
from pob_ls.document.element import Element, Entity
from pob_ls.document.errors import DocumentError
from pob_ls.document.items_section import Item, ItemLine, ItemSet, ItemsSection, ModRange, Slot
from pob_ls.document.line_index import LineIndex, LspPosition
from pob_ls.document.parse import DEFAULT_LIMITS, ParseLimits, parse_document
from pob_ls.document.ranges import TextRange, replace_range
from pob_ls.document.share_code import ShareCodeError, decode_share_code, encode_share_code
from pob_ls.document.skills_section import Gem, SkillSet, SkillsSection, SocketGroup
from pob_ls.document.text_lines import TextLine
from pob_ls.document.tree_section import MasteryEffect, NodeOverride, NodeRef, Spec, Tree, TreeSocket
from pob_ls.document.xml_tree import Attribute, TextSegment, XmlNode

__all__ = [
    "DEFAULT_LIMITS",
    "Attribute",
    "Build",
    "BuildStat",
    "ConfigInput",
    "ConfigSection",
    "ConfigSet",
    "DocumentError",
    "Element",
    "Entity",
    "Gem",
    "Item",
    "ItemLine",
    "ItemSet",
    "ItemsSection",
    "LineIndex",
    "LspPosition",
    "MasteryEffect",
    "ModRange",
    "NodeOverride",
    "NodeRef",
    "ParseLimits",
    "PobDocument",
    "Section",
    "ShareCodeError",
    "SkillSet",
    "SkillsSection",
    "Slot",
    "SocketGroup",
    "Spec",
    "TextLine",
    "TextRange",
    "TextSegment",
    "Tree",
    "TreeSocket",
    "XmlNode",
    "decode_share_code",
    "encode_share_code",
    "parse_document",
    "replace_range",
]
