#!/usr/bin/python3
"""A tiny random-weight GPT-2 and its PyTorch reference logits.

GPT-2 (Hugging Face's GPT2LMHeadModel semantics, float64): token + learned position embeddings,
pre-LayerNorm blocks with biases, fused c_attn (q, k, v), causal attention, GELU in its tanh
form (gelu_new), final ln_f, output tied to wte.
Variants:
  gpt2-tiny   GGUF as llama.cpp's converter writes it (gpt2.* keys, Conv1D weights transposed to
              [out, in], attn_qkv / attn_output / ffn_up / ffn_down with biases, position_embd,
              no output.weight: tied) and the same weights as an HF checkpoint in hf/ (Conv1D
              [in, out] weights, config.json with n_embd/n_layer/n_head/n_positions)
  gpt2-q8_0   the same model shape with matrices as ggml Q8_0 blocks and an explicit output.weight
              (a copy of token_embd, as llama.cpp's converter writes it); the reference runs on
              the dequantized weights
Writes jllm-models/src/test/resources/models/<variant>/{model.gguf, golden.txt, greedy.txt}.
"""
import json, math, os
import torch
from gguf_io import demo_tokenizer, demo_path, FIXTURES, U32, F32, STRING, write_gguf, write_golden, write_safetensors, dequantized, causal_mask

EPS = 1e-5

