"""An import-linter contract type the standard ones lack: an allow-list.

`lint-imports` (pyproject.toml, [tool.importlinter]) loads it as `allow-list`: the source
modules may import the standard library, each other and the modules named as allowed, and
nothing else (the domain: no third-party package, nothing of the application).
"""

from __future__ import annotations

import sys
from typing import cast

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def _within(module: str, packages: list[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


class AllowListContract(Contract):
    """Configuration: `source_modules` (packages) and `allowed_modules` (packages they may
    import besides the standard library and themselves)."""

    type_name = "allow-list"

    source_modules = fields.ListField(subfield=fields.StringField())
    allowed_modules = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        # After validation the fields hold the configured lists.
        sources = [str(m) for m in cast(list[object], self.source_modules)]
        extra = cast(list[object] | None, self.allowed_modules) or []
        allowed = sources + [str(m) for m in extra]
        illegal: list[tuple[str, str, list[int]]] = []
        for source in sources:
            for importer in sorted({source} | graph.find_descendants(source)):
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    top = imported.split(".")[0]
                    if top in sys.stdlib_module_names or _within(imported, allowed):
                        continue
                    details = graph.get_import_details(importer=importer, imported=imported)
                    illegal.append((importer, imported, [d["line_number"] for d in details]))
        return ContractCheck(kept=not illegal, metadata={"illegal": illegal})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for importer, imported, lines in check.metadata["illegal"]:
            output.print_error(
                f"- {importer} -> {imported} (l.{', '.join(map(str, lines))}): "
                "neither the standard library nor an allowed module",
                bold=False,
            )
