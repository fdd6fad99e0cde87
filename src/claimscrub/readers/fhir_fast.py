"""FHIR validation that scales with the number of distinct resource shapes, not resources.

``fhir.resources`` builds a Python model object per element (about 1 ms per claim item): a
100,000-item Bundle took minutes.  Its rules come in two kinds:

* rules on *presence and structure* -- unknown keys, required elements, choice types (``x[x]``),
  nulls in lists, JSON types -- which depend only on a resource's **shape** (its keys, nesting and
  JSON types, and its ``resourceType`` values; list lengths left out, since list members are
  validated one by one);
* rules on *primitive values* (a date, a code, a positive integer), each checked on its own.

So the first resource of each shape is validated in full by the library; a later resource of a
known shape only has its primitive values checked against the same field types, each distinct
(type, value) once.  Whatever this walk does not recognise, and any value that fails, goes to the
full validation, so every error message is still the library's own.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import TypeAdapter

MEMO_CHARS = 4000  # objects up to this much JSON text are remembered by their text
_Spec = tuple[str, Any, bool]  # (kind: element | resource | primitive, target, is a list)


def shape(node: Any) -> Any:
    """A hashable summary of everything but the primitive values (JSON as ``json`` parses it)."""
    kind = type(node)
    if kind is dict:
        return frozenset(
            [(k, ("rt", v) if k == "resourceType" and type(v) is str else shape(v)) for k, v in node.items()]
        )
    if kind is list:
        return ("a", frozenset([shape(v) for v in node]))
    return kind


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(inner type, is a list) of ``Optional[List[X]]`` / ``X | None`` / ``X``."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            raise LookupError(annotation)
        annotation = args[0]
    if typing.get_origin(annotation) is list:
        return typing.get_args(annotation)[0], True
    return annotation, False


class ShapeValidator:
    """Remembers the shapes fhir.resources accepted; checks later resources by their values."""

    def __init__(
        self,
        model_for: typing.Callable[[str], Any],
        text_of: typing.Callable[[Any], str | None] = lambda node: None,
    ) -> None:
        self.model_for = model_for
        self.text_of = text_of  # an object's JSON text: objects of equal text are equal
        self._shape_of_text: dict[str, Any] = {}
        self._good_elements: set[tuple[Any, str]] = set()
        self.known: set[Any] = set()
        self.good_values: set[tuple[int, type, Any]] = set()
        self._fields: dict[Any, dict[str, _Spec]] = {}
        self._adapters: dict[Any, TypeAdapter] = {}

    def remember(self, resource: dict[str, Any]) -> None:
        """``resource`` passed the full validation."""
        self.known.add(self.shape(resource))

    def known_valid(self, resource: dict[str, Any]) -> bool:
        """True when ``resource`` is valid by a known shape and good values; False means "run the
        full validation" (not necessarily invalid)."""
        try:
            if self.shape(resource) not in self.known:
                return False
            return self._element_ok(self.model_for(resource["resourceType"]), resource)
        except (LookupError, TypeError, ValueError, AttributeError):
            return False

    def shape(self, node: Any) -> Any:
        """:func:`shape`, remembered per JSON text of small objects (they repeat across claims)."""
        kind = type(node)
        if kind is dict:
            text = self._memo_text(node)
            hit = None if text is None else self._shape_of_text.get(text)
            if hit is None:
                hit = frozenset(
                    [
                        (k, ("rt", v) if k == "resourceType" and type(v) is str else self.shape(v))
                        for k, v in node.items()
                    ]
                )
                if text is not None:
                    self._shape_of_text[text] = hit
            return hit
        if kind is list:
            return ("a", frozenset([self.shape(v) for v in node]))
        return kind

    def _memo_text(self, node: Any) -> str | None:
        text = self.text_of(node)
        return text if text is not None and len(text) <= MEMO_CHARS else None

    def entries_ok(self, bundle_cls: Any, entries: list[Any]) -> bool:
        """Bundle entries (their ``resource`` left out) have good values, by a known shape."""
        kind, entry_cls, _ = self._specs(bundle_cls)["entry"]
        return kind == "element" and all(self._element_ok(entry_cls, e) for e in entries)

    # -- the walk -------------------------------------------------------------------------

    def _specs(self, cls: Any) -> dict[str, _Spec]:
        specs = self._fields.get(cls)
        if specs is None:
            specs = {}
            for name, field in cls.model_fields.items():
                try:
                    inner, is_list = _unwrap(field.annotation)
                except LookupError:  # e.g. fhir_comments: str or list; the full validation judges
                    specs[field.alias or name] = ("unknown", None, False)
                    continue
                klass = getattr(inner, "get_model_klass", None)
                if klass is not None:
                    target = klass()
                    kind = "resource" if target.__name__ in ("Resource", "DomainResource") else "element"
                else:
                    kind, target = "primitive", self._adapter(inner)
                specs[field.alias or name] = (kind, target, is_list)
            self._fields[cls] = specs
        return specs

    def _adapter(self, annotation: Any) -> TypeAdapter:
        adapter = self._adapters.get(annotation)
        if adapter is None:
            adapter = self._adapters[annotation] = TypeAdapter(annotation)
        return adapter

    def _element_ok(self, cls: Any, node: Any) -> bool:
        if not isinstance(node, dict):
            return False
        text = self._memo_text(node)
        if text is not None and (cls, text) in self._good_elements:
            return True
        if not self._fields_ok(cls, node):
            return False
        if text is not None:
            self._good_elements.add((cls, text))
        return True

    def _fields_ok(self, cls: Any, node: dict[str, Any]) -> bool:
        specs = self._specs(cls)
        for key, value in node.items():
            if key == "resourceType":
                continue  # part of the shape
            spec = specs.get(key)
            if spec is None:
                return False
            kind, target, is_list = spec
            if is_list:
                if not isinstance(value, list) or not all(self._one_ok(kind, target, v) for v in value):
                    return False
            elif not self._one_ok(kind, target, value):
                return False
        return True

    def _one_ok(self, kind: str, target: Any, value: Any) -> bool:
        if value is None:
            return True  # where the shape allows a null, the full validation allowed it
        if kind == "element":
            return self._element_ok(target, value)
        if kind == "resource":
            return isinstance(value, dict) and self._element_ok(self.model_for(value["resourceType"]), value)
        if kind != "primitive" or isinstance(value, dict | list):
            return False
        key = (id(target), type(value), value)
        if key in self.good_values:
            return True
        try:
            target.validate_python(value)
        except Exception:  # noqa: BLE001 - any refusal means: let the full validation say why
            return False
        self.good_values.add(key)
        return True
