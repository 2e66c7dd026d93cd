#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (scripts/fuzz runs it) from the
repository's own fixtures: the captures' events (tests/fixtures/traces),
the seed dial verbs (tests/fixtures/seeds), the configuration fixtures,
and the RCML documents the RCML tests serve (tests/fixtures has none of
its own: they are read out of src/rcml/tests.rs and tests/rcml_*.rs).

usage: make.py OUT_DIR   (writes OUT_DIR/<target>/<name>)
"""
import json
import os
import pathlib
import re
import sys
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = pathlib.Path(sys.argv[1])
A = "a0000000-0000-4000-8000-000000000001"
LEGS = ["b0000000-0000-4000-8000-000000000001", "b0000000-0000-4000-8000-000000000002"]
# Headers no part of dialbridge reads: dropped so seeds stay small and fast.
NOISE = ("Caller-", "FreeSWITCH-", "Core-UUID", "Event-Date", "Event-Calling",
         "Event-Sequence", "Presence-", "variable_switch_r_sdp", "variable_sip_full_",
         "variable_rtp_", "variable_sip_via", "variable_sip_contact", "variable_DP_MATCH")
# Of the channel variables, those whose names say they carry an outcome.
KEEP_VARS = ("cause", "status", "originate", "bridge", "disposition", "call_id",
             "amd", "dtmf", "refer", "transfer", "answer", "progress", "hangup")


def kept(k):
    if k.startswith(NOISE):
        return False
    return not k.startswith("variable_") or any(w in k for w in KEEP_VARS)


def write(target, name, text):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_text(text)


def events(path):
    """Events of a capture, as dicts."""
    text = path.read_text(errors="replace")
    out = []
    for block in re.split(r"^<<< \+\d+ms len=\d+\n", text, flags=re.M)[1:]:
        block = re.split(r"^(?:>>>|###) ", block, flags=re.M)[0]
        head, _, body = block.partition("\n\n")
        if "text/event-json" in head:
            try:
                out.append(json.loads(body.strip()))
            except ValueError:
                pass
        elif "text/event-plain" in head:
            ev = {}
            for line in body.split("\n"):
                if not line.strip():
                    break
                k, _, v = line.partition(": ")
                ev[k] = urllib.parse.unquote(v)
            if ev:
                out.append(ev)
    return out


def esl_seeds():
    for path in sorted((ROOT / "tests/fixtures/traces").glob("*.esl")):
        evs = events(path)
        if not evs:
            continue
        uuids = []
        for e in evs:
            u = e.get("Unique-ID")
            if u and u not in uuids:
                uuids.append(u)
        names = dict(zip(uuids, [A] + LEGS))
        lines = []
        for e in evs:
            e = {k: v for k, v in e.items() if kept(k)}
            line = json.dumps(e)
            for old, new in names.items():
                line = line.replace(old, new)
            lines.append(line)
        for i in range(0, len(lines), 6):
            write("esl_events", f"{path.stem}.{i // 6}", "\n".join(lines[i:i + 6]) + "\n")


def reply_seeds():
    for path in sorted((ROOT / "tests/fixtures/seeds").glob("*.json")):
        text = path.read_text()
        write("dial_string", path.stem, text)
        write("webhook_reply", path.stem, f"[{text}]")
    for i, verbs in enumerate([
        [{"verb": "answer"}, {"verb": "pause", "length": 1}, {"verb": "hangup"}],
        [{"verb": "say", "text": "hello"}, {"verb": "play", "url": "http://x/a.wav"}],
        [{"verb": "gather", "input": ["digits"], "numDigits": 4, "actionHook": "/g"}],
        [{"verb": "redirect", "actionHook": "/next"}],
        [{"verb": "dial", "target": [{"type": "phone", "number": "+15550000001", "trunk": "proxied"},
                                      {"type": "teams", "number": "+15550000002"},
                                      {"type": "sip", "sipUri": "sip:a@b.example;transport=tcp",
                                       "headers": {"X-A": "b,c"}}],
          "timeout": 20, "confirmHook": "/c", "dialMusic": "http://x/m.wav"}],
    ]):
        write("webhook_reply", f"verbs-{i}", json.dumps(verbs))
        for v in verbs:
            if v["verb"] == "dial":
                write("dial_string", f"verbs-{i}", json.dumps(v))


def config_seeds():
    for path in sorted(ROOT.glob("tests/fixtures/config/*.toml")) + [ROOT / "packaging/dialbridge.toml"]:
        if path.exists():
            write("config", f"{path.parent.name}-{path.name}", path.read_text())


def unescape(lit):
    """A Rust string literal's text: its escapes undone."""
    simple = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'"}

    def one(m):
        e = m.group(1)
        if e.startswith("u{"):
            return chr(int(e[2:-1], 16))
        if e.startswith("\n"):
            return ""
        return simple.get(e, e)

    return re.sub(r"\\(u\{[0-9a-fA-F]+\}|\n\s*|.)", one, lit)


def rcml_seeds():
    """Every <Response> document written as a Rust string literal (raw
    r#"..."# or plain "...", escapes undone) in the RCML tests."""
    paths = [ROOT / "src/rcml/tests.rs"] + sorted(ROOT.glob("tests/rcml_*.rs"))
    n = 0
    for path in paths:
        if not path.exists():
            continue
        text = path.read_text()
        docs = re.findall(r'r#"(\s*<(?:\?xml|Response).*?)"#', text, flags=re.S)
        for lit in re.findall(r'"((?:[^"\\]|\\.)*<Response(?:[^"\\]|\\.)*)"', text):
            docs.append(unescape(lit))
        for doc in docs:
            if "<Response" in doc:
                write("rcml", f"{path.stem}-{n}", doc)
                n += 1


esl_seeds()
reply_seeds()
config_seeds()
rcml_seeds()
