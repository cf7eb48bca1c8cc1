#!/usr/bin/python3
"""Renders the official chat templates (tests/data/prompt/reference.json) with
jinja2 the way transformers' apply_chat_template does (trim_blocks and
lstrip_blocks on, add_generation_prompt=True), re-states InternVL's
conversation code, and compares with every rendering prompt_dump prints.
Combinations the official code cannot express (per-image labels other than
Qwen's add_vision_id) are skipped; the C tests check those against hand-worked
strings. Exact byte equality, no tolerance: these are strings."""
import json
import subprocess
import sys

import jinja2
from jinja2.ext import Extension


class GenerationTag(Extension):
    """transformers' {% generation %} block: renders its body unchanged."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.Scope(body, lineno=lineno)


def env():
    e = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, extensions=[GenerationTag, "jinja2.ext.loopcontrols"])
    return e


def messages(system, n, text, system_as_parts):
    msgs = []
    if system is not None:
        msgs.append({"role": "system",
                     "content": [{"type": "text", "text": system}] if system_as_parts else system})
    content = [{"type": "image"} for _ in range(n)] + [{"type": "text", "text": text}]
    msgs.append({"role": "user", "content": content})
    return msgs


def internvl(ref, system, n, text, labels):
    sys_msg = ref["internvl2_5.system_message"] if system is None else system
    on = labels == 1 or (labels == 0 and n >= 2)
    q = "".join((f"Image-{k}: " if on else "") + "<image>\n" for k in range(1, n + 1)) + text
    roles, sep = ref["internvl2_5.roles"], ref["internvl2_5.sep"]
    # Conversation.get_prompt, SeparatorStyle.MPT
    ret = ref["internvl2_5.system_template"].format(system_message=sys_msg) + sep
    for role, message in [(roles[0], q), (roles[1], None)]:
        ret += role + message + sep if message else role
    return ret


def main():
    ref = json.load(open(sys.argv[1], encoding="utf-8"))
    out = subprocess.run([sys.argv[2]], check=True, capture_output=True).stdout.decode("utf-8")
    e = env()
    qwen = e.from_string(ref["qwen2_vl.chat_template"])
    llava = e.from_string(ref["llava_1_5.chat_template"])
    glm = e.from_string(ref["glm4_1v.chat_template"])
    compared = failed = 0
    for line in out.splitlines():
        r = json.loads(line)
        f, s, lab, n, text = r["format"], r["system"], r["labels"], r["n"], r["text"]
        want = None
        if f == "qwen2-vl" and lab in (0, 1, 2):
            want = qwen.render(messages=messages(s, n, text, False), add_generation_prompt=True,
                               add_vision_id=(lab == 1))
        elif f == "llava-1.5" and lab != 1:
            want = llava.render(messages=messages(s, n, text, True), add_generation_prompt=True)
        elif f == "glm-4.1v" and lab != 1:
            want = glm.render(messages=messages(s, n, text, False), add_generation_prompt=True)
        elif f == "internvl":
            # chat(): a single image without "<image>" in the question gets "<image>\n" prepended;
            # multi-image questions carry "Image-N: <image>\n" lines (InternVL's documented usage).
            want = internvl(ref, s, n, text, lab)
        if want is None:
            continue
        compared += 1
        if want != r["out"]:
            failed += 1
            if failed <= 5:
                print(f"MISMATCH {f} system={s!r} labels={lab} n={n} text={text!r}\n  official: {want!r}\n  ours:     {r['out']!r}")
    print(f"{compared} renderings compared with the official templates, {failed} differ")
    sys.exit(1 if failed or compared < 300 else 0)


if __name__ == "__main__":
    main()
