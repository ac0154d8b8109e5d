#!/usr/bin/python3
"""A tiny Llama with Hugging Face's dynamic NTK RoPE ("rope_type": "dynamic") and its PyTorch
reference logits, for jllm-models' LlamaDynamicRopeTest.

Dynamic NTK has no GGUF form (llama.cpp does not implement it), so only an HF checkpoint is
written: jllm-models/src/test/resources/models/llama-dynamic/hf/{config.json, model.safetensors}.

HF semantics (modeling_rope_utils._compute_dynamic_ntk_parameters + the dynamic_rope_update
decorator): a forward pass whose positions end at L tokens uses the plain table while
L <= max_position_embeddings, else base' = theta * (factor * L / max_pos - (factor - 1))^(d/(d-2));
keys already in the cache keep the rotation they were given. So prefill, token-by-token decode
and chunked prefill give different logits past max_position_embeddings, and each has a golden:
  golden.txt          line 1 token ids, then the logits of one prefill of all 20 tokens
  golden-decode.txt   the logits of feeding the 20 tokens one at a time through the cache
  golden-chunked.txt  the logits of prefilling 7 tokens, then 13 over the cache
  greedy.txt          32 greedy tokens after the prompt, generated one at a time through the cache
max_position_embeddings is 16 (the 20-token prompt passes it), factor 4.
"""
import json, math, os, sys
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from family_reference import TOKENS, random_weights, rms, rot, write_safetensors  # noqa: E402

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DIM, LAYERS, HEADS, KV_HEADS, HEAD, FFN, VOCAB = 64, 2, 4, 2, 16, 128, 101
THETA, MAX_POS, FACTOR = 10000.0, 16, 4.0


def inv_freq(length):
    base = THETA
    if length > MAX_POS:
        base = THETA * (FACTOR * length / MAX_POS - (FACTOR - 1)) ** (HEAD / (HEAD - 2))
    return 1.0 / (base ** (torch.arange(0, HEAD, 2).double() / HEAD))


def run(P, tokens, start, cache):
    """Tokens at positions start.. over `cache` (per layer: rotated keys, values); logits per token."""
    T = len(tokens)
    pos = torch.arange(start, start + T).double()
    ang = torch.outer(pos, inv_freq(start + T))
    cos, sin = torch.cat([ang.cos()] * 2, -1), torch.cat([ang.sin()] * 2, -1)
    x = P["tok"].double()[torch.tensor(tokens)]
    i, j = torch.arange(T)[:, None] + start, torch.arange(start + T)[None, :]
    mask = torch.where(j <= i, 0.0, float("-inf")).double()
    for l in range(LAYERS):
        h = rms(x, P[f"{l}.an"])
        q, k, v = (h @ P[f"{l}.{n}"].double().T for n in "qkv")
        q = q.view(T, HEADS, HEAD).transpose(0, 1)
        k = k.view(T, KV_HEADS, HEAD).transpose(0, 1)
        v = v.view(T, KV_HEADS, HEAD).transpose(0, 1)
        q, k = q * cos + rot(q) * sin, k * cos + rot(k) * sin
        ks, vs = cache.get(l, (k[:, :0], v[:, :0]))
        ks, vs = torch.cat([ks, k], 1), torch.cat([vs, v], 1)
        cache[l] = (ks, vs)
        kk, vv = ks.repeat_interleave(HEADS // KV_HEADS, 0), vs.repeat_interleave(HEADS // KV_HEADS, 0)
        att = torch.softmax(q @ kk.transpose(1, 2) / math.sqrt(HEAD) + mask, -1)
        x = x + (att @ vv).transpose(0, 1).reshape(T, HEADS * HEAD) @ P[f"{l}.o"].double().T
        h = rms(x, P[f"{l}.fn"])
        x = x + (torch.nn.functional.silu(h @ P[f"{l}.g"].double().T) * (h @ P[f"{l}.u"].double().T)) @ P[f"{l}.d"].double().T
    return (rms(x, P["norm"]) @ P["out"].double().T).float()


def write_rows(path, rows, header=None):
    with open(path, "w") as f:
        if header is not None:
            f.write(" ".join(map(str, header)) + "\n")
        for row in rows.tolist():
            f.write(" ".join("%.7g" % v for v in row) + "\n")


def main():
    P = random_weights(11, DIM, LAYERS, HEADS, KV_HEADS, HEAD, FFN, VOCAB)
    out = os.path.join(root, "jllm-models", "src", "test", "resources", "models", "llama-dynamic")
    os.makedirs(os.path.join(out, "hf"), exist_ok=True)
    names = {"an": "input_layernorm.weight", "q": "self_attn.q_proj.weight", "k": "self_attn.k_proj.weight",
             "v": "self_attn.v_proj.weight", "o": "self_attn.o_proj.weight", "fn": "post_attention_layernorm.weight",
             "g": "mlp.gate_proj.weight", "u": "mlp.up_proj.weight", "d": "mlp.down_proj.weight"}
    hf = {"model.embed_tokens.weight": P["tok"], "model.norm.weight": P["norm"], "lm_head.weight": P["out"]}
    for key, t in P.items():
        if "." in key:
            l, n = key.split(".")
            hf[f"model.layers.{l}.{names[n]}"] = t
    cfg = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": DIM, "intermediate_size": FFN,
           "num_hidden_layers": LAYERS, "num_attention_heads": HEADS, "num_key_value_heads": KV_HEADS, "head_dim": HEAD,
           "rms_norm_eps": 1e-6, "rope_theta": THETA, "vocab_size": VOCAB, "max_position_embeddings": MAX_POS,
           "rope_scaling": {"rope_type": "dynamic", "factor": FACTOR}, "tie_word_embeddings": False, "torch_dtype": "float32"}
    with open(os.path.join(out, "hf", "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    write_safetensors(os.path.join(out, "hf", "model.safetensors"), hf)

    write_rows(os.path.join(out, "golden.txt"), run(P, TOKENS, 0, {}), TOKENS)
    cache = {}
    write_rows(os.path.join(out, "golden-decode.txt"), torch.cat([run(P, [t], i, cache) for i, t in enumerate(TOKENS)]))
    cache = {}
    write_rows(os.path.join(out, "golden-chunked.txt"), torch.cat([run(P, TOKENS[:7], 0, cache), run(P, TOKENS[7:], 7, cache)]))
    cache, seq = {}, list(TOKENS)
    logits = run(P, TOKENS, 0, cache)[-1]
    for _ in range(32):
        seq.append(int(logits.argmax()))
        logits = run(P, [seq[-1]], len(seq) - 1, cache)[-1]
    with open(os.path.join(out, "greedy.txt"), "w") as f:
        f.write(" ".join(map(str, seq[len(TOKENS):])) + "\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
