#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Validate hashcheck's JSON records against docs/hashcheck.schema.json.

    hashcheck_schema.py SCHEMA DIR [KIND...]

DIR holds the outputs kept by hashcheck_keep_json.sh, one file per run,
named N.COMMAND.jsonl (COMMAND: hash, match or compare), one record per
line.  Each record must be valid both as its command's record
(#/$defs/COMMAND_record) and against the schema as published (its oneOf:
exactly one kind of record).  Every KIND named must have at least one
record.  As a check that the schema has teeth, the first record of each
kind must become invalid without its schema_version and with a field the
schema does not describe.  Needs the jsonschema package (Debian:
python3-jsonschema, used when the python3 running this lacks it; PyPI:
jsonschema).  Exit status 0 when all is valid.
"""
import json
import os
import pathlib
import sys
from typing import Any, Dict, List

SYSTEM_PYTHON = "/usr/bin/python3"  # where Debian's python3-jsonschema lives

try:
    import jsonschema
except ImportError:
    if os.path.realpath(sys.executable) != os.path.realpath(SYSTEM_PYTHON) and \
            os.access(SYSTEM_PYTHON, os.X_OK):
        # another python3 comes first in PATH (a pyenv, a venv): try Debian's
        os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON] + sys.argv)
    print("hashcheck_schema: the Python package jsonschema is missing "
          "(apt-get install python3-jsonschema, or pip install jsonschema; "
          "scripts/install-deps.sh installs it)", file=sys.stderr)
    sys.exit(2)

KINDS = ("hash", "match", "compare")


def validators(schema: Dict[str, Any]) -> Dict[str, Any]:
    """The published schema, and one entry point per kind of record."""
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    out = {"any": cls(schema)}
    for kind in KINDS:
        entry = {k: v for k, v in schema.items() if k != "oneOf"}
        entry["$ref"] = "#/$defs/%s_record" % kind
        out[kind] = cls(entry)
    return out


def errors(v: Any, record: Any) -> List[str]:
    return ["%s: %s" % ("/".join(map(str, e.absolute_path)) or "(record)", e.message)
            for e in v.iter_errors(record)]


def main(argv: List[str]) -> int:
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    schema = json.loads(pathlib.Path(argv[1]).read_text(encoding="utf-8"))
    v = validators(schema)
    counts = {k: 0 for k in KINDS}
    outputs = 0
    bad = 0
    first: Dict[str, Any] = {}
    for path in sorted(pathlib.Path(argv[2]).glob("*.jsonl")):
        kind = path.name.split(".")[1]
        if kind not in KINDS:
            print("hashcheck_schema: %s: unknown command" % path.name, file=sys.stderr)
            return 2
        outputs += 1
        for n, line in enumerate(path.read_bytes().decode("utf-8").splitlines(), 1):
            try:
                record = json.loads(line)
            except ValueError as e:
                print("%s:%d: not JSON (%s)" % (path.name, n, e), file=sys.stderr)
                bad += 1
                continue
            errs = errors(v[kind], record) or errors(v["any"], record)
            if errs:
                bad += 1
                print("%s:%d: invalid %s record:\n  %s\n  %s" % (
                    path.name, n, kind, "\n  ".join(errs[:5]), line[:300]), file=sys.stderr)
            counts[kind] += 1
            first.setdefault(kind, record)
    for kind, record in first.items():
        for name, mutant in (
                ("without schema_version",
                 {k: x for k, x in record.items() if k != "schema_version"}),
                ("with an undescribed field", dict(record, undescribed=1))):
            if not errors(v[kind], mutant) or not errors(v["any"], mutant):
                bad += 1
                print("hashcheck_schema: a %s record %s passed the schema" % (kind, name),
                      file=sys.stderr)
    for kind in argv[3:]:
        if not counts.get(kind):
            bad += 1
            print("hashcheck_schema: no %s record was checked" % kind, file=sys.stderr)
    print("hashcheck_schema: %d records in %d outputs (%s): %s" % (
        sum(counts.values()), outputs,
        ", ".join("%s %d" % (k, counts[k]) for k in KINDS),
        "%d invalid" % bad if bad else "all valid"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
