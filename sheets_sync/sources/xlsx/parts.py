"""OOXML plumbing shared by the patcher: namespaces, relationships, parsing and serialising a part."""

from __future__ import annotations

import posixpath

from lxml import etree

from sheets_sync.sources.xlsx.package import Package, PackageError

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
OFFICE_DOCUMENT = f"{REL}/officeDocument"
WORKSHEET_REL = f"{REL}/worksheet"
STYLES_REL = f"{REL}/styles"
TABLE_REL = f"{REL}/table"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_blank_text=False)


def parse(package: Package, name: str) -> etree._Element:
    try:
        return etree.fromstring(package.read(name), _PARSER)
    except etree.XMLSyntaxError as e:
        raise PackageError(f"the part {name} does not parse ({e})") from e


def serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def q(tag: str, ns: str = MAIN) -> str:
    return f"{{{ns}}}{tag}"


def rels_name(part: str) -> str:
    folder, file = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{file}.rels")


def relationships(package: Package, part: str) -> list[etree._Element]:
    """The `<Relationship>` elements of `part` ('' for the package itself); none without a rels part."""
    name = rels_name(part) if part else "_rels/.rels"
    if not package.has(name):
        return []
    return list(parse(package, name).iter(q("Relationship", PACKAGE_REL)))


def target(part: str, relationship: etree._Element) -> str:
    """The part a relationship points at, as a member name."""
    value = relationship.get("Target", "")
    if relationship.get("TargetMode") == "External":
        return ""
    if value.startswith("/"):
        return value.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(part), value))


def workbook_part(package: Package) -> str:
    for relationship in relationships(package, ""):
        if relationship.get("Type") == OFFICE_DOCUMENT:
            return target("", relationship)
    raise PackageError("it has no workbook part")


def add_relationship(package: Package, source: str, kind: str, target_part: str) -> str:
    """Add a relationship from `source` to `target_part`; returns its new Id."""
    name = rels_name(source)
    if package.has(name):
        root = parse(package, name)
    else:
        root = etree.Element(q("Relationships", PACKAGE_REL), nsmap={None: PACKAGE_REL})
    taken = {r.get("Id") for r in root}
    number = len(taken) + 1
    while f"rId{number}" in taken:
        number += 1
    relationship = etree.SubElement(root, q("Relationship", PACKAGE_REL))
    relationship.set("Id", f"rId{number}")
    relationship.set("Type", kind)
    relationship.set("Target", posixpath.relpath(target_part, posixpath.dirname(source) or "."))
    package.write(name, serialize(root))
    return f"rId{number}"


def add_content_type(package: Package, part: str, content_type: str) -> None:
    root = parse(package, "[Content_Types].xml")
    if any(o.get("PartName", "").lstrip("/") == part for o in root.iter(q("Override", CONTENT_TYPES))):
        return
    override = etree.SubElement(root, q("Override", CONTENT_TYPES))
    override.set("PartName", "/" + part)
    override.set("ContentType", content_type)
    package.write("[Content_Types].xml", serialize(root))
