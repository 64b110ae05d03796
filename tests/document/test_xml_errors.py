"""Malformed and hostile XML: errors with exact positions, never exceptions."""

from __future__ import annotations

from pob_ls.document import ParseLimits, TextRange, parse_document

MINIMAL = '<PathOfBuilding><Build level="90" className="Witch"/></PathOfBuilding>'


def only_error(text: str, limits: ParseLimits | None = None) -> tuple[str, TextRange, str]:
    document = parse_document(text) if limits is None else parse_document(text, limits)
    assert len(document.errors) == 1, document.errors
    error = document.errors[0]
    return error.code, error.range, error.message


def test_minimal_document_is_fine() -> None:
    document = parse_document(MINIMAL)
    assert document.errors == [] and document.build is not None
    assert document.build.level == 90 and document.build.class_name == "Witch"


def test_doctype_is_refused_at_its_position() -> None:
    text = '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">]>\n<PathOfBuilding/>'
    code, span, message = only_error(text)
    assert code == "doctype"
    assert span.start == text.index("<!DOCTYPE") and span.slice(text) == "<!DOCTYPE"
    assert "DTD" in message


def test_entity_declaration_is_refused_at_its_position() -> None:
    text = '<PathOfBuilding>\n  <!ENTITY x "y">\n</PathOfBuilding>'
    code, span, _ = only_error(text)
    assert code == "entity" and span.start == text.index("<!ENTITY")


def test_undefined_entity_reference_is_an_error() -> None:
    text = '<PathOfBuilding><Build className="&lol;"/></PathOfBuilding>'
    code, span, message = only_error(text)
    assert code == "xml-syntax" and span.slice(text) == "&lol;" and "undefined entity" in message


def test_predefined_and_numeric_references_are_decoded() -> None:
    text = (
        '<PathOfBuilding><Build className="A&amp;B &lt;&gt;&quot;&apos; &#65;&#x42;"/>'
        "<Notes>x &amp; y &#233;</Notes></PathOfBuilding>"
    )
    document = parse_document(text)
    assert document.errors == []
    assert document.build is not None and document.build.class_name == "A&B <>\"' AB"
    assert document.notes is not None and document.notes.text == "x & y é"
    value_range = document.build.value_range("className")
    assert value_range is not None and value_range.slice(text) == "A&amp;B &lt;&gt;&quot;&apos; &#65;&#x42;"


def test_bare_ampersand_is_an_error() -> None:
    text = "<PathOfBuilding><Notes>fish & chips</Notes></PathOfBuilding>"
    code, span, _ = only_error(text)
    assert code == "xml-syntax" and span.start == text.index("&")


def test_truncated_file_reports_end_of_input() -> None:
    text = MINIMAL[: MINIMAL.index("</PathOfBuilding>") + 5]
    document = parse_document(text)
    (error,) = document.errors
    assert error.code == "unexpected-eof" and error.range == TextRange(len(text), len(text))
    assert "<PathOfBuilding>" in error.message
    assert document.build is not None and document.build.level == 90


def test_truncated_inside_attribute_value() -> None:
    text = '<PathOfBuilding><Build level="9'
    code, span, message = only_error(text)
    assert code == "unexpected-eof" and span.start == len(text) and "level" in message


def test_mismatched_end_tag_points_at_the_wrong_name() -> None:
    text = "<PathOfBuilding><Build></Items></PathOfBuilding>"
    code, span, message = only_error(text)
    assert code == "mismatched-tag" and span.slice(text) == "Items" and "</Build>" in message


def test_duplicate_attribute_points_at_second_occurrence() -> None:
    text = '<PathOfBuilding><Build level="1" level="2"/></PathOfBuilding>'
    code, span, _ = only_error(text)
    assert code == "xml-syntax" and span.start == text.rindex("level")


def test_unquoted_attribute_value() -> None:
    text = "<PathOfBuilding><Build level=90/></PathOfBuilding>"
    code, span, _ = only_error(text)
    assert code == "xml-syntax" and span.start == text.index("level")


def test_less_than_inside_attribute_value() -> None:
    text = '<PathOfBuilding><Build className="a<b"/></PathOfBuilding>'
    code, span, _ = only_error(text)
    assert code == "xml-syntax" and span.start == text.index("a<b") + 1


def test_invalid_control_character() -> None:
    text = "<PathOfBuilding><Notes>a\x00b</Notes></PathOfBuilding>"
    code, span, message = only_error(text)
    assert code == "invalid-char" and span.start == text.index("\x00") and "U+0000" in message


def test_text_after_root_element() -> None:
    text = MINIMAL + "\ngarbage"
    code, span, _ = only_error(text)
    assert code == "junk" and span.slice(text) == "garbage"


def test_wrong_root_element() -> None:
    code, span, message = only_error("<Build level='1'/>")
    assert code == "wrong-root" and span == TextRange(1, 6) and "<PathOfBuilding>" in message


def test_missing_build_section() -> None:
    code, span, _ = only_error("<PathOfBuilding><Tree/></PathOfBuilding>")
    assert code == "missing-build" and span == TextRange(1, 15)


def test_nesting_depth_limit() -> None:
    text = "<PathOfBuilding>" + "<a>" * 200 + "</a>" * 200 + "</PathOfBuilding>"
    code, _, message = only_error(text)
    assert code == "too-deep" and "100" in message


def test_size_limit_is_configurable() -> None:
    code, span, message = only_error(MINIMAL, ParseLimits(max_chars=10))
    assert code == "too-large" and span == TextRange(0, len(MINIMAL)) and "limit 10" in message


def test_empty_and_blank_inputs() -> None:
    for text in ("", "   \n\t"):
        code, _, _ = only_error(text)
        assert code == "empty"


def test_bytes_with_invalid_utf8_give_an_error() -> None:
    document = parse_document(b"<PathOfBuilding>\xff\xfe</PathOfBuilding>")
    assert document.errors and document.errors[0].code == "invalid-char"


def test_comments_cdata_and_declaration_are_accepted() -> None:
    text = (
        '\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<!-- saved by PoB -->\n'
        "<PathOfBuilding><Build/><Notes><![CDATA[a < b & c]]></Notes></PathOfBuilding>\n"
    )
    document = parse_document(text)
    assert document.errors == []
    assert document.notes is not None and document.notes.text == "a < b & c"


def test_bad_node_id_is_reported_but_parsing_continues() -> None:
    text = '<PathOfBuilding><Build/><Tree><Spec nodes="1, 2x,3"/></Tree></PathOfBuilding>'
    document = parse_document(text)
    (error,) = document.errors
    assert error.code == "bad-value" and error.range.slice(text) == "2x"
    assert document.tree is not None
    nodes = document.tree.specs[0].nodes
    assert [node.node_id for node in nodes] == [1, 3]
    assert [node.range.slice(text) for node in nodes] == ["1", "3"]