def build(name, dim=64, layers=2, heads=4, vocab=101, ctx=64, quantize=False, seed=0, demo=None):
    tok_kv = []
    if demo:  # a demo file for the CLI: jllm's Brown 1k BPE tokenizer inside, vocab sized to it
        tok_kv, vocab = demo_tokenizer()
    ffn = 4 * dim
    g = torch.Generator().manual_seed(seed)
    w = lambda *s, scale=0.08: (torch.randn(*s, generator=g) * scale).float()
    # HF layout: Conv1D weights are [in, out]
    P = {"wte": w(vocab, dim, scale=0.5), "wpe": w(ctx, dim, scale=0.2), "lnf.w": 1 + w(dim, scale=0.1), "lnf.b": w(dim, scale=0.1)}
    for l in range(layers):
        P.update({f"{l}.ln1.w": 1 + w(dim, scale=0.1), f"{l}.ln1.b": w(dim, scale=0.1),
                  f"{l}.attn.w": w(dim, 3 * dim), f"{l}.attn.b": w(3 * dim, scale=0.2),
                  f"{l}.proj.w": w(dim, dim), f"{l}.proj.b": w(dim, scale=0.1),
                  f"{l}.ln2.w": 1 + w(dim, scale=0.1), f"{l}.ln2.b": w(dim, scale=0.1),
                  f"{l}.fc.w": w(dim, ffn), f"{l}.fc.b": w(ffn, scale=0.1),
                  f"{l}.mproj.w": w(ffn, dim), f"{l}.mproj.b": w(dim, scale=0.1)})
    # Q8_0 blocks run along the GGUF row ([out, in]): quantize the transposed weights, then transpose back.
    if quantize:
        T = {k: (t.T.contiguous() if k.endswith(".w") and t.dim() == 2 else t) for k, t in P.items()}
        T = dequantized(T, True)
        R = {k: (t.T.contiguous() if k.endswith(".w") and t.dim() == 2 else t) for k, t in T.items()}
    else:
        R = P
    D = lambda k: R[k].double()

    def ln(x, wk, bk):
        return torch.nn.functional.layer_norm(x, (dim,), D(wk), D(bk), EPS)

    def gelu_new(x):
        return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x.pow(3))))

    def forward(tokens):
        T = len(tokens)
        hd = dim // heads
        x = D("wte")[torch.tensor(tokens)] + D("wpe")[:T]
        for l in range(layers):
            h = ln(x, f"{l}.ln1.w", f"{l}.ln1.b")
            q, k, v = (h @ D(f"{l}.attn.w") + D(f"{l}.attn.b")).split(dim, -1)
            q, k, v = (t.view(T, heads, hd).transpose(0, 1) for t in (q, k, v))
            att = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(hd) + causal_mask(T), -1)
            x = x + (att @ v).transpose(0, 1).reshape(T, dim) @ D(f"{l}.proj.w") + D(f"{l}.proj.b")
            h = ln(x, f"{l}.ln2.w", f"{l}.ln2.b")
            x = x + gelu_new(h @ D(f"{l}.fc.w") + D(f"{l}.fc.b")) @ D(f"{l}.mproj.w") + D(f"{l}.mproj.b")
        return ln(x, "lnf.w", "lnf.b") @ D("wte").T

    kv = [("general.architecture", STRING, "gpt2"), ("gpt2.context_length", U32, ctx), ("gpt2.embedding_length", U32, dim),
          ("gpt2.feed_forward_length", U32, ffn), ("gpt2.block_count", U32, layers), ("gpt2.attention.head_count", U32, heads),
          ("gpt2.attention.layer_norm_epsilon", F32, EPS)]
    T = [("token_embd.weight", P["wte"]), ("position_embd.weight", P["wpe"]),
         ("output_norm.weight", P["lnf.w"]), ("output_norm.bias", P["lnf.b"])]
    if quantize:
        T.append(("output.weight", P["wte"]))
    for l in range(layers):
        b = f"blk.{l}."
        T += [(b + "attn_norm.weight", P[f"{l}.ln1.w"]), (b + "attn_norm.bias", P[f"{l}.ln1.b"]),
              (b + "attn_qkv.weight", P[f"{l}.attn.w"].T), (b + "attn_qkv.bias", P[f"{l}.attn.b"]),
              (b + "attn_output.weight", P[f"{l}.proj.w"].T), (b + "attn_output.bias", P[f"{l}.proj.b"]),
              (b + "ffn_norm.weight", P[f"{l}.ln2.w"]), (b + "ffn_norm.bias", P[f"{l}.ln2.b"]),
              (b + "ffn_up.weight", P[f"{l}.fc.w"].T), (b + "ffn_up.bias", P[f"{l}.fc.b"]),
              (b + "ffn_down.weight", P[f"{l}.mproj.w"].T), (b + "ffn_down.bias", P[f"{l}.mproj.b"])]
    if demo:
        write_gguf(demo, kv + tok_kv, T, quantize)
        print("wrote", demo)
        return
    out = os.path.join(FIXTURES, name)
    os.makedirs(out, exist_ok=True)
    write_gguf(os.path.join(out, "model.gguf"), kv, T, quantize)
    if not quantize:
        hf = {"wte.weight": P["wte"], "wpe.weight": P["wpe"], "ln_f.weight": P["lnf.w"], "ln_f.bias": P["lnf.b"]}
        names = {"ln1.w": "ln_1.weight", "ln1.b": "ln_1.bias", "attn.w": "attn.c_attn.weight", "attn.b": "attn.c_attn.bias",
                 "proj.w": "attn.c_proj.weight", "proj.b": "attn.c_proj.bias", "ln2.w": "ln_2.weight", "ln2.b": "ln_2.bias",
                 "fc.w": "mlp.c_fc.weight", "fc.b": "mlp.c_fc.bias", "mproj.w": "mlp.c_proj.weight", "mproj.b": "mlp.c_proj.bias"}
        for key, t in P.items():
            l, _, n = key.partition(".")
            if l.isdigit():
                hf[f"h.{l}.{names[n]}"] = t
        os.makedirs(os.path.join(out, "hf"), exist_ok=True)
        cfg = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_embd": dim, "n_layer": layers, "n_head": heads,
               "n_positions": ctx, "n_ctx": ctx, "n_inner": None, "vocab_size": vocab, "layer_norm_epsilon": EPS,
               "activation_function": "gelu_new", "tie_word_embeddings": True}
        with open(os.path.join(out, "hf", "config.json"), "w") as f:
            json.dump(cfg, f, indent=1)
        write_safetensors(os.path.join(out, "hf", "model.safetensors"), hf)
    write_golden(out, forward)

if __name__ == "__main__":
    if demo_path():
        build("gpt2-demo", seed=31, demo=demo_path())
        raise SystemExit
    build("gpt2-tiny", seed=31)
    build("gpt2-q8_0", quantize=True, seed=32)
