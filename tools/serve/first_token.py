#!/usr/bin/python3
"""Sends N concurrent streamed chat requests to a jllm (or any OpenAI-compatible) server and
prints the median and max time to the first content token and to the last byte, in ms.
usage: first_token.py URL [N] [MAX_TOKENS]   (used by warmup_burst.sh)"""
import json, sys, threading, time, urllib.request

url, n, max_tokens = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 8, int(sys.argv[3]) if len(sys.argv) > 3 else 32
first, total = [], []
with urllib.request.urlopen(url + "/v1/models", timeout=60) as r:  # the served model's id (a wrong one is a 404)
    model = json.load(r)["data"][0]["id"]

def one(i):
    body = json.dumps({"model": model, "stream": True, "max_tokens": max_tokens,
                       "messages": [{"role": "user", "content": f"Tell me about the river number {i}."}]}).encode()
    req = urllib.request.Request(url + "/v1/chat/completions", body, {"Content-Type": "application/json"})
    t0 = time.perf_counter()
    got = None
    with urllib.request.urlopen(req, timeout=600) as r:
        for line in r:
            line = line.strip()
            if got is None and line.startswith(b"data: {"):
                delta = json.loads(line[6:])["choices"][0]["delta"]
                if delta.get("content"):
                    got = time.perf_counter() - t0
    if got is None:
        raise SystemExit("request %d streamed no content" % i)
    first.append(got)
    total.append(time.perf_counter() - t0)

threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
for t in threads: t.start()
for t in threads: t.join()
med = lambda v: sorted(v)[(len(v) - 1) // 2]
print("first token median %.0f ms, max %.0f ms; whole answer median %.0f ms" % (1000 * med(first), 1000 * max(first), 1000 * med(total)))
