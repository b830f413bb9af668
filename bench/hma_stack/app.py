# SPDX-License-Identifier: BSD-3-Clause
"""HMA's matching stack, for the hashmatchd benchmark (bench/run_hashmatchd.sh).

HMA 1.1.x's matcher (facebook/ThreatExchange hasher-matcher-actioner,
OpenMediaMatch/blueprints/matching.py and hashing.py) is
python-threatexchange's PDQ index (PdqSignal.get_index_cls(): faiss
IndexBinaryMultiHash behind IndexBinaryIDMap2), unpickled by each gunicorn
worker from the index its indexer built, behind Flask. This is our own small
app doing the same work per request, without Postgres:

  GET /m/lookup?signal_type=pdq&signal=HEX
      look the signal type up, validate the signal (validate_signal_str),
      query the index (index.query), map each matched content id to its bank
      and enabled flag, draw HMA's coin flip, answer
      {"BANK": [{"bank_content_id": ID, "distance": "D"}]}.
  POST /m/lookup (multipart, the file in the field "photo")
      save the upload to a temporary file, hash it with each photo signal
      type's hash_from_file (PdqSignal), then look each hash up as above:
      {"pdq": {"BANK": [...]}}.
  GET /status   "I-AM-ALIVE".

Where HMA reads the matched contents' banks from Postgres
(storage.bank_content_get), this app indexes a NumPy array in memory: that
favours HMA (no database round trip per request).

  python app.py build DATA   builds the index from DATA/hashes.npy (ids
                             ID_BASE + row, bank BENCH) and pickles it to
                             DATA/pytx-pdq-index.pickle, as HMA's indexer
                             stores it for the matchers.
  gunicorn 'app:create_app()' with HMA_BENCH_DATA=DATA serves it.
"""

from __future__ import annotations

import os
import pathlib
import pickle
import random
import sys
import tempfile
import time
import typing as t

import numpy as np
from flask import Flask, abort, jsonify, request
from threatexchange.signal_type.index import SignalTypeIndex
from threatexchange.signal_type.pdq.signal import PdqSignal
from threatexchange.signal_type.signal_base import FileHasher, SignalType
from werkzeug.exceptions import HTTPException

ID_BASE = 10_000_000  # as make_data.py
INDEX_FILE = "pytx-pdq-index.pickle"

# HMA's enabled signal types (pdq) and the photo content type's hashers.
SIGNAL_TYPES: dict[str, type[SignalType]] = {PdqSignal.get_name(): PdqSignal}
PHOTO_SIGNAL_TYPES: list[type[SignalType]] = [PdqSignal]


class Banks:
    """Content id -> (bank, enabled): HMA's bank_content_get, in memory."""

    def __init__(self, size: int) -> None:
        self.names = ["BENCH"]
        self.ratio = {"BENCH": 1.0}
        self.bank_of = np.zeros(size, dtype=np.uint8)
        self.enabled = np.ones(size, dtype=np.bool_)

    def get(self, content_ids: t.Iterable[int]) -> list[tuple[int, str]]:
        out = []
        for cid in content_ids:
            row = cid - ID_BASE
            if 0 <= row < self.bank_of.shape[0] and self.enabled[row]:
                out.append((cid, self.names[self.bank_of[row]]))
        return out


def build(data: pathlib.Path) -> None:
    codes = np.load(data / "hashes.npy")
    start = time.monotonic()
    hexes = [row.tobytes().hex() for row in codes]
    index = PdqSignal.get_index_cls().build(zip(hexes, range(ID_BASE, ID_BASE + len(hexes))))
    built = time.monotonic() - start
    with open(data / (INDEX_FILE + ".tmp"), "wb") as f:
        pickle.dump(index, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(data / (INDEX_FILE + ".tmp"), data / INDEX_FILE)
    print(f"pytx {type(index).__name__}: {len(index)} hashes, built in {built:.1f} s", file=sys.stderr)


def create_app() -> Flask:
    data = pathlib.Path(os.environ["HMA_BENCH_DATA"])
    start = time.monotonic()
    with open(data / INDEX_FILE, "rb") as f:
        index: SignalTypeIndex[int] = pickle.load(f)
    banks = Banks(len(index))
    app = Flask(__name__)
    app.logger.warning("worker %d: index of %d loaded in %.1f s", os.getpid(), len(index),
                       time.monotonic() - start)

    @app.errorhandler(HTTPException)
    def api_error(e: HTTPException):  # HMA's api_error_handler
        return jsonify({"message": e.description}), e.code

    def query(signal: str, signal_type_name: str):
        signal_type = SIGNAL_TYPES.get(signal_type_name)
        if signal_type is None:
            abort(400, f"No such SignalType '{signal_type_name}'")
        try:
            signal = signal_type.validate_signal_str(signal)
        except Exception as e:
            abort(400, f"invalid signal: {e}")
        return index.query(signal)

    def lookup(signal: str, signal_type_name: str) -> dict[str, list[dict[str, t.Any]]]:
        by_id = {r.metadata: r for r in query(signal, signal_type_name)}
        contents = banks.get(by_id)
        coinflip = random.Random(request.args.get("seed")).random()
        if request.args.get("bypass_coinflip", "false") == "true":
            coinflip = 0
        wanted = request.args.get("banks")
        wanted_set = set(wanted.split(",")) if wanted else None
        out: dict[str, list[dict[str, t.Any]]] = {}
        for cid, bank in contents:
            if banks.ratio[bank] < coinflip or (wanted_set is not None and bank not in wanted_set):
                continue
            out.setdefault(bank, []).append(
                {"bank_content_id": cid, "distance": by_id[cid].similarity_info.pretty_str()})
        return out

    @app.get("/m/lookup")
    def lookup_get():
        signal = request.args.get("signal")
        signal_type = request.args.get("signal_type")
        if not signal or not signal_type:
            abort(400, "Either url or both signal and signal_type are required")
        return jsonify(lookup(signal, signal_type))

    @app.post("/m/lookup")
    def lookup_post():
        if len(request.files) != 1:
            abort(400, "Only one file allowed per request")
        field, upload = next(iter(request.files.items()))
        if field != "photo":
            abort(400, f"unsupported content type '{field}'")
        hashes = {}
        with tempfile.NamedTemporaryFile("wb") as tmp:
            upload.save(tmp)
            tmp.flush()
            for st in PHOTO_SIGNAL_TYPES:
                if issubclass(st, FileHasher):
                    hashes[st.get_name()] = st.hash_from_file(pathlib.Path(tmp.name))
        return jsonify({name: lookup(value, name) for name, value in hashes.items()})

    @app.get("/status")
    def status():
        return "I-AM-ALIVE"

    return app


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "build":
        sys.exit("usage: python app.py build DATA")
    build(pathlib.Path(sys.argv[2]))
