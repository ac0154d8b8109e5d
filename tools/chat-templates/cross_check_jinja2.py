#!/usr/bin/env python3
"""Re-renders every golden case with Python's jinja2 set up the way Hugging Face transformers
sets it up for chat templates (sandboxed environment, trim_blocks, lstrip_blocks, loopcontrols,
a `tojson` filter over json.dumps(ensure_ascii=False), `raise_exception`, `strftime_now`).

transformers (Python) is the reference that model authors write templates against;
@huggingface/jinja (render_goldens.mjs) is a second, independent renderer. Where the two agree
the golden is confirmed twice. Where they disagree this script records the jinja2 result as
"python_output"/"python_error" in the golden file and prints the case: jllm follows transformers.

    python3 tools/chat-templates/cross_check_jinja2.py     (after node render_goldens.mjs)
"""
import glob
import json
import os
from datetime import datetime

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
CHAT = os.path.join(HERE, "..", "..", "jllm-tokenizer", "src", "test", "resources", "chat")


class TemplateError(Exception):
    pass


class AssistantTracker(Extension):
    """transformers' {% generation %} block; for rendering it is its body."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_generation_support"), [], [], body).set_lineno(lineno)

    def _generation_support(self, caller):
        return caller()


def raise_exception(message):
    raise TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    # The same call transformers makes for its chat-template `tojson`.
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    return datetime.now().strftime(fmt)


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[AssistantTracker, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def render(env, source, context):
    try:
        return {"output": env.from_string(source).render(**context)}
    except Exception as e:  # a template error or a Python type error: both are the result
        return {"error": str(e)}


def main():
    env = environment()
    disagreements = 0
    for path in sorted(glob.glob(os.path.join(CHAT, "*.goldens.json"))):
        with open(path, encoding="utf-8") as f:
            golden = json.load(f)
        if all("template" in c for c in golden["cases"]):
            sources = None
        else:
            with open(path.replace(".goldens.json", ".jinja"), encoding="utf-8") as f:
                sources = f.read()
        for case in golden["cases"]:
            case.pop("python_output", None)
            case.pop("python_error", None)
            source = case.get("template", sources)
            context = dict(case["context"])
            if golden.get("bos_token") is not None:
                context.setdefault("bos_token", golden["bos_token"])
            if golden.get("eos_token") is not None:
                context.setdefault("eos_token", golden["eos_token"])
            py = render(env, source, context)
            same = ("output" in py and py["output"] == case.get("output")) or ("error" in py and "error" in case)
            if not same:
                disagreements += 1
                for k, v in py.items():
                    case["python_" + k] = v
                print(f"{os.path.basename(path)} {case['name']}: @huggingface/jinja -> "
                      f"{json.dumps(case.get('output', case.get('error')))[:160]} | jinja2 {jinja2.__version__} -> "
                      f"{json.dumps(py.get('output', py.get('error')))[:160]}")
        golden["cross_checked_with"] = f"jinja2 {jinja2.__version__} (transformers' chat-template environment)"
        with open(path, "w", encoding="utf-8") as f:
            f.write(json.dumps(golden, ensure_ascii=False, indent=1) + "\n")
    print(f"{disagreements} case(s) where the two renderers disagree")


if __name__ == "__main__":
    main()
